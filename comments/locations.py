"""Where a comment is shown: the page to land on after a write, with its #comment-<pk>.

A comment's permalink (Comment.get_absolute_url) is its own page and costs nothing; landing a
writer on the comment in context depends on the pagination and the display depth, and costs a
query unless the write already knows (a reply posted under its thread's lock does).
"""

from django.conf import settings
from django.db.models import Subquery
from django.urls import reverse

from comments.models import Comment


def comment_location(
    comment: Comment, *, roots_before: int | None = None, continue_anchor: int | None = None
) -> str:
    """Where a comment is shown: its article page (the right page of threads) or, past the
    display depth, the page of the thread that continues there; past the comments an article
    page shows of a thread (the (lft + level - 1) / 2-th in reading order), its own page. One
    query, unless the caller knows already how many threads come before the comment's, or which
    comment its continue page starts at (a reply's parent, read under the thread's lock:
    comments.services.posting)."""
    depth = settings.COMMENT_DISPLAY_DEPTH
    if comment.level >= depth:
        # Continue pages start at levels depth-1, 2(depth-1), …: the last one above it.
        anchor_level = (comment.level - 1) // (depth - 1) * (depth - 1)
        anchor = continue_anchor
        if anchor is None:
            # The comment's numbers as stored now, not as this instance read them: other replies
            # in the thread may have moved them on since.
            now = Comment.objects.filter(pk=comment.pk)
            anchor = (
                Comment.objects.filter(
                    tree_id=comment.tree_id,
                    level=anchor_level,
                    lft__lte=Subquery(now.values("lft")),
                    rght__gte=Subquery(now.values("rght")),
                )
                .values_list("pk", flat=True)
                .first()
            )
        if anchor is None:  # deleted meanwhile: the article is where it was
            return comment.article.get_absolute_url()
        return f"{reverse('comments:thread', args=[anchor])}#comment-{comment.pk}"
    if comment.lft + comment.level > 2 * settings.THREAD_COMMENTS_SHOWN:
        # Past the comments an article page shows of a thread (comments.discussion): its own page.
        return f"{comment.get_absolute_url()}#comment-{comment.pk}"
    before = roots_before
    if before is None:
        before = (
            Comment.objects.for_article(comment.article_id)
            .roots()
            .filter(tree_id__lt=comment.tree_id)
            .count()
        )
    page = before // settings.THREADS_PER_PAGE + 1
    query = f"?page={page}" if page > 1 else ""
    return f"{comment.article.get_absolute_url()}{query}#comment-{comment.pk}"
