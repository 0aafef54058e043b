"""The read-replica router, against a second connection ("replica", TEST MIRROR) to the test database.

Data must be committed for the second connection to see it, hence transactional tests.
"""

import pytest
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from comments.models import Comment
from config.routers import PIN_COOKIE
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_on(settings):
    settings.READ_REPLICA_ALIAS = "replica"


class Captured:
    """The SQL each connection ran inside the block."""

    def __enter__(self):
        self.default = CaptureQueriesContext(connections["default"]).__enter__()
        self.replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.default.__exit__(*exc)

    @staticmethod
    def statements(context, verb: str) -> list[str]:
        return [q["sql"] for q in context.captured_queries if q["sql"].lstrip().upper().startswith(verb)]


def test_the_replica_is_a_second_connection_to_the_same_database():
    assert connections["replica"] is not connections["default"]
    assert connections["replica"].settings_dict["NAME"] == connections["default"].settings_dict["NAME"]


def test_reads_go_to_the_replica_and_writes_do_not(replica_on):
    with Captured() as written:
        article = ArticleFactory(title="Replicated")
    with Captured() as read:
        found = Article.objects.get(pk=article.pk)

    assert Captured.statements(written.default, "INSERT")
    assert written.replica.captured_queries == []
    assert found.title == "Replicated"  # committed on the primary, read through the replica's connection
    assert len(read.replica.captured_queries) == 1 and read.default.captured_queries == []


def test_reads_inside_a_write_transaction_stay_on_the_primary(replica_on):
    article = ArticleFactory()

    with Captured() as inside, transaction.atomic():
        Article.objects.filter(pk=article.pk).update(title="Changed")
        title = Article.objects.get(pk=article.pk).title

    assert title == "Changed"
    assert inside.replica.captured_queries == []


def test_without_a_replica_every_read_goes_to_the_primary():
    article = ArticleFactory()

    with Captured() as read:
        Article.objects.get(pk=article.pk)

    assert read.replica.captured_queries == [] and len(read.default.captured_queries) == 1


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "comments", model_name="comment") is True
    assert router.allow_migrate("replica", "comments", model_name="comment") is False


def test_posting_reads_from_the_primary_and_pins_the_writer_there_for_a_while(client, replica_on, settings):
    article = ArticleFactory()
    data = {"body": "Fresh.", "name": "Ann", "email": "ann@example.org", "parent": ""}

    with Captured() as posting:
        response = client.post(f"/comments/post/{article.slug}/", data)
    with Captured() as writer_reads:
        page = client.get(article.get_absolute_url())
    client.cookies.pop(PIN_COOKIE)
    with Captured() as later_reads:
        client.get(article.get_absolute_url())

    assert response.status_code == 302
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.REPLICA_PIN_SECONDS
    assert posting.replica.captured_queries == []
    assert writer_reads.replica.captured_queries == [] and "Fresh." in page.text
    assert len(later_reads.replica.captured_queries) == len(writer_reads.default.captured_queries)
    assert later_reads.default.captured_queries == []
    assert Comment.objects.using("default").filter(body="Fresh.").count() == 1
