"""What /metrics shows: this host's request and posting counters plus the moderation queue.

Counters and the latency histogram come from prometheus_client. Under gunicorn
(PROMETHEUS_MULTIPROC_DIR set by config/gunicorn.conf.py) every worker writes its samples to
a file and MultiProcessCollector sums them, so any worker can answer the scrape with the
whole host's numbers. Prometheus scrapes each web host and sums across hosts (sum by ...).

The pending-queue size is a fact about the database, not about a process: it is counted at
scrape time, and the count is kept in the shared cache for METRICS_QUEUE_CACHE_SECONDS so
that many hosts scraped every few seconds cost PostgreSQL one COUNT per interval.
"""

import os

from django.conf import settings
from django.core.cache import cache
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

PENDING_QUEUE_CACHE_KEY = "metrics:pending-queue-size"


def pending_queue_size() -> int:
    """Comments waiting for a moderator (cached for METRICS_QUEUE_CACHE_SECONDS, shared by all hosts)."""
    from comments.models import Comment

    size = cache.get(PENDING_QUEUE_CACHE_KEY)
    if size is None:
        size = Comment.objects.filter(status=Comment.Status.PENDING).count()
        cache.set(PENDING_QUEUE_CACHE_KEY, size, timeout=settings.METRICS_QUEUE_CACHE_SECONDS)
    return size


class ModerationQueueCollector:
    def collect(self):
        yield GaugeMetricFamily(
            "threadline_comments_pending",
            "Comments waiting in the moderation queue.",
            value=pending_queue_size(),
        )


def prometheus_text() -> bytes:
    """The exposition text for this host (all its workers) plus the queue gauge."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    queue = CollectorRegistry()
    queue.register(ModerationQueueCollector())
    return text + generate_latest(queue)
