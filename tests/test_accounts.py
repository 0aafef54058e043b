"""Sign up, log in, log out, reset a password, and a reader's profile page."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.queue import run_tasks

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 42"


def test_signup_creates_the_account_signs_in_and_goes_to_the_profile(client):
    response = client.post(
        reverse("signup"),
        {"username": "newreader", "email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )

    user = get_user_model().objects.get(username="newreader")
    assert response.status_code == 302 and response["Location"] == reverse("profile", args=["newreader"])
    assert user.email == "new@example.org"
    assert client.get("/").context["user"] == user


def test_signup_returns_to_the_article_it_came_from_but_never_off_site(client, article):
    data = {"username": "r1", "email": "r1@example.org", "password1": PASSWORD, "password2": PASSWORD}

    back = client.post(reverse("signup"), {**data, "next": article.get_absolute_url()})
    client.logout()
    away = client.post(
        reverse("signup"),
        {**data, "username": "r2", "email": "r2@example.org", "next": "https://evil.example/"},
    )

    assert back["Location"] == article.get_absolute_url()
    assert away["Location"] == reverse("profile", args=["r2"])


def test_signup_errors_are_shown_with_a_400_and_no_account(client):
    UserFactory(username="taken", email="taken@example.org")

    response = client.post(
        reverse("signup"),
        {"username": "taken", "email": "TAKEN@example.org", "password1": "short", "password2": "other"},
    )

    assert response.status_code == 400
    assert "username already exists" in response.text  # usernames are public; whose an email is, is not
    assert "uses this email" not in response.text
    assert 'aria-invalid="true"' in response.text
    assert get_user_model().objects.count() == 1


def test_login_and_logout(client):
    UserFactory(username="rita", password=PASSWORD)

    login = client.post(reverse("login"), {"username": "rita", "password": PASSWORD})
    page = client.get("/").text
    logout = client.post(reverse("logout"))

    assert login.status_code == 302
    assert 'href="/people/rita/"' in page and "Log out" in page
    assert logout.status_code == 302 and "Log in" in client.get("/").text


def test_password_reset_sends_a_working_link(client):
    UserFactory(username="forgetful", email="forgetful@example.org")

    response = client.post(reverse("password_reset"), {"email": "forgetful@example.org"})
    run_tasks()
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )

    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox[0].subject == "Reset your Threadline password"
    assert done["Location"] == reverse("password_reset_complete")
    assert client.login(username="forgetful", password=PASSWORD)


def test_profile_lists_only_the_readers_approved_public_comments(client):
    reader = UserFactory(username="prolific", email="prolific.private@example.org")
    shown = CommentFactory(user=reader, body="A *public* thought")
    CommentFactory(user=reader, body="Still pending", status=Comment.Status.PENDING)
    CommentFactory(user=reader, article=ArticleFactory(status="draft", published_at=None), body="On a draft")
    CommentFactory(body="Someone else's")

    response = client.get(reverse("profile", args=["prolific"]))

    assert response.status_code == 200
    assert "A <em>public</em> thought" in response.text and shown.article.title in response.text
    for hidden in ["Still pending", "On a draft", "Someone else", "prolific.private"]:
        assert hidden not in response.text
    assert client.get(reverse("profile", args=["nobody"])).status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_profile_page_query_count_does_not_grow_with_the_comments(client, django_assert_num_queries, count):
    reader = UserFactory(username="steady")
    article = ArticleFactory()
    for _ in range(count):
        CommentFactory(article=article, user=reader)

    # the reader, the comment count (paginator), the page of comments with their articles
    with django_assert_num_queries(3):
        response = client.get(reverse("profile", args=["steady"]))

    assert response.text.count('class="comment-body"') == count
