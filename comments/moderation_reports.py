"""What a report counts toward hiding a comment before a moderator has seen it (issue 16).

A report costs nothing to send, so hiding must not follow from a mere count of them: a guest who
drops the cookie was a new reader at every post. Hence:

- only accounts with standing count: staff, or members who joined REPORT_STANDING_DAYS ago and
  have an approved comment. Guests and new accounts still flag the comment for the queue;
- a network (an IPv4 address, an IPv6 /64) counts once per comment, however many accounts it holds;
- each account counts as much as its past reports were right: (upheld + 1) / (resolved + 1);
- a network may hide at most REPORT_HIDES_PER_NETWORK_PER_DAY comments a day; past that its
  reports only flag.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q
from django.utils import timezone

from comments.models import Comment, Report

UPHELD = [Comment.Status.REJECTED, Comment.Status.SPAM, Comment.Status.REMOVED]


def has_standing(user: AbstractBaseUser | None) -> bool:
    """Whether the account costs something to replace: staff, or aged and with an approved comment."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    joined_before = timezone.now() - timedelta(days=settings.REPORT_STANDING_DAYS)
    return user.date_joined <= joined_before and Comment.objects.approved().filter(user=user).exists()


def accuracy(user: AbstractBaseUser) -> float:
    """(upheld + 1) / (resolved + 1) over the account's reports a moderator has settled."""
    settled = Report.objects.filter(user=user, resolved_at__isnull=False).aggregate(
        resolved=Count("pk"), upheld=Count("pk", filter=Q(comment__status__in=UPHELD))
    )
    return (settled["upheld"] + 1) / (settled["resolved"] + 1)


def report_weight(user: AbstractBaseUser | None) -> float:
    """What one report by this reader counts toward hiding: 0 for guests and new accounts."""
    return accuracy(user) if has_standing(user) else 0.0


def open_weight(comment: Comment) -> float:
    """The comment's open reports, weighed: the heaviest report of each network counts."""
    heaviest: dict[str, float] = {}
    for network, weight in comment.reports.filter(resolved_at__isnull=True).values_list("network", "weight"):
        heaviest[network] = max(weight, heaviest.get(network, 0.0))
    return sum(heaviest.values())


def may_hide(network: str) -> bool:
    """Whether the network has hidden fewer than its daily number of comments."""
    since = timezone.now() - timedelta(days=1)
    hid = Report.objects.filter(network=network, hid_comment=True, created_at__gte=since).count()
    return hid < settings.REPORT_HIDES_PER_NETWORK_PER_DAY
