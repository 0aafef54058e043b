"""A Redis that does not answer costs the shared cache, not the site (config/cache.py).

Pages, posts and rate limits go on from each process's own memory; /readyz still names the
cache; when Redis answers again the processes go back to it by themselves.
"""

import logging
import os
import socket
import threading
import time
import uuid

import pytest
from django.core.cache import caches
from django.urls import reverse

from comments.models import Comment
from config import cache as failover
from tests.factories import ArticleFactory, CommentFactory
from tests.test_ratelimit import form_data

pytestmark = pytest.mark.django_db


def redis_caches(location: str, prefix: str) -> dict:
    redis = {
        "BACKEND": "config.cache.FailoverRedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    return {
        "default": {**redis, "FALLBACK": {"LOCATION": "test-default"}},
        "ratelimit": {**redis, "FALLBACK": {"LOCATION": "test-ratelimit"}},
    }


@pytest.fixture
def breaker(monkeypatch):
    """A fresh outage record, and a short wait before Redis is asked again."""
    monkeypatch.setattr(failover, "_down_until", {})
    monkeypatch.setattr(failover, "RETRY_SECONDS", 0.3)


def test_with_redis_down_pages_posts_and_limits_go_on_and_readyz_names_the_cache(
    client, settings, abuse_protection, breaker, caplog
):
    article = ArticleFactory()
    CommentFactory(article=article, body="Said before the outage.")
    settings.CACHES = redis_caches("redis://127.0.0.1:1/0", "outage")  # nothing listens there

    with caplog.at_level(logging.WARNING, logger="config.cache"):
        pages = [client.get(article.get_absolute_url()) for _ in range(3)]
        posted = client.post(reverse("comments:add", args=[article.slug]), form_data("Said during it."))
        too_soon = client.post(reverse("comments:add", args=[article.slug]), form_data("And again."))
        ready, alive = client.get("/readyz"), client.get("/healthz")

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert "Said before the outage." in pages[-1].text
    assert posted.status_code == 302
    assert too_soon.status_code == 429  # counted in this process's memory meanwhile
    assert list(Comment.objects.filter(article=article).values_list("body", flat=True).order_by("pk")) == [
        "Said before the outage.",
        "Said during it.",
    ]
    assert (ready.status_code, ready.text) == (503, "unavailable: cache\n")
    assert alive.status_code == 200
    outage_lines = [r for r in caplog.records if r.getMessage().startswith("Redis does not answer")]
    assert len(outage_lines) == 1  # one line an outage, not one a call


class Switch:
    """A TCP forwarder in front of Redis that can be cut: an outage without stopping a shared server."""

    def __init__(self, port: int):
        self.target = ("127.0.0.1", port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            server = socket.create_connection(self.target)
            self.open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def cut(self):
        self.up = False
        for end in self.open:
            end.close()
        self.open.clear()

    def close(self):
        self.cut()
        self.listener.close()


def test_after_an_outage_each_process_goes_back_to_redis_by_itself(client, settings, breaker):
    redis = pytest.importorskip("redis")
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    server = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        server.ping()
    except redis.exceptions.RedisError:
        pytest.skip("Redis is not reachable")
    switch = Switch(server.connection_pool.connection_kwargs["port"])
    prefix = f"threadline-failover-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{switch.port}/0", prefix)
    cache = caches["default"]
    try:
        cache.set("word", "before")
        assert server.get(f"{prefix}:1:word") is not None  # stored in Redis itself

        switch.cut()
        during = cache.get("word"), client.get("/readyz").status_code
        cache.set("word", "during")  # into this process's memory
        meanwhile = cache.get("word")

        switch.up = True
        time.sleep(0.35)  # RETRY_SECONDS
        after = cache.get("word"), client.get("/readyz").status_code
    finally:
        switch.close()
        server.delete(*server.keys(f"{prefix}:*") or ["-"])

    assert during == (None, 503)
    assert meanwhile == "during"
    assert after == ("before", 200)
