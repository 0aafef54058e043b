"""Redis as the shared cache, with this process's memory standing in while Redis does not answer.

The cache holds nothing that cannot be rebuilt (pages and threads are stored under the state
they show and checked against it on every request; rate-limit slots are short-lived), so a Redis
outage must not take the site down with it. Each call that finds Redis unreachable is answered by
a local-memory cache instead, and for RETRY_SECONDS this process asks Redis nothing (no connect
timeout paid on every call); then it tries again. Meanwhile every process counts rate limits and
keeps pages on its own, as without REDIS_URL. /readyz still asks Redis itself (`primary`), so
monitoring sees the outage.

    CACHES = {"default": {"BACKEND": "config.cache.FailoverRedisCache", "LOCATION": REDIS_URL,
                          "FALLBACK": {"LOCATION": "default", "OPTIONS": {"MAX_ENTRIES": 300}}}}
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# Per process, shared by the threads (Django makes a cache object per thread and alias).
_down_until: dict[str, float] = {}
_down_lock = threading.Lock()


def _failing_over(name: str):
    primary = getattr(RedisCache, name)

    @functools.wraps(primary)
    def method(self, *args, **kwargs):
        if _down_until.get(self._breaker, 0.0) <= time.monotonic():
            try:
                return primary(self, *args, **kwargs)
            except UNREACHABLE as error:
                self._went_down(error)
        return getattr(self._fallback, name)(*args, **kwargs)

    return method


class FailoverRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        fallback = params.get("FALLBACK", {})
        self._breaker = str(server)  # one outage of a server is one, whichever alias finds it
        self._fallback = LocMemCache(
            f"failover:{fallback.get('LOCATION', '')}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": fallback.get("OPTIONS", {})},
        )

    def _went_down(self, error: Exception) -> None:
        with _down_lock:
            was_up = _down_until.get(self._breaker, 0.0) <= time.monotonic()
            _down_until[self._breaker] = time.monotonic() + RETRY_SECONDS
        if was_up:  # one line an outage and process, not one a call
            logger.warning(
                "Redis does not answer (%s): this process caches in its own memory, retrying every %d s",
                type(error).__name__,
                RETRY_SECONDS,
            )

    add = _failing_over("add")
    get = _failing_over("get")
    set = _failing_over("set")
    touch = _failing_over("touch")
    delete = _failing_over("delete")
    get_many = _failing_over("get_many")
    has_key = _failing_over("has_key")
    incr = _failing_over("incr")
    set_many = _failing_over("set_many")
    delete_many = _failing_over("delete_many")
    clear = _failing_over("clear")

    def failing_over(self, primary_call, fallback_call):
        """primary_call(this cache) on Redis, or fallback_call(the local-memory stand-in) while
        Redis does not answer: for work beyond the cache API (the rate limiter's script)."""
        if _down_until.get(self._breaker, 0.0) <= time.monotonic():
            try:
                return primary_call(self)
            except UNREACHABLE as error:
                self._went_down(error)
        return fallback_call(self._fallback)

    @property
    def primary(self) -> "_Primary":
        """This cache without the fallback: its calls raise when Redis does not answer."""
        return _Primary(self)


class _Primary:
    def __init__(self, backend: FailoverRedisCache):
        self._backend = backend

    def __getattr__(self, name: str):
        return functools.partial(getattr(RedisCache, name), self._backend)
