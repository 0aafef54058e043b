"""Issue 23: writers to one article do not queue on its row.

Every write's mark updates the article's counters and discussion_version (migration comments
0011). A reader's post defers its marks to its COMMIT (migration 0018, common.defer_marks), so
the article's row is locked only while the post commits: another writer to the same article
never waits for the rest of its transaction. Counts stay exact. transactional_db: the writers
must see each other's commits.
"""

import threading

import psycopg
import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from articles.models import Article
from comments.checks import find_tree_problems
from comments.models import Comment
from comments.services import posting
from comments.services.common import defer_marks
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def article_row_free(article_pk: int) -> bool:
    """Whether another connection could take the article's row for an update right now."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        try:
            other.execute(
                "SELECT 1 FROM articles_article WHERE id = %s FOR NO KEY UPDATE NOWAIT", [article_pk]
            )
            return True
        except psycopg.errors.LockNotAvailable:
            return False


def counts(article_pk: int) -> tuple[int, int, int]:
    article = Article.objects.get(pk=article_pk)
    return article.comment_count, article.thread_count, article.discussion_version


def test_a_posted_reply_leaves_the_article_row_free_until_it_commits(monkeypatch):
    article = ArticleFactory()
    parent = CommentFactory(article=article)
    before = counts(article.pk)
    seen = {}
    stored = posting.comment_saved

    def observe(comment, **kwargs):  # inside the post's transaction, after its INSERT
        stored(comment, **kwargs)
        seen["free"] = article_row_free(article.pk)
        seen["counts before the commit"] = counts(article.pk)  # as this transaction sees them

    monkeypatch.setattr(posting, "comment_saved", observe)
    response = Client().post(
        reverse("comments:add", args=[article.slug]),
        {"body": "A reply", "parent": parent.pk, "name": "Ann", "email": "ann@example.org"},
    )

    assert response.status_code == 302
    assert seen == {"free": True, "counts before the commit": before}
    comments, threads, version = counts(article.pk)
    assert (comments, threads) == (before[0] + 1, before[1]) and version > before[2]
    root = Comment.objects.get(pk=parent.pk)
    assert root.thread_replies == 1 and root.thread_version > parent.thread_version


@pytest.mark.parametrize("deferred", [True, False], ids=["deferred", "immediate"])
def test_a_writer_to_another_thread_of_the_article_waits_only_when_marks_are_immediate(deferred):
    article = ArticleFactory()
    held_thread, other_thread = CommentFactory(article=article), CommentFactory(article=article)
    before = counts(article.pk)
    written, release, errors = threading.Event(), threading.Event(), []

    def writer_in_the_middle_of_its_transaction():
        try:
            with transaction.atomic():
                if deferred:
                    defer_marks()
                posting.post_comment(article=article, body="Held open", parent=held_thread, author_name="Ann")
                written.set()
                release.wait(timeout=20)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    holder = threading.Thread(target=writer_in_the_middle_of_its_transaction)
    holder.start()
    try:
        assert written.wait(timeout=20)
        free = article_row_free(article.pk)
        if deferred:  # the other writer posts and commits while the first is still open
            with transaction.atomic():
                defer_marks()
                posting.post_comment(
                    article=article, body="Not waiting", parent=other_thread, author_name="Bo"
                )
    finally:
        release.set()
        holder.join(timeout=20)

    assert errors == []
    assert free is deferred
    posts = 2 if deferred else 1
    comments, threads, version = counts(article.pk)
    assert (comments, threads, version) == (before[0] + posts, before[1], before[2] + posts)
    assert find_tree_problems() == []


def test_many_deferred_writers_into_one_articles_threads_keep_every_count_exact():
    article = ArticleFactory()
    roots = [CommentFactory(article=article) for _ in range(4)]
    versions = dict(Comment.objects.filter(article=article).values_list("pk", "thread_version"))
    before = counts(article.pk)
    errors = []

    def writer(i):
        try:
            for n in range(10):
                client = Client()
                response = client.post(
                    reverse("comments:add", args=[article.slug]),
                    {"body": f"Writer {i} reply {n}", "parent": roots[i % 4].pk, "name": f"W{i}",
                     "email": f"w{i}@example.org"},
                )  # fmt: skip
                assert response.status_code == 302, response.status_code
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    comments, threads_now, version = counts(article.pk)
    assert comments == before[0] + 80 == Comment.objects.filter(article=article, status="approved").count()
    assert threads_now == before[1] and version == before[2] + 80
    for root in roots:
        now = Comment.objects.get(pk=root.pk)
        assert now.thread_replies == 20 and now.thread_version == versions[root.pk] + 20
    assert find_tree_problems() == []
