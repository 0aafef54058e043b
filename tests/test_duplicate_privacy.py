"""The duplicate check and the form's token never tell or give a stranger someone's comment (issue 16)."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory
from tests.test_concurrency import first_comment_held_open, wait_for_a_lock_wait


def post(client, article, REMOTE_ADDR="127.0.0.1", **data):  # noqa: N803 - the WSGI name
    fields = {"name": "Gina", "email": "gina@example.org", "parent": "", **data}
    return client.post(reverse("comments:add", args=[article.slug]), fields, REMOTE_ADDR=REMOTE_ADDR)


@pytest.mark.django_db
def test_a_stranger_typing_someones_email_and_text_learns_nothing(client, article):
    CommentFactory(
        article=article, body="Same words.", author_email="gina@example.org", ip_address="198.51.100.1"
    )

    response = post(client, article, body="Same words.", email="GINA@example.org", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 302  # a comment like any other: nothing said about the first
    assert Comment.objects.filter(body="Same words.").count() == 2


@pytest.mark.django_db
def test_from_the_network_it_came_from_it_is_refused_without_a_link(client, article):
    CommentFactory(
        article=article, body="Same words.", author_email="gina@example.org", ip_address="2001:db8:1:1::5"
    )

    response = post(client, article, body="Same words.", REMOTE_ADDR="2001:db8:1:1::77")

    assert response.status_code == 409 and "same comment a moment ago" in response.text
    assert "see your comment" not in response.text  # the article page shows the comment, not whose it is


@pytest.mark.django_db
def test_the_browser_that_posted_it_is_told_with_a_link(client, article):
    first = post(client, article, body="Same words.")
    pk = int(first["Location"].rsplit("#comment-", 1)[1])

    again = post(client, article, body="Same words.")

    assert again.status_code == 409 and f'<a href="/comments/{pk}/">see your comment</a>' in again.text


@pytest.mark.django_db(transaction=True)
def test_a_twin_under_another_email_lands_without_the_firsts_edit_rights():
    """The race the unique token settles: the second INSERT waits for the first's commit."""
    article = ArticleFactory()
    token = uuid.uuid4()
    twin, answer = Client(), {}

    def send_the_twin():
        try:
            answer["twin"] = post(twin, article, body="Mine", email="attacker@example.org", token=str(token))
        finally:
            connection.close()

    with first_comment_held_open(article=article, body="Mine", token=token) as first:
        sender = threading.Thread(target=send_the_twin)
        sender.start()
        wait_for_a_lock_wait()
    sender.join(10)
    pk = first["comment"].pk

    assert answer["twin"].status_code == 302 and answer["twin"]["Location"].endswith(f"#comment-{pk}")
    assert twin.get(reverse("comments:edit", args=[pk])).status_code == 403
    assert Comment.objects.get(pk=pk).body == "Mine"
