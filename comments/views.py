from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from articles.models import Article
from articles.views import render_article
from comments.forms import CommentForm
from comments.models import Comment
from comments.services import CommentRefused, post_comment
from comments.threads import subtree_items

POSTING_FIELDS = ("id", "slug", "status", "published_at", "comments_open", "comments_close_at")


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@require_POST
def add_comment(request, slug):
    """Post a comment or a reply; on success land on it, on error show the form again (4xx)."""
    # The article's text is not needed to post; it is loaded only to show the form again.
    article = get_object_or_404(Article.objects.published().only(*POSTING_FIELDS), slug=slug)
    form = CommentForm(request.POST, article=article, user=request.user)
    if not form.is_valid():
        return render_article(request, Article.objects.get(pk=article.pk), form=form, status=400)
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
        return render_article(request, Article.objects.get(pk=article.pk), form=form, status=409)
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
    items = subtree_items(comment)
    return render(
        request,
        "comments/thread.html",
        {"article": comment.article, "comment": comment, "ancestors": ancestors, "items": items},
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
