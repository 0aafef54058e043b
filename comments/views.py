from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles.models import Article
from articles.views import render_article
from comments.forms import CommentForm, ReportForm
from comments.models import Comment
from comments.readers import own_pending, remember_pending, reporter_key
from comments.services import CommentRefused, post_comment, report_comment
from comments.threads import render_items, subtree_items
from notifications.services import request_reply_subscription


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@require_POST
def add_comment(request, slug):
    """Post a comment or a reply; on success land on it, on error show the form again (4xx)."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    form = CommentForm(request.POST, article=article, user=request.user)
    if not form.is_valid():
        return render_article(request, article, form=form, status=400)
    try:
        comment = post_comment(
            article=article,
            user=request.user,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            **form.service_kwargs(),
        )
    except CommentRefused as refusal:
        form.add_error(None, refusal)
        return render_article(request, article, form=form, status=409)
    if form.cleaned_data.get("notify_replies") and request_reply_subscription(comment):
        messages.info(request, "Check your inbox: we sent a link to confirm reply notifications.")
    if comment.status == Comment.Status.PENDING:
        remember_pending(request, comment)
    return redirect(comment)


def _visible_comment(pk) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("article"),
        pk=pk,
        article__in=Article.objects.published(),
    )


@require_GET
def comment_thread(request, pk):
    """One comment with its ancestors as context and its replies below: the permalink page."""
    comment = _visible_comment(pk)
    ancestors = list(comment.get_ancestors())
    items = subtree_items(comment, own_pending(request))
    thread = mark_safe(render_items(comment.article, items, highlight=comment.pk))
    return render(
        request,
        "comments/thread.html",
        {"article": comment.article, "comment": comment, "ancestors": ancestors, "thread": thread},
        status=200 if items else 404,
    )


@require_GET
def reply(request, pk):
    """Reply without JavaScript: the parent quoted, then the form."""
    parent = _visible_comment(pk)
    article = parent.article
    form = None
    if parent.is_approved and article.is_accepting_comments:
        form = CommentForm(article=article, user=request.user, initial={"parent": parent.pk})
    return render(request, "comments/reply.html", {"article": article, "parent": parent, "form": form})


@require_http_methods(["GET", "POST"])
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
