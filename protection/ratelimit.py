"""Rate limits shared by every process and host through the "ratelimit" cache (Redis with
REDIS_URL; without it each process counts on its own).

Sliding windows, exact: a rate of N per T seconds gives each identity N slots. An accepted attempt
claims a free slot with cache.add() (atomic in Redis and in the local-memory cache) for T seconds,
storing when it frees; with all N held, attempts are refused until the oldest frees. Fixed windows
(one counter per window) let two attempts a moment apart through a 1/15s limit when a window ends
between them; slots never do.

A scope (``comment``, ``report``, ``signup``, ``login``) has rates per account and per IP
address, from settings.RATE_LIMITS, e.g. ``{"account": "1/15s,10/h", "ip": "4/15s,40/h"}``.

One line applies a limit to any view::

    @ratelimit("report")
    def report_comment(request, pk): ...

and ``ratelimit.hit(request, "comment", account=...)`` does it by hand (raises RateLimited).
"""

import functools
import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render
from django.utils.connection import ConnectionProxy

from config.client import client_network

# The "ratelimit" cache (settings.CACHES): apart from the page caches, whose churn would evict slots.
cache = ConnectionProxy(caches, "ratelimit")

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}s"


def parse_rates(text: str) -> list[Rate]:
    """ "1/15s,10/h" -> [Rate(1, 15), Rate(10, 3600)]; empty text: no limit."""
    rates = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = RATE_RE.match(part)
        if not match:
            raise ValueError(f"Bad rate {part!r}: write it as COUNT/[N]UNIT, e.g. 1/15s or 10/h")
        count, number, unit = match.groups()
        rates.append(Rate(int(count), int(number or 1) * UNITS[unit]))
    return rates


class RateLimited(Exception):
    """Over a limit: retry_after seconds until the window that refused the request ends."""

    def __init__(self, scope: str, retry_after: int, *, full: list[tuple[str, str, "Rate"]] = ()):
        super().__init__(f"Rate limit {scope}: retry after {retry_after}s")
        self.scope = scope
        self.retry_after = retry_after
        self.full = list(full)  # (kind, identity, rate) of each full window

    @property
    def message(self) -> str:
        return f"Please wait {describe_wait(self.retry_after)} and try again."


def describe_wait(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    hours = math.ceil(seconds / 3600)
    return f"{hours} hours"


def _digest(identity: str) -> str:
    # Keys never carry a raw address or email into the cache.
    return hashlib.sha256(f"{settings.SECRET_KEY}:{identity}".encode()).hexdigest()[:24]


def scope_rates(scope: str) -> dict[str, list[Rate]]:
    config = settings.RATE_LIMITS.get(scope, {})
    return {kind: parse_rates(text) for kind, text in config.items()}


def identities(request, account: str | None) -> list[tuple[str, str]]:
    """(kind, identity) pairs a request counts against: its network (an IPv4 address, an IPv6
    /64) and its account."""
    found = [("ip", client_network(request))]
    if account is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        account = f"user:{request.user.pk}"
    if account:
        found.append(("account", account))
    return found


def _windows(scope: str, request, account: str | None):
    """((kind, identity, rate), slot keys) for each limit the request counts against."""
    rates = scope_rates(scope)
    for kind, identity in identities(request, account):
        for rate in rates.get(kind, []):
            base = f"rl:{scope}:{kind}:{_digest(identity)}:{rate.count}/{rate.seconds}"
            yield (kind, identity, rate), [f"{base}:{slot}" for slot in range(rate.count)]


def _frees(values, now: float) -> list[float]:
    """When each held slot frees, soonest first."""
    return sorted(until for until in values if until > now)


def _claim(keys: list[str], rate: Rate, now: float) -> tuple[str | None, list[float]]:
    """Take a free slot for rate.seconds (cache.add: of two racing claims one wins).

    Returns its key, or None and when each held slot frees.
    """
    taken = cache.get_many(keys)
    free = [key for key in keys if key not in taken]
    for key in free:
        if cache.add(key, now + rate.seconds, timeout=rate.seconds):
            return key, []
    if free:  # racing claims took them: read again what is held
        taken = cache.get_many(keys)
    return None, _frees(taken.values(), now)


def _lock_key(scope: str, kind: str, identity: str) -> str:
    return f"rl-lock:{scope}:{kind}:{_digest(identity)}"


def _wait(held: list[float], now: float) -> float:
    return held[0] - now if held else 1.0


def hit(request, scope: str, *, account: str | None = None) -> None:
    """Count one attempt; raise RateLimited (holding no slot) when any limit is full."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    now = time.time()
    claimed, waits = [], []
    for (_, _, rate), keys in _windows(scope, request, account):
        key, held = _claim(keys, rate, now)
        if key is None:
            waits.append(_wait(held, now))
        else:
            claimed.append(key)
    if waits:
        cache.delete_many(claimed)  # a refused attempt does not use up the longer windows
        raise RateLimited(scope, max(1, math.ceil(max(waits))))


def check(request, scope: str, *, account: str | None = None) -> None:
    """Raise RateLimited when locked out or a limit is already full, counting nothing."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    now = time.time()
    for kind, identity in identities(request, account):
        until = cache.get(_lock_key(scope, kind, identity))
        if until and until > now:
            raise RateLimited(scope, max(1, math.ceil(until - now)))
    full = []
    for who, keys in _windows(scope, request, account):
        held = _frees(cache.get_many(keys).values(), now)
        if len(held) >= who[2].count:
            full.append((_wait(held, now), who))
    if full:
        raise RateLimited(scope, max(1, math.ceil(max(r for r, _ in full))), full=[who for _, who in full])


def lock_out(error: RateLimited) -> RateLimited:
    """Turn full windows into lockouts lasting a whole window from now; return the new error."""
    now = time.time()
    longest = 0
    for kind, identity, rate in error.full:
        cache.set(_lock_key(error.scope, kind, identity), now + rate.seconds, timeout=rate.seconds + 1)
        longest = max(longest, rate.seconds)
    return RateLimited(error.scope, longest or error.retry_after)


def reset(request, scope: str, *, account: str) -> None:
    """Forget an account's counts in a scope (a successful log-in clears its failures)."""
    cache.delete(_lock_key(scope, "account", account))
    for (kind, _, _), keys in _windows(scope, request, account):
        if kind == "account":
            cache.delete_many(keys)


def too_many_requests(request, error: RateLimited, *, template="429.html", context=None):
    """The 429 page: what happened and when to try again, with a Retry-After header."""
    response = render(
        request,
        template,
        {"message": error.message, "retry_after": error.retry_after, **(context or {})},
        status=429,
    )
    response["Retry-After"] = str(error.retry_after)
    return response


def ratelimit(scope: str, *, methods=("POST",)):
    """Decorate a view: requests with these methods count against the scope's limits."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                try:
                    hit(request, scope)
                except RateLimited as error:
                    from protection.refusals import log_refusal

                    log_refusal(request, reason="rate_limit", detail=f"{scope}: {error.message}")
                    return too_many_requests(request, error)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
