"""Request ids, structured JSON logs and the process's Prometheus metrics.

Every request gets an id (the caller's X-Request-ID when it is sane, else a fresh uuid4),
kept in a context variable so that every log line written while serving it carries it,
and echoed back in the X-Request-ID response header.

Metrics use prometheus_client. Under gunicorn each worker is its own process, so
config/gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR and the workers write their
samples to files there; /metrics sums them. Without that variable (tests, runserver)
the numbers live in the one process.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.db import transaction
from django.dispatch import receiver
from prometheus_client import Counter, Histogram

from config.jsonlog import JsonLineFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
current_request_id: ContextVar[str] = ContextVar("request_id", default="-")

REQUESTS = Counter(
    "threadline_http_requests_total",
    "HTTP requests answered, by method, view and status code.",
    ["method", "view", "status"],
)
LATENCY = Histogram(
    "threadline_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and view.",
    ["method", "view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# Any token is a valid HTTP method: a label per made-up method would be a new series per request.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
COMMENTS_POSTED = Counter(
    "threadline_comments_posted_total",
    "Comments and replies stored, whichever way they came (form, the page's script, reply page).",
)


def count_stored_comment() -> None:
    """Count a comment once the transaction that stored it commits: a rollback counts nothing."""
    transaction.on_commit(COMMENTS_POSTED.inc)


def request_id_from(request) -> str:
    """The caller's request id when it is a sane token, otherwise a new uuid4."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _SANE_REQUEST_ID.match(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Set request.id, log with it, echo it back, and count and time the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = request_id_from(request)
        # Kept until request_finished: Django logs 4xx/5xx responses after the middleware returns.
        current_request_id.set(request.id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.id
        self._observe(request, response, time.perf_counter() - started)
        return response

    @staticmethod
    def _observe(request, response, seconds: float) -> None:
        match = getattr(request, "resolver_match", None)
        # The route's name, never the raw path: one time series per view, whatever the URL.
        if match:
            view = match.view_name
        else:  # answered before URL resolution: WhiteNoise, a redirect, a 404
            view = "static" if request.path.startswith(f"/{settings.STATIC_URL.lstrip('/')}") else "unmatched"
        method = request.method if request.method in KNOWN_METHODS else "other"
        REQUESTS.labels(method, view, str(response.status_code)).inc()
        LATENCY.labels(method, view).observe(seconds)


@receiver(request_finished, dispatch_uid="threadline-forget-request-id")
def _forget_request_id(**kwargs) -> None:
    current_request_id.set("-")


class RequestIdFilter(logging.Filter):
    """Give every log record the id of the request being served ("-" outside one)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(JsonLineFormatter):
    """The application's log lines (config.jsonlog), with the id of the request being served."""

    def request_id(self, record) -> str:
        return getattr(record, "request_id", current_request_id.get())
