"""Personal data: kept only as long as needed, erased on request."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from comments.models import Comment
from protection.models import RefusalLog

FORMER_READER = "Former reader"


@transaction.atomic
def purge_personal_data(*, days: int | None = None, now=None) -> dict[str, int]:
    """Erase IP addresses and user agents older than `days` (PERSONAL_DATA_RETENTION_DAYS)."""
    days = settings.PERSONAL_DATA_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    comments = (
        Comment.objects.filter(created_at__lt=cutoff)
        .filter(Q(ip_address__isnull=False) | ~Q(user_agent=""))
        .update(ip_address=None, user_agent="")  # plain columns: no tree numbers touched
    )
    refusals = RefusalLog.objects.filter(created_at__lt=cutoff, ip_address__isnull=False).update(
        ip_address=None
    )
    return {"comments": comments, "refusals": refusals}


@transaction.atomic
def anonymise_author(comment: Comment) -> int:
    """Erase the comment author's name, email and IPs everywhere; the comments stay.

    The author is the account when the comment has one, otherwise the guest email address
    (or, without one, this comment alone). Returns how many comments were anonymised.
    """
    if comment.user_id is not None:
        user = comment.user
        same_author = Q(user=user)
        if user.email:  # their guest comments from before they signed up, too
            same_author |= Q(user__isnull=True, author_email__iexact=user.email)
        comments = Comment.objects.filter(same_author)
        type(user).objects.filter(pk=user.pk).update(email="", first_name="", last_name="")
        RefusalLog.objects.filter(user=user).update(ip_address=None, excerpt="")
    elif comment.author_email:
        comments = Comment.objects.filter(user__isnull=True, author_email__iexact=comment.author_email)
    else:
        comments = Comment.objects.filter(pk=comment.pk)
    ips = {ip for ip in comments.values_list("ip_address", flat=True) if ip}
    if ips:
        RefusalLog.objects.filter(ip_address__in=ips).update(ip_address=None)
    return comments.update(author_name=FORMER_READER, author_email="", ip_address=None, user_agent="")
