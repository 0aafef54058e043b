"""One reply POST, in process: server time, queries, and a profile (issue 9).

    .venv/bin/python bench/profile_post.py --discussion 10000 --posts 200 [--profile]

A database `threadline_prof` on the embedded server (or DATABASE_URL), production settings
(bench/common.py), one article with a `generate_discussion` discussion (built once, kept
between runs). A guest fetches the article page for the CSRF cookie and the form's fields,
then POSTs replies to random comments through Django's whole WSGI stack (middleware, CSRF
checks on): the median and p90 time of one POST, its queries, and with --profile a
pyinstrument profile (pip install pyinstrument: not a dependency) over the same posts.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from common import FormFields, bench_database_url, production_env

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--discussion", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="pyinstrument's call tree")
    parser.add_argument("--profile-all", action="store_true", help="with --profile: library frames too")
    parser.add_argument("--cprofile", type=int, default=0, help="cProfile: top N by own time")
    parser.add_argument(
        "--reply-page", action="store_true", help="GET each reply's page first and send its form (issue 23)"
    )
    args = parser.parse_args(argv)
    env = production_env(
        bench_database_url("threadline_prof"),
        ALLOWED_HOSTS="testserver,127.0.0.1",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.client import ClientHandler
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from articles.models import Article
    from comments.models import Comment, ModerationRules

    call_command("migrate", "--noinput", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": False})
    slug = f"profile-{args.discussion}"
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        article = Article.objects.create(
            title="Profile article", slug=slug, body="Posting.", status=Article.Status.PUBLISHED,
            published_at=timezone.now(),
        )  # fmt: skip
        if args.discussion:
            call_command("generate_discussion", article=slug, comments=args.discussion, verbosity=0)
    pool = list(Comment.objects.filter(article=article, level__lt=5).approved().values_list("pk", flat=True))
    client = Client(enforce_csrf_checks=True)
    page = client.get(article.get_absolute_url())
    form = FormFields()
    form.feed(page.content.decode())
    rng = random.Random(1)
    run = uuid.uuid4().hex[:6]

    def post(n: int):
        # 50 guests taking turns (one guest's hundreds of posts would make the duplicate check scan them).
        parent = rng.choice(pool)
        action, fields = form.action, {**form.fields, "token": str(uuid.uuid4())}
        if args.reply_page:
            reply_form = FormFields()
            reply_form.feed(client.get(f"/comments/{parent}/reply/").content.decode())
            action, fields = reply_form.action, reply_form.fields
        fields.update(
            body=f"Profile {run} {n}: a considered reply.", name="Prof", email=f"prof{n % 50}@example.org",
            parent=str(parent),
        )  # fmt: skip
        # urlencoded, as a browser sends a form without files (the test client would send multipart)
        response = client.post(action, urlencode(fields), content_type="application/x-www-form-urlencoded")
        assert response.status_code == 302, (response.status_code, response.content[:500])
        return response

    for n in range(10):  # warm: connections, templates, caches
        post(-n - 1)
    captured = {}
    handle = ClientHandler.__call__

    def capturing(self, environ):
        with CaptureQueriesContext(connection) as queries:
            response = handle(self, environ)
        captured[environ["REQUEST_METHOD"]] = queries.captured_queries
        return response

    ClientHandler.__call__ = capturing
    post(0)
    ClientHandler.__call__ = handle
    for method, queries in sorted(captured.items()):
        print(f"{len(queries)} queries in one reply {method}:")
        for query in queries:
            print(f"  {query['time']:>6}  {' '.join(query['sql'].split())[:150]}")
    profilers = {}
    if args.profile:
        from pyinstrument import Profiler

        # the server's side only, per method (wall time: waits on PostgreSQL included)
        profilers = {m: Profiler(interval=0.0002) for m in ("GET", "POST")}
    # Server time: the WSGI handler's call (request from environ, middleware, view, response),
    # without the test client's own work (encoding the form, reading the response).
    times, cpu, page_cpu = [], [], []
    cprofiles = {}
    if args.cprofile:
        import cProfile

        # CPU, not time spent waiting; the server's side only (not the client's form parsing)
        cprofiles = {method: cProfile.Profile(time.process_time) for method in ("GET", "POST")}

    def timed(self, environ):
        method = environ["REQUEST_METHOD"]
        if method in cprofiles:
            cprofiles[method].enable()
        if method in profilers:
            profilers[method].start()
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            return handle(self, environ)
        finally:
            if method == "POST":
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            else:
                page_cpu.append((time.process_time() - started_cpu) * 1000)
            if method in cprofiles:
                cprofiles[method].disable()
            if method in profilers:
                profilers[method].stop()

    ClientHandler.__call__ = timed
    for n in range(1, args.posts + 1):
        post(n)
    ClientHandler.__call__ = handle
    for method, cprofile in cprofiles.items():
        import pstats

        print(f"\n===== cProfile of the reply {method}s (server side only) =====")
        stats = pstats.Stats(cprofile)
        stats.sort_stats("tottime").print_stats(args.cprofile)
        ours = "comments|protection|notifications|articles|config|middleware|sessions|messages|handlers"
        stats.sort_stats("cumtime").print_stats(ours, args.cprofile)
    for method, profiler in profilers.items():
        print(f"\n===== pyinstrument, the reply {method}s (server side, wall time) =====")
        print(profiler.output_text(unicode=True, color=False, show_all=args.profile_all))
    times.sort()
    print(
        f"{args.posts} reply POSTs into a {args.discussion}-comment discussion, server time: "
        f"median {statistics.median(times):.2f} ms, p90 {times[int(len(times) * 0.9)]:.2f} ms, "
        f"min {times[0]:.2f} ms; its Python CPU: median {statistics.median(cpu):.2f} ms"
    )
    if page_cpu:
        print(f"the reply page before each: Python CPU median {statistics.median(page_cpu):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
