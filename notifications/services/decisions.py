"""Issue 20: the author of a held comment hears when a moderator decides on it.

One email per comment (its outbox key), queued in the moderator's transaction. A member gets
it at their verified address unless they turned these emails off (a one-click unsubscribe
link, as for reply emails); a guest at the address they typed, at most DECISIONS_PER_DAY a
mailbox (anyone can type any address: no mail bombs, the rule of confirmation emails).
"""

from datetime import timedelta

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from comments.locations import comment_location
from comments.models import Comment
from notifications import tokens
from notifications.addresses import same_mailbox
from notifications.models import NotificationSettings, OutboundEmail
from notifications.services.outbox import absolute_url, queue_email, unsubscribe_headers, unsubscribe_url
from notifications.verification import is_verified

DECISIONS_PER_DAY = 5  # per mailbox, for guests


def _recipient(comment: Comment) -> tuple[str, str] | None:
    """(address, unsubscribe URL or "") for the comment's author, or None when they get no email."""
    member = comment.user
    if member is not None:
        if not (member.is_active and member.email and is_verified(member)):
            return None
        chosen = (
            NotificationSettings.objects.filter(user=member).values_list("decision_emails", flat=True).first()
        )
        if chosen is False:
            return None
        return member.email.lower(), unsubscribe_url(tokens.unsubscribe_token(user=member, kind="decisions"))
    if not comment.author_email:
        return None
    address = comment.author_email.lower()
    recent = OutboundEmail.objects.filter(
        same_mailbox("to", address),
        key__startswith="decision:",
        created_at__gte=timezone.now() - timedelta(days=1),
    )
    if recent.count() >= DECISIONS_PER_DAY:
        return None
    return address, ""


@transaction.atomic
def held_comment_decided(comment: Comment) -> OutboundEmail | None:
    """Email the author that their held comment was approved (with its link) or not published."""
    approved = comment.is_approved
    if not approved and comment.status != Comment.Status.REJECTED:
        return None
    recipient = _recipient(comment)
    if recipient is None:
        return None
    address, unsubscribe = recipient
    article = comment.article
    context = {
        "comment": comment,
        "article": article,
        "comment_url": absolute_url(comment_location(comment)) if approved else "",
        "unsubscribe_url": unsubscribe,
    }
    if approved:
        subject = f"Your comment on “{article.title}” is published"
    else:
        subject = f"Your comment on “{article.title}” was not published"
    return queue_email(
        key=f"decision:{comment.pk}",
        to=address,
        subject=subject,
        body=render_to_string("notifications/email/decision.txt", context),
        headers=unsubscribe_headers(unsubscribe) if unsubscribe else None,
    )


@transaction.atomic
def turn_on_reply_emails(user) -> str:
    """A member ticked "Email me when someone replies" on the comment form: their reply emails
    go on (the same setting as on the Email settings page). Returns what to tell them."""
    NotificationSettings.objects.update_or_create(user=user, defaults={"reply_emails": True})
    if not is_verified(user):
        return (
            "Reply emails are on. Confirm your email address first (we sent you a link when you "
            "signed up; Email settings can send another), or they cannot reach you."
        )
    return "Reply emails are on: we will email you when someone replies to your comments."
