"""Rate limits shared by every process and host, through Django's cache (Redis with REDIS_URL).

Fixed windows: one counter per (scope, identity, window length, window start), created with
cache.add() and raised with cache.incr(), both atomic in Redis and in the local-memory cache.
A scope (``comment``, ``report``, ``signup``, ``login``) has rates per account and per IP
address, from settings.RATE_LIMITS, e.g. ``{"account": "1/15s,10/h", "ip": "4/15s,40/h"}``.

One line applies a limit to any view::

    @ratelimit("report")
    def report_comment(request, pk): ...

and ``ratelimit.hit(request, "comment", account=...)`` does it by hand (raises RateLimited).
"""

import contextlib
import functools
import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

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


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, set by gunicorn from the trusted proxy's header."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _digest(identity: str) -> str:
    # Keys never carry a raw address or email into the cache.
    return hashlib.sha256(f"{settings.SECRET_KEY}:{identity}".encode()).hexdigest()[:24]


def scope_rates(scope: str) -> dict[str, list[Rate]]:
    config = settings.RATE_LIMITS.get(scope, {})
    return {kind: parse_rates(text) for kind, text in config.items()}


def identities(request, account: str | None) -> list[tuple[str, str]]:
    """(kind, identity) pairs a request counts against: its IP address and its account."""
    found = [("ip", client_ip(request))]
    if account is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        account = f"user:{request.user.pk}"
    if account:
        found.append(("account", account))
    return found


def _keys(scope: str, request, account: str | None, now: float):
    rates = scope_rates(scope)
    for kind, identity in identities(request, account):
        for rate in rates.get(kind, []):
            window_start = int(now // rate.seconds) * rate.seconds
            key = f"rl:{scope}:{kind}:{_digest(identity)}:{rate.seconds}:{window_start}"
            yield key, rate, window_start + rate.seconds - now, (kind, identity, rate)


def _lock_key(scope: str, kind: str, identity: str) -> str:
    return f"rl-lock:{scope}:{kind}:{_digest(identity)}"


def hit(request, scope: str, *, account: str | None = None) -> None:
    """Count one attempt; raise RateLimited (counting nothing) when any window is full."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    now = time.time()
    counted, refused = [], []
    for key, rate, remaining, _ in _keys(scope, request, account, now):
        cache.add(key, 0, timeout=rate.seconds + 1)
        try:
            value = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=rate.seconds + 1)
            value = 1
        counted.append(key)
        if value > rate.count:
            refused.append(remaining)
    if refused:
        for key in counted:  # a refused attempt does not use up the longer windows
            with contextlib.suppress(ValueError):
                cache.decr(key)
        raise RateLimited(scope, max(1, math.ceil(max(refused))))


def check(request, scope: str, *, account: str | None = None) -> None:
    """Raise RateLimited when locked out or a window is already full, counting nothing."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    now = time.time()
    for kind, identity in identities(request, account):
        until = cache.get(_lock_key(scope, kind, identity))
        if until and until > now:
            raise RateLimited(scope, max(1, math.ceil(until - now)))
    full = [
        (remaining, who)
        for key, rate, remaining, who in _keys(scope, request, account, now)
        if (cache.get(key) or 0) >= rate.count
    ]
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
    now = time.time()
    cache.delete(_lock_key(scope, "account", account))
    rates = scope_rates(scope)
    for rate in rates.get("account", []):
        window_start = int(now // rate.seconds) * rate.seconds
        cache.delete(f"rl:{scope}:account:{_digest(account)}:{rate.seconds}:{window_start}")


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
