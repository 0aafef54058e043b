"""What a rate-limit check costs per request: local-memory cache and Redis.

    DEBUG=1 .venv/bin/python bench/ratelimit_overhead.py [--redis redis://127.0.0.1:6379/0] [--seconds 3]

Counts comment-scope hits (two identities, two rates each: a get_many() of each rate's slots and
an add() to claim one) for a bounded time and prints microseconds per hit. Redis keys use a prefix
unique to this run and are deleted.
"""

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def measure(label: str, seconds: float) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from protection import ratelimit

    factory = RequestFactory()
    hits = refused = 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        request = factory.post("/", REMOTE_ADDR=f"10.0.{hits % 250}.{hits // 250 % 250}")
        request.user = AnonymousUser()
        try:
            ratelimit.hit(request, "comment", account=f"email:bench{hits}@example.org")
        except ratelimit.RateLimited:
            refused += 1
        hits += 1
    elapsed = time.perf_counter() - start
    per_hit = elapsed / hits * 1e6
    print(f"{label:>10}: {hits} hits in {elapsed:.1f} s = {per_hit:.0f} µs per hit ({refused} refused)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default=None)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    import django
    from django.conf import settings

    django.setup()
    settings.RATE_LIMITS_ENABLED = True
    measure("locmem", args.seconds)
    if args.redis:
        import redis
        from django.test.utils import override_settings

        prefix = f"threadline-bench-{uuid.uuid4().hex[:8]}"
        redis_cache = {"BACKEND": "config.cache.FailoverRedisCache", "LOCATION": args.redis}
        try:
            redis_cache["KEY_PREFIX"] = prefix
            with override_settings(CACHES={"default": redis_cache, "ratelimit": redis_cache}):
                measure("redis", args.seconds)
        finally:
            server = redis.Redis.from_url(args.redis)
            keys = server.keys(f"{prefix}:*")
            if keys:
                server.delete(*keys)


if __name__ == "__main__":
    main()
