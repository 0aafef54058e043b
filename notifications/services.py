"""Reply notifications, the moderators' digest and the outbox that delivers them.

Nothing here sends mail inside a request. The request path only writes rows and enqueues a
job (django-tasks, stored in PostgreSQL): a comment's job in the comment's own transaction,
so the two commit together or not at all. The worker
builds the emails into the OutboundEmail outbox and delivers each one; a failed delivery
stays in the outbox and is retried with exponential backoff. The retry job is enqueued in
the same transaction that records the failed attempt, so the two cannot part.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django_tasks.exceptions import InvalidTaskError

from comments.models import Comment
from notifications import tasks, tokens
from notifications.addresses import same_mailbox
from notifications.models import DigestState, NotificationSettings, OutboundEmail, ReplySubscription
from notifications.verification import is_verified

logger = logging.getLogger(__name__)

# A digest "scheduled" longer ago than this lost its job (worker down, queue wiped): schedule anew.
STALE_DIGEST_SCHEDULE = timedelta(hours=1)
MAX_RETRY_DELAY = timedelta(hours=6)
DIGEST_LISTED = 50
CONFIRMATIONS_PER_DAY = 3  # per address


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


# --- The hook the comment services call -------------------------------------------------------


def replies_are_watched() -> Exists:
    """For a comment query: whether anyone is to be emailed about replies to the comment (a
    confirmed subscription, or a member author who asked for reply emails). The worker checks
    everything again when it runs; this only spares a job nobody would get an email from."""
    subscribed = ReplySubscription.objects.active().filter(comment=OuterRef("pk"))
    member_asked = NotificationSettings.objects.filter(user=OuterRef("user_id"), reply_emails=True)
    return Exists(subscribed) | Exists(member_asked)


def comment_saved(comment: Comment, *, parent_watched: bool = True) -> None:
    """Have the worker notify about this comment (replies, or the moderators' digest).

    The job is a row in PostgreSQL, inserted in the caller's transaction: it commits with the
    comment (one commit, no job for a comment rolled back, no comment without its job), and the
    worker cannot see it before the comment is there. A queue the configuration refuses (checked
    before anything is written) costs the notification, never the comment.

    No job for an approved comment nobody is to hear about: a new thread, or a reply to a comment
    that was not watched (parent_watched: replies_are_watched(), read with the parent under the
    thread's lock) when the reply was stored. Most replies are such; each job would have cost the
    post a tenth of its time and the worker a run that sends nothing.
    """
    assert transaction.get_connection().in_atomic_block, "comment_saved() belongs in a transaction"
    if comment.is_approved and (comment.parent_id is None or not parent_watched):
        return
    try:
        tasks.handle_comment.enqueue(comment.pk)
    except InvalidTaskError:
        logger.exception("Comment %s: its notification job was refused by the task backend", comment.pk)


@transaction.atomic
def handle_comment(comment_id: int) -> None:
    """Worker side of comment_saved: approved replies notify, pending comments feed the digest.

    All or nothing, so a failed run leaves nothing half-queued for its retry to trip over.
    """
    comment = Comment.objects.select_related("article", "parent__user").filter(pk=comment_id).first()
    if comment is None:
        return
    if comment.status == Comment.Status.APPROVED:
        notify_reply(comment)
    elif comment.status == Comment.Status.PENDING:
        schedule_moderation_digest()


# --- Outbox ---------------------------------------------------------------------------------


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


# --- Reply subscriptions --------------------------------------------------------------------


@transaction.atomic
def request_reply_subscription(comment: Comment) -> ReplySubscription | None:
    """A guest ticked "email me about replies": store it unconfirmed and email a signed confirmation link."""
    if not comment.author_email:
        return None
    subscription, _ = ReplySubscription.objects.get_or_create(
        comment=comment, email=comment.author_email.lower()
    )
    if subscription.is_active:
        return subscription
    recent = OutboundEmail.objects.filter(  # per mailbox: ann+1@, ann+2@ … are one inbox (issue 16)
        same_mailbox("to", subscription.email),
        key__startswith="confirm:",
        created_at__gte=timezone.now() - timedelta(days=1),
    )
    if recent.count() >= CONFIRMATIONS_PER_DAY:  # anyone can type any address: no mail bombs
        return subscription
    confirm_url = absolute_url(reverse("notifications:confirm", args=[tokens.confirm_token(subscription)]))
    context = {
        "comment": comment,
        "article": comment.article,
        "confirm_url": confirm_url,
        "max_age_hours": settings.NOTIFY_CONFIRM_MAX_AGE_HOURS,
    }
    queue_email(
        key=f"confirm:{subscription.pk}",
        to=subscription.email,
        subject=f"Confirm reply notifications for your comment on “{comment.article.title}”",
        body=render_to_string("notifications/email/confirm.txt", context),
    )
    return subscription


@transaction.atomic
def confirm_subscription(token: str) -> ReplySubscription:
    """Turn on the subscription the signed link names. Raises tokens.BadToken."""
    payload = tokens.read_confirm_token(token)
    subscription = (
        ReplySubscription.objects.select_for_update()
        .select_related("comment__article")
        .filter(pk=payload["s"], email=payload["e"])
        .first()
    )
    if subscription is None:
        raise tokens.BadToken("This subscription no longer exists: the comment may have been deleted.")
    if subscription.confirmed_at is None or subscription.unsubscribed_at is not None:
        subscription.confirmed_at = timezone.now()
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscription


def describe_unsubscribe(token: str) -> str:
    """What the link stops, in words, for the confirm page. Raises tokens.BadToken."""
    payload = tokens.read_unsubscribe_token(token)
    if "s" in payload:
        subscription = (
            ReplySubscription.objects.select_related("comment__article").filter(pk=payload["s"]).first()
        )
        if subscription is None:
            return "emails about replies to a comment that no longer exists"
        return f"emails about replies to your comment on “{subscription.comment.article.title}”"
    if payload["k"] == "digest":
        return "digests of comments waiting for review"
    return "emails about replies to your comments"


@transaction.atomic
def unsubscribe(token: str) -> str:
    """Stop the stream of emails the signed link names; idempotent. Returns what stopped, in words."""
    payload = tokens.read_unsubscribe_token(token)
    description = describe_unsubscribe(token)
    if "s" in payload:
        ReplySubscription.objects.filter(pk=payload["s"], unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
    else:
        field = "moderation_digest" if payload["k"] == "digest" else "reply_emails"
        if get_user_model().objects.filter(pk=payload["u"]).exists():
            NotificationSettings.objects.update_or_create(user_id=payload["u"], defaults={field: False})
    return description


def notification_settings(user) -> NotificationSettings:
    """The member's preferences (unsaved defaults when they never chose)."""
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


def notify_reply(reply: Comment) -> int:
    """Queue one email per subscriber of the parent comment; each reply notifies each subscriber once."""
    parent = reply.parent
    if parent is None or not reply.is_approved:
        return 0
    replier_email = reply.author_email.lower()
    recipients = []  # (key, address, unsubscribe token)
    for subscription in ReplySubscription.objects.active().filter(comment=parent):
        recipients.append(
            (
                f"reply:{reply.pk}:s{subscription.pk}",
                subscription.email,
                tokens.unsubscribe_token(subscription=subscription),
            )
        )
    member = parent.user
    if (
        member is not None
        and member.is_active
        and member.email
        and notification_settings(member).reply_emails
        and is_verified(member)  # anyone can sign up with anyone's address (issue 16)
    ):
        recipients.append(
            (f"reply:{reply.pk}:u{member.pk}", member.email.lower(), tokens.unsubscribe_token(user=member))
        )
    queued = 0
    seen = set()
    for key, address, token in recipients:
        is_own_reply = address == replier_email or (reply.user_id and reply.user_id == parent.user_id)
        if is_own_reply or address in seen:
            continue
        seen.add(address)
        url = unsubscribe_url(token)
        context = {
            "reply": reply,
            "parent": parent,
            "article": reply.article,
            "reply_url": absolute_url(reverse("comments:thread", args=[reply.pk])),
            "unsubscribe_url": url,
        }
        email = queue_email(
            key=key,
            to=address,
            subject=f"{one_line(reply.author_name)} replied to your comment on “{reply.article.title}”",
            body=render_to_string("notifications/email/reply.txt", context),
            headers=unsubscribe_headers(url),
        )
        queued += email is not None
    return queued


# --- Moderators' digest -----------------------------------------------------------------------


def moderators():
    """Active staff who may moderate comments, have an address and did not opt out of the digest."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    may_moderate = (
        Q(is_superuser=True)
        | Q(user_permissions__codename="change_comment", user_permissions__content_type__app_label="comments")
        | Q(
            groups__permissions__codename="change_comment",
            groups__permissions__content_type__app_label="comments",
        )
    )
    opted_out = NotificationSettings.objects.filter(moderation_digest=False).values("user_id")
    return users.filter(may_moderate).exclude(pk__in=opted_out).distinct().order_by("pk")


def _digest_state() -> DigestState:
    DigestState.objects.get_or_create(pk=1)
    return DigestState.objects.select_for_update().get(pk=1)


@transaction.atomic
def schedule_moderation_digest() -> datetime | None:
    """Make sure a digest job is scheduled, no sooner than MODERATION_DIGEST_MINUTES after the last one."""
    state = _digest_state()
    now = timezone.now()
    if state.scheduled_for is not None and state.scheduled_for > now - STALE_DIGEST_SCHEDULE:
        return None  # one is on its way: it will list this comment too
    interval = timedelta(minutes=settings.MODERATION_DIGEST_MINUTES)
    at = now if state.last_sent_at is None else max(now, state.last_sent_at + interval)
    state.scheduled_for = at
    state.save(update_fields=["scheduled_for"])
    tasks.send_moderation_digest.using(run_after=at).enqueue(at.isoformat())
    return at


@transaction.atomic
def send_moderation_digest(scheduled_for: str) -> int:
    """Queue one digest email per moderator listing the comments waiting for review; return how many."""
    state = _digest_state()
    if state.scheduled_for is None or state.scheduled_for.isoformat() != scheduled_for:
        return 0  # superseded: a newer schedule owns the digest
    now = timezone.now()
    state.scheduled_for = None
    pending = Comment.objects.filter(status=Comment.Status.PENDING)
    total = pending.count()
    if total == 0:  # moderated before the digest went out
        state.save(update_fields=["scheduled_for"])
        return 0
    listed = list(pending.select_related("article").order_by("created_at", "pk")[:DIGEST_LISTED])
    context = {
        "total": total,
        "comments": [
            (comment, absolute_url(reverse("admin:comments_comment_change", args=[comment.pk])))
            for comment in listed
        ],
        "review_url": absolute_url(reverse("admin:comments_comment_changelist") + "?status__exact=pending"),
        "interval": settings.MODERATION_DIGEST_MINUTES,
    }
    sent = 0
    for moderator in moderators():
        url = unsubscribe_url(tokens.unsubscribe_token(user=moderator, kind="digest"))
        email = queue_email(
            key=f"digest:{now.isoformat()}:u{moderator.pk}",
            to=moderator.email,
            subject=ngettext(
                "%(count)d comment waiting for review on Threadline",
                "%(count)d comments waiting for review on Threadline",
                total,
            )
            % {"count": total},
            body=render_to_string("notifications/email/digest.txt", {**context, "unsubscribe_url": url}),
            headers=unsubscribe_headers(url),
        )
        sent += email is not None
    state.last_sent_at = now
    state.save(update_fields=["scheduled_for", "last_sent_at"])
    return sent
