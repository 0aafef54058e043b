"""One page of a discussion, its threads rendered and cached: the pages-and-cache half of the
discussion (tree_items builds a thread's items, locations finds where a comment is shown).

A discussion page costs a constant number of queries, whatever the discussion's
size: the page's top-level comments (one query), then, for the threads whose HTML
is not cached yet, all their replies down to the display depth (one query).

Each thread's HTML is cached with its thread_version, which every write to the
thread bumps in the same transaction: a reply makes its own thread's entry
stale (replaced at the next reading) and leaves the other threads of the page warm. Nothing per reader is
ever inside a cached thread (no CSRF token, no sign-in state); threads in which
a reader has something of their own are rendered for them alone.
"""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Left
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from comments import best, ownership
from comments.models import Comment, CommentPick
from comments.readers import NO_READER, Reader
from comments.render import page_zone, render_items
from comments.tree_items import (
    RENDERED_FIELDS,
    STRUCTURED_TEXT_CHARS,
    RenderedComment,
    build_items,
    cap_thread,
    structured_comments,
)
from config.prepared import PreparedValues
from pagecache.splice import deflate_segment

# Bump when the thread markup changes, so no process serves an old rendering.
# 6: the Helpful button (issue 22); 7: lighter markup, long threads capped (issue 23); 8: <time> lighter
RENDER_VERSION = 8
THREAD_CACHE_SECONDS = 7 * 24 * 3600

SORTS = {
    "oldest": ("Oldest first", ["tree_id"]),
    "newest": ("Newest first", ["-tree_id"]),
    "replies": ("Most replies", ["-thread_replies", "tree_id"]),
    "best": ("Best", ["tree_id"]),  # ordered by the snapshot's scores first (comments.best)
}
DEFAULT_SORT = "oldest"


class CountedPaginator(Paginator):
    """A paginator told its count (the article's stored thread_count): no COUNT query. Given no
    objects (discussion_page), it numbers the pages and its pages hold nothing."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self):
        return self._known_count


def normalise_sort(sort: str | None) -> str:
    return sort if sort in SORTS else DEFAULT_SORT


@dataclass
class Discussion:
    """One page of a discussion: the page of threads, their HTML, and JSON-LD for their comments."""

    page: Page
    threads: list[SafeString]
    structured: list[str]  # each thread's JSON-LD comments (structured_comments)
    packed: list[bytes | None]  # each thread's HTML deflated, for the shared page (None: not shared)


def discussion_page(
    article, *, page_number=None, sort: str = DEFAULT_SORT, reader: Reader = NO_READER
) -> Discussion:
    """One page of threads, rendered.

    Two cache levels: the whole page under the article's discussion_version (no
    query at all while the discussion is unchanged), else one query for the page's
    threads and their versions, and one more for the threads not cached yet.
    """
    sort = normalise_sort(sort)
    snapshot = best.best_snapshot(article) if sort == "best" else None
    # The paginator only numbers the pages: the page's threads come from _page_versions' query,
    # compiled once, so no queryset of the roots is built (0.2 ms a page rendered cold).
    paginator = CountedPaginator((), settings.THREADS_PER_PAGE, count=article.thread_count)
    page = paginator.get_page(page_number)  # lazy: no query until the threads are needed
    if not paginator.count:
        return Discussion(page, [], [], [])
    personal_tree_ids = _personal_tree_ids(article, reader)
    use_cache = settings.THREAD_CACHE_ENABLED and not personal_tree_ids
    # One entry per page, holding the discussion_version it was made for: a write replaces it.
    page_key = f"{_cache_prefix(article)}:page:{article.pk}:{sort}:{page.number}"
    if snapshot is not None:
        page_key += f":{snapshot.stamp}"  # a new snapshot with other scores: another page
    cached = cache.get(page_key) if use_cache else None
    threads = cached[1] if cached is not None and cached[0] == article.discussion_version else None
    if threads is None:
        versions = _page_versions(article, page, sort, snapshot)
        threads = _page_threads(article, versions, personal_tree_ids, reader, snapshot)
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


def _ranked(roots, root_order: list[int]):
    """The roots in the Best order: the snapshot's scoring threads first, then the rest oldest
    first (tree_id breaks every tie: the same order at every reload)."""
    rank = RawSQL("array_position(%s::bigint[], tree_id)", (root_order,))
    return roots.order_by(rank.asc(nulls_last=True), "tree_id")


def _roots_versions(article_id, root_order=None, *, sort: str, offset: int, limit: int):
    roots = Comment.objects.for_article(article_id).roots().order_by(*SORTS[sort][1])
    if root_order is not None:
        roots = _ranked(roots, root_order)
    return roots.values_list("tree_id", "thread_version")[offset : offset + limit]


@functools.lru_cache(maxsize=256)
def _versions_query(sort: str, offset: int, limit: int, ranked: bool) -> PreparedValues:
    """The query of one page's threads and versions, compiled once (an ORM query built and
    compiled per request cost ~0.3 ms, more than running it): one per sort and page position."""
    stand_ins = {"article_id": 918_273_645}
    if ranked:
        stand_ins["root_order"] = [918_273_646]
    return PreparedValues(
        functools.partial(_roots_versions, sort=sort, offset=offset, limit=limit), **stand_ins
    )


def _page_versions(article, page: Page, sort: str, snapshot: "best.BestSnapshot | None") -> dict[int, int]:
    """The page's threads (tree_id) in page order, with their versions: what page.object_list
    holds, in one query."""
    per_page = page.paginator.per_page
    ranked = snapshot is not None and bool(snapshot.root_order)  # else Best is the oldest order
    query = _versions_query(sort, (page.number - 1) * per_page, per_page, ranked)
    if ranked:
        return dict(query.all(article_id=article.pk, root_order=list(snapshot.root_order)))
    return dict(query.all(article_id=article.pk))


def _page_threads(
    article,
    versions: dict[int, int],
    personal_tree_ids,
    reader: Reader,
    snapshot: "best.BestSnapshot | None" = None,
) -> list[tuple[str, str, bytes | None]]:
    """Each thread of the page: its HTML, its JSON-LD comments and, when it is shared (cached), its
    HTML deflated once for the pages served compressed (pagecache.splice).

    In the Best order a thread's entry is its own (":best") and labelled with its version and the
    digest of its scores in the snapshot: a vote re-renders its thread once, at the next snapshot."""
    if snapshot is not None:
        versions = {tree_id: (ver, snapshot.thread_digest(tree_id)) for tree_id, ver in versions.items()}
    shared = [tree_id for tree_id in versions if tree_id not in personal_tree_ids]
    suffix = ":best" if snapshot is not None else ""
    keys = {tree_id: key + suffix for tree_id, key in thread_cache_keys(article, shared).items()}
    cached = cache.get_many(keys.values()) if settings.THREAD_CACHE_ENABLED else {}
    rendered = {
        tree_id: cached[key][1]
        for tree_id, key in keys.items()
        if key in cached and cached[key][0] == versions[tree_id]
    }
    missing = [tree_id for tree_id in versions if tree_id not in rendered]
    if missing:
        fresh = render_threads(article, missing, reader=reader, personal=personal_tree_ids, snapshot=snapshot)
        store = {}
        for tree_id, (html, structured, version) in fresh.items():
            shared_thread = settings.THREAD_CACHE_ENABLED and tree_id in keys
            rendered[tree_id] = (html, structured, deflate_segment(html.encode()) if shared_thread else None)
            if shared_thread and version is not None:
                # Labelled with the version read in the same statement as the rows it shows.
                label = version if snapshot is None else (version, snapshot.thread_digest(tree_id))
                store[keys[tree_id]] = (label, rendered[tree_id])
        if store:
            cache.set_many(store, THREAD_CACHE_SECONDS)
    return [rendered[tree_id] for tree_id in versions]


def _cache_prefix(article) -> str:
    accepting = int(article.is_accepting_comments)  # Reply links come and go with it
    per_page = settings.THREADS_PER_PAGE
    # The article's birth, to the microsecond: ids and versions start over in another database (a
    # restored backup, a test database made anew) while a shared cache (Redis) keeps its entries;
    # without it a thread of that database with the same tree_id and version was served the old
    # database's HTML.
    born = int(article.created_at.timestamp() * 1_000_000)
    return f"thread:{RENDER_VERSION}:{settings.COMMENT_DISPLAY_DEPTH}:{per_page}:{accepting}:{born}"


def thread_cache_key(article, tree_id: int) -> str:
    """One entry per thread, holding the thread_version it was rendered at: a write replaces it."""
    return thread_cache_keys(article, [tree_id])[tree_id]


def thread_cache_keys(article, tree_ids) -> dict[int, str]:
    """thread_cache_key() of each thread, the article's part made once."""
    prefix = _cache_prefix(article)
    return {tree_id: f"{prefix}:{tree_id}" for tree_id in tree_ids}


def _thread_rows_query(tree_ids, depth, limit):
    # A comment's lft + level is 2 x its place in its thread's reading order + 1 (locations.py).
    past = (
        Comment.objects.filter(tree_id=OuterRef("tree_id"), status=Comment.Status.APPROVED)
        .alias(position=F("lft") + F("level"))
        .filter(position__gt=limit)
        .order_by()
        .values("tree_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Comment.objects.filter(RawSQL('"comments_comment"."tree_id" = ANY(%s)', [tree_ids], BooleanField()))
        .filter(level__lt=depth)
        .alias(position=F("lft") + F("level"))
        .filter(position__lte=limit)
        .annotate(more_approved=Case(When(parent=None, then=Coalesce(Subquery(past), 0)), default=0))
        .annotate(is_picked=Exists(CommentPick.objects.filter(comment=OuterRef("pk"))))  # issue 22's badge
        .annotate(
            excerpt=Case(When(parent=None, then=Left("body", STRUCTURED_TEXT_CHARS + 1)), default=Value(""))
        )
        .order_by("tree_id", "lft")
        .values_list(*RENDERED_FIELDS, "excerpt", "more_approved", "is_picked")
    )


# The rows of a page's threads: compiled once (building this query cost 4 ms a thread rendered).
_thread_rows = PreparedValues(
    _thread_rows_query, tree_ids=[918_273_645], depth=918_273_646, limit=918_273_647
)


def render_threads(
    article,
    tree_ids: list[int],
    *,
    reader: Reader = NO_READER,
    personal=frozenset(),
    snapshot: "best.BestSnapshot | None" = None,
) -> dict[int, tuple[str, str, int | None]]:
    """HTML, JSON-LD comments and version of each thread (its comments to the display depth,
    the version as that same query read it from the root; None if the thread is gone): one query.

    Threads in `personal` are rendered for the reader: their held comments and Edit/Delete links.
    With a Best snapshot, replies come best first and show their helpful counts.
    """
    depth = settings.COMMENT_DISPLAY_DEPTH
    threads: dict[int, list[RenderedComment]] = {tree_id: [] for tree_id in tree_ids}
    rows = _thread_rows.all(tree_ids=list(tree_ids), depth=depth, limit=2 * settings.THREAD_COMMENTS_SHOWN)
    for comment in map(RenderedComment._make, rows):
        threads[comment.tree_id].append(comment)
    picked = frozenset(c.pk for thread in threads.values() for c in thread if c.is_picked)
    zone = page_zone()
    rendered = {}
    for tree_id, comments in threads.items():
        editable = deletable = frozenset()
        pending = frozenset()
        if tree_id in personal:
            pending = reader.pending
            editable, deletable = ownership.own_comment_pks(reader.request, comments)
        version = comments[0].thread_version if comments and comments[0].parent_id is None else None
        helpful = {}  # the Helpful button, no counts
        if snapshot is not None:
            comments, helpful = best.best_tree_order(comments, snapshot.scores), snapshot.shown
        items = build_items(comments, base_level=0, depth=depth, own_pending=pending)
        cap_thread(items)
        html = render_items(
            article, items, editable=editable, deletable=deletable, helpful=helpful, picked=picked, zone=zone
        )
        rendered[tree_id] = (html, structured_comments(items), version)
    return rendered
