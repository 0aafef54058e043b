import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles.models import Article, published_article
from articles.shared_page import SplicedPage, accepts_gzip, is_shared, shared_entry, shared_response
from articles.views import NO_ARTICLE, render_article
from comments import ownership
from comments.forms import CommentEditForm, CommentForm, PreviewForm, ReportForm
from comments.markup import render_markdown
from comments.models import Comment
from comments.readers import own_pending, remember_pending, remember_posted, reporter_key, store_own_comments
from comments.services import (
    CommentRefused,
    ParentRefused,
    delete_own_comment,
    edit_comment,
    first_with_token_or_raise,
    post_comment,
    report_comment,
)
from comments.threads import RENDER_VERSION, ThreadItem, render_items, subtree_items
from config.client import client_ip, client_network
from config.prepared import PreparedValues
from notifications.services import request_reply_subscription
from pagecache.snapshot import one_snapshot
from protection import ratelimit
from protection.duplicates import (
    Repeat,
    author_key,
    duplicate_message,
    find_duplicate,
    judge_repeat,
    lock_author,
    same_author,
)
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


def render_comment_fragment(request, comment: Comment, *, status=200) -> HttpResponse:
    """One comment as the thread shows it (an <li> in an <ol>), for the script to put in place."""
    editable, deletable = ownership.own_comment_pks(request, [comment])
    item = ThreadItem(comment=comment, awaiting=comment.status == Comment.Status.PENDING)
    html = render_items(comment.article, [item], editable=editable, deletable=deletable)
    return HttpResponse(f'<ol class="comments">{html}</ol>', status=status)


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

    def refuse(status: int):
        if fragment:
            return _form_fragment(request, form, article, status=status)
        return render_article(request, article, form=form, status=status)

    if not form.is_valid():
        if form.refusal:
            reason, detail = form.refusal
            log_refusal(request, reason=reason, detail=detail, excerpt=request.POST.get("body", ""))
        return refuse(400)
    kwargs = form.service_kwargs()
    author = author_key(user=request.user, author_email=kwargs["author_email"])
    try:
        with transaction.atomic():
            lock_author(author)
            duplicate = find_duplicate(
                user=request.user,
                author_email=kwargs["author_email"],
                body=kwargs["body"],
                submission_token=kwargs["submission_token"],
            )
            repeat = judge_repeat(request, duplicate, **_who(kwargs))
            if repeat is Repeat.FIRST:
                return redirect(duplicate)  # this very form, sent twice: land on the first
            if repeat is not Repeat.NONE:
                _refuse_duplicate(request, form, duplicate, repeat)
                return refuse(409)
            ratelimit.hit(request, "comment", account=author)
            comment = post_comment(
                article=article,
                user=request.user,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                **kwargs,
            )
    except IntegrityError as error:
        # This form's token is stored already: its twin, sent under another author (an edited
        # email), passed the author's lock and the duplicate check. Land on the first comment
        # for all; only its own author gets its edit rights (a cookie naming the comment).
        comment = first_with_token_or_raise(kwargs["submission_token"], error)
        if not same_author(comment, user=request.user, author_email=kwargs["author_email"]):
            return redirect(comment)
    except ratelimit.RateLimited as error:
        form.add_error(None, f"You are posting too often. {error.message} Your text is kept below.")
        log_refusal(request, reason="rate_limit", detail=f"comment: {error.message}", excerpt=kwargs["body"])
        response = refuse(429)
        response["Retry-After"] = str(error.retry_after)
        return response
    except ParentRefused as refusal:
        form.add_error(None, refusal)
        return refuse(400)
    except CommentRefused as refusal:
        form.add_error(None, refusal)
        return refuse(409)
    if form.cleaned_data.get("notify_replies") and request_reply_subscription(comment):
        messages.info(request, "Check your inbox: we sent a link to confirm reply notifications.")
    if comment.status == Comment.Status.PENDING:
        remember_pending(request, comment)
    if not request.user.is_authenticated:
        remember_posted(request, comment)
    response = render_comment_fragment(request, comment, status=201) if fragment else redirect(comment)
    store_own_comments(request, response)  # a signed cookie: no session row to write (issue 9)
    return response


def _who(kwargs) -> dict:
    return {"author_email": kwargs["author_email"], "submission_token": kwargs["submission_token"]}


def _refuse_duplicate(request, form, duplicate: Comment, repeat: Repeat) -> None:
    form.add_error(None, duplicate_message(duplicate, repeat))
    log_refusal(
        request, reason="duplicate", detail=f"same text as comment {duplicate.pk}", excerpt=duplicate.body
    )


def _visible_comment(pk) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("article"),
        pk=pk,
        article__in=Article.objects.published(),
    )


@require_GET
def comment_thread(request, pk):
    """One comment with its ancestors as context and its replies below: the permalink page."""
    if is_shared(request):
        return _shared_thread_page(request, pk)
    return _thread_page(request, pk)


def _thread_page(request, pk, *, pending=None):
    with one_snapshot():  # the comment's numbers, its ancestors and its replies as of one instant
        return _render_thread_page(request, _visible_comment(pk), pending=pending)


def _render_thread_page(request, comment, *, pending=None):
    ancestors = list(comment.get_ancestors())
    items = subtree_items(comment, own_pending(request) if pending is None else pending)
    editable, deletable = ownership.own_comment_pks(request, [item.comment for item in items])
    thread = mark_safe(
        render_items(comment.article, items, highlight=comment.pk, editable=editable, deletable=deletable)
    )
    return render(
        request,
        "comments/thread.html",
        {"article": comment.article, "comment": comment, "ancestors": ancestors, "thread": thread},
        status=200 if items else 404,
    )


# A permalink page's state for readers without a session: its article (published) and the
# version of its thread, which every write to the thread bumps. One query, compiled once.
_thread_state = PreparedValues(
    lambda pk, now: (
        Comment.objects.filter(pk=pk, article__in=Article.objects.published(now=now))
        .annotate(
            root_version=Subquery(
                Comment.objects.filter(tree_id=OuterRef("tree_id"), parent=None).values("thread_version")[:1]
            )
        )
        .values_list(
            "root_version",
            "article_id",
            "article__updated_at",
            "article__comments_open",
            "article__comments_close_at",
            "article__published_at",
        )
    ),  # fmt: skip
    pk=-918_273_645,
    now=datetime.datetime(1901, 2, 3, tzinfo=datetime.UTC),
)


def _shared_thread_page(request, pk):
    """The permalink page as every reader without a session sees it (articles.shared_page)."""

    def load_state():
        row = _thread_state.first(pk=pk, now=timezone.now())
        if row is None:
            raise Http404("No published comment has this address.")
        version, article_id, updated_at, comments_open, closes_at, published_at = row
        article = Article(comments_open=comments_open, comments_close_at=closes_at, published_at=published_at)
        accepting = article.is_accepting_comments
        return (pk, version, article_id, updated_at.timestamp(), accepting, settings.COMMENT_DISPLAY_DEPTH)

    def render_page(placeholders):
        response = _thread_page(request, pk, pending=frozenset())
        return SplicedPage.build(response.content.decode(), placeholders), response.status_code

    entry = shared_entry(f"threadpage:{RENDER_VERSION}:{pk}", load_state, render_page)
    return shared_response(request, entry, gzip=accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")))


@require_GET
def reply(request, pk):
    """Reply without JavaScript: the parent quoted, then the form. The script asks for the form alone."""
    parent = _visible_comment(pk)
    article = parent.article
    form = None
    open_for_replies = parent.is_approved and article.is_accepting_comments
    if open_for_replies:
        auto_id = reply_auto_id(parent.pk) if wants_fragment(request) else "id_%s"
        form = CommentForm(article=article, user=request.user, initial={"parent": parent.pk}, auto_id=auto_id)
    if wants_fragment(request):
        if form is None:
            response = HttpResponse('<p class="notice">This comment cannot take replies.</p>', status=409)
        else:
            response = _form_fragment(request, form, article, status=200)
    else:
        response = render(
            request, "comments/reply.html", {"article": article, "parent": parent, "form": form}
        )
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
    comment = _visible_comment(pk)
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
            messages.success(request, "Your comment was updated.")
            return redirect(comment)
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
        article = comment.article
        delete_own_comment(comment)
        messages.success(request, "Your comment was deleted.")
        return redirect(f"{article.get_absolute_url()}#discussion")
    return render(request, "comments/delete.html", {"comment": comment})


@require_http_methods(["GET", "POST"])
@ratelimit.ratelimit("report")
def report(request, pk):
    """Report a comment to the moderators, without JavaScript: a small form on its own page."""
    comment = _visible_comment(pk)
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
    messages.success(
        request,
        "Thank you: the comment is hidden until a moderator reviews it."
        if hidden
        else "Thank you: a moderator will look at the comment.",
    )
    return redirect(
        comment.article.get_absolute_url() + ("#discussion" if hidden else f"#comment-{comment.pk}")
    )
