"""What a rate-limit check costs per attempt as the configured limits grow: local memory and Redis.

    DEBUG=1 .venv/bin/python bench/ratelimit_overhead.py [--redis redis://127.0.0.1:6379/0] [--seconds 2]

For each limit (10/h, 1,000/h, 100,000/h by default, set per account and per address), eight
writers (one address and one email each, as in bench/concurrent_posts.py) take turns counting
comment-scope attempts for a bounded time; prints microseconds per attempt. Issue 23: with the
sliding windows a limit of N read N keys on every check, so the cost grew with N; with GCRA it is
one key per identity whatever N. Redis keys use a prefix unique to this run and are deleted.
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


def measure(label: str, limit: str, seconds: float) -> float:
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from protection import ratelimit

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": {"account": limit, "ip": limit}}
    factory = RequestFactory()
    writers = []
    for n in range(8):
        request = factory.post("/", REMOTE_ADDR=f"10.9.{uuid.uuid4().int % 250}.{n}")
        request.user = AnonymousUser()
        writers.append((request, f"email:writer{n}-{uuid.uuid4().hex[:6]}@example.org"))
    hits = refused = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        request, account = writers[hits % len(writers)]
        try:
            ratelimit.hit(request, "comment", account=account)
        except ratelimit.RateLimited:
            refused += 1
        hits += 1
    per_hit = (time.perf_counter() - start) / hits * 1e6
    print(f"{label:>7} {limit:>9}: {hits:7} attempts in {seconds:.0f} s = {per_hit:7.0f} µs each", end="")
    print(f" ({refused} refused)")
    return per_hit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default=None)
    parser.add_argument("--seconds", type=float, default=2.0, help="per limit and cache")
    parser.add_argument("--limits", default="10/h,1000/h,100000/h")
    args = parser.parse_args()

    import django
    from django.conf import settings

    django.setup()
    settings.RATE_LIMITS_ENABLED = True
    limits = args.limits.split(",")
    for limit in limits:
        measure("locmem", limit, args.seconds)
    if args.redis:
        import redis
        from django.test.utils import override_settings

        prefix = f"threadline-bench-{uuid.uuid4().hex[:8]}"
        redis_cache = {
            "BACKEND": "config.cache.FailoverRedisCache",
            "LOCATION": args.redis,
            "KEY_PREFIX": prefix,
        }
        try:
            with override_settings(CACHES={"default": redis_cache, "ratelimit": redis_cache}):
                for limit in limits:
                    measure("redis", limit, args.seconds)
        finally:
            server = redis.Redis.from_url(args.redis)
            keys = server.keys(f"{prefix}:*")
            if keys:
                server.delete(*keys)


if __name__ == "__main__":
    main()
