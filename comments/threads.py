"""Turn one query's worth of comments into the nested page a reader sees.

The queries here are constant per page, whatever the discussion's size: the page's
threads and all their replies down to the display depth come in one query.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import F, Q

from comments.models import Comment

SORTS = {
    "oldest": ("Oldest first", ["tree_id"]),
    "newest": ("Newest first", ["-tree_id"]),
    "replies": ("Most replies", [(F("rght") - F("lft")).desc(), "tree_id"]),
}
DEFAULT_SORT = "oldest"


@dataclass
class ThreadItem:
    """One comment in page order, with what the template needs to nest it."""

    comment: Comment
    opens: bool = False  # its replies follow, inside it
    closes: range = field(default_factory=lambda: range(0))  # levels to close after it
    hidden_replies: int = 0  # replies past the display depth: "continue this thread"
    awaiting: bool = False  # the reader's own comment, held for review: shown to them alone


def visible_roots(article, own_pending: frozenset[int] = frozenset()):
    """Threads a reader sees: an approved top-level comment, a placeholder with replies,
    or the reader's own held comment (own_pending: pks from their session)."""
    visible = Q(status=Comment.Status.APPROVED) | Q(rght__gt=2)
    if own_pending:
        visible |= Q(pk__in=own_pending, status=Comment.Status.PENDING)
    return Comment.objects.for_article(article).roots().filter(visible)


def discussion_page(
    article, *, page_number=None, sort: str = DEFAULT_SORT, own_pending: frozenset[int] = frozenset()
) -> tuple[Page, list[ThreadItem]]:
    """One page of threads with their replies to the display depth: two queries."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    roots = visible_roots(article, own_pending).order_by(*SORTS[sort][1])
    page = Paginator(roots, settings.THREADS_PER_PAGE).get_page(page_number)
    if not page.paginator.count:
        return page, []
    depth = settings.COMMENT_DISPLAY_DEPTH
    comments = list(
        Comment.objects.filter(tree_id__in=page.object_list.values("tree_id"), level__lt=depth).order_by(
            "tree_id", "lft"
        )
    )
    if sort != "oldest":
        comments = _reorder_threads(comments, sort)
    return page, build_items(comments, base_level=0, depth=depth, own_pending=own_pending)


def subtree_items(comment: Comment, own_pending: frozenset[int] = frozenset()) -> list[ThreadItem]:
    """The comment and its replies down to the display depth below it: one query."""
    depth = settings.COMMENT_DISPLAY_DEPTH
    comments = list(
        comment.get_descendants(include_self=True).filter(level__lt=comment.level + depth).order_by("lft")
    )
    return build_items(comments, base_level=comment.level, depth=depth, own_pending=own_pending)


def _reorder_threads(comments: list[Comment], sort: str) -> list[Comment]:
    threads: dict[int, list[Comment]] = {}
    for comment in comments:
        threads.setdefault(comment.tree_id, []).append(comment)
    roots = [thread[0] for thread in threads.values()]
    if sort == "newest":
        roots.sort(key=lambda root: -root.tree_id)
    else:
        roots.sort(key=lambda root: (-(root.rght - root.lft), root.tree_id))
    return [comment for root in roots for comment in threads[root.tree_id]]


def build_items(
    comments: list[Comment], *, base_level: int, depth: int, own_pending: frozenset[int] = frozenset()
) -> list[ThreadItem]:
    """Comments in tree order (lft within each thread) to nested page items.

    A comment that is not approved shows as a placeholder when it has replies to
    show, and not at all otherwise, so moderation never lifts replies out of place.
    A held comment whose pk is in own_pending shows in full, marked as awaiting moderation.
    """
    last_level = base_level + depth - 1
    shown: set[int] = set()
    awaiting = {c.pk for c in comments if c.pk in own_pending and c.status == Comment.Status.PENDING}
    for comment in reversed(comments):  # children before parents
        hidden_below = comment.level == last_level and comment.rght - comment.lft > 1
        if comment.is_approved or comment.pk in shown or comment.pk in awaiting or hidden_below:
            shown.add(comment.pk)
            if comment.parent_id is not None:
                shown.add(comment.parent_id)
    visible = [comment for comment in comments if comment.pk in shown]
    items = []
    for index, comment in enumerate(visible):
        level = comment.level - base_level
        next_level = visible[index + 1].level - base_level if index + 1 < len(visible) else 0
        item = ThreadItem(comment=comment, awaiting=comment.pk in awaiting)
        if next_level > level:
            item.opens = True
        else:
            item.closes = range(level - next_level)
        if comment.level == last_level:
            item.hidden_replies = comment.reply_count
        items.append(item)
    return items
