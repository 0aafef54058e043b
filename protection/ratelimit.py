"""Rate limits shared by every process and host through the "ratelimit" cache (Redis with
REDIS_URL; without it each process counts on its own).

GCRA (the generic cell rate algorithm, issue 23): a rate of N per T seconds is a budget of N
attempts that refills one every T/N seconds. Each identity keeps one number per rate, its
"theoretical arrival time" (TAT): an attempt at `now` is admitted when max(TAT, now) + T/N is at
most now + T, and then moves the TAT there. So N attempts at once pass and the N+1st waits T/N;
a steady writer gets N per T. One key per identity (a Redis hash, a dict in local memory) holds
the TATs of all its rates, read and written in one atomic step (a Lua script in Redis, a lock in
this process's memory): the cost of a check does not grow with N (the sliding windows it
replaces claimed one cache slot per allowed attempt, so a limit of N read N keys on every check:
a 100000/h limit made each reply take about 700 ms). Racing attempts never pass more than the
budget, and an attempt refused by any rate moves no TAT (it does not use up the others).

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
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.shortcuts import render
from django.utils.connection import ConnectionProxy

from config.cache import FailoverRedisCache
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

    @property
    def period_ms(self) -> float:
        return self.seconds * 1000.0

    @property
    def interval_ms(self) -> float:
        """How often the budget refills by one attempt."""
        return self.seconds * 1000.0 / self.count


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


def _key(scope: str, kind: str, identity: str) -> str:
    return f"rl:{scope}:{kind}:{_digest(identity)}"


def _limits(scope: str, request, account: str | None) -> list[tuple[tuple[str, str, Rate], str]]:
    """((kind, identity, rate), the identity's key) for each limit the request counts against."""
    rates = scope_rates(scope)
    return [
        ((kind, identity, rate), _key(scope, kind, identity))
        for kind, identity in identities(request, account)
        for rate in rates.get(kind, [])
    ]


# One atomic step in Redis. KEYS: the identity's hash for each limit (repeated for its rates);
# ARGV: "1" to count the attempt, then per limit its field, interval and period (ms). The time
# is the server's, read inside the step: racing attempts are ordered by it (a time read by each
# client before its step could be earlier than the TAT a racing step had just stored, and refuse
# an attempt the budget holds).
# Returns per limit "" (room) or the milliseconds to wait; counts only when every limit has room.
GCRA_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local new, waits, full = {}, {}, false
for i = 1, #KEYS do
  local field, interval, period = ARGV[3 * i - 1], tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1])
  local tat = tonumber(redis.call('HGET', KEYS[i], field) or now)
  if tat < now then tat = now end
  new[i] = tat + interval
  if new[i] - now > period + 0.001 then
    waits[i] = tostring(new[i] - now - period)
    full = true
  else
    waits[i] = ''
  end
end
if ARGV[1] == '1' and not full then
  for i = 1, #KEYS do
    redis.call('HSET', KEYS[i], ARGV[3 * i - 1], tostring(new[i]))
    if redis.call('PTTL', KEYS[i]) < new[i] - now then
      redis.call('PEXPIRE', KEYS[i], math.ceil(new[i] - now))
    end
  end
end
return waits
"""

_local_lock = threading.Lock()  # local memory is this process's alone: a lock makes a step atomic


def _gcra_local(backend, limits, count: bool) -> list[float | None]:
    with _local_lock:
        now_ms = time.time() * 1000  # inside the lock: racing attempts are ordered by it
        stored = backend.get_many({key for _, key in limits})
        states = {key: dict(stored.get(key, {})) for _, key in limits}
        waits, new = [], []
        for (_, _, rate), key in limits:
            tat = max(states[key].get(str(rate), now_ms), now_ms) + rate.interval_ms
            new.append(tat)
            waits.append(tat - now_ms - rate.period_ms if tat - now_ms > rate.period_ms + 0.001 else None)
        if count and not any(wait is not None for wait in waits):
            for ((_, _, rate), key), tat in zip(limits, new, strict=True):
                states[key][str(rate)] = tat
            for key, state in states.items():
                backend.set(key, state, timeout=math.ceil((max(state.values()) - now_ms) / 1000) + 1)
        return waits


def _gcra_redis(backend, limits, count: bool) -> list[float | None]:
    client = backend._cache.get_client(write=True)
    args = ["1" if count else "0"]
    for (_, _, rate), _key in limits:
        args += [str(rate), repr(rate.interval_ms), repr(rate.period_ms)]
    keys = [backend.make_and_validate_key(key) for _, key in limits]
    replies = client.register_script(GCRA_SCRIPT)(keys=keys, args=args)
    return [float(reply) if reply else None for reply in replies]


def _gcra(limits, *, count: bool) -> list[float | None]:
    """Per limit, None (room) or the seconds to wait; counts the attempt when all have room."""
    if not limits:
        return []
    backend = caches["ratelimit"]
    if isinstance(backend, FailoverRedisCache):
        waits = backend.failing_over(
            lambda redis: _gcra_redis(redis, limits, count),
            lambda local: _gcra_local(local, limits, count),
        )
    elif isinstance(backend, RedisCache):
        waits = _gcra_redis(backend, limits, count)
    else:
        waits = _gcra_local(backend, limits, count)
    return [None if wait is None else wait / 1000 for wait in waits]


def _lock_key(scope: str, kind: str, identity: str) -> str:
    return f"rl-lock:{scope}:{kind}:{_digest(identity)}"


def hit(request, scope: str, *, account: str | None = None) -> None:
    """Count one attempt; raise RateLimited (counting nothing) when any limit is full."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    waits = [wait for wait in _gcra(_limits(scope, request, account), count=True) if wait is not None]
    if waits:
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
    limits = _limits(scope, request, account)
    full = [(wait, who) for (who, _), wait in zip(limits, _gcra(limits, count=False), strict=True) if wait]
    if full:
        raise RateLimited(scope, max(1, math.ceil(max(w for w, _ in full))), full=[who for _, who in full])


def lock_out(error: RateLimited) -> RateLimited:
    """Turn full limits into lockouts lasting a whole period from now; return the new error."""
    now = time.time()
    longest = 0
    for kind, identity, rate in error.full:
        cache.set(_lock_key(error.scope, kind, identity), now + rate.seconds, timeout=rate.seconds + 1)
        longest = max(longest, rate.seconds)
    return RateLimited(error.scope, longest or error.retry_after)


def reset(request, scope: str, *, account: str) -> None:
    """Forget an account's counts in a scope (a successful log-in clears its failures)."""
    cache.delete_many([_lock_key(scope, "account", account), _key(scope, "account", account)])


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
