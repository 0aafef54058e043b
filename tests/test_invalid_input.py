"""Every refused comment: a clear message, a 4xx, the reader's text kept, nothing stored."""

import pytest
from django.urls import reverse

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

GUEST = {"name": "Gina", "email": "gina@example.org"}


def other_article_comment(article):
    return CommentFactory(article=ArticleFactory()).pk


def unapproved_comment(article):
    return CommentFactory(article=article, status=Comment.Status.REMOVED).pk


CASES = {
    "empty body": ({"body": ""}, "Please write your comment"),
    "whitespace body": ({"body": "   \n\t "}, "Please write your comment"),
    "body too long": ({"body": "x" * 10_001}, "keep it under 10000 characters"),
    "missing name": ({"name": ""}, "Please give a name"),
    "missing email": ({"email": ""}, "Please give your email address"),
    "malformed email": ({"email": "not-an-email"}, "That email address does not look right"),
    "parent does not exist": ({"parent": "999999"}, "cannot be found"),
    "non-numeric parent": ({"parent": "abc"}, "cannot be found"),
    "negative parent": ({"parent": "-3"}, "cannot be found"),
    "huge parent": ({"parent": "9" * 40}, "cannot be found"),
    "parent on another article": ({"parent": other_article_comment}, "cannot be found"),
    "parent not approved": ({"parent": unapproved_comment}, "no longer open for replies"),
    "NUL byte in body": ({"body": "hello\x00world"}, "Null characters are not allowed"),
}


@pytest.mark.parametrize("case", CASES.keys())
def test_invalid_comment_is_refused_with_a_message_and_nothing_stored(client, article, case):
    changes, message = CASES[case]
    data = {"body": "My carefully typed text", **GUEST}
    data.update({k: v(article) if callable(v) else v for k, v in changes.items()})
    before = Comment.objects.count()

    response = client.post(reverse("comments:add", args=[article.slug]), data)

    assert response.status_code == 400
    assert message in response.text
    assert Comment.objects.count() == before
    if data["body"] == "My carefully typed text":
        assert "My carefully typed text" in response.text


def test_comments_closed_refuses_with_a_clear_message(client):
    article = ArticleFactory(comments_open=False)

    response = client.post(reverse("comments:add", args=[article.slug]), {"body": "Kept text", **GUEST})

    assert response.status_code == 400
    assert "Comments are closed" in response.text
    assert not Comment.objects.exists()


def test_closed_article_shows_a_notice_and_no_form(client):
    article = ArticleFactory(comments_open=False)

    page = client.get(article.get_absolute_url()).text

    assert "Comments are closed on this article." in page
    assert 'name="body"' not in page


def test_discussion_past_its_closing_date_refuses_comments(client):
    from django.utils import timezone

    article = ArticleFactory(comments_close_at=timezone.now())

    response = client.post(reverse("comments:add", args=[article.slug]), {"body": "Late", **GUEST})

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_get_on_the_post_url_is_405(client, article):
    assert client.get(reverse("comments:add", args=[article.slug])).status_code == 405


def test_post_without_csrf_token_is_403(article):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("comments:add", args=[article.slug]), {"body": "x", **GUEST}
    )

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_unknown_article_is_404(client):
    assert client.post(reverse("comments:add", args=["no-such-article"]), {"body": "x"}).status_code == 404
