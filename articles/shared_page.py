"""The article page as readers without a session see it: cached whole, stored pre-compressed.

Every such reader gets the same bytes but for a few values that must be fresh per request
(the CSRF token, the form's idempotency token, its signed "shown at" stamp). The page is
rendered once with random placeholders where those go, cut at them into static segments,
and each segment is deflated once, on its own. A request then costs a join: the static
segments' bytes with the fresh values between them — and, for a reader whose browser takes
gzip (all do), the pre-deflated segments with the fresh values as stored (uncompressed)
deflate blocks between them, inside a gzip member whose CRC is carried on from the part
before the first value. No request compresses or scans the page.

A fresh value is never compressed together with page text, so the compressed length says
nothing about a secret (BREACH); the CSRF token is masked per request anyway.
"""

import secrets
import struct
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers

from comments.readers import OWN_COOKIE
from pagecache.snapshot import one_snapshot
from protection.forms import new_stamp

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS
FINAL_BLOCK = b"\x03\x00"  # an empty fixed-Huffman block with the "last block" bit set


def deflate_segment(data: bytes, *, level: int = 6) -> bytes:
    """Raw deflate blocks for data, ending byte-aligned and not final (a sync flush).

    A fresh compressor never refers back past its own start, so such segments can follow
    one another in one stream.
    """
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def stored_block(data: bytes) -> bytes:
    """data as one non-final stored deflate block (at a byte boundary; under 64 KiB)."""
    return b"\x00" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (a q of 0 refuses it)."""
    for coding in accept_encoding.lower().split(","):
        name, _, params = coding.partition(";")
        if name.strip() in ("gzip", "x-gzip", "*"):
            quality = params.strip().removeprefix("q=").strip()
            try:
                return not quality or float(quality) > 0
            except ValueError:
                return False
    return False


@dataclass(frozen=True)
class SplicedPage:
    """A page cut at its per-request values: static segments and, between them, slot names."""

    segments: tuple[bytes, ...]  # len(slots) + 1 of them
    slots: tuple[str, ...]
    deflated: tuple[bytes, ...]  # each segment on its own, see deflate_segment
    head_crc: int  # CRC-32 of segments[0]
    static_size: int

    @classmethod
    def build(cls, html: str, placeholders: dict[str, str]) -> "SplicedPage":
        """Cut html at every occurrence of the placeholders (name -> random text)."""
        page = html.encode()
        found = []  # (offset, slot name, placeholder length)
        for name, placeholder in placeholders.items():
            needle = placeholder.encode()
            offset = page.find(needle)
            while offset != -1:
                found.append((offset, name, len(needle)))
                offset = page.find(needle, offset + len(needle))
        found.sort()
        segments, start = [], 0
        for offset, _, length in found:
            segments.append(page[start:offset])
            start = offset + length
        segments.append(page[start:])
        return cls(
            segments=tuple(segments),
            slots=tuple(name for _, name, _ in found),
            deflated=tuple(deflate_segment(segment) for segment in segments),
            head_crc=zlib.crc32(segments[0]),
            static_size=sum(map(len, segments)),
        )

    def assemble(self, fills: dict[str, list[tuple[bytes, bytes]]]) -> "SplicedPage":
        """This page with some of its slots filled for good, each by pieces given as (bytes,
        the same deflated on its own: see deflate_segment, or a stored_block); the other
        slots stay, for the values of each request."""
        segments, deflated, slots = [[self.segments[0]]], [[self.deflated[0]]], []
        for slot, segment, packed in zip(self.slots, self.segments[1:], self.deflated[1:], strict=True):
            if slot in fills:
                for raw, raw_packed in fills[slot]:
                    segments[-1].append(raw)
                    deflated[-1].append(raw_packed)
                segments[-1].append(segment)
                deflated[-1].append(packed)
            else:
                slots.append(slot)
                segments.append([segment])
                deflated.append([packed])
        joined = tuple(b"".join(parts) for parts in segments)
        return SplicedPage(
            segments=joined,
            slots=tuple(slots),
            deflated=tuple(b"".join(parts) for parts in deflated),
            head_crc=zlib.crc32(joined[0]),
            static_size=sum(map(len, joined)),
        )

    def render(self, values: dict[str, str], *, gzip: bool) -> bytes:
        """The page with these values in its slots, gzip-encoded or plain."""
        filled = [values[slot].encode() for slot in self.slots]
        if not gzip:
            parts = [self.segments[0]]
            for value, segment in zip(filled, self.segments[1:], strict=True):
                parts += (value, segment)
            return b"".join(parts)
        crc = self.head_crc
        parts = [GZIP_HEADER, self.deflated[0]]
        for value, segment, deflated in zip(filled, self.segments[1:], self.deflated[1:], strict=True):
            crc = zlib.crc32(segment, zlib.crc32(value, crc))
            parts += (stored_block(value), deflated)
        size = self.static_size + sum(map(len, filled))
        parts += (FINAL_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF))
        return b"".join(parts)


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
            placeholders = {name: secrets.token_hex(16) for name in FILLERS}
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
    values = {name: FILLERS[name](request) for name in set(entry.page.slots)}
    response = HttpResponse(entry.page.render(values, gzip=gzip), status=entry.status)
    if gzip:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
    return response


def _local_cache() -> bool:
    return isinstance(caches["default"], LocMemCache)


def is_shared(request) -> bool:
    """Whether this request gets the page every reader without a session gets."""
    return (
        request.method == "GET"
        and settings.THREAD_CACHE_ENABLED
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and OWN_COOKIE not in request.COOKIES  # a guest's own comments (comments.readers)
        and "messages" not in request.COOKIES
    )


SHARED_PAGE_CACHE_SECONDS = 7 * 24 * 3600
FILLERS: dict[str, Callable[[object], str]] = {
    "csrf": get_token,
    "token": lambda request: str(uuid.uuid4()),
    "stamp": lambda request: new_stamp(),
}
