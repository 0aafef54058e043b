"""Request ids, JSON logs, /readyz and /metrics, through the real middleware stack."""

import io
import json
import logging
import re

import pytest
from django.core.cache import cache

from comments.models import Comment
from config.metrics import PENDING_QUEUE_CACHE_KEY
from config.observability import JsonFormatter, RequestIdFilter
from tests.factories import CommentFactory
from tests.helpers import database_unreachable

pytestmark = pytest.mark.django_db


def metric(text: str, name: str) -> float:
    """The value of one sample line (name including labels) in Prometheus text format."""
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_request_id_from_the_caller_is_echoed_back(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")

    assert response["X-Request-ID"] == "lb-7f3a.42"


@pytest.mark.parametrize("given", [None, "", "has spaces", "x" * 129, "<script>"])
def test_missing_or_unsafe_request_id_is_replaced_by_a_fresh_uuid(client, given):
    headers = {} if given is None else {"HTTP_X_REQUEST_ID": given}

    response = client.get("/healthz", **headers)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_log_lines_written_during_a_request_are_json_with_its_request_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/articles/no-such-article/", HTTP_X_REQUEST_ID="req-404")
    finally:
        logger.removeHandler(handler)

    assert response.status_code == 404
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all(line["request_id"] == "req-404" for line in lines)
    assert lines[0]["level"] == "WARNING" and "Not Found" in lines[0]["message"]


def test_log_lines_outside_a_request_carry_a_dash():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    RequestIdFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "hello world" and line["request_id"] == "-"


def test_readyz_is_200_when_database_and_cache_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.text == "ready\n"


def test_readyz_is_503_naming_the_cache_when_redis_does_not_answer(client, settings):
    # A real Redis client against a port where nothing listens.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.text == "unavailable: cache\n"


def test_readyz_is_503_naming_the_database_when_it_does_not_answer(client):
    with database_unreachable():
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.text == "unavailable: database\n"


def test_metrics_from_loopback_show_requests_latency_posts_and_queue(
    client, article, django_capture_on_commit_callbacks
):
    cache.delete(PENDING_QUEUE_CACHE_KEY)
    CommentFactory(article=article, status=Comment.Status.PENDING)
    posted_before = metric(client.get("/metrics").text, "threadline_comments_posted_total")

    with django_capture_on_commit_callbacks(execute=True):  # counted when the comment commits
        posted = client.post(
            f"/comments/post/{article.slug}/",
            {"body": "Counted.", "name": "Ann", "email": "ann@example.org", "parent": ""},
        )
    response = client.get("/metrics")

    assert posted.status_code == 302
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.text
    assert metric(text, "threadline_comments_posted_total") == posted_before + 1
    assert metric(text, "threadline_comments_pending") == 1
    assert 'threadline_http_requests_total{method="POST",status="302",view="comments:add"}' in text
    assert (
        'threadline_http_request_duration_seconds_bucket{le="0.1",method="POST",view="comments:add"}' in text
    )


def test_metrics_are_hidden_from_other_addresses_and_from_proxied_requests(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 404
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 404


def test_metrics_need_the_bearer_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"

    missing = client.get("/metrics")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    right = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer s3cret-token")

    assert (missing.status_code, wrong.status_code, right.status_code) == (403, 403, 200)
    assert "threadline_http_requests_total" in right.text


def test_client_address_comes_from_x_forwarded_for_behind_a_trusted_proxy(client, article, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    data = {"body": "Behind nginx.", "name": "Ann", "email": "ann@example.org", "parent": ""}

    client.post(f"/comments/post/{article.slug}/", data, HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7")

    assert Comment.objects.get(body="Behind nginx.").ip_address == "198.51.100.7"


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(client, article):
    data = {"body": "No proxy.", "name": "Ann", "email": "ann@example.org", "parent": ""}

    client.post(f"/comments/post/{article.slug}/", data, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert Comment.objects.get(body="No proxy.").ip_address == "127.0.0.1"


def test_posted_metric_counts_every_stored_comment_and_nothing_refused(
    client, article, django_capture_on_commit_callbacks
):
    parent = CommentFactory(article=article)
    before = metric(client.get("/metrics").text, "threadline_comments_posted_total")
    url = f"/comments/post/{article.slug}/"
    guest = {"name": "Ann", "email": "ann@example.org"}
    fragment = {"HTTP_ACCEPT": "text/html+fragment", "HTTP_X_REQUESTED_WITH": "fetch"}

    with django_capture_on_commit_callbacks(execute=True):
        page_post = client.post(url, {"body": "From the form.", "parent": "", **guest})
        script_post = client.post(url, {"body": "From the script.", "parent": parent.pk, **guest}, **fragment)
        refused = client.post(url, {"body": "", "parent": "", **guest}, **fragment)

    assert (page_post.status_code, script_post.status_code, refused.status_code) == (302, 201, 400)
    assert metric(client.get("/metrics").text, "threadline_comments_posted_total") == before + 2
