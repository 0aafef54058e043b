"""Reports hide a comment only when reporters that cost something to replace agree (issue 16)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, ModerationRules, Report
from comments.services import approve_comment, remove_comment
from tests.factories import CommentFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.moderation]


def report(client, comment, *, ip="127.0.0.1"):
    return client.post(reverse("comments:report", args=[comment.pk]), {"reason": "abuse"}, REMOTE_ADDR=ip)


def member_with_standing(**fields):
    """An account a month old with an approved comment: it costs time to replace."""
    user = UserFactory(date_joined=timezone.now() - timedelta(days=30), **fields)
    CommentFactory(user=user, author_name=user.username, author_email=user.email)
    client = Client()
    client.force_login(user)
    return user, client


def status_of(comment) -> str:
    comment.refresh_from_db()
    return comment.status


def test_one_address_dropping_its_cookie_hides_nothing():
    comments = [CommentFactory(body=f"Fair point {n}") for n in range(3)]

    answers = [report(Client(), comments[n % 3], ip="203.0.113.66").status_code for n in range(23)]

    assert [status_of(comment) for comment in comments] == [Comment.Status.APPROVED] * 3
    assert Report.objects.count() == 3  # one report per network per comment: still in the queue
    assert answers.count(302) == 3 and answers.count(409) == 20


def test_guests_from_many_networks_flag_but_do_not_hide():
    comment = CommentFactory()

    for n in range(5):
        report(Client(), comment, ip=f"198.51.100.{n + 1}")

    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED and comment.report_count == 5


def test_new_accounts_flag_but_do_not_hide():
    comment = CommentFactory()

    for n in range(3):
        client = Client()
        client.force_login(UserFactory())
        report(client, comment, ip=f"198.51.100.{n + 1}")

    assert status_of(comment) == Comment.Status.APPROVED


def test_three_members_with_standing_on_three_networks_hide_the_comment():
    comment = CommentFactory()

    for n in range(3):
        report(member_with_standing()[1], comment, ip=f"198.51.100.{n + 1}")

    assert status_of(comment) == Comment.Status.PENDING


def test_accounts_on_one_network_count_once():
    comment = CommentFactory()

    for _ in range(3):
        report(member_with_standing()[1], comment, ip="198.51.100.9")

    assert status_of(comment) == Comment.Status.APPROVED


def test_ipv6_reporters_count_per_64():
    comment = CommentFactory()

    for n in range(3):
        report(member_with_standing()[1], comment, ip=f"2001:db8:1:2::{n + 1}")

    assert status_of(comment) == Comment.Status.APPROVED
    assert set(Report.objects.values_list("network", flat=True)) == {"2001:db8:1:2::/64"}


def test_one_network_hides_at_most_its_daily_number_of_comments(settings):
    settings.REPORT_HIDES_PER_NETWORK_PER_DAY = 2
    ModerationRules.objects.update_or_create(pk=1, defaults={"report_threshold": 1})
    comments = [CommentFactory() for _ in range(4)]
    _, client = member_with_standing()

    for comment in comments:
        report(client, comment, ip="198.51.100.7")

    assert [status_of(c) for c in comments] == ["pending", "pending", "approved", "approved"]
    assert all(c.report_count == 1 for c in comments)


def test_a_reporter_whose_reports_were_dismissed_counts_less():
    ModerationRules.objects.update_or_create(pk=1, defaults={"report_threshold": 1})
    user, client = member_with_standing()
    moderator = StaffFactory()
    for _ in range(3):
        dismissed = CommentFactory()
        report(client, dismissed, ip="198.51.100.7")
        approve_comment(dismissed, moderator=moderator)
    upheld = CommentFactory()
    report(client, upheld, ip="198.51.100.7")
    remove_comment(upheld, moderator=moderator)
    target = CommentFactory()

    report(client, target, ip="198.51.100.7")

    assert status_of(target) == Comment.Status.APPROVED
    assert Report.objects.get(comment=target).weight == pytest.approx(2 / 5)
