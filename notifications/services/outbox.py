"""The outbox: every email is a row first, delivered by the worker, retried with backoff.

Nothing here sends mail inside a request: the request path writes rows and enqueues a job
(django-tasks, stored in PostgreSQL) in its own transaction, so the two commit together or not
at all; a failed delivery stays in the outbox and its retry job is enqueued in the transaction
that records the attempt."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications import tasks
from notifications.models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_RETRY_DELAY = timedelta(hours=6)


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def one_line(text: str) -> str:
    """Header-safe text: a newline in a name or title must not break (or forge) a header."""
    return " ".join(str(text).split())


def enqueue_after_commit(task, *args) -> None:
    """Enqueue the job once the current transaction commits; a queue failure never breaks the caller."""

    def enqueue_job() -> None:  # a named function: Django logs a robust callback's failure by its name
        task.enqueue(*args)

    transaction.on_commit(enqueue_job, robust=True)


@transaction.atomic
def queue_email(
    *, key: str, to: str, subject: str, body: str, headers: dict | None = None
) -> OutboundEmail | None:
    """Put one email in the outbox and have the worker deliver it; None if `key` was queued before."""
    email, created = OutboundEmail.objects.get_or_create(
        key=key, defaults={"to": to, "subject": one_line(subject), "body": body, "headers": headers or {}}
    )
    if not created:
        return None
    enqueue_after_commit(tasks.deliver_email, email.pk)
    return email


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base, … capped at six hours."""
    return min(timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS * 2 ** (attempts - 1)), MAX_RETRY_DELAY)


@transaction.atomic
def deliver(email_id: int) -> str:
    """Send one queued email; on failure record the attempt and enqueue the next one. Returns the status."""
    email = (
        OutboundEmail.objects.select_for_update(skip_locked=True)
        .filter(pk=email_id, status=OutboundEmail.Status.QUEUED)
        .first()
    )
    if email is None:  # sent already, given up, or another worker holds it right now
        return "skipped"
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Auto-Submitted": "auto-generated", **email.headers},
    )
    email.attempts += 1
    try:
        message.send()
    except Exception as error:  # any failure of the mail server: keep the email, try again later
        email.last_error = f"{type(error).__name__}: {error}"[:2000]
        if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            email.status = OutboundEmail.Status.FAILED
            logger.error(
                "Gave up on email %s after %d attempts: %s", email.pk, email.attempts, email.last_error
            )
        else:
            email.next_attempt_at = timezone.now() + retry_delay(email.attempts)
            # In this transaction, not after it: the attempt and its retry job commit together.
            tasks.deliver_email.using(run_after=email.next_attempt_at).enqueue(email.pk)
            logger.warning(
                "Email %s failed (attempt %d), retrying at %s",
                email.pk,
                email.attempts,
                email.next_attempt_at,
            )
    else:
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
    email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at"])
    return email.status


def requeue_overdue_emails(*, grace: timedelta = timedelta(minutes=5)) -> int:
    """Enqueue a delivery job for every queued email overdue by `grace`: the safety net for a lost job.

    A duplicate job is harmless: deliver() locks the row and skips an email that is no longer queued.
    """
    overdue = OutboundEmail.objects.queued().filter(next_attempt_at__lte=timezone.now() - grace)
    ids = list(overdue.values_list("pk", flat=True))
    for pk in ids:
        tasks.deliver_email.enqueue(pk)
    return len(ids)


@transaction.atomic
def retry_email_now(email: OutboundEmail) -> bool:
    """A moderator's "retry now": put an unsent email back in the queue, due at once."""
    if email.status == OutboundEmail.Status.SENT:
        return False
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.QUEUED, next_attempt_at=timezone.now()
    )
    enqueue_after_commit(tasks.deliver_email, email.pk)
    return True


def unsubscribe_headers(url: str) -> dict:
    """RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click` to the URL."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def unsubscribe_url(token: str) -> str:
    return absolute_url(reverse("notifications:unsubscribe", args=[token]))
