from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles.models import published_article
from articles.pages import NO_ARTICLE, render_article
from comments import ownership
from comments.confirmations import confirm, insert_in_comment, notice_html
from comments.cooling import reply_conditions
from comments.forms import CommentEditForm, CommentForm, PreviewForm, ReportForm
from comments.locations import comment_location
from comments.markup import render_markdown
from comments.models import Comment
from comments.pages import (
    reply_page,
    shared_reply_page,
    shared_thread_page,
    thread_page,
    visible_comment,
)
from comments.readers import OWN_COOKIE, remember_pending, remember_posted, reporter_key, store_own_comments
from comments.render import render_items
from comments.services import (
    CommentRefused,
    delete_own_comment,
    edit_comment,
    report_comment,
)
from comments.services.submitting import Outcome, Submission, submit_comment
from comments.templatetags.cooling import cooling_notices_html
from comments.tree_items import ThreadItem
from config.client import client_network
from notifications.services import request_reply_subscription, turn_on_reply_emails
from pagecache.store import is_shared
from protection import ratelimit
from protection.refusals import log_refusal


def wants_fragment(request) -> bool:
    """The progressive-enhancement script asks for page fragments instead of whole pages."""
    return "text/html+fragment" in request.headers.get("Accept", "") or request.headers.get(
        "X-Requested-With"
    ) in {"fetch", "XMLHttpRequest"}


def reply_auto_id(parent_pk) -> str:
    """Field ids of an inline reply form: unique on a page that holds several forms."""
    return f"reply{parent_pk}_%s"


def _form_fragment(request, form, article, *, status):
    html = render_to_string(
        "comments/_form.html",
        {"form": form, "action": _add_url(article), "article": article},
        request=request,
    )
    return HttpResponse(html, status=status)


def _add_url(article) -> str:
    return reverse("comments:add", args=[article.slug])


def render_comment_fragment(request, comment: Comment, *, status=200, notice: str = "") -> HttpResponse:
    """One comment as the thread shows it (an <li> in an <ol>), for the script to put in place;
    with `notice` ("check your inbox") inside it, where the writer is (issue 20)."""
    editable, deletable = ownership.own_comment_pks(request, [comment])
    item = ThreadItem(comment=comment, awaiting=comment.status == Comment.Status.PENDING)
    html = render_items(comment.article, [item], editable=editable, deletable=deletable)
    if notice:
        html = insert_in_comment(html, comment.pk, notice_html(notice, focus=False)) or html
    return HttpResponse(f'<ol class="comments">{html}</ol>', status=status)


# What each refusal answers: the form's input is wrong (400), it conflicts with what is stored
# or with the rules (409), or it comes too often (429).
REFUSAL_STATUS = {
    Outcome.BAD_PARENT: 400,
    Outcome.DUPLICATE: 409,
    Outcome.REFUSED: 409,
    Outcome.TOO_OFTEN: 429,
    Outcome.WOULD_BE_HELD: 409,
}


@require_POST
def add_comment(request, slug):
    """Post a comment or a reply; on success land on it, on error show the form again (4xx).

    The page's script asks for fragments: then the answer is the new comment's <li>, or the
    form with its errors, instead of a whole page.
    """
    article = published_article(slug)  # one query, compiled once; its text shows the form again
    if article is None:
        raise Http404(NO_ARTICLE)
    fragment = wants_fragment(request)
    parent_value = request.POST.get("parent", "")
    auto_id = reply_auto_id(parent_value) if fragment and parent_value.isdigit() else "id_%s"
    form = CommentForm(request.POST, article=article, user=request.user, auto_id=auto_id)
    if form.is_valid():
        submission = submit_comment(request, article=article, **form.service_kwargs())
        if not submission.refused:
            return _landed(
                request, submission, notify=form.cleaned_data.get("notify_replies"), fragment=fragment
            )
        form.add_error(None, submission.message)
        if submission.outcome is Outcome.WOULD_BE_HELD:
            form.confirm_hold()  # the form comes back once: sent again, it is stored as held
        status = REFUSAL_STATUS[submission.outcome]
    else:
        if form.refusal:
            reason, detail = form.refusal
            log_refusal(request, reason=reason, detail=detail, excerpt=request.POST.get("body", ""))
        status = 400
    if fragment:
        response = _form_fragment(request, form, article, status=status)
    else:
        response = _refused_page(request, article, form, parent_value, status=status)
    if status == 429:
        response["Retry-After"] = str(submission.retry_after)
    return response


def _refused_page(request, article, form, parent_value: str, *, status: int) -> HttpResponse:
    """A refused form without JavaScript, on a short page of its own: a reply on the reply page
    (the parent quoted), a comment on a "your comment" page. The error summary is focused as the
    page loads (autofocus) and read out; on the whole article page the form sat below a long
    discussion whose comments render as they come into view (content-visibility), so the browser
    could not scroll to it reliably. Comments closed meanwhile: the article page says so."""
    parent_value = parent_value.strip()
    if parent_value.isdigit() and len(parent_value) <= 18:
        parent = (
            Comment.objects.select_related("article").filter(pk=int(parent_value), article=article).first()
        )
        if parent is not None:
            return reply_page(request, parent, form=form, status=status)
    if not article.is_accepting_comments:
        return render_article(request, article, form=form, status=status)
    return render(request, "comments/post_again.html", {"article": article, "form": form}, status=status)


def _landed(request, submission: Submission, *, notify: bool, fragment: bool):
    """The writer lands on their comment; their own is remembered for them (a signed cookie)."""
    comment = submission.comment
    if not submission.mine:
        response = HttpResponseRedirect(submission.landing)
        if fragment:  # the script follows the landing (issue 20)
            response = HttpResponse(status=204)
            response["X-Comment-Location"] = submission.landing
        return response
    notice = ""
    if notify:
        notice = reply_emails_notice(request, comment)
    if comment.status == Comment.Status.PENDING:
        remember_pending(request, comment)
    if not request.user.is_authenticated:
        remember_posted(request, comment)
    if fragment:
        response = render_comment_fragment(request, comment, status=201, notice=notice)
        response["X-Comment-Location"] = submission.landing
    else:
        if notice:
            confirm(request, notice, comment_pk=comment.pk)
        # The landing is a path already: redirect() would first try it as a URL name (reverse()).
        response = HttpResponseRedirect(submission.landing)
    store_own_comments(request, response)  # a signed cookie: no session row to write (issue 9)
    return response


def reply_emails_notice(request, comment: Comment) -> str:
    """Act on "Notify me when someone replies": a guest confirms by email; a member's reply
    emails are turned on (issue 20). Returns what to tell the writer ("" for nothing)."""
    if request.user.is_authenticated:
        return turn_on_reply_emails(request.user)
    if request_reply_subscription(comment):
        return "Check your inbox: we sent a link to confirm reply notifications."
    return ""


@require_GET
def comment_thread(request, pk):
    """One comment with its ancestors as context and its replies below: the permalink page."""
    if is_shared(request):
        return shared_thread_page(request, pk)
    return thread_page(request, pk)


@require_GET
def reply(request, pk):
    """Reply without JavaScript: the parent quoted, then the form. The script asks for the form alone."""
    if not wants_fragment(request):
        # A guest's own-comments cookie leaves the reply page shared: it shows none of them.
        if is_shared(request, unseen=frozenset({OWN_COOKIE})):
            response = shared_reply_page(request, pk)
        else:
            response = reply_page(request, visible_comment(pk))
    else:
        parent = visible_comment(pk)
        article = parent.article
        form, notices, locked = None, [], ""
        if parent.is_approved and article.is_accepting_comments:
            # issue 21: slow mode and speed limits said before typing; a lock instead of the form
            notices, locked = reply_conditions(article, parent, user=request.user)
            if not locked:
                auto_id = reply_auto_id(parent.pk)
                form = CommentForm(
                    article=article, user=request.user, initial={"parent": parent.pk}, auto_id=auto_id
                )
        if form is None:
            message = escape(locked or "This comment cannot take replies.")
            response = HttpResponse(f'<p class="notice">{message}</p>', status=409)
        else:
            response = _form_fragment(request, form, article, status=200)
            if notices:
                response.content = cooling_notices_html(notices).encode() + response.content
    patch_vary_headers(response, ["Accept", "X-Requested-With"])
    return response


@require_POST
@ratelimit.ratelimit("preview")
def preview(request):
    """The comment text rendered exactly as it will be stored (same renderer); nothing is saved."""
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            f"<p class='error'>Your comment is too long: keep it under {settings.COMMENT_MAX_LENGTH} "
            "characters.</p>",
            status=400,
        )
    html = render_markdown(form.cleaned_data["body"]) or '<p class="placeholder">Nothing to preview yet.</p>'
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return response


def _own_comment(request, pk, check) -> Comment:
    comment = visible_comment(pk)
    if not check(request, comment):
        raise PermissionDenied("Only its author can change this comment, and only for a short while.")
    return comment


@require_http_methods(["GET", "POST"])
def edit(request, pk):
    """The author rewrites a comment within the edit window; it is then marked edited."""
    comment = _own_comment(request, pk, ownership.can_edit)
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            comment = edit_comment(comment, body=form.cleaned_data["body"])
        except CommentRefused as refusal:
            form.add_error(None, refusal)
        else:
            confirm(request, "Your comment was updated.", comment_pk=comment.pk)
            return redirect(comment_location(comment))
    status = 400 if form.is_bound else 200
    return render(
        request,
        "comments/edit.html",
        {"comment": comment, "form": form, "edit_minutes": settings.COMMENT_EDIT_MINUTES},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def delete(request, pk):
    """The author takes a comment back; a placeholder stays if it has replies."""
    comment = _own_comment(request, pk, ownership.can_delete)
    if request.method == "POST":
        article, parent_id = comment.article, comment.parent_id
        placeholder = delete_own_comment(comment)
        # Where the reader was: the placeholder it leaves, or the comment it replied to (issue 20).
        near = placeholder or (Comment.objects.filter(pk=parent_id).first() if parent_id else None)
        if near is None:
            confirm(request, "Your comment was deleted.")
            return redirect(f"{article.get_absolute_url()}#discussion")
        confirm(request, "Your comment was deleted.", comment_pk=near.pk)
        return redirect(comment_location(near))
    return render(request, "comments/delete.html", {"comment": comment})


@require_http_methods(["GET", "POST"])
@ratelimit.ratelimit("report")
def report(request, pk):
    """Report a comment to the moderators, without JavaScript: a small form on its own page."""
    comment = visible_comment(pk)
    if not comment.is_approved:
        return render(request, "comments/report.html", {"comment": comment, "form": None}, status=404)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        status = 400 if form.is_bound else 200
        return render(request, "comments/report.html", {"comment": comment, "form": form}, status=status)
    try:
        _, hidden = report_comment(
            comment,
            reporter_key=reporter_key(request),
            user=request.user,
            network=client_network(request),
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"].strip(),
        )
    except CommentRefused as refusal:
        form.add_error(None, refusal)
        return render(request, "comments/report.html", {"comment": comment, "form": form}, status=409)
    if hidden:
        confirm(request, "Thank you: the comment is hidden until a moderator reviews it.")
    else:
        confirm(request, "Thank you: a moderator will look at the comment.", comment_pk=comment.pk)
    return redirect(
        comment.article.get_absolute_url() + ("#discussion" if hidden else f"#comment-{comment.pk}")
    )
