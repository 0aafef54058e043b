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
    shown_replies: int = 0  # replies shown inside it: what collapsing it hides


def visible_roots(article):
    """Threads a reader sees: an approved top-level comment, or a placeholder with replies."""
    return (
        Comment.objects.for_article(article).roots().filter(Q(status=Comment.Status.APPROVED) | Q(rght__gt=2))
    )


def discussion_page(article, *, page_number=None, sort: str = DEFAULT_SORT) -> tuple[Page, list[ThreadItem]]:
    """One page of threads with their replies to the display depth: two queries."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    roots = visible_roots(article).order_by(*SORTS[sort][1])
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
    return page, build_items(comments, base_level=0, depth=depth)


def subtree_items(comment: Comment) -> list[ThreadItem]:
    """The comment and its replies down to the display depth below it: one query."""
    depth = settings.COMMENT_DISPLAY_DEPTH
    comments = list(
        comment.get_descendants(include_self=True).filter(level__lt=comment.level + depth).order_by("lft")
    )
    return build_items(comments, base_level=comment.level, depth=depth)


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


def build_items(comments: list[Comment], *, base_level: int, depth: int) -> list[ThreadItem]:
    """Comments in tree order (lft within each thread) to nested page items.

    A comment that is not approved shows as a placeholder when it has replies to
    show, and not at all otherwise, so moderation never lifts replies out of place.
    """
    last_level = base_level + depth - 1
    shown: set[int] = set()
    for comment in reversed(comments):  # children before parents
        hidden_below = comment.level == last_level and comment.rght - comment.lft > 1
        if comment.is_approved or comment.pk in shown or hidden_below:
            shown.add(comment.pk)
            if comment.parent_id is not None:
                shown.add(comment.parent_id)
    visible = [comment for comment in comments if comment.pk in shown]
    items = []
    for index, comment in enumerate(visible):
        level = comment.level - base_level
        next_level = visible[index + 1].level - base_level if index + 1 < len(visible) else 0
        item = ThreadItem(comment=comment)
        if next_level > level:
            item.opens = True
        else:
            item.closes = range(level - next_level)
        if comment.level == last_level:
            item.hidden_replies = comment.reply_count
        items.append(item)
    open_items: list[ThreadItem] = []  # the ancestors whose replies are open around this item
    for item in items:
        for ancestor in open_items:
            ancestor.shown_replies += 1
        if item.opens:
            open_items.append(item)
        else:
            del open_items[len(open_items) - len(item.closes) :]
    return items
