"""Reply notifications: who asked (confirmed subscriptions, members who turned them on) and
the job a comment enqueues when anyone is to hear of it."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks.exceptions import InvalidTaskError

from comments.models import Comment
from notifications import tasks, tokens
from notifications.addresses import same_mailbox
from notifications.models import NotificationSettings, OutboundEmail, ReplySubscription
from notifications.services.digest import schedule_moderation_digest
from notifications.services.outbox import (
    absolute_url,
    one_line,
    queue_email,
    unsubscribe_headers,
    unsubscribe_url,
)
from notifications.verification import is_verified

logger = logging.getLogger(__name__)

CONFIRMATIONS_PER_DAY = 3  # per address


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
    if payload["k"] == "decisions":
        return "emails about moderators' decisions on your held comments"
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
        field = {"digest": "moderation_digest", "decisions": "decision_emails"}.get(
            payload["k"], "reply_emails"
        )
        if get_user_model().objects.filter(pk=payload["u"]).exists():
            NotificationSettings.objects.update_or_create(user_id=payload["u"], defaults={field: False})
    return description


def notification_settings(user) -> NotificationSettings:
    """The member's preferences (unsaved defaults when they never chose)."""
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


def mails_member_about_comments(member) -> bool:
    """Whether mail about their comments goes to this member: active, with reply emails on and a
    verified address (a pick, a removal: issues 21 and 22)."""
    return bool(
        member is not None
        and member.is_active
        and member.email
        and notification_settings(member).reply_emails
        and is_verified(member)
    )


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
