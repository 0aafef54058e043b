"""Every acknowledged comment is on the pages readers without a session get (issue 14).

Three ways a page could leave out a comment stored before it was asked for, each shown here:
a page rendered with several queries while replies renumbered the thread between them; an
If-Modified-Since answered with a 304 although a reply came in the same second; and the whole
thing under load, from several gunicorn processes, crawled afterwards like a search engine would.
"""

import re
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments import services
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory
from tests.servers import current_database_url, gunicorn, production_env, redis_reachable, request


@pytest.mark.django_db
def test_a_reply_in_the_same_second_as_the_readers_copy_is_not_hidden_by_if_modified_since():
    article = ArticleFactory()
    root = CommentFactory(article=article)
    # The discussion's Last-Modified will not move (the triggers keep the latest stamp): as when
    # the next reply is stamped in the same second as the reader's copy (whole seconds).
    Article.objects.filter(pk=article.pk).update(discussion_updated_at=timezone.now() + timedelta(seconds=30))
    reader = Client()
    first = reader.get(article.get_absolute_url())

    reply = services.post_comment(article=article, parent=root, body="Same second", author_name="Sam")
    again = reader.get(article.get_absolute_url(), headers={"If-Modified-Since": first["Last-Modified"]})

    assert first["Last-Modified"] == again.get("Last-Modified", first["Last-Modified"])
    assert again.status_code == 200
    assert f'id="comment-{reply.pk}"' in again.text


@pytest.mark.django_db
def test_an_unchanged_page_still_answers_304_to_its_etag():
    article = ArticleFactory()
    CommentFactory(article=article)
    reader = Client()
    reader.get(article.get_absolute_url())  # its CSRF cookie, which the ETag covers
    first = reader.get(article.get_absolute_url())

    again = reader.get(article.get_absolute_url(), headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304


@pytest.mark.django_db(transaction=True)
def test_a_permalink_page_shows_what_was_stored_before_it_was_asked_for_while_replies_renumber_the_thread():
    article = ArticleFactory()
    root = CommentFactory(article=article)
    earlier = CommentFactory(parent=root, body="An earlier branch")
    shown = CommentFactory(parent=root, body="The comment asked for")
    first = CommentFactory(parent=shown, body="Its first reply")
    last = CommentFactory(parent=shown, body="Its last reply")
    interleaved = []

    def two_replies_to_the_earlier_branch():
        try:
            for body in ("Renumbers one", "Renumbers two"):
                services.post_comment(article=article, parent=earlier, body=body, author_name="R")
        finally:
            connections.close_all()

    def between_queries(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        # Right after the page read the comment (its tree numbers) and before its replies:
        # another writer commits two replies that move the comment and its replies along.
        if not interleaved and '"comments_comment"."body_html"' in sql and '"articles_article"' in sql:
            writer = threading.Thread(target=two_replies_to_the_earlier_branch)
            writer.start()
            writer.join(30)
            interleaved.append(True)
        return result

    with connection.execute_wrapper(between_queries):
        page = Client().get(reverse("comments:thread", args=[shown.pk])).text

    assert interleaved and Comment.objects.filter(body__startswith="Renumbers").count() == 2
    for comment in (shown, first, last):
        assert f'id="comment-{comment.pk}"' in page


# The crawl: writers post through the real form into one thread that grows past the display
# depth (and new threads beside it) while readers without a session hammer the article,
# continue and permalink pages from two gunicorn processes; afterwards a crawl of the
# article's pages and their "continue this thread" links finds every acknowledged comment.
WRITERS, READERS, SECONDS = 6, 3, 6


def form_post(base: str, slug: str, parent: int | None, body: str) -> int | None:
    """A guest posts through the form (fresh CSRF pair); the new comment's pk, or None if refused."""
    token = uuid.uuid4().hex
    data = urlencode(
        {
            "csrfmiddlewaretoken": token,
            "name": "Crawler",
            "email": f"{token[:8]}@example.org",
            "parent": parent or "",
            "body": body,
        }  # fmt: skip
    )
    response = request(
        f"{base}/comments/post/{slug}/",
        data=data.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={token}"},
    )
    if response.status != 302:
        return None
    return int(response.headers["Location"].rsplit("#comment-", 1)[1])


def crawl(base: str, slug: str) -> tuple[dict[int, int], set[int]]:
    """How many times each comment appears on the pages a crawler reaches from the article: its
    pages of threads (each page once, however its links spell it) and their continue pages; and
    which comments the pages of long threads ("N more replies": the whole thread again) show."""
    seen: dict[int, int] = {}
    whole_threads: set[int] = set()
    todo, done = [f"/articles/{slug}/?page=1"], set()
    while todo:
        path = todo.pop()
        if path in done:
            continue
        done.add(path)
        html = request(base + path.removeprefix("more:")).text
        pks = map(int, re.findall(r'<li class="comment[^"]*" id="comment-(\d+)"', html))
        if path.startswith("more:"):
            whole_threads.update(pks)
            continue
        anchor = re.search(r"/comments/(\d+)/$", path)
        for pk in pks:
            if anchor is None or pk != int(anchor.group(1)):  # a continue page repeats its anchor
                seen[pk] = seen.get(pk, 0) + 1
        todo += [
            f"/articles/{slug}/?page={number}" for number in re.findall(r'href="\?[^"]*page=(\d+)"', html)
        ]
        todo += re.findall(r'<p class="continue"><a href="(/comments/\d+/)">Continue', html)
        todo += [
            "more:" + url
            for url in re.findall(r'<p class="continue"><a href="(/comments/\d+/)">\d+ more', html)
        ]
    return seen, whole_threads


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cache", ["local memory", "redis"])
def test_after_a_burst_of_writes_a_crawl_finds_every_acknowledged_comment_exactly_once(
    tmp_path, static_root, cache
):
    if cache == "redis" and not redis_reachable():
        pytest.skip("no Redis at 127.0.0.1:6379")
    article = ArticleFactory()
    hot = CommentFactory(article=article, body="The hot thread")
    extra = {"REDIS_URL": f"redis://127.0.0.1:6379/{9}"} if cache == "redis" else {}
    env = production_env(
        DATABASE_URL=current_database_url(), WEB_CONCURRENCY="2", STATIC_ROOT=str(static_root), **extra
    )
    env["RATE_LIMITS_ENABLED"] = "0"
    server = gunicorn(8745 if cache == "redis" else 8746, env, tmp_path / "web.log")
    acknowledged: list[int] = []
    chain = [hot.pk]
    lock, stop = threading.Lock(), threading.Event()

    def writer(index: int):
        number = 0
        while not stop.is_set():
            with lock:
                parent = chain[-1] if index % 3 else (None if number % 4 == 0 else hot.pk)
            pk = form_post(server.base, article.slug, parent, f"Writer {index} says {number}")
            number += 1
            if pk is not None:
                with lock:
                    acknowledged.append(pk)
                    if parent == chain[-1]:
                        chain.append(pk)

    def reader():
        while not stop.is_set():
            with lock:
                pks = chain[-8:]
            for path in [f"/articles/{article.slug}/", *(f"/comments/{pk}/" for pk in pks[::3])]:
                request(server.base + path)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    threads += [threading.Thread(target=reader) for _ in range(READERS)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        deadline = time.monotonic() + 20  # a slow machine: until the chain is past the display depth
        while len(chain) <= settings.COMMENT_DISPLAY_DEPTH + 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join(30)
        crawls = [crawl(server.base, article.slug) for _ in range(2)]  # both processes, likely
    finally:
        stop.set()
        server.stop()

    approved = set(
        Comment.objects.filter(article=article, status=Comment.Status.APPROVED).values_list("pk", flat=True)
    )
    deepest = (
        Comment.objects.filter(article=article).order_by("-level").values_list("level", flat=True).first()
    )
    assert deepest > settings.COMMENT_DISPLAY_DEPTH  # the burst reached continue pages
    assert set(acknowledged) <= approved
    for seen, whole_threads in crawls:
        assert set(seen) | whole_threads == approved | {hot.pk}
        assert set(seen.values()) == {1}
