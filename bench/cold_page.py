"""The cold first page: what one request costs with every cache off (THREAD_CACHE=0).

    .venv/bin/python bench/cold_page.py [--slug bench-10000] [--requests 30] [--profile]
    .venv/bin/python bench/cold_page.py --served [--seconds 5]

Production settings, the bench database of bench/pages.py (run that once first: it builds
`bench-10000`), Django's test client with a browser's Accept-Encoding. Prints the median wall
time and CPU time of this process per request and the CPU the PostgreSQL backend serving it
spent per request (psutil), which together are what gunicorn and PostgreSQL pay for one page.
Like a gunicorn worker (config/gunicorn.conf.py), it freezes what it has loaded before measuring.
--profile: cProfile over 10 more requests, by cumulative time.

--served: the page served by gunicorn with config/gunicorn.conf.py under wrk (2 threads, 8
connections, as bench/pages.py), and the CPU that gunicorn (master and workers) and the database
server's backends spent per request over the run (psutil; the database's backends are those
connected to the bench database). On a shared machine this moves less than requests/s does.
"""

import argparse
import cProfile
import gc
import os
import pstats
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    BROWSER_HEADERS,
    ROOT,
    Gunicorn,
    bench_database_url,
    ensure_wrk,
    production_env,
    run_wrk,
)


def cpu_seconds(processes) -> float:
    import psutil

    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:  # ended meanwhile
            continue
        total += times.user + times.system
    return total


def served(database_url: str, path: str, seconds: int, port: int) -> None:
    """Requests/s and CPU per request of the page under wrk (see the module docstring)."""
    import psutil

    database = database_url.rsplit("/", 1)[1].split("?")[0]

    def backends():
        return [
            process
            for process in psutil.process_iter(["cmdline"])
            if " ".join(process.info["cmdline"] or []).startswith("postgres: ")
            and f" {database} " in " ".join(process.info["cmdline"] or [])
        ]

    with Gunicorn(production_env(database_url, THREAD_CACHE="0"), port) as server:
        run_wrk(server.url + path, seconds=2, headers=BROWSER_HEADERS)  # every worker warm
        master = psutil.Process(server.process.pid)
        web = [master, *master.children(recursive=True)]
        web_before, database_before = cpu_seconds(web), cpu_seconds(backends())
        headers = [arg for name, value in BROWSER_HEADERS.items() for arg in ("-H", f"{name}: {value}")]
        output = subprocess.run(
            [ensure_wrk(), "-t2", "-c8", f"-d{seconds}s", *headers, server.url + path],
            capture_output=True, text=True, timeout=seconds + 30, check=True,
        ).stdout  # fmt: skip
        web_ms = (cpu_seconds(web) - web_before) * 1000
        database_ms = (cpu_seconds(backends()) - database_before) * 1000
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    print(
        f"{path} served: {rate:.0f} requests/s; CPU per request: gunicorn {web_ms / requests:.1f} ms "
        f"+ PostgreSQL {database_ms / requests:.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slug", default="bench-10000")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--seconds", type=float, default=60, help="stop measuring after this long (--served: wrk's run, 5 s)"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--served", action="store_true", help="under wrk, served by gunicorn")
    parser.add_argument("--port", type=int, default=8102)
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.served:
        served(bench_database_url(), f"/articles/{args.slug}/", int(args.seconds), args.port)
        return 0
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
        pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
