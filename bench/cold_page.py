"""The cold first page in process: what one request costs with every cache off (THREAD_CACHE=0).

    .venv/bin/python bench/cold_page.py [--slug bench-10000] [--requests 30] [--profile]

Production settings, the bench database of bench/pages.py (run that once first: it builds
`bench-10000`), Django's test client with a browser's Accept-Encoding. Prints the median wall
time and CPU time of this process per request and the CPU the PostgreSQL backend serving it
spent per request (psutil), which together are what gunicorn and PostgreSQL pay for one page.
Like a gunicorn worker (config/gunicorn.conf.py), it freezes what it has loaded before measuring.
--profile: cProfile over 10 more requests, by cumulative time.
"""

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, bench_database_url, production_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slug", default="bench-10000")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60, help="stop measuring after this long")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        production_env(
            bench_database_url(),
            ALLOWED_HOSTS="testserver",
            DJANGO_SETTINGS_MODULE="config.settings",
            THREAD_CACHE="0",
        )
    )
    import django

    django.setup()
    import psutil
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    url = f"/articles/{args.slug}/"
    for _ in range(6):  # past psycopg's prepare threshold (5): statements prepared, as in a worker
        response = client.get(url)
    gc.freeze()  # as config/gunicorn.conf.py does in each worker once it has started
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} (run bench/pages.py --sizes 10000 first)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cursor.fetchone()[0])
    backend_before = sum(backend.cpu_times()[:2])
    wall, cpu = [], []
    deadline = time.monotonic() + args.seconds
    while len(wall) < args.requests and time.monotonic() < deadline:
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    backend_ms = (sum(backend.cpu_times()[:2]) - backend_before) * 1000 / len(wall)
    print(
        f"{url}: {len(wall)} requests, {len(response.content):,} bytes; "
        f"median wall {statistics.median(wall):.1f} ms, CPU {statistics.median(cpu):.1f} ms "
        f"(min {min(cpu):.1f}) + PostgreSQL {backend_ms:.1f} ms"
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(10):
            client.get(url)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
