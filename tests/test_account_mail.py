"""Password resets and member emails that an outsider cannot turn against anyone (issue 16)."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from notifications.models import NotificationSettings, OutboundEmail
from tests.factories import CommentFactory, UserFactory
from tests.queue import run_tasks

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 42"


def ask_reset(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def test_a_reset_flood_to_one_mailbox_is_refused(client, abuse_protection):
    UserFactory(email="victim@example.org")

    answers = [
        ask_reset(Client(), spelling, REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n, spelling in enumerate(
            ["victim@example.org", "VICTIM@example.org", "victim+1@example.org", "victim+2@example.org"]
        )
    ]
    run_tasks()

    assert answers == [302, 302, 302, 429]
    assert mail.outbox and all(m.to == ["victim@example.org"] for m in mail.outbox)


def test_a_reset_flood_from_one_network_is_refused(client, abuse_protection):
    answers = [ask_reset(client, f"someone{n}@example.org").status_code for n in range(12)]

    assert answers[:10] == [302] * 10 and answers[10:] == [429, 429]


def test_known_and_unknown_addresses_cost_the_request_the_same(client, django_assert_num_queries):
    UserFactory(email="known@example.org")
    ask_reset(Client(), "warm@example.org")

    with django_assert_num_queries(1) as known:
        ask_reset(client, "known@example.org")
    with django_assert_num_queries(1) as unknown:
        ask_reset(client, "unknown@example.org")

    assert mail.outbox == []  # nothing is sent inside a request
    assert [q["sql"].split()[0] for q in known] == [q["sql"].split()[0] for q in unknown] == ["INSERT"]
    assert DBTaskResult.objects.filter(task_path="accounts.tasks.send_reset_links").count() == 3


def test_reset_links_name_the_site_not_the_requests_host(client, settings):
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]
    settings.SITE_URL = "https://news.example"
    UserFactory(email="forgetful@example.org")

    ask_reset(client, "forgetful@example.org", HTTP_HOST="evil.example:8080")
    run_tasks()

    [message] = mail.outbox
    assert "evil.example" not in message.body
    assert re.search(r"https://news\.example/accounts/reset/\S+", message.body)


def signup(client, username, email):
    data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("signup"), data)


def test_signup_with_an_address_in_use_looks_the_same_and_only_warns_its_owner(
    client, django_capture_on_commit_callbacks
):
    UserFactory(username="owner", email="owner@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        fresh = signup(Client(), "newcomer", "new@example.org")
        squatter = signup(client, "squatter", "Owner@example.org")
    run_tasks()

    assert (fresh.status_code, squatter.status_code) == (302, 302)
    by_address = {message.to[0].lower(): message for message in mail.outbox}
    assert "/accounts/verify/" in by_address["new@example.org"].body
    assert "already belongs to an account" in by_address["owner@example.org"].body
    assert "/accounts/verify/" not in by_address["owner@example.org"].body
    assert "squatter" not in by_address["owner@example.org"].body


def reply_to_member_comment(member):
    parent = CommentFactory(user=member, author_name=member.username, author_email=member.email)
    NotificationSettings.objects.create(user=member, reply_emails=True)
    CommentFactory(parent=parent, author_name="Stranger", body="Any text the stranger likes")
    run_tasks()


def test_an_unverified_member_gets_no_reply_mail(django_capture_on_commit_callbacks):
    member = UserFactory(email="someone-else@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        reply_to_member_comment(member)
    run_tasks()

    assert not OutboundEmail.objects.filter(key__startswith="reply:").exists()
    assert mail.outbox == []


def test_the_link_in_the_verification_mail_turns_reply_mail_on(client, django_capture_on_commit_callbacks):
    from notifications.models import VerifiedEmail

    with django_capture_on_commit_callbacks(execute=True):
        signup(client, "carla", "carla@example.org")
    run_tasks()
    [link] = re.findall(r"https?://\S+/accounts/verify/\S+", mail.outbox[0].body)
    path = link.split(settings.SITE_URL, 1)[1]
    member = get_user_model().objects.get(username="carla")

    asked = client.get(path)
    assert not VerifiedEmail.objects.exists()  # a link scanner's GET verifies nothing
    client.post(path)
    with django_capture_on_commit_callbacks(execute=True):
        reply_to_member_comment(member)
    run_tasks()

    assert asked.status_code == 200
    assert OutboundEmail.objects.filter(key__startswith="reply:", to="carla@example.org").exists()


def test_a_later_squatter_never_blocks_the_owners_own_verification(
    client, django_capture_on_commit_callbacks
):
    from notifications.models import VerifiedEmail
    from notifications.verification import request_verification

    owner = UserFactory(username="owner", email="owner@example.org")
    signup(client, "squatter", "owner@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        request_verification(owner)
    run_tasks()
    [link] = re.findall(r"https?://\S+/accounts/verify/\S+", mail.outbox[-1].body)

    Client().post(link.split(settings.SITE_URL, 1)[1])

    assert list(VerifiedEmail.objects.values_list("user__username", flat=True)) == ["owner"]


def test_guest_confirmations_are_capped_per_mailbox_and_carry_no_sender_text(
    client, article, django_capture_on_commit_callbacks
):
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("comments:add", args=[article.slug]),
                {
                    "body": f"Comment {n}",
                    "name": "Visit www.scam.example now",
                    "email": f"victim+{n}@Example.org",
                    "notify_replies": "on",
                },
            )
    run_tasks()

    assert len(mail.outbox) == 3
    assert all("scam" not in message.body for message in mail.outbox)
