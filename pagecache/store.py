"""The shared pages: made once per state of what they show, kept in this process and the cache.

A page is stored under a key with the state it was made for (SharedEntry.state, from the
caller's load_state(): one query), and served again while the database says the same state.
The request's personal values go into the page's slots (pagecache.splice) from
settings.PAGECACHE_FILLERS; a request carrying any cookie of settings.PAGECACHE_PERSONAL_COOKIES
is never served a shared page. Nothing here knows the domain: the apps say what a state is and
how to render.
"""

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

from pagecache.snapshot import one_snapshot
from pagecache.splice import SplicedPage


@dataclass(frozen=True)
class SharedEntry:
    """A page as rendered for one state of what it shows (compared on every check)."""

    state: tuple
    page: SplicedPage
    status: int = 200


class RecentPages:
    """The shared pages this process served lately, and when each was last checked.

    Within settings.SHARED_PAGE_SECONDS of checking a page against the database, the process
    serves it again without asking: under a busy thread a reader without a session sees the
    discussion at most that many seconds late, and the process renders each page at most once
    in that time however many replies arrive. Bounded: the least recently used page goes first.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self._entries: OrderedDict[str, tuple[float, SharedEntry]] = OrderedDict()
        self._lock = threading.Lock()
        self._making = [threading.Lock() for _ in range(16)]

    def get(self, key: str, *, max_age: float | None = None) -> SharedEntry | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or (max_age is not None and time.monotonic() - found[0] >= max_age):
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: str, entry: SharedEntry) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), entry)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def making(self, key: str) -> threading.Lock:
        """The lock to hold while making the page under key (one of a fixed few, by key)."""
        return self._making[hash(key) % len(self._making)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


recent_pages = RecentPages()


def shared_entry(
    key: str,
    load_state: Callable[[], tuple],
    render: Callable[[dict[str, str]], tuple[SplicedPage, int]],
) -> SharedEntry:
    """The shared page under key: from this process within the freshness window, else checked
    against load_state() (one query; raises Http404 when the page is gone) and taken from the
    cache, or made by render(placeholders) — placeholders for the per-request values, by
    name — in one snapshot with a second load_state(), and cached."""
    entry = recent_pages.get(key, max_age=settings.SHARED_PAGE_SECONDS)
    if entry is not None:
        return entry
    state = load_state()
    entry = recent_pages.get(key)
    if entry is not None and entry.state == state:
        recent_pages.put(key, entry)
        return entry
    # After a new comment every thread of the process serving the page would make it at once:
    # one makes it, the others wait for it (a burst of identical work was the p99 under writes).
    with recent_pages.making(key):
        entry = recent_pages.get(key)
        if (entry is None or entry.state != state) and not _local_cache():
            entry = cache.get(key)  # made by another process
        if entry is None or entry.state != state:
            placeholders = {name: secrets.token_hex(16) for name in fillers()}
            # The state read again with the page, in one snapshot: the entry is labelled with
            # exactly the state it shows (pagecache.snapshot), never a newer one.
            with one_snapshot():
                state = load_state()
                page, status = render(placeholders)
            entry = SharedEntry(state, page, status)
            if not _local_cache():  # a local-memory cache is this process's alone
                cache.set(key, entry, SHARED_PAGE_CACHE_SECONDS)
        recent_pages.put(key, entry)
    return entry


def shared_response(request, entry: SharedEntry, *, gzip: bool) -> HttpResponse:
    """The entry's page with fresh values in its slots: only those it has (a page without the
    comment form sets no CSRF cookie)."""
    values = {name: fillers()[name](request) for name in set(entry.page.slots)}
    response = HttpResponse(entry.page.render(values, gzip=gzip), status=entry.status)
    if gzip:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
    return response


def _local_cache() -> bool:
    return isinstance(caches["default"], LocMemCache)


def is_shared(request, *, unseen: frozenset[str] = frozenset()) -> bool:
    """Whether this request gets the page every reader without a session gets. `unseen`: personal
    cookies whose content the page does not show (they leave it shared)."""
    personal = (name for name in settings.PAGECACHE_PERSONAL_COOKIES if name not in unseen)
    return (
        request.method == "GET"
        and settings.THREAD_CACHE_ENABLED
        and not any(name in request.COOKIES for name in personal)
    )


SHARED_PAGE_CACHE_SECONDS = 7 * 24 * 3600


@memoize
def fillers() -> dict[str, Callable[[object], str]]:
    """The per-request values of a shared page, by slot name: settings.PAGECACHE_FILLERS's
    dotted paths, each a function of the request returning text."""
    return {name: import_string(path) for name, path in settings.PAGECACHE_FILLERS.items()}
