"""The production stack for real: collectstatic, gunicorn in production settings, two instances
sharing PostgreSQL and Redis, and nginx in front.

The gunicorn processes read the test database, so these tests commit their data
(transactional tests). Ports: 8701-8710 and 8801-8810 (issue 7's range).
"""

import json
import os
import re
import signal
import time
import uuid
from urllib.parse import quote

import pytest

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory
from tests.helpers import comment_elements
from tests.servers import (
    current_database_url,
    gunicorn,
    production_env,
    redis_reachable,
)

pytestmark = pytest.mark.django_db(transaction=True)
HASHED_CSS = re.compile(r"/static/css/site\.([0-9a-f]{12})\.css")


def post_comment(server, article, body: str, email: str | None = None):
    """A guest posts through the form; Django accepts the CSRF secret itself as the form token."""
    token = uuid.uuid4().hex
    email = quote(email or f"reader-{token[:8]}@example.org")
    data = f"csrfmiddlewaretoken={token}&name=Reader&email={email}&parent=&body={body}"
    return server.get(
        f"/comments/post/{article.slug}/",
        data=data.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={token}"},
    )


def posted_pk(response) -> int:
    assert response.status == 302, response.text[:500]
    return int(response.headers["Location"].rsplit("#comment-", 1)[1])


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_collectstatic_writes_hashed_names_with_gzip_and_brotli_copies(static_root):
    css = [p.name for p in (static_root / "css").iterdir()]

    hashed = [name for name in css if re.fullmatch(r"site\.[0-9a-f]{12}\.css", name)]
    assert len(hashed) == 1
    assert {f"{hashed[0]}.gz", f"{hashed[0]}.br"} <= set(css)
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert manifest["paths"]["css/site.css"] == f"css/{hashed[0]}"


def test_whitenoise_serves_hashed_static_files_compressed_and_cached_for_years(production_web):
    web = production_web
    article = ArticleFactory()

    page = web.get(article.get_absolute_url())
    css_url = HASHED_CSS.search(page.text).group(0)
    css = web.get(css_url, headers={"Accept-Encoding": "br, gzip"})

    assert page.status == 200
    assert css.status == 200
    assert css.headers["Content-Encoding"] == "br"
    assert css.headers["Cache-Control"] == "max-age=315360000, public, immutable"


def test_gunicorn_logs_json_lines_with_duration_and_the_request_id(production_web):
    tag = uuid.uuid4().hex[:8]
    production_web.get("/healthz", headers={"X-Request-ID": f"{tag}-1"})
    production_web.get("/no/such/page", headers={"X-Request-ID": f"{tag}-2"})

    lines = [json.loads(line) for line in production_web.log_lines()]  # every line, gunicorn's own too
    ours = [line for line in lines if line["request_id"].startswith(tag)]
    access = {line["request_id"]: line for line in ours if line["logger"] == "gunicorn.access"}
    assert access[f"{tag}-1"]["status"] == 200 and access[f"{tag}-1"]["duration_ms"] > 0
    assert {key: access[f"{tag}-2"][key] for key in ("method", "path", "remote")} == {
        "method": "GET",
        "path": "/no/such/page",
        "remote": "127.0.0.1",
    }
    assert access[f"{tag}-2"]["bytes"] > 0 and access[f"{tag}-2"]["pid"].isdigit()
    assert access[f"{tag}-2"]["status"] == 404
    app = [line for line in ours if line["logger"] == "django.request"]
    assert [line["request_id"] for line in app] == [f"{tag}-2"]
    assert app[0]["level"] == "WARNING" and app[0]["message"] == "Not Found: /no/such/page"


# --- Two instances sharing PostgreSQL and Redis ---------------------------------------------


@pytest.fixture(scope="module")
def two_instances(django_db_setup, django_db_blocker, tmp_path_factory, static_root):
    if not redis_reachable():
        pytest.skip("Redis at 127.0.0.1:6379 is not reachable: two instances need a Redis to share")
    import redis

    prefix = f"issue7-test-{uuid.uuid4().hex[:12]}"
    with django_db_blocker.unblock():
        url = current_database_url()
    tmp_path = tmp_path_factory.mktemp("two")
    env = production_env(
        DATABASE_URL=url,
        REDIS_URL="redis://127.0.0.1:6379/0",
        CACHE_KEY_PREFIX=prefix,
        STATIC_ROOT=str(static_root),
        METRICS_QUEUE_CACHE_SECONDS="300",
        # The comment limits as deployed, per author (shared through Redis); per address off,
        # since every test post comes from 127.0.0.1.
        RATE_LIMITS_ENABLED="1",
        RATE_LIMIT_COMMENT="1/15s,10/h",
        RATE_LIMIT_COMMENT_IP="",
    )
    servers = []
    try:
        servers.append(gunicorn(8701, env, tmp_path / "a.log"))
        servers.append(gunicorn(8801, env, tmp_path / "b.log"))
        yield servers[0], servers[1], redis.Redis.from_url("redis://127.0.0.1:6379/0"), prefix
    finally:
        for server in servers:
            server.stop()
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


def test_two_instances_show_every_approved_comment_at_once(two_instances):
    a, b, _, _ = two_instances
    article = ArticleFactory()
    posted = []

    for number in range(6):
        via, other = (a, b) if number % 2 == 0 else (b, a)
        pk = posted_pk(post_comment(via, article, f"Comment+{number}+via+{via.port}"))
        posted.append(pk)
        seen_by_other = other.get(article.get_absolute_url()).text
        assert f'id="comment-{pk}"' in seen_by_other  # at once, through the other instance

    pages = [server.get(article.get_absolute_url()).text for server in (a, b)]
    assert [pk for pk, _, _ in comment_elements(pages[0])] == posted
    assert [pk for pk, _, _ in comment_elements(pages[1])] == posted
    assert Comment.objects.filter(article=article, status=Comment.Status.APPROVED).count() == 6


def test_two_instances_count_posts_per_host_and_share_cached_state(two_instances):
    a, b, redis_client, prefix = two_instances
    queue_key = f"{prefix}:1:metrics:pending-queue-size"
    redis_client.delete(queue_key)
    article = ArticleFactory()
    before = [metric(s.get("/metrics").text, "threadline_comments_posted_total") for s in (a, b)]
    for number in range(3):
        posted_pk(post_comment(a, article, f"A{number}"))
    posted_pk(post_comment(b, article, "B0"))
    after = [metric(s.get("/metrics").text, "threadline_comments_posted_total") for s in (a, b)]

    redis_client.delete(queue_key)
    queue_seen_by_a = metric(a.get("/metrics").text, "threadline_comments_pending")
    CommentFactory(article=article, status=Comment.Status.PENDING)
    queue_seen_by_b = metric(b.get("/metrics").text, "threadline_comments_pending")
    redis_client.delete(queue_key)
    queue_recounted_by_b = metric(b.get("/metrics").text, "threadline_comments_pending")

    # Counters are per host, summed over both workers (Prometheus sums the hosts) ...
    assert (after[0] - before[0], after[1] - before[1]) == (3, 1)
    # ... while the queue size A counted and cached in Redis is what B serves, until it expires.
    assert (queue_seen_by_a, queue_seen_by_b, queue_recounted_by_b) == (0, 0, 1)


def test_rate_limits_are_shared_between_instances(two_instances):
    a, b, _, _ = two_instances
    article = ArticleFactory()

    first = post_comment(a, article, "First+word", email="quick@example.org")
    second = post_comment(b, article, "Second+word", email="quick@example.org")

    # The author's one-comment-per-15-seconds slot lives in Redis: B knows what A claimed.
    assert first.status == 302
    assert second.status == 429 and "posting too often" in second.text
    assert 0 < int(second.headers["Retry-After"]) <= 15
    assert Comment.objects.filter(article=article).count() == 1


def test_hup_replaces_the_workers_gracefully_while_requests_keep_being_answered(production_web):
    def worker_pids() -> set[str]:
        lines = [json.loads(line) for line in production_web.log_lines()]
        return {str(line["pid"]) for line in lines if line.get("message", "").startswith("Booting worker")}

    before = worker_pids()

    os.kill(production_web.process.pid, signal.SIGHUP)
    statuses = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not worker_pids() - before:
        statuses.append(production_web.get("/healthz").status)

    assert worker_pids() - before, "no new worker booted after HUP"
    assert production_web.process.poll() is None  # the master stays
    assert set(statuses) <= {200}
    assert production_web.get("/healthz").status == 200
