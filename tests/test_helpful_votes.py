"""Helpful votes (issue 22): who may vote, one vote per voter under any concurrency, undo within
the hour, a rate limit, and a form POST that works without JavaScript."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, HelpfulVote
from comments.services.voting import VoteOutcome, toggle_helpful
from comments.votes import Voter
from notifications import tokens
from notifications.models import ReplySubscription
from notifications.services import confirm_subscription
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.test_concurrency import run_in_threads

pytestmark = pytest.mark.django_db

HELPFUL = reverse("comments:helpful")


def vote(client, comment, **extra):
    return client.post(HELPFUL, {"comment": comment.pk, **extra})


def member_client(user=None) -> Client:
    client = Client()
    client.force_login(user or UserFactory())
    return client


def guest_who_posted(
    client, article, *, email="gia@example.org", body="My own comment", confirm=True
) -> Comment:
    """A guest posts through the form, asking for reply emails, and (confirm) follows the link."""
    client.post(
        reverse("comments:add", args=[article.slug]),
        {"body": body, "name": "Gia", "email": email, "notify_replies": "on"},
    )
    own = Comment.objects.get(body=body)
    if confirm:
        confirm_subscription(tokens.confirm_token(ReplySubscription.objects.get(comment=own)))
    return own


def test_a_member_marks_a_comment_helpful_and_lands_back_on_it(client, article):
    comment = CommentFactory(article=article)
    client.force_login(UserFactory())

    response = vote(client, comment, sort="best", page="1")

    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?sort=best#comment-{comment.pk}"
    assert HelpfulVote.objects.filter(comment=comment).count() == 1
    assert "Marked helpful" in client.get(response["Location"]).text


def test_every_comment_has_a_tiny_helpful_button_tied_to_one_page_form(client, article):
    comments = [CommentFactory(article=article) for _ in range(3)]

    page = client.get(article.get_absolute_url()).text

    assert page.count('<form id="helpful" method="post"') == 1
    assert page.count('name="csrfmiddlewaretoken"') == 2  # the Helpful form's and the comment form's
    for comment in comments:
        assert f'<button form="helpful" name="comment" value="{comment.pk}">Helpful</button>' in page


def test_the_vote_needs_the_csrf_token(article):
    comment = CommentFactory(article=article)
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())

    response = vote(client, comment)

    assert response.status_code == 403
    assert not HelpfulVote.objects.exists()


def test_a_member_cannot_mark_their_own_comment(client, article):
    author = UserFactory()
    comment = CommentFactory(article=article, user=author, author_email=author.email)
    client.force_login(author)

    response = vote(client, comment)

    assert response.status_code == 403
    assert "your own comment" in response.text
    assert not HelpfulVote.objects.exists()


def test_a_guest_without_a_verified_address_is_refused(client, article):
    comment = CommentFactory(article=article)
    guest_who_posted(client, article, confirm=False)  # posted, asked for emails, never confirmed

    response = vote(client, comment)
    anonymous = vote(Client(), comment)

    assert response.status_code == anonymous.status_code == 403
    assert "confirm your email address" in response.text
    assert not HelpfulVote.objects.exists()


def test_a_guest_with_a_verified_address_votes_once_per_mailbox(client, article):
    comment = CommentFactory(article=article)
    guest_who_posted(client, article)
    other_browser = Client()
    guest_who_posted(
        other_browser, ArticleFactory(), email="GIA@example.org", body="Elsewhere"
    )  # the same mailbox

    first = vote(client, comment)
    second = vote(other_browser, comment)  # the same address: the second press takes it back

    assert first.status_code == second.status_code == 302
    assert not HelpfulVote.objects.exists()
    vote(client, comment)
    stored = HelpfulVote.objects.get()
    assert stored.voter_key.startswith("guest:") and "gia" not in stored.voter_key.lower()


def test_a_guest_cannot_mark_the_comment_they_posted(client, article):
    own = guest_who_posted(client, article)

    response = vote(client, own)

    assert response.status_code == 403
    assert not HelpfulVote.objects.exists()


def test_a_second_press_within_the_hour_takes_the_mark_back(client, article):
    comment = CommentFactory(article=article)
    client.force_login(UserFactory())
    vote(client, comment)

    response = vote(client, comment)

    assert response.status_code == 302
    assert not HelpfulVote.objects.exists()
    assert "taken back" in client.get(response["Location"]).text


def test_a_mark_older_than_an_hour_can_no_longer_be_undone(article):
    comment = CommentFactory(article=article)
    voter = Voter(key="user:1", user=UserFactory())
    an_hour_ago = timezone.now() - timedelta(hours=1, seconds=1)
    toggle_helpful(comment=comment, voter=voter, now=an_hour_ago)

    result = toggle_helpful(comment=comment, voter=voter)

    assert result.outcome == VoteOutcome.TOO_LATE and result.status == 409
    assert HelpfulVote.objects.count() == 1


def test_the_view_answers_409_past_the_undo_window(client, article):
    comment = CommentFactory(article=article)
    user = UserFactory()
    client.force_login(user)
    HelpfulVote.objects.create(
        comment=comment, article=article, voter_key=f"user:{user.pk}", user=user,
        created_at=timezone.now() - timedelta(hours=2),
    )  # fmt: skip

    response = vote(client, comment)

    assert response.status_code == 409
    assert "can no longer be undone" in response.text
    assert HelpfulVote.objects.count() == 1


@pytest.mark.parametrize(("value", "status"), [("", 400), ("abc", 400), ("9" * 30, 400), ("987654321", 404)])
def test_bad_input_gets_a_clear_4xx(client, article, value, status):
    client.force_login(UserFactory())

    response = client.post(HELPFUL, {"comment": value})

    assert response.status_code == status
    assert not HelpfulVote.objects.exists()


def test_held_or_removed_comments_take_no_votes(client, article):
    held = CommentFactory(article=article, status=Comment.Status.PENDING)
    client.force_login(UserFactory())

    response = vote(client, held)

    assert response.status_code == 404
    assert client.get(HELPFUL).status_code == 405


def test_votes_have_a_rate_limit_per_voter(client, article, abuse_protection, settings):
    settings.RATE_LIMITS["vote"] = {"account": "3/m", "ip": "100/m"}
    comments = [CommentFactory(article=article) for _ in range(4)]
    client.force_login(UserFactory())

    statuses = [vote(client, comment).status_code for comment in comments]

    assert statuses == [302, 302, 302, 429]
    assert HelpfulVote.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_voters_make_sixteen_votes():
    comment = CommentFactory(article=ArticleFactory())
    clients = [member_client() for _ in range(16)]
    statuses = []

    errors = run_in_threads(lambda i: statuses.append(vote(clients[i], comment).status_code), 16)

    assert errors == [] and statuses == [302] * 16
    assert HelpfulVote.objects.filter(comment=comment).count() == 16
    assert HelpfulVote.objects.filter(comment=comment).values("voter_key").distinct().count() == 16


@pytest.mark.django_db(transaction=True)
def test_one_voter_pressing_sixteen_times_at_once_stores_at_most_one_vote():
    comment = CommentFactory(article=ArticleFactory())
    user = UserFactory()
    voter = Voter(key=f"user:{user.pk}", user=user)
    outcomes = []

    errors = run_in_threads(
        lambda i: outcomes.append(toggle_helpful(comment=comment, voter=voter).outcome), 16
    )

    assert errors == []
    assert HelpfulVote.objects.filter(comment=comment).count() <= 1
    assert set(outcomes) <= {VoteOutcome.VOTED, VoteOutcome.UNDONE}


def test_anonymising_a_guest_erases_their_votes(client, article):
    from comments.services import anonymise_author

    comment = CommentFactory(article=article)
    own = guest_who_posted(client, article)
    vote(client, comment)

    anonymise_author(own)

    assert not HelpfulVote.objects.exists()
