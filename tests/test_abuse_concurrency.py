"""Protections hold when the same author's requests arrive at the same moment."""

import threading
import time

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from protection.forms import STAMP_SALT
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def post_at_once(article, bodies: list[str]) -> list[int]:
    """Each body POSTed by its own thread (own connection), all released together."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = [0] * len(bodies)

    def send(index, body):
        data = {
            "body": body,
            "name": "Gina",
            "email": "gina@example.org",
            "form_stamp": signing.dumps(time.time() - 60, salt=STAMP_SALT),
        }
        try:
            barrier.wait(timeout=10)
            statuses[index] = Client().post(reverse("comments:add", args=[article.slug]), data).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n, body)) for n, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_the_same_text_sent_six_times_at_once_is_stored_once():
    article = ArticleFactory()

    statuses = post_at_once(article, ["Same words, six tabs."] * 6)

    assert sorted(statuses) == [302] + [409] * 5
    assert Comment.objects.count() == 1


def test_six_different_comments_at_once_from_one_author_pass_the_limit_once(abuse_protection):
    article = ArticleFactory()

    statuses = post_at_once(article, [f"Flood {n}" for n in range(6)])

    assert sorted(statuses) == [302] + [429] * 5
    assert Comment.objects.count() == 1
