from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404

from articles.models import Article
from comments.locations import comment_location
from moving.models import LegacyComment


def old_comment(request, article_pk: int, old_id: str):
    """An old comment link (#comment-<old id> on a redirected post): the comment where it is now.

    Looked up within the article, WordPress ids before Disqus ones. The Location always has a
    fragment of its own: without one, the browser would keep the old #comment-<old id>, which
    may be a new comment's number.
    """
    article = get_object_or_404(Article, pk=article_pk)
    legacy = (
        LegacyComment.objects.filter(article=article, old_id=old_id)
        .select_related("comment__article")
        .order_by("-source")  # "wordpress" before "disqus"
        .first()
    )
    if legacy is None:
        return HttpResponseRedirect(f"{article.get_absolute_url()}#discussion")
    return HttpResponseRedirect(comment_location(legacy.comment))  # its page of the discussion
