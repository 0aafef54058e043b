"""The Picks view of an article's discussion (issue 22): the comments moderators featured, with
their notes, newest pick first. Two queries; nothing per reader."""

from django.http import Http404
from django.shortcuts import render

from articles.models import published_article
from articles.pages import NO_ARTICLE
from comments.models import Comment, CommentPick

PICKS_SHOWN = 100


def picks(request, slug):
    article = published_article(slug)
    if article is None:
        raise Http404(NO_ARTICLE)
    chosen = (
        CommentPick.objects.filter(article=article, comment__status=Comment.Status.APPROVED)
        .select_related("comment")
        .order_by("-picked_at")[:PICKS_SHOWN]
    )
    return render(request, "comments/picks.html", {"article": article, "picks": chosen})
