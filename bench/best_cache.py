"""How often the Best order is served from the cache while helpful votes arrive (issue 22).

    DEBUG=1 .venv/bin/python bench/best_cache.py [--comments 2000] [--seconds 30] [--votes-per-second 10]
                                                 [--refresh 60,10,1]

In one process against the bench database (the embedded server's `threadline_bench`, or
DATABASE_URL): a voter thread marks random comments of a discussion helpful at the given rate
(each vote a new voter, through comments.services.voting), while a reader asks for the first page
of `?sort=best` as a reader without a session would (the shared page, pagecache), as fast as it
can, for `--seconds` per BEST_REFRESH_SECONDS value. No network: the Django test client.

Prints, per refresh period: requests, pages put together again (a shared-page miss), threads
looked up and threads rendered again (thread-cache misses), and the hit rates.
"""

import argparse
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--votes-per-second", type=float, default=10)
    parser.add_argument(
        "--refresh",
        default="60,10,1,0.1",
        help="BEST_REFRESH_SECONDS values to measure (0.1: about one snapshot per vote, the baseline)",
    )
    args = parser.parse_args()
    from bench.common import bench_database_url

    os.environ["DATABASE_URL"] = bench_database_url()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    article = prepare(args.comments)
    print(
        f"{article.comment_count} comments in {article.thread_count} threads; "
        f"{args.votes_per_second:g} votes/s; {args.seconds:g} s per refresh period"
    )
    print(
        "| BEST_REFRESH_SECONDS | requests | req/s | pages put together | page hit rate "
        "| threads looked up | threads rendered | thread hit rate |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for refresh in (float(r) for r in args.refresh.split(",")):
        seconds = max(args.seconds, 2 * refresh + 5)  # at least two refreshes in the window
        row = measure(article, refresh=refresh, seconds=seconds, rate=args.votes_per_second)
        print("| " + " | ".join(row) + " |")
    return 0


def prepare(size: int):
    from django.utils import timezone

    from articles.models import Article
    from comments.generator import generate_discussion
    from comments.models import ModerationRules

    ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": False})  # bench DB only
    slug = f"best-bench-{size}"
    Article.objects.filter(slug=slug).delete()  # votes of an earlier run: start again
    article = Article.objects.create(
        slug=slug,
        title=f"Best bench {size}",
        body="Benchmark.",
        status="published",
        published_at=timezone.now(),
    )
    generate_discussion(article, comments=size, seed=size)
    article.refresh_from_db()
    return article


def measure(article, *, refresh: float, seconds: float, rate: float) -> list[str]:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    import articles.pages
    from comments import discussion
    from comments.models import Comment, HelpfulVote
    from comments.services.voting import toggle_helpful
    from comments.votes import Voter
    from pagecache.store import recent_pages

    settings.BEST_REFRESH_SECONDS = refresh
    settings.HELPFUL_SCORE_HIDDEN_SECONDS = 0  # counts shown at once: the page changes with them
    HelpfulVote.objects.filter(article=article).delete()
    cache.clear()
    recent_pages.clear()
    counts = {"assembled": 0, "looked_up": 0, "rendered": 0}
    real_assembled, real_threads, real_render = (
        articles.pages._assembled_page,
        discussion._page_threads,
        discussion.render_threads,
    )

    def assembled(*a, **kw):
        counts["assembled"] += 1
        return real_assembled(*a, **kw)

    def page_threads(article_, page, *a, **kw):
        result = real_threads(article_, page, *a, **kw)
        counts["looked_up"] += len(result)
        return result

    def render(article_, tree_ids, **kw):
        counts["rendered"] += len(tree_ids)
        return real_render(article_, tree_ids, **kw)

    articles.pages._assembled_page, discussion._page_threads, discussion.render_threads = (
        assembled,
        page_threads,
        render,
    )
    pks = list(Comment.objects.filter(article=article).values_list("pk", flat=True))
    comments = {c.pk: c for c in Comment.objects.filter(pk__in=pks)}
    stop = threading.Event()

    def voter():
        rng, n = random.Random(int(refresh * 10)), 0
        start = time.monotonic()
        try:
            while not stop.is_set():
                toggle_helpful(comment=comments[rng.choice(pks)], voter=Voter(key=f"bench:{refresh:g}:{n}"))
                n += 1
                stop.wait(max(0.0, start + n / rate - time.monotonic()))
        finally:
            connection.close()

    client = Client(HTTP_HOST="localhost")
    url = article.get_absolute_url() + "?sort=best"
    client.get(url)  # the page made once before the clock starts: we measure the steady state
    counts.update(assembled=0, looked_up=0, rendered=0)
    thread = threading.Thread(target=voter)
    thread.start()
    requests, deadline, started = 0, time.monotonic() + seconds, time.monotonic()
    try:
        while time.monotonic() < deadline:
            assert client.get(url).status_code == 200
            requests += 1
    finally:
        stop.set()
        thread.join()
        articles.pages._assembled_page, discussion._page_threads, discussion.render_threads = (
            real_assembled,
            real_threads,
            real_render,
        )
    elapsed = time.monotonic() - started
    looked_up = counts["looked_up"]  # only when the page is put together: a whole-page hit looks up none
    served_threads = requests * min(settings.THREADS_PER_PAGE, article.thread_count)
    return [
        f"{refresh:g}",
        f"{requests} in {elapsed:.0f} s",
        f"{requests / elapsed:.0f}",
        str(counts["assembled"]),
        f"{100 * (1 - counts['assembled'] / requests):.2f} %",
        str(looked_up),
        str(counts["rendered"]),
        f"{100 * (1 - counts['rendered'] / served_threads):.2f} %",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
