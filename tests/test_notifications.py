import re
import time
import uuid
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client, TestCase
from django.urls import reverse

from comments.models import Comment, ModerationRules
from comments.services import approve_comment, post_comment
from config.observability import COMMENTS_POSTED
from notifications import tokens
from notifications.models import NotificationSettings, OutboundEmail, ReplySubscription, VerifiedEmail
from notifications.services import queue_email
from tests.factories import CommentFactory, StaffFactory, UserFactory
from tests.queue import make_scheduled_jobs_due, run_tasks, scheduled_jobs

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://\S+")


def post(client, article, **data):
    return client.post(reverse("comments:add", args=[article.slug]), data)


def links(message) -> list[str]:
    return URL.findall(message.body)


def path_of(url: str) -> str:
    return urlsplit(url).path


def subscribed_guest_comment(client, article, capture, email="ann@example.org"):
    """A guest comment whose author asked for reply emails and confirmed through the link."""
    with capture(execute=True):
        post(client, article, body="Worth a reply", name="Ann", email=email, notify_replies="on")
    run_tasks()
    subscription = ReplySubscription.objects.get(email=email)
    token = tokens.confirm_token(subscription)
    client.post(reverse("notifications:confirm", args=[token]))
    return subscription.comment


def test_guest_who_ticks_the_box_gets_a_signed_confirmation_link_after_commit(
    client, article, mailoutbox, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, article, body="Hi", name="Ann", email="Ann@Example.org", notify_replies="on")

    assert response.status_code == 302
    # The confirmation email's job after commit (beside the posted-comments metric's count); the
    # comment's own job is in its transaction.
    assert len([callback for callback in callbacks if callback != COMMENTS_POSTED.inc]) == 1
    assert mailoutbox == []  # nothing is sent in the request
    run_tasks()
    subscription = ReplySubscription.objects.get()
    assert (subscription.email, subscription.confirmed_at) == ("ann@example.org", None)
    [message] = mailoutbox
    assert message.to == ["ann@example.org"]
    assert "Confirm reply notifications" in message.subject
    [confirm_url] = links(message)
    assert confirm_url.startswith(f"{settings.SITE_URL}/notifications/confirm/")


def test_confirm_link_get_only_asks_and_post_confirms(
    client, article, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, article, body="Hi", name="Ann", email="ann@example.org", notify_replies="on")
    run_tasks()
    path = path_of(links(mailoutbox[0])[0])

    asked = client.get(path)
    assert asked.status_code == 200 and "Yes, email me about replies" in asked.text
    assert ReplySubscription.objects.get().confirmed_at is None

    confirmed = client.post(path)

    assert confirmed.status_code == 200
    assert "Reply notifications are on" in confirmed.text
    assert ReplySubscription.objects.get().is_active


def test_unticked_box_and_members_get_no_subscription(client, article, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, article, body="Hi", name="Ann", email="ann@example.org")
    client.force_login(UserFactory())
    page = client.get(article.get_absolute_url()).text

    assert ReplySubscription.objects.count() == 0
    # Issue 20: members are offered reply emails on the form (their account-wide setting).
    assert "Email me when someone replies to my comments" in page


def test_guest_form_shows_the_checkbox(client, article):
    page = client.get(article.get_absolute_url()).text

    assert 'type="checkbox" name="notify_replies"' in page


@pytest.mark.parametrize("tamper", ["expired", "altered", "garbage"])
def test_bad_confirmation_links_get_a_clear_400(client, article, tamper):
    comment = CommentFactory(article=article)
    subscription = ReplySubscription.objects.create(comment=comment, email="ann@example.org")
    if tamper == "expired":
        signer = signing.TimestampSigner(salt=tokens.CONFIRM_SALT)
        signer.timestamp = lambda: signing.b62_encode(int(time.time()) - 73 * 3600)
        token = signer.sign_object({"s": subscription.pk, "e": subscription.email}, compress=True)
    elif tamper == "altered":
        token = tokens.confirm_token(subscription)[:-2] + "xx"
    else:
        token = "not-a-token"

    response = client.post(reverse("notifications:confirm", args=[token]))

    assert response.status_code == 400
    assert ("expired" in response.text) == (tamper == "expired")
    assert "That link did not work" in response.text
    assert ReplySubscription.objects.get().confirmed_at is None


def test_reply_emails_a_confirmed_guest_with_links_and_one_click_unsubscribe_headers(
    client, article, mailoutbox, django_capture_on_commit_callbacks
):
    parent = subscribed_guest_comment(client, article, django_capture_on_commit_callbacks)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        post(
            client, article, body="I disagree, politely.", parent=parent.pk, name="Bo", email="bo@example.org"
        )
    run_tasks()

    reply = Comment.objects.get(body="I disagree, politely.")
    [message] = mailoutbox
    assert message.to == ["ann@example.org"]
    assert message.subject == f"Bo replied to your comment on “{article.title}”"
    assert "I disagree, politely." in message.body
    reply_url, unsubscribe_url = links(message)
    assert reply_url.endswith(reverse("comments:thread", args=[reply.pk]))
    assert "/notifications/unsubscribe/" in unsubscribe_url
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "bo@example.org" not in message.body  # the replier's address stays private
    sent = message.message()
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_unconfirmed_guest_gets_no_reply_email(
    client, article, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, article, body="Hi", name="Ann", email="ann@example.org", notify_replies="on")
    run_tasks()
    mailoutbox.clear()
    parent = Comment.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(parent=parent)
    run_tasks()

    assert mailoutbox == []


def test_one_click_unsubscribe_posts_without_csrf_and_stops_the_emails(
    client, article, mailoutbox, django_capture_on_commit_callbacks
):
    parent = subscribed_guest_comment(client, article, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(parent=parent)
    run_tasks()
    path = path_of(links(mailoutbox[-1])[-1])
    mail_client = Client(enforce_csrf_checks=True)  # a mail provider: no cookie, no CSRF token

    asked = mail_client.get(path)
    assert asked.status_code == 200 and "Unsubscribe" in asked.text
    assert ReplySubscription.objects.get().is_active  # GET changes nothing
    response = mail_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    again = mail_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == again.status_code == 200
    assert "You are unsubscribed" in response.text
    assert not ReplySubscription.objects.get().is_active
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(parent=parent)
    run_tasks()
    assert mailoutbox == []


def test_forged_unsubscribe_link_is_refused(client):
    response = client.post(reverse("notifications:unsubscribe", args=["eyJzIjoxfQ:forged"]))

    assert response.status_code == 400


def test_replying_to_yourself_sends_nothing(client, article, mailoutbox, django_capture_on_commit_callbacks):
    parent = subscribed_guest_comment(client, article, django_capture_on_commit_callbacks)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(parent=parent, author_name="Ann", author_email="ANN@example.org")
    run_tasks()

    assert mailoutbox == []


def test_member_opts_in_on_the_settings_page_and_gets_reply_emails(
    client, article, mailoutbox, django_capture_on_commit_callbacks
):
    member = UserFactory(username="carla")
    VerifiedEmail.objects.create(user=member, email=member.email)
    parent = CommentFactory(article=article, user=member)
    client.force_login(member)
    assert client.get(reverse("notifications:settings")).status_code == 200

    response = client.post(reverse("notifications:settings"), {"reply_emails": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(parent=parent, author_name="Dan")
    run_tasks()

    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=member).reply_emails
    [message] = mailoutbox
    assert message.to == ["carla@example.org"]
    assert message.subject.startswith("Dan replied")
    unsubscribe_path = path_of(message.extra_headers["List-Unsubscribe"].strip("<>"))
    Client(enforce_csrf_checks=True).post(unsubscribe_path, {"List-Unsubscribe": "One-Click"})
    assert not NotificationSettings.objects.get(user=member).reply_emails


def test_members_get_no_reply_emails_by_default(article, mailoutbox, django_capture_on_commit_callbacks):
    parent = CommentFactory(article=article, user=UserFactory())

    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(parent=parent)
    run_tasks()

    assert mailoutbox == []


def test_settings_page_needs_a_login_and_shows_the_digest_only_to_staff(client):
    assert client.get(reverse("notifications:settings")).status_code == 302
    client.force_login(UserFactory())
    assert "moderation_digest" not in client.get(reverse("notifications:settings")).text
    client.force_login(StaffFactory())
    assert "moderation_digest" in client.get(reverse("notifications:settings")).text


def test_held_reply_notifies_only_once_approved_and_only_once(
    client, article, mailoutbox, django_capture_on_commit_callbacks
):
    parent = subscribed_guest_comment(client, article, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    moderator = StaffFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        reply = CommentFactory(parent=parent, status=Comment.Status.PENDING)
    run_tasks()
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(reply, moderator=moderator)
        approve_comment(reply, moderator=moderator)
    run_tasks()

    assert len(mailoutbox) == 1
    assert OutboundEmail.objects.filter(key__startswith=f"reply:{reply.pk}:").count() == 1


# --- Moderators' digest ---------------------------------------------------------------------


def post_pending(capture, article, body="Waiting for review"):
    """A new guest's first comment, held for review by the moderation rules."""
    ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": True})  # production's
    with capture(execute=True):
        comment = post_comment(
            article=article, body=body, author_name="New", author_email=f"new-{uuid.uuid4().hex}@example.org"
        )
    assert comment.status == Comment.Status.PENDING
    return comment


def test_pending_comment_sends_moderators_a_digest(article, mailoutbox, django_capture_on_commit_callbacks):
    moderator = StaffFactory(email="mod@example.org")
    StaffFactory(email="")  # no address: skipped
    UserFactory()  # not staff: skipped
    waiting = post_pending(django_capture_on_commit_callbacks, article, body="Please check me")

    run_tasks()

    [message] = mailoutbox
    assert message.to == [moderator.email]
    assert message.subject == "1 comment waiting for review on Threadline"
    assert "Please check me" in message.body
    assert f"/admin/comments/comment/{waiting.pk}/change/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_digest_goes_out_at_most_every_n_minutes(
    article, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.MODERATION_DIGEST_MINUTES = 30
    StaffFactory(email="mod@example.org")
    post_pending(django_capture_on_commit_callbacks, article)
    run_tasks()
    assert len(mailoutbox) == 1

    post_pending(django_capture_on_commit_callbacks, article)
    post_pending(django_capture_on_commit_callbacks, article)
    run_tasks()

    assert len(mailoutbox) == 1  # throttled: one digest job waits for the interval
    [job] = scheduled_jobs("send_moderation_digest")
    first_sent = OutboundEmail.objects.get().created_at
    assert 29 * 60 < (job.run_after - first_sent).total_seconds() <= 30 * 60 + 5
    make_scheduled_jobs_due()
    run_tasks()
    assert len(mailoutbox) == 2
    assert mailoutbox[1].subject == "3 comments waiting for review on Threadline"


def test_digest_skips_moderators_who_opted_out_and_nothing_goes_when_all_were_reviewed(
    article, mailoutbox, django_capture_on_commit_callbacks
):
    opted_out = StaffFactory(email="quiet@example.org")
    NotificationSettings.objects.create(user=opted_out, moderation_digest=False)
    StaffFactory(email="mod@example.org")
    waiting = post_pending(django_capture_on_commit_callbacks, article)
    Comment.objects.filter(pk=waiting.pk).update(status=Comment.Status.APPROVED)  # reviewed meanwhile

    run_tasks()
    assert mailoutbox == []
    post_pending(django_capture_on_commit_callbacks, article)
    run_tasks()

    assert [m.to for m in mailoutbox] == [["mod@example.org"]]


# --- A failing mail server ------------------------------------------------------------------

DEAD_SMTP_PORT = 8925  # in this branch's port range; nothing listens there


@pytest.fixture
def dead_mail_server(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", DEAD_SMTP_PORT, 2
    return settings


def test_failing_mail_server_loses_no_comment_and_the_email_is_retried_later(
    client, article, mailoutbox, dead_mail_server, django_capture_on_commit_callbacks
):
    parent = CommentFactory(article=article)
    ReplySubscription.objects.create(comment=parent, email="ann@example.org", confirmed_at=parent.created_at)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client, article, body="Stored anyway", parent=parent.pk, name="Bo", email="bo@example.org"
        )
    run_tasks()

    assert response.status_code == 302
    assert Comment.objects.filter(body="Stored anyway").exists()
    email = OutboundEmail.objects.get()
    assert (email.status, email.attempts, email.sent_at) == ("queued", 1, None)
    assert "Connection refused" in email.last_error or "Errno" in email.last_error
    [retry] = scheduled_jobs("deliver_email")
    assert 55 < (retry.run_after - email.created_at).total_seconds() < 120  # backoff: base delay first
    assert mailoutbox == []

    run_tasks()  # not due yet: nothing happens
    dead_mail_server.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    make_scheduled_jobs_due()
    run_tasks()
    make_scheduled_jobs_due()
    run_tasks()

    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 2, "")
    [message] = mailoutbox
    assert message.to == ["ann@example.org"] and "Stored anyway" in message.body


def test_failing_delivery_gives_up_after_the_last_attempt_and_keeps_the_row(article, dead_mail_server):
    dead_mail_server.EMAIL_MAX_ATTEMPTS = 3
    with TestCase.captureOnCommitCallbacks(execute=True):
        queue_email(key="k", to="x@example.org", subject="S", body="B")
    for _ in range(5):
        run_tasks()
        make_scheduled_jobs_due()

    email = OutboundEmail.objects.get()
    assert (email.status, email.attempts) == ("failed", 3)
    assert not scheduled_jobs().exists()


def test_admin_retry_action_sends_a_given_up_email(
    staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    email = OutboundEmail.objects.create(
        key="k", to="x@example.org", subject="Hello", body="B", status="failed"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:notifications_outboundemail_changelist"),
            {"action": "retry_now", "_selected_action": [email.pk]},
        )
    run_tasks()

    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == "sent" and [m.subject for m in mailoutbox] == ["Hello"]


def test_an_address_gets_at_most_three_confirmation_emails_a_day(
    client, article, mailoutbox, django_capture_on_commit_callbacks
):
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            post(
                client,
                article,
                body=f"Comment {n}",
                name="Ann",
                email="victim@example.org",
                notify_replies="on",
            )
    run_tasks()

    assert ReplySubscription.objects.count() == 5
    assert len(mailoutbox) == 3


def test_moderator_one_click_unsubscribes_from_the_digest(
    article, mailoutbox, django_capture_on_commit_callbacks
):
    moderator = StaffFactory(email="mod@example.org")
    post_pending(django_capture_on_commit_callbacks, article)
    run_tasks()
    unsubscribe_path = path_of(mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>"))

    response = Client(enforce_csrf_checks=True).post(unsubscribe_path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200 and "digests of comments waiting for review" in response.text
    assert not NotificationSettings.objects.get(user=moderator).moderation_digest


def test_a_failing_notification_job_is_retried_later_and_nothing_is_lost(
    client, article, mailoutbox, settings, django_capture_on_commit_callbacks
):
    parent = CommentFactory(article=article)
    ReplySubscription.objects.create(comment=parent, email="ann@example.org", confirmed_at=parent.created_at)
    site_url, settings.SITE_URL = settings.SITE_URL, None  # misconfigured: building the email fails
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(parent=parent, body="Will arrive")

    run_tasks(allow_failures=True)

    assert OutboundEmail.objects.count() == 0
    [retry] = scheduled_jobs("handle_comment")
    assert retry.args_kwargs["args"][1] == 2  # the second attempt
    settings.SITE_URL = site_url
    make_scheduled_jobs_due()
    run_tasks()
    [message] = mailoutbox
    assert "Will arrive" in message.body


def watched_comment(article) -> Comment:
    comment = CommentFactory(article=article)
    ReplySubscription.objects.create(
        comment=comment, email="ann@example.org", confirmed_at=comment.created_at
    )
    return comment


def test_a_comment_and_its_notification_job_commit_together(article):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    parent = watched_comment(article)
    reply = post_comment(article=article, parent=parent, body="Kept", author_name="Bo")
    with pytest.raises(RuntimeError), transaction.atomic():
        post_comment(article=article, parent=parent, body="Rolled back", author_name="Bo")
        raise RuntimeError("the request failed after posting")

    [job] = DBTaskResult.objects.all()
    assert job.args_kwargs["args"] == [reply.pk]
    assert not Comment.objects.filter(body="Rolled back").exists()


def test_only_comments_someone_is_to_hear_about_get_a_job(article, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    member = UserFactory()
    NotificationSettings.objects.create(user=member, reply_emails=True)
    unwatched = CommentFactory(article=article)
    unsubscribed = watched_comment(article)
    ReplySubscription.objects.filter(comment=unsubscribed).update(unsubscribed_at=unsubscribed.created_at)
    members = post_comment(article=article, body="A member's", user=member)
    quiet = [
        members,
        post_comment(article=article, body="New thread", author_name="Bo"),
        post_comment(article=article, parent=unwatched, body="To nobody", author_name="Bo"),
        post_comment(article=article, parent=unsubscribed, body="To someone gone", author_name="Bo"),
    ]

    told = [
        post_comment(article=article, parent=watched_comment(article), body="To Ann", author_name="Bo"),
        post_comment(article=article, parent=members, body="To the member", author_name="Bo"),
        post_pending(django_capture_on_commit_callbacks, article),  # for the moderators' digest
    ]

    jobs = {
        job.args_kwargs["args"][0]
        for job in DBTaskResult.objects.filter(task_path__endswith="handle_comment")
    }
    assert jobs == {comment.pk for comment in told}
    assert not jobs & {comment.pk for comment in quiet}


def test_a_comment_whose_job_cannot_be_queued_is_not_stored(client, article, monkeypatch):
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    def queue_down(*args):
        raise RuntimeError("queue table unavailable")

    monkeypatch.setattr(DatabaseBackend, "enqueue", queue_down)

    parent = watched_comment(article)

    with pytest.raises(RuntimeError):
        post(client, article, body="Never half-written", parent=parent.pk, name="Bo", email="bo@example.org")

    assert (
        not Comment.objects.filter(body="Never half-written").exists() and not DBTaskResult.objects.exists()
    )
