"""Turn one query's worth of comments into the nested page a reader sees.

A discussion page costs a constant number of queries, whatever the discussion's
size: the page's top-level comments (one query), then, for the threads whose HTML
is not cached yet, all their replies down to the display depth (one query).

Each thread's HTML is cached with its thread_version, which every write to the
thread bumps in the same transaction: a reply makes its own thread's entry
stale (replaced at the next reading) and leaves the other threads of the page warm. Nothing per reader is
ever inside a cached thread (no CSRF token, no sign-in state); threads in which
a reader has something of their own are rendered for them alone.
"""

from collections import namedtuple
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Q, Subquery
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from articles.shared_page import deflate_segment
from comments import ownership
from comments.models import Comment
from comments.render import render_items, url_pattern
from comments.templatetags.threadline import script_safe_json

# Bump when the thread markup changes, so no process serves an old rendering.
RENDER_VERSION = 5
STRUCTURED_TEXT_CHARS = 300  # a comment's text in the page's JSON-LD
THREAD_CACHE_SECONDS = 7 * 24 * 3600

SORTS = {
    "oldest": ("Oldest first", ["tree_id"]),
    "newest": ("Newest first", ["-tree_id"]),
    "replies": ("Most replies", ["-thread_replies", "tree_id"]),
}
DEFAULT_SORT = "oldest"
# What rendering a thread reads: not the email, IP or user agent (body: the JSON-LD excerpt).
RENDERED_FIELDS = [
    "pk", "article_id", "parent_id", "tree_id", "lft", "rght", "level", "status", "author_name",
    "created_at", "edited_at", "user_id", "body", "body_html",
]  # fmt: skip


class RenderedComment(namedtuple("RenderedComment", RENDERED_FIELDS)):
    """A comment as a thread's rendering reads it, straight from its row: no model instance.

    Building Comment instances (Django's and django-mptt's set-up per instance) was a third
    of the time of rendering a page of threads with nothing cached.
    """

    __slots__ = ()
    Status = Comment.Status
    is_approved = Comment.is_approved  # the model's own properties: they read only row fields
    reply_count = Comment.reply_count


@dataclass
class ThreadItem:
    """One comment in page order, with what the template needs to nest it."""

    comment: Comment
    opens: bool = False  # its replies follow, inside it
    closes: range = field(default_factory=lambda: range(0))  # levels to close after it
    hidden_replies: int = 0  # replies past the display depth: "continue this thread"
    awaiting: bool = False  # the reader's own comment, held for review: shown to them alone
    shown_replies: int = 0  # replies shown inside it: what collapsing it hides


class CountedPaginator(Paginator):
    """A paginator told its count (the article's stored thread_count): no COUNT query."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self):
        return self._known_count


def normalise_sort(sort: str | None) -> str:
    return sort if sort in SORTS else DEFAULT_SORT


@dataclass(frozen=True)
class Reader:
    """What one reader has of their own in a discussion (from their session and account).

    Threads holding any of it are rendered for that reader alone and never cached: their
    held comments show, marked "awaiting moderation", and their Edit/Delete links appear.
    """

    request: object = None
    pending: frozenset[int] = frozenset()  # held comments posted in this session
    posted: frozenset[int] = frozenset()  # comments a guest posted in this session
    user_id: int | None = None

    def __bool__(self) -> bool:
        return bool(self.pending or self.posted or self.user_id)


@dataclass
class Discussion:
    """One page of a discussion: the page of threads, their HTML, and JSON-LD for their comments."""

    page: Page
    threads: list[SafeString]
    structured: list[str]  # each thread's JSON-LD comments (structured_comments)
    packed: list[bytes | None]  # each thread's HTML deflated, for the shared page (None: not shared)


def discussion_page(
    article, *, page_number=None, sort: str = DEFAULT_SORT, reader: Reader = Reader()
) -> Discussion:
    """One page of threads, rendered.

    Two cache levels: the whole page under the article's discussion_version (no
    query at all while the discussion is unchanged), else one query for the page's
    threads and their versions, and one more for the threads not cached yet.
    """
    sort = normalise_sort(sort)
    roots = Comment.objects.for_article(article).roots().order_by(*SORTS[sort][1])
    paginator = CountedPaginator(roots, settings.THREADS_PER_PAGE, count=article.thread_count)
    page = paginator.get_page(page_number)  # lazy: no query until the threads are needed
    if not paginator.count:
        return Discussion(page, [], [], [])
    personal_tree_ids = _personal_tree_ids(article, reader)
    use_cache = settings.THREAD_CACHE_ENABLED and not personal_tree_ids
    # One entry per page, holding the discussion_version it was made for: a write replaces it.
    page_key = f"{_cache_prefix(article)}:page:{article.pk}:{sort}:{page.number}"
    cached = cache.get(page_key) if use_cache else None
    threads = cached[1] if cached is not None and cached[0] == article.discussion_version else None
    if threads is None:
        threads = _page_threads(article, page, personal_tree_ids, reader)
        if use_cache:
            cache.set(page_key, (article.discussion_version, threads), THREAD_CACHE_SECONDS)
    return Discussion(
        page,
        [mark_safe(html) for html, _, _ in threads],
        [structured for _, structured, _ in threads],
        [packed for _, _, packed in threads],
    )


def _personal_tree_ids(article, reader: Reader) -> frozenset[int]:
    """Threads of this article holding something of the reader's: one query, only for a reader
    with a session or an account."""
    if not reader:
        return frozenset()
    own = Q(pk__in=reader.pending | reader.posted)
    if reader.user_id:
        own |= Q(user_id=reader.user_id)
    return frozenset(Comment.objects.for_article(article).filter(own).values_list("tree_id", flat=True))


def _page_threads(
    article, page: Page, personal_tree_ids, reader: Reader
) -> list[tuple[str, str, bytes | None]]:
    """Each thread of the page: its HTML, its JSON-LD comments and, when it is shared (cached), its
    HTML deflated once for the pages served compressed (articles.shared_page)."""
    versions = dict(page.object_list.values_list("tree_id", "thread_version"))
    shared = [tree_id for tree_id in versions if tree_id not in personal_tree_ids]
    keys = {tree_id: thread_cache_key(article, tree_id) for tree_id in shared}
    cached = cache.get_many(keys.values()) if settings.THREAD_CACHE_ENABLED else {}
    rendered = {
        tree_id: cached[key][1]
        for tree_id, key in keys.items()
        if key in cached and cached[key][0] == versions[tree_id]
    }
    missing = [tree_id for tree_id in versions if tree_id not in rendered]
    if missing:
        fresh = render_threads(article, missing, reader=reader, personal=personal_tree_ids)
        for tree_id, (html, structured) in fresh.items():
            shared_thread = settings.THREAD_CACHE_ENABLED and tree_id in keys
            rendered[tree_id] = (html, structured, deflate_segment(html.encode()) if shared_thread else None)
        if settings.THREAD_CACHE_ENABLED:
            cache.set_many(
                {keys[t]: (versions[t], rendered[t]) for t in missing if t in keys},
                THREAD_CACHE_SECONDS,
            )
    return [rendered[tree_id] for tree_id in versions]


def _cache_prefix(article) -> str:
    accepting = int(article.is_accepting_comments)  # Reply links come and go with it
    per_page = settings.THREADS_PER_PAGE
    return f"thread:{RENDER_VERSION}:{settings.COMMENT_DISPLAY_DEPTH}:{per_page}:{accepting}"


def thread_cache_key(article, tree_id: int) -> str:
    """One entry per thread, holding the thread_version it was rendered at: a write replaces it."""
    return f"{_cache_prefix(article)}:{tree_id}"


def render_threads(
    article, tree_ids: list[int], *, reader: Reader = Reader(), personal=frozenset()
) -> dict[int, tuple[str, str]]:
    """HTML and JSON-LD comments of each thread (its comments to the display depth): one query.

    Threads in `personal` are rendered for the reader: their held comments and Edit/Delete links.
    """
    depth = settings.COMMENT_DISPLAY_DEPTH
    threads: dict[int, list[RenderedComment]] = {tree_id: [] for tree_id in tree_ids}
    rows = Comment.objects.filter(tree_id__in=tree_ids, level__lt=depth).values_list(*RENDERED_FIELDS)
    for row in rows.order_by("tree_id", "lft"):
        comment = RenderedComment._make(row)
        threads[comment.tree_id].append(comment)
    rendered = {}
    for tree_id, comments in threads.items():
        editable = deletable = frozenset()
        pending = frozenset()
        if tree_id in personal:
            pending = reader.pending
            editable, deletable = ownership.own_comment_pks(reader.request, comments)
        items = build_items(comments, base_level=0, depth=depth, own_pending=pending)
        html = render_items(article, items, editable=editable, deletable=deletable)
        rendered[tree_id] = (html, structured_comments(items))
    return rendered


def structured_comments(items: list[ThreadItem]) -> str:
    """schema.org Comment entries for the shown, approved comments, as a fragment of JSON (the
    entries, comma-separated) ready for a <script>: site-relative @ids, made absolute by
    articles.structured_data. Cached with the thread: a page joins its threads' fragments."""
    thread_url = url_pattern("comments:thread")
    entries = []
    for item in items:
        comment = item.comment
        if not comment.is_approved:
            continue
        entry = {
            "@type": "Comment",
            "@id": thread_url.format(pk=comment.pk),
            "author": {"@type": "Person", "name": comment.author_name},
            "dateCreated": comment.created_at.isoformat(),
            # An excerpt: search engines want the gist, and the whole text is already on the page.
            "text": comment.body
            if len(comment.body) <= STRUCTURED_TEXT_CHARS
            else comment.body[: STRUCTURED_TEXT_CHARS - 1] + "…",
        }
        if comment.parent_id:
            entry["parentItem"] = {"@id": thread_url.format(pk=comment.parent_id)}
        entries.append(entry)
    return script_safe_json(entries)[1:-1]


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
    open_items: list[ThreadItem] = []  # the ancestors whose replies are open around this item
    for item in items:
        for ancestor in open_items:
            ancestor.shown_replies += 1
        if item.opens:
            open_items.append(item)
        else:
            del open_items[len(open_items) - len(item.closes) :]
    return items


def comment_location(comment: Comment) -> str:
    """Where a comment is shown: its article page (the right page of threads) or, past the
    display depth, the page of the thread that continues there. One query."""
    depth = settings.COMMENT_DISPLAY_DEPTH
    if comment.level >= depth:
        # Continue pages start at levels depth-1, 2(depth-1), …: the last one above it.
        anchor_level = (comment.level - 1) // (depth - 1) * (depth - 1)
        anchor = getattr(comment, "continue_anchor", None)  # found under the lock when just posted
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
    before = getattr(comment, "roots_before", None)  # counted already when it was just posted
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
