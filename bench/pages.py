"""Discussion pages at any size: `make bench` (or python bench/pages.py --help).

Builds discussions of 100 … 100,000 comments with generate_discussion in a bench
database, serves them with the production gunicorn settings, and drives GETs of
the first page, a middle page and a permalink page with wrk (8 connections, a
bounded time): with the thread cache off (cold), on (warm), and warm while a
writer posts a reply every 100 ms into the same discussion (before a cold row, 1 s of the
same URL unmeasured: each worker compiles its templates and prepares its statements, as
in a server that has been up a while; nothing is cached). /healthz through the
same stack is the ceiling, measured before and after each mode's rows (shares are
of the mean of the two). Prints a Markdown table (paste it into bench/README.md).
"""

import argparse
import gzip
import os
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    BROWSER_HEADERS,
    Gunicorn,
    Writer,
    bench_database_url,
    manage,
    production_env,
    run_wrk,
)


def prepare(env: dict, sizes: list[int]) -> dict[int, dict]:
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")  # production settings serve hashed names
    script = f"""
import json
from django.utils import timezone
from articles.models import Article
from comments.generator import generate_discussion
from comments.models import Comment
from comments.models import ModerationRules
from django.db import connection
ModerationRules.objects.update_or_create(pk=1, defaults={{"hold_first_comments": False}})  # bench DB only
out = {{}}
for size in {sizes!r}:
    article, _ = Article.objects.get_or_create(
        slug=f"bench-{{size}}",
        defaults=dict(title=f"Bench {{size}}", body="Benchmark article.", status="published",
                      published_at=timezone.now()))
    if article.comments.count() != size:  # the writer of an earlier run added replies: start again
        article.delete()
        article = Article.objects.create(
            slug=f"bench-{{size}}", title=f"Bench {{size}}", body="Benchmark article.", status="published",
            published_at=timezone.now())
        generate_discussion(article, comments=size, seed=size)
    article.refresh_from_db()
    roots = list(article.comments.filter(parent=None).order_by("tree_id").values_list("pk", flat=True))
    deep = article.comments.filter(level=3).order_by("pk").values_list("pk", flat=True)[:1]
    out[size] = dict(slug=article.slug, threads=article.thread_count, comments=article.comment_count,
                     roots=roots[:50], permalink=(list(deep) or roots[:1])[0])
# Statistics for the new rows: without them the planner took the status index for each thread's
# count of replies past those shown (10,000 index entries a thread: 35 ms for the first page's
# rows instead of 1.3 ms) until autovacuum got round to it.
with connection.cursor() as cursor:
    cursor.execute("ANALYZE comments_comment")
print(json.dumps(out))
"""
    import json

    output = manage(env, "shell", "-c", script)
    return {int(k): v for k, v in json.loads(output.strip().splitlines()[-1]).items()}


def page_size(url: str, headers: dict) -> tuple[int, int]:
    """The page's size in bytes as sent (compressed if the server chose to) and as HTML."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        sent = response.read()
        encoded = response.headers.get("Content-Encoding") == "gzip"
    return len(sent), len(gzip.decompress(sent)) if encoded else len(sent)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per measurement")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--modes", default="cold,warm,warm+writer")
    parser.add_argument(
        "--identity", action="store_true", help="send no Accept-Encoding (by default: a browser's)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    database_url = bench_database_url()
    env = production_env(database_url)
    started = time.monotonic()
    print(f"Preparing discussions {sizes} …", file=sys.stderr)
    data = prepare(env, sizes)
    cache = "Redis " + os.environ["REDIS_URL"] if os.environ.get("REDIS_URL") else "local memory per worker"
    rows = []
    rss = {}
    headers = {} if args.identity else BROWSER_HEADERS
    for mode in args.modes.split(","):
        mode_env = production_env(database_url, THREAD_CACHE="0" if mode == "cold" else "1")
        with Gunicorn(mode_env, args.port) as server:
            run_wrk(server.url + "/healthz", seconds=1, headers=headers)  # fresh workers: warm up
            ceiling = run_wrk(server.url + "/healthz", seconds=args.seconds, headers=headers)
            first_row = len(rows)
            rows.append(("/healthz (ceiling)", "-", mode, ceiling, (0, 0), ceiling["rps"]))
            for size in sizes:
                info = data[size]
                middle = max(1, (info["threads"] // 50) // 2 + 1)
                urls = {
                    "first page": f"/articles/{info['slug']}/",
                    "middle page": f"/articles/{info['slug']}/?page={middle}",
                    "permalink": f"/comments/{info['permalink']}/",
                }
                writer = None
                if mode == "warm+writer":
                    writer = Writer(server.url, info["slug"], info["roots"][:50], interval=0.1)
                    writer.start()
                for label, path in urls.items():
                    if mode != "cold":
                        for _ in range(3):
                            page_size(server.url + path, headers)  # warm every worker's cache a little
                    else:  # nothing is cached: this only has each worker compile its templates and
                        # prepare its statements once, as a server running for a while has
                        run_wrk(server.url + path, seconds=1, headers=headers)
                    result = run_wrk(server.url + path, seconds=args.seconds, headers=headers)
                    sizes_sent = page_size(server.url + path, headers)
                    rows.append((label, size, mode, result, sizes_sent, ceiling["rps"]))
                if writer:
                    writer.stop()
                    stored = sum(1 for s in writer.statuses if s == 302)
                    median = statistics.median(writer.timings) if writer.timings else float("nan")
                    rows.append(("reply POST", size, mode, {"rps": len(writer.timings) / (3 * args.seconds),
                                 "p50": median, "p99": max(writer.timings, default=float("nan")), "errors":
                                 len(writer.statuses) - stored}, (0, 0), ceiling["rps"]))  # fmt: skip
            rss[mode] = server.worker_rss_mb()
            # The ceiling again after the rows; shares are of the mean of the two (the machine's
            # speed drifts between runs).
            after = run_wrk(server.url + "/healthz", seconds=args.seconds, headers=headers)
            mean = (ceiling["rps"] + after["rps"]) / 2
            rows.append(("/healthz (ceiling, after)", "-", mode, after, (0, 0), mean))
            rows[first_row:] = [(*row[:5], mean) for row in rows[first_row:]]
    workers = os.environ.get("WEB_CONCURRENCY", "config default")
    elapsed = time.monotonic() - started
    print(
        f"\nCache: {cache}. Workers: {workers}. wrk: 8 connections, {args.seconds} s each, {elapsed:.0f} s\n"
    )
    encoding = "none" if args.identity else BROWSER_HEADERS["Accept-Encoding"]
    print(f"Accept-Encoding: {encoding}. KB: sent / HTML.\n")
    print("| what | comments | cache | req/s | p50 ms | p99 ms | non-2xx | KB | of ceiling |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for label, size, mode, r, (sent, html), ceiling in rows:
        share = f"{r['rps'] / ceiling:.0%}" if label != "reply POST" else "-"
        comments = size if isinstance(size, str) else f"{size:,}"
        kilobytes = f"{sent / 1024:.0f} / {html / 1024:.0f}"
        figures = f"{r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {kilobytes}"
        print(f"| {label} | {comments} | {mode} | {figures} | {share} |")
    print("\nWorker RSS after each run (MB): " + "; ".join(f"{m}: {v}" for m, v in rss.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
