"""The real worker command and real commits: no test transaction around these."""

import signal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from comments.models import Comment
from notifications.models import OutboundEmail, ReplySubscription
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def keep_signal_handlers():
    # db_worker installs its own SIGINT/SIGTERM handlers; give pytest its own back.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_db_worker_command_delivers_the_reply_email_after_the_request_committed(
    client, mailoutbox, keep_signal_handlers
):
    article = ArticleFactory()
    parent = CommentFactory(article=article)
    ReplySubscription.objects.create(comment=parent, email="ann@example.org", confirmed_at=parent.created_at)

    response = client.post(
        reverse("comments:add", args=[article.slug]),
        {"body": "Real commit", "parent": parent.pk, "name": "Bo", "email": "bo@example.org"},
    )
    assert response.status_code == 302 and mailoutbox == []
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)

    [message] = mailoutbox
    assert message.to == ["ann@example.org"] and "Real commit" in message.body
    assert OutboundEmail.objects.get().status == "sent"


def test_posting_succeeds_when_the_queue_refuses_the_job_and_requeue_emails_recovers_it(
    client, settings, mailoutbox, keep_signal_handlers
):
    # A real backend that takes jobs for another queue only: every enqueue here raises.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["elsewhere"]}}
    article = ArticleFactory()

    response = client.post(
        reverse("comments:add", args=[article.slug]),
        {"body": "Still stored", "name": "Bo", "email": "bo@example.org", "notify_replies": "on"},
    )

    assert response.status_code == 302
    assert Comment.objects.filter(body="Still stored").count() == 1
    assert ReplySubscription.objects.count() == 1 and OutboundEmail.objects.count() == 1

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the queue is back
    call_command("requeue_emails", "--grace-minutes", "0", stdout=StringIO())
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)
    [message] = mailoutbox
    assert message.to == ["bo@example.org"] and "Confirm reply notifications" in message.subject
