from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET, require_POST

from articles.models import Article
from articles.views import render_article
from comments.forms import CommentForm
from comments.models import Comment
from comments.services import CommentRefused, post_comment
from comments.threads import subtree_items
from protection import ratelimit
from protection.duplicates import author_key, find_duplicate, lock_author
from protection.refusals import log_refusal


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@require_POST
def add_comment(request, slug):
    """Post a comment or a reply; on success land on it, on error show the form again (4xx)."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    form = CommentForm(request.POST, article=article, user=request.user)
    if not form.is_valid():
        if form.refusal:
            reason, detail = form.refusal
            log_refusal(request, reason=reason, detail=detail, excerpt=request.POST.get("body", ""))
        return render_article(request, article, form=form, status=400)
    repeated = form.repeated_submission()
    if repeated is not None:  # the same form sent twice: land on the first
        return redirect(repeated)
    kwargs = form.service_kwargs()
    author = author_key(user=request.user, author_email=kwargs["author_email"])
    try:
        with transaction.atomic():
            lock_author(author)
            duplicate = find_duplicate(
                user=request.user, author_email=kwargs["author_email"], body=kwargs["body"]
            )
            if duplicate is not None:
                return _refuse_duplicate(request, article, form, duplicate)
            ratelimit.hit(request, "comment", account=author)
            comment = post_comment(
                article=article,
                user=request.user,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                **kwargs,
            )
    except ratelimit.RateLimited as error:
        form.add_error(None, f"You are posting too often. {error.message} Your text is kept below.")
        log_refusal(request, reason="rate_limit", detail=f"comment: {error.message}", excerpt=kwargs["body"])
        response = render_article(request, article, form=form, status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    except CommentRefused as refusal:
        form.add_error(None, refusal)
        return render_article(request, article, form=form, status=409)
    return redirect(comment)


def _refuse_duplicate(request, article, form, duplicate: Comment):
    form.add_error(
        None,
        format_html(
            'You posted this same comment {} ago: <a href="{}">see your comment</a>.',
            timesince(duplicate.created_at),
            reverse("comments:thread", args=[duplicate.pk]),
        ),
    )
    log_refusal(
        request, reason="duplicate", detail=f"same text as comment {duplicate.pk}", excerpt=duplicate.body
    )
    return render_article(request, article, form=form, status=409)


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
