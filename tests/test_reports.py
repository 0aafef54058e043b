"""Readers report comments; enough distinct reports hide one until a moderator looks."""

import pytest
from django.test import Client
from django.urls import reverse

from comments.models import Comment, ModerationRules, Report
from tests.factories import CommentFactory, UserFactory
from tests.test_report_weighing import member_with_standing

pytestmark = [pytest.mark.django_db, pytest.mark.moderation]


def report(client, comment, reason="abuse", text="", **extra):
    return client.post(
        reverse("comments:report", args=[comment.pk]), {"reason": reason, "text": text}, **extra
    )


def test_every_comment_has_a_report_link_to_a_page_with_the_form(client):
    comment = CommentFactory(body="Say something rude")

    article_page = client.get(comment.article.get_absolute_url()).text
    report_page = client.get(reverse("comments:report", args=[comment.pk]))

    assert f'href="{reverse("comments:report", args=[comment.pk])}"' in article_page
    assert report_page.status_code == 200
    assert "Say something rude" in report_page.text
    for reason in ["spam", "abuse", "off-topic", "other"]:
        assert f'value="{reason}"' in report_page.text


def test_report_is_stored_and_the_reader_lands_back_on_the_comment(client):
    comment = CommentFactory()

    response = report(client, comment, "off-topic")

    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")
    stored = Report.objects.get()
    assert (stored.comment, stored.reason, stored.reporter_key) == (
        comment,
        "off-topic",
        "net:127.0.0.1",  # a guest is its network: dropping the cookie makes no new reader
    )
    comment.refresh_from_db()
    assert comment.report_count == 1 and comment.status == Comment.Status.APPROVED
    assert "a moderator will look" in client.get(response["Location"]).text


def test_one_report_per_reader_per_comment(client):
    comment = CommentFactory()
    user = UserFactory()
    member = Client()
    member.force_login(user)

    report(client, comment)
    again = report(client, comment, "spam")
    report(member, comment)
    member_again = report(member, comment)

    assert again.status_code == 409 and "already reported" in again.text
    assert member_again.status_code == 409
    assert Report.objects.count() == 2
    assert Report.objects.filter(user=user, reporter_key=f"user:{user.pk}").exists()
    comment.refresh_from_db()
    assert comment.report_count == 2


def test_third_distinct_reader_hides_the_comment_until_a_moderator_reviews_it(staff_client):
    comment = CommentFactory(body="Heated insult")
    readers = [member_with_standing()[1] for _ in range(3)]

    for n, reader in enumerate(readers[:2]):
        report(reader, comment, REMOTE_ADDR=f"198.51.100.{n + 1}")
    still_shown = readers[0].get(comment.article.get_absolute_url()).text
    report(readers[2], comment, "other", "Targets another reader", REMOTE_ADDR="198.51.100.3")
    hidden = readers[0].get(comment.article.get_absolute_url()).text
    queue = staff_client.get(reverse("admin:comments_comment_changelist")).text

    assert "Heated insult" in still_shown
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING and comment.hold_reason == "Hidden after 3 reports"
    assert "Heated insult" not in hidden
    assert "Heated insult" in queue and "Something else: Targets another reader" in queue
    assert "Abusive or hateful ×2" in queue


def test_threshold_is_read_from_the_rules(client):
    rules = ModerationRules.load()
    rules.report_threshold = 1
    rules.save()
    comment = CommentFactory()

    report(member_with_standing()[1], comment, "spam")

    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Please choose a reason."),
        ({"reason": "nonsense"}, "Please choose a reason."),
        ({"reason": "other", "text": "  "}, "Please say what is wrong"),
        ({"reason": "spam", "text": "x" * 501}, "under 500 characters"),
    ],
)
def test_bad_report_shows_the_form_again_with_a_message_and_stores_nothing(client, data, message):
    comment = CommentFactory()

    response = client.post(reverse("comments:report", args=[comment.pk]), data)

    assert response.status_code == 400 and message in response.text
    assert not Report.objects.exists()


def test_hidden_or_unknown_comments_cannot_be_reported(client):
    pending = CommentFactory(status=Comment.Status.PENDING)

    assert report(client, pending).status_code == 404
    assert client.get(reverse("comments:report", args=[999999])).status_code == 404
    assert not Report.objects.exists()


def test_a_guest_report_writes_no_session(client):
    from django.contrib.sessions.models import Session

    comment = CommentFactory()

    response = client.post(reverse("comments:report", args=[comment.pk]), {"reason": "spam"})

    assert response.status_code == 302 and Report.objects.filter(comment=comment).exists()
    assert not Session.objects.exists()
