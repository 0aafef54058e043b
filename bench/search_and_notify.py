"""Search latency over many articles, and what reply notifications add to posting.

    DEBUG=1 .venv/bin/python bench/search_and_notify.py --articles 5000 --queries 40

Uses the development database (embedded PostgreSQL unless DATABASE_URL is set). Articles it
creates have slugs starting "bench-search-" and are deleted at the end unless --keep.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles.models import Article  # noqa: E402
from comments.models import Comment  # noqa: E402
from comments.services import post_comment  # noqa: E402
from notifications.models import OutboundEmail, ReplySubscription  # noqa: E402

WORDS = (
    "city council harbour transport budget election river school hospital energy housing market "
    "festival weather climate railway bridge library museum garden police court tax farm water "
    "station bicycle street park ferry tunnel airport factory union teacher nurse doctor museum "
    "theatre music football cricket tennis mountain forest island coast village district ministry"
).split()
FILLER = "the of and to in a is that for it as was with be by on not he this are or his".split()


def paragraph(rng: random.Random, words: int) -> str:
    return (
        " ".join(rng.choice(WORDS if rng.random() < 0.3 else FILLER) for _ in range(words)).capitalize() + "."
    )


def make_articles(count: int, rng: random.Random) -> None:
    now = timezone.now()
    batch = []
    for n in range(count):
        body = "\n\n".join(paragraph(rng, rng.randint(40, 120)) for _ in range(rng.randint(4, 12)))
        article = Article(
            title=f"{paragraph(rng, 6)[:-1]} {n}",
            slug=f"bench-search-{n}",
            summary=paragraph(rng, 20),
            body=body,
            status=Article.Status.PUBLISHED,
            published_at=now,
        )
        article.body_html = f"<p>{body}</p>"  # bulk_create skips save(); plain paragraphs suffice here
        batch.append(article)
        if len(batch) == 500:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)


def timed(fn, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{name:48s} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms   (n={len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    rng = random.Random(1)
    began = timezone.now()
    Article.objects.filter(slug__startswith="bench-search-").delete()

    start = time.perf_counter()
    make_articles(args.articles, rng)
    print(f"created {args.articles} articles in {time.perf_counter() - start:.1f} s (vectors by PostgreSQL)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('article_search_idx'))")
        print(f"GIN index size: {cursor.fetchone()[0]}")

    client = Client(HTTP_HOST="127.0.0.1")
    queries = ["harbour", "railway bridge", "school -tax", '"city council"', "ferries", "museum or theatre"]
    for q in queries:
        url = f"{reverse('articles:search')}?q={q}"
        assert client.get(url).status_code == 200  # warm
        report(f"GET /search/?q={q}", timed(lambda url=url: client.get(url), args.queries))

    # Posting a reply: with a confirmed subscriber the request also enqueues one job (after commit).
    article = Article.objects.filter(slug__startswith="bench-search-").first()
    parent = post_comment(article=article, body="Parent", author_name="P", author_email="p@example.org")
    plain_parent = post_comment(article=article, body="Parent", author_name="Q", author_email="q@example.org")
    ReplySubscription.objects.create(comment=parent, email="p@example.org", confirmed_at=timezone.now())

    def reply(to):
        with transaction.atomic():
            post_comment(
                article=article, parent=to, body="Reply", author_name="R", author_email="r@example.org"
            )

    # Every post enqueues one job after commit (the worker decides whom to tell), subscribed or not.
    report("post_comment reply (parent without subscriber)", timed(lambda: reply(plain_parent), args.queries))
    report("post_comment reply (parent with subscriber)", timed(lambda: reply(parent), args.queries))

    from notifications.services import handle_comment

    replies = list(Comment.objects.filter(parent=parent).values_list("pk", flat=True))
    start = time.perf_counter()
    for pk in replies:
        with transaction.atomic():
            handle_comment(pk)  # what the worker does for each job, minus the queue polling
    elapsed = time.perf_counter() - start
    print(f"worker queues {len(replies)} reply emails: {elapsed / len(replies) * 1000:.1f} ms each")

    if not args.keep:
        OutboundEmail.objects.filter(created_at__gte=began, to="p@example.org").delete()
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(task_path__startswith="notifications.", enqueued_at__gte=began).delete()
        Article.objects.filter(slug__startswith="bench-search-").delete()


if __name__ == "__main__":
    main()
