"""The permalink page (a comment, its ancestors, its replies): rendered in one snapshot for one
reader, or shared by every reader without a session (pagecache.store), labelled with the
comment's thread_version, which the triggers of migration comments 0011 bump on every write.
"""

import datetime

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles.models import Article
from comments import ownership
from comments.confirmations import place_messages
from comments.discussion import RENDER_VERSION
from comments.models import Comment
from comments.readers import own_pending
from comments.render import render_items
from comments.tree_items import subtree_items
from config.prepared import PreparedValues
from pagecache.snapshot import one_snapshot
from pagecache.splice import SplicedPage, accepts_gzip
from pagecache.store import shared_entry, shared_response


def visible_comment(pk) -> Comment:
    """The comment with its article, if the article is published; else 404."""
    return get_object_or_404(
        Comment.objects.select_related("article"),
        pk=pk,
        article__in=Article.objects.published(),
    )


def thread_page(request, pk, *, pending=None):
    """The permalink page for this reader (their held comments from `pending` or their cookie)."""
    with one_snapshot():  # the comment's numbers, its ancestors and its replies as of one instant
        return _render_thread_page(request, visible_comment(pk), pending=pending)


def _render_thread_page(request, comment, *, pending=None):
    ancestors = list(comment.get_ancestors())
    if pending is None:
        pending = own_pending(request)
        member = request.user.pk if request.user.is_authenticated else None
        if comment.status == Comment.Status.PENDING and member and comment.user_id == member:
            pending = pending | {comment.pk}  # a member's own held comment, from any browser
    items = subtree_items(comment, pending)
    editable, deletable = ownership.own_comment_pks(request, [item.comment for item in items])
    thread = mark_safe(
        render_items(comment.article, items, highlight=comment.pk, editable=editable, deletable=deletable)
    )
    [thread], placed, _ = place_messages(request, [thread])  # issue 20: "updated" next to the comment
    return render(
        request,
        "comments/thread.html",
        {
            "article": comment.article,
            "comment": comment,
            "ancestors": ancestors,
            "thread": thread,
            "placed_messages": placed,
        },
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


def shared_thread_page(request, pk):
    """The permalink page as every reader without a session sees it (pagecache.store)."""

    def load_state():
        row = _thread_state.first(pk=pk, now=timezone.now())
        if row is None:
            raise Http404("No published comment has this address.")
        version, article_id, updated_at, comments_open, closes_at, published_at = row
        article = Article(comments_open=comments_open, comments_close_at=closes_at, published_at=published_at)
        accepting = article.is_accepting_comments
        return (pk, version, article_id, updated_at.timestamp(), accepting, settings.COMMENT_DISPLAY_DEPTH)

    def render_page(placeholders):
        response = thread_page(request, pk, pending=frozenset())
        return SplicedPage.build(response.content.decode(), placeholders), response.status_code

    entry = shared_entry(f"threadpage:{RENDER_VERSION}:{pk}", load_state, render_page)
    return shared_response(request, entry, gzip=accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")))
