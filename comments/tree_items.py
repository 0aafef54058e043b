"""Comments in tree order to the items a thread's HTML is built from (comments.render).

A removed or held comment with replies to show stays as a placeholder, so moderation never
lifts replies out of place; below the display depth a comment shows "continue this thread".
"""

from collections import namedtuple
from dataclasses import dataclass
from json.encoder import encode_basestring

from django.conf import settings

from comments.models import Comment
from comments.render import APPROVED, url_parts
from comments.templatetags.threadline import script_safe

STRUCTURED_TEXT_CHARS = 200  # a top-level comment's text in the page's JSON-LD
# What rendering a thread reads: not the email, IP or user agent, nor the text as written (the
# JSON-LD's excerpt is read on its own: comments.discussion, "excerpt").
RENDERED_FIELDS = [
    "pk", "article_id", "parent_id", "tree_id", "lft", "rght", "level", "status", "author_name",
    "created_at", "edited_at", "user_id", "body_html", "thread_version",
    "locked_at", "lock_reason", "first_time", "removal_category",  # issue 21
    "approved_at", "hold_reason",  # issue 20: the author's edit window, why their comment is held
]  # fmt: skip


class RenderedComment(
    namedtuple("RenderedComment", [*RENDERED_FIELDS, "excerpt", "more_approved", "is_picked"])
):
    """A comment as a thread's rendering reads it, straight from its row: no model instance.

    Building Comment instances (Django's and django-mptt's set-up per instance) was a third
    of the time of rendering a page of threads with nothing cached.
    """

    # excerpt: on a top comment, its text's first STRUCTURED_TEXT_CHARS + 1 characters, for
    # structured_comments (a reply's text, a third of the bytes read, is never needed);
    # more_approved: on a top comment, its thread's approved replies past the first shown;
    # is_picked: a moderator featured it (issue 22's badge).
    __slots__ = ()
    Status = Comment.Status
    is_approved = Comment.is_approved  # the model's own properties: they read only row fields
    reply_count = Comment.reply_count


@dataclass(slots=True)
class ThreadItem:
    """One comment in page order, with what the template needs to nest it."""

    comment: Comment
    opens: bool = False  # its replies follow, inside it
    closes: range = range(0)  # levels to close after it
    hidden_replies: int = 0  # replies past the display depth: "continue this thread"
    more_replies: int = 0  # on a thread's last item: replies past THREAD_COMMENTS_SHOWN
    thread_root: int | None = None  # with more_replies: the top comment, whose page shows them
    awaiting: bool = False  # the reader's own comment, held for review: shown to them alone
    shown_replies: int = 0  # replies shown inside it: what collapsing it hides


def structured_comments(items: list[ThreadItem]) -> str:
    """schema.org Comment entries for the shown, approved top-level comments, as a fragment of
    JSON (the entries, comma-separated) ready for a <script>: site-relative @ids, made absolute by
    articles.structured_data. Cached with the thread: a page joins its threads' fragments.

    Top-level only (issue 23): every reply's excerpt again was a third of a long page's bytes;
    the article's commentCount still counts them all.

    Written as json.dumps(entries, ensure_ascii=False) writes them (tests/test_cold_page.py checks
    it), each string through the json module's own encode_basestring: a dict a comment handed to
    the encoder cost 10 µs, a tenth of a page rendered cold (`bench/cold_page.py`)."""
    thread_at, thread_end = url_parts("comments:thread")
    entries = []
    for item in items:
        comment = item.comment
        if comment.parent_id is not None or not comment.is_approved:  # most are replies: asked first
            continue
        body = comment.excerpt  # read to one character past the excerpt: is it cut?
        # An excerpt: search engines want the gist, and the whole text is already on the page.
        text = body if len(body) <= STRUCTURED_TEXT_CHARS else body[: STRUCTURED_TEXT_CHARS - 1] + "…"
        entries.append(
            f'{{"@type": "Comment", "@id": "{thread_at}{comment.pk}{thread_end}", '
            f'"author": {{"@type": "Person", "name": {encode_basestring(comment.author_name)}}}, '
            f'"dateCreated": "{comment.created_at.isoformat()}", "text": {encode_basestring(text)}}}'
        )
    return script_safe(", ".join(entries))


def cap_thread(items: list[ThreadItem]) -> None:
    """Mark the last item of a thread read up to THREAD_COMMENTS_SHOWN with the approved replies
    past them (read with it: comments.discussion.render_threads), which the article page links
    to the thread's own page."""
    if items and items[0].comment.parent_id is None and items[0].comment.more_approved:
        items[-1].more_replies = items[0].comment.more_approved
        items[-1].thread_root = items[0].comment.pk


def subtree_items(comment: Comment, own_pending: frozenset[int] = frozenset()) -> list[ThreadItem]:
    """The comment and its replies down to the display depth below it: one query."""
    depth = settings.COMMENT_DISPLAY_DEPTH
    comments = list(
        comment.get_descendants(include_self=True).filter(level__lt=comment.level + depth).order_by("lft")
    )
    return build_items(comments, base_level=comment.level, depth=depth, own_pending=own_pending)


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
    awaiting = set()
    if own_pending:  # a reader's own held comments: only in the threads rendered for them
        awaiting = {c.pk for c in comments if c.pk in own_pending and c.status == Comment.Status.PENDING}
    for comment in reversed(comments):  # children before parents
        hidden_below = comment.level == last_level and comment.rght - comment.lft > 1
        if comment.status == APPROVED or comment.pk in shown or comment.pk in awaiting or hidden_below:
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
    open_items: list[ThreadItem] = []  # the ancestors whose replies are open around this item
    for item in items:
        for ancestor in open_items:
            ancestor.shown_replies += 1
        if item.opens:
            open_items.append(item)
        else:
            del open_items[len(open_items) - len(item.closes) :]
    return items
