import hmac
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, connections
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from config.client import is_loopback_client
from config.metrics import prometheus_text

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def readyz(request):
    """200 when the database and the cache both answer, 503 (naming what failed) otherwise."""
    failed = []
    for name, check in (("database", _database_answers), ("cache", _cache_answers)):
        try:
            check()
        except Exception as error:  # any failure means "do not send traffic here"
            logger.warning("Readiness check failed: %s: %s", name, error)
            failed.append(name)
    if failed:
        return HttpResponse(f"unavailable: {', '.join(failed)}\n", status=503, content_type="text/plain")
    return HttpResponse("ready\n", content_type="text/plain")


def _database_answers() -> None:
    for alias in connections:
        if alias == "default" or alias == settings.READ_REPLICA_ALIAS:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")


def _cache_answers() -> None:
    store = getattr(cache, "primary", cache)  # Redis itself, not the memory it falls back to
    key = f"readyz:{uuid.uuid4().hex}"
    store.set(key, "1", timeout=5)
    if store.get(key) != "1":
        raise RuntimeError("the cache did not return what was just stored")
    store.delete(key)


@never_cache
def metrics(request):
    """Prometheus text format; a bearer token (METRICS_TOKEN) or a loopback client is required."""
    if settings.METRICS_TOKEN:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {settings.METRICS_TOKEN}".encode()):
            return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    elif not is_loopback_client(request):
        raise Http404
    return HttpResponse(prometheus_text(), content_type=CONTENT_TYPE_LATEST)
