"""Issue 21: slow mode is exact under concurrency: 16 writers released at once, four authors
posting four comments each, in one slow-mode window, store exactly one comment per author."""

import uuid
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from comments.services.cooling import set_slow_mode, set_thread_slow_mode
from tests.factories import ArticleFactory, CommentFactory, StaffFactory
from tests.test_concurrency import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)

AUTHORS = 4
WRITERS = 16


def _race(article, parent=None) -> tuple[Counter, Counter]:
    statuses: list[int] = [0] * WRITERS

    def writer(i):
        author = i % AUTHORS
        data = {
            "body": f"Take number {i} from author {author}",
            "name": f"Writer {author}",
            "email": f"writer{author}@example.org",
            "token": str(uuid.uuid4()),
        }
        if parent is not None:
            data["parent"] = str(parent.pk)
        statuses[i] = Client().post(reverse("comments:add", args=[article.slug]), data).status_code

    assert run_in_threads(writer, WRITERS) == []
    stored = Counter(
        Comment.objects.filter(article=article, author_email__startswith="writer").values_list(
            "author_email", flat=True
        )
    )
    return Counter(statuses), stored


def test_sixteen_writers_in_one_slow_mode_window_store_exactly_one_comment_per_author():
    article = ArticleFactory()
    set_slow_mode(article, seconds=300, reason="Heated", actor=StaffFactory())

    statuses, stored = _race(article)

    assert statuses == Counter({302: AUTHORS, 429: WRITERS - AUTHORS})
    assert sorted(stored.values()) == [1] * AUTHORS


def test_sixteen_writers_into_a_slowed_thread_store_exactly_one_reply_per_author():
    article = ArticleFactory()
    root = CommentFactory(article=article)
    set_thread_slow_mode(root, seconds=300, actor=StaffFactory())

    statuses, stored = _race(article, parent=root)

    assert statuses == Counter({302: AUTHORS, 429: WRITERS - AUTHORS})
    assert sorted(stored.values()) == [1] * AUTHORS
