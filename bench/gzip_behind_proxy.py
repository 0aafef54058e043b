"""Does the hand-made gzip of the shared page (pagecache.splice) earn its place behind nginx?

The alternative: the application answers plain HTML and nginx compresses each response itself
(`gzip on`, zlib at gzip_comp_level, default 1). This measures, on the first page of a
10,000-comment discussion, what one request costs either way: the application's join of
pre-deflated segments, against zlib compressing the plain page per response (what nginx's gzip
filter does; nginx is not needed to time zlib), and the bytes each sends.

    .venv/bin/python bench/gzip_behind_proxy.py [--comments 10000] [--rounds 200]
"""

import argparse
import os
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def per_call_ms(function, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        function()
    return (time.perf_counter() - started) * 1000 / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    from bench.common import bench_database_url

    os.environ.setdefault("DATABASE_URL", bench_database_url("threadline_gzip"))
    os.environ.setdefault("DEBUG", "1")
    os.environ["RATE_LIMITS_ENABLED"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from articles.models import Article
    from comments.generator import generate_discussion
    from pagecache.store import recent_pages

    call_command("migrate", verbosity=0)
    slug = f"gzip-bench-{args.comments}"
    article, created = Article.objects.get_or_create(
        slug=slug, defaults={"title": "Gzip bench", "body": "Bench.", "status": Article.Status.PUBLISHED}
    )
    if created:
        generate_discussion(article, comments=args.comments, seed=1)
    client = Client(HTTP_HOST="127.0.0.1")
    plain = client.get(article.get_absolute_url()).content
    packed = client.get(article.get_absolute_url(), headers={"Accept-Encoding": "gzip"}).content
    entry = next(entry for _, entry in recent_pages._entries.values() if entry.page.slots)
    values = {slot: "x" * 32 for slot in entry.page.slots}
    rows = [
        ("the application's spliced gzip (pre-deflated segments, level 6)",
         per_call_ms(lambda: entry.page.render(values, gzip=True), args.rounds), len(packed)),
        ("the application's plain join (what it would send nginx)",
         per_call_ms(lambda: entry.page.render(values, gzip=False), args.rounds), len(plain)),
    ]  # fmt: skip
    for level in (1, 6):
        compressed = zlib.compress(plain, level, wbits=31)
        compress = lambda level=level: zlib.compress(plain, level, wbits=31)  # noqa: E731
        rows.append((f"zlib per response at gzip_comp_level {level} (nginx's gzip filter)",
                     per_call_ms(compress, max(20, args.rounds // 10)), len(compressed)))  # fmt: skip
    print(f"First page of a {args.comments:,}-comment discussion: {len(plain):,} bytes of HTML.\n")
    print("| per request | CPU ms | bytes sent |")
    print("|---|---:|---:|")
    for name, ms, size in rows:
        print(f"| {name} | {ms:.3f} | {size:,} |")


if __name__ == "__main__":
    main()
