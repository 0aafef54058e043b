"""Personal data: kept only as long as needed, erased on request, wherever it landed.

A person's email address and IP addresses land in: their comments (and the user agent), their
account, the reply subscriptions and the outbox (addresses, and mail bodies that quote them),
the refusal log, and the admin's history (a comment's name in its title, an address or a network
in a ban's message). Rate limits and the author lock key on digests, the task queue carries
primary keys, sessions hold the account's id only: nothing to erase there. Bans keep what they
match on (a moderator's decision, kept as long as the ban runs).

Comment rows are written under their threads' locks, taken in tree order, like every tree
write; the triggers of comments/migrations/0011 mark the threads and articles changed, so no
page keeps showing the old name.
"""

import ipaddress
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from comments.models import Comment, HelpfulVote
from comments.services.common import lock_thread
from comments.votes import guest_key
from notifications.models import OutboundEmail, ReplySubscription
from protection.models import RefusalLog

FORMER_READER = "Former reader"
ERASED = "[erased]"
# Candidates for an IPv4 or IPv6 address or network; each is checked with ipaddress (not a time).
IP_CANDIDATE = re.compile(
    r"(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})(?:/\d+)?", re.I
)


def _lock_threads(comments) -> None:
    """Hold the locks of every thread these comments are in, in tree order (no deadlock)."""
    for tree_id in sorted(set(comments.values_list("tree_id", flat=True))):
        lock_thread(tree_id)


@transaction.atomic
def purge_personal_data(*, days: int | None = None, now=None) -> dict[str, int]:
    """Erase what is kept only for a while, older than `days` (PERSONAL_DATA_RETENTION_DAYS).

    IP addresses and user agents of comments and refusals, mail in the outbox once sent or
    given up, subscriptions ended or never confirmed, addresses in the admin's history, and
    expired sessions. A comment's email stays: it is how its author is found to be erased.
    """
    days = settings.PERSONAL_DATA_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    aged = Comment.objects.filter(created_at__lt=cutoff).filter(
        Q(ip_address__isnull=False) | ~Q(user_agent="")
    )
    _lock_threads(aged)
    comments = aged.update(ip_address=None, user_agent="")  # plain columns: no tree numbers touched
    refusals = RefusalLog.objects.filter(created_at__lt=cutoff, ip_address__isnull=False).update(
        ip_address=None
    )
    emails, _ = (
        OutboundEmail.objects.filter(created_at__lt=cutoff)
        .exclude(status=OutboundEmail.Status.QUEUED)
        .delete()
    )
    subscriptions, _ = ReplySubscription.objects.filter(
        Q(unsubscribed_at__lt=cutoff) | Q(confirmed_at__isnull=True, created_at__lt=cutoff)
    ).delete()
    history = _scrub_history(LogEntry.objects.filter(action_time__lt=cutoff), _erase_ip)
    Session.objects.filter(expire_date__lt=now or timezone.now()).delete()
    return {
        "comments": comments,
        "refusals": refusals,
        "emails": emails,
        "subscriptions": subscriptions,
        "history": history,
    }


@transaction.atomic
def anonymise_author(comment: Comment) -> int:
    """Erase the comment author's name, email and IPs everywhere; the comments stay.

    The author is the account when the comment has one, otherwise the guest email address
    (or, without one, this comment alone). Returns how many comments were anonymised.
    """
    emails = {comment.author_email.lower()} - {""}
    if comment.user_id is not None:
        user = comment.user
        emails |= {user.email.lower()} - {""}
        same_author = Q(user=user)
        if user.email:  # their guest comments from before they signed up, too
            same_author |= Q(user__isnull=True, author_email__iexact=user.email)
        comments = Comment.objects.filter(same_author)
        type(user).objects.filter(pk=user.pk).update(email="", first_name="", last_name="")
        RefusalLog.objects.filter(user=user).update(ip_address=None, excerpt="")
        ReplySubscription.objects.filter(comment__user=user).delete()
    elif comment.author_email:
        comments = Comment.objects.filter(user__isnull=True, author_email__iexact=comment.author_email)
    else:
        comments = Comment.objects.filter(pk=comment.pk)
    _lock_threads(comments)
    pks = list(comments.values_list("pk", flat=True))
    ips = {ip for ip in comments.values_list("ip_address", flat=True) if ip}
    if ips:
        RefusalLog.objects.filter(ip_address__in=ips).update(ip_address=None, excerpt="")
    for email in emails:
        HelpfulVote.objects.filter(voter_key=guest_key(email)).delete()  # issue 22: keyed by the address
        ReplySubscription.objects.filter(email__iexact=email).delete()
        OutboundEmail.objects.filter(to__iexact=email).delete()
    count = comments.update(author_name=FORMER_READER, author_email="", ip_address=None, user_agent="")
    _rename_in_history(pks)
    secrets = emails | ips
    if secrets:
        pattern = re.compile("|".join(re.escape(value) for value in secrets), re.I)
        mentions = Q()
        for value in secrets:
            mentions |= Q(change_message__icontains=value) | Q(object_repr__icontains=value)
        _scrub_history(LogEntry.objects.filter(mentions), lambda text: pattern.sub(ERASED, text))
    return count


def _rename_in_history(pks: list[int]) -> None:
    """The admin history names each comment by its author: give those entries the new name."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Comment), object_id__in=[str(pk) for pk in pks]
    )
    titles = {str(comment.pk): str(comment) for comment in Comment.objects.filter(pk__in=pks)}
    for entry in entries:
        entry.object_repr = titles[entry.object_id][:200]
        entry.save(update_fields=["object_repr"])


def _erase_ip(text: str) -> str:
    """text with every IP address or network in it replaced."""

    def erase(match: re.Match) -> str:
        try:
            ipaddress.ip_network(match.group(), strict=False)
        except ValueError:
            return match.group()
        return ERASED

    return IP_CANDIDATE.sub(erase, text)


def _scrub_history(entries, erase) -> int:
    """Pass the history's messages and titles through erase(text); return the entries changed."""
    changed = 0
    for entry in entries.only("pk", "change_message", "object_repr").iterator():
        message, title = erase(entry.change_message), erase(entry.object_repr)
        if (message, title) != (entry.change_message, entry.object_repr):
            LogEntry.objects.filter(pk=entry.pk).update(change_message=message, object_repr=title)
            changed += 1
    return changed
