"""One writer, one growing thread, in process: PostgreSQL's CPU a reply and each statement's time.

    .venv/bin/python bench/hot_thread_statements.py [--replies 200]

A database `threadline_hot_statements` made anew each run on the embedded server (or
DATABASE_URL, used as it is), production settings (bench/common.py), one article with a
1,000-comment discussion; a guest posts replies to the root of its largest thread through
Django's whole WSGI stack (the form the article page carries, CSRF checks on), eight addresses
taking turns. Prints the backend's CPU a
reply (psutil) and the median wall time of each statement the replies sent. Without contention:
compare it with `bench/concurrent_posts.py --hot 1.0` (8 writers waiting on the thread's lock)
to tell a statement's cost from what the waiting adds (bench/README.md, issue 23).
"""

import argparse
import os
import re
import statistics
import sys
import time
import uuid
from collections import defaultdict
from urllib.parse import urlencode

from common import ROOT, FormFields, production_env
from concurrent_posts import bench_database_url  # a fresh database each run

DATABASE = "threadline_hot_statements"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=200)
    args = parser.parse_args(argv)
    url = bench_database_url(os.environ.get("DATABASE_URL"), DATABASE)
    os.environ.update(
        production_env(url, ALLOWED_HOSTS="testserver", DJANGO_SETTINGS_MODULE="config.settings")
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import psutil
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from articles.models import Article
    from comments.models import Comment, ModerationRules

    call_command("migrate", "--noinput", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": False})
    article = Article.objects.create(
        title="Hot",
        slug="hot",
        body="A hot thread.",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    call_command("generate_discussion", article="hot", comments=1000, verbosity=0)
    root = max(Comment.objects.filter(article=article, parent=None), key=lambda c: c.rght - c.lft)
    client = Client(enforce_csrf_checks=True)
    form = FormFields()
    form.feed(client.get(article.get_absolute_url()).content.decode())
    run = uuid.uuid4().hex[:6]

    def reply(n: int) -> None:
        fields = {**form.fields, "token": str(uuid.uuid4()), "parent": str(root.pk)}
        fields.update(body=f"Hot {run} {n}: a reply.", name="Writer", email=f"writer{n % 8}@example.org")
        response = client.post(
            form.action, urlencode(fields), content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 302, response.status_code

    for n in range(20):  # warm: connections, prepared statements
        reply(-n - 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cursor.fetchone()[0])
    times = defaultdict(list)

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            times[" ".join(sql.split())[:90]].append((time.perf_counter() - started) * 1000)

    before = sum(backend.cpu_times()[:2])
    with connection.execute_wrapper(timed):
        for n in range(args.replies):
            reply(n)
    backend_ms = (sum(backend.cpu_times()[:2]) - before) * 1000 / args.replies
    rows = Comment.objects.filter(tree_id=root.tree_id).count()
    print(f"PostgreSQL backend CPU {backend_ms:.2f} ms a reply; the thread grew to {rows} rows")
    for sql, spent in sorted(times.items(), key=lambda item: -sum(item[1])):
        print(f"  {len(spent):4d} x {statistics.median(spent):6.3f} ms  {re.sub(' +', ' ', sql)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
