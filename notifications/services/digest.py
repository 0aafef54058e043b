"""The moderators' digest: what waits for review, at most once an interval."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from comments.models import Comment
from notifications import tasks, tokens
from notifications.models import DigestState, NotificationSettings
from notifications.services.outbox import absolute_url, queue_email, unsubscribe_headers, unsubscribe_url

logger = logging.getLogger(__name__)

# A digest "scheduled" longer ago than this lost its job (worker down, queue wiped): schedule anew.
STALE_DIGEST_SCHEDULE = timedelta(hours=1)


DIGEST_LISTED = 50


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
