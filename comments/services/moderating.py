"""Changes to comments already stored: moderators' decisions, edits and deletions (by a
moderator or the author), reports and bans. Each under the thread's lock, re-reading the
comment as committed first."""

import datetime
import ipaddress
from collections import Counter

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext

from comments.models import Ban, Comment, ModerationRules, Report
from comments.moderation_reports import may_hide, open_weight, report_weight
from comments.services.common import CommentRefused, reread_under_lock
from notifications.services import comment_removed, comment_saved, held_comment_decided


class CommentChanged(CommentRefused):
    """The comment changed since the moderator saw it (another decision, a report, an edit)."""


def moderation_state(comment: Comment) -> str:
    """What a moderator saw when deciding, as one token: status, open reports, last edit and decision."""
    stamps = [at.isoformat() if at else "" for at in (comment.edited_at, comment.moderated_at)]
    return ":".join([comment.status, str(comment.report_count), *stamps])


def _check_state(comment: Comment, expected_state: str | None) -> None:
    if expected_state is not None and moderation_state(comment) != expected_state:
        reports = ngettext("%(count)d open report", "%(count)d open reports", comment.report_count)
        raise CommentChanged(
            f"This comment changed since you saw it (it is now {comment.get_status_display().lower()}, "
            f"with {reports % {'count': comment.report_count}}): nothing was done. Reload to see it as it is."
        )


def _moderate(
    comment: Comment, status: str, moderator: AbstractBaseUser | None, expected_state: str | None = None
) -> Comment:
    """Set the status under the thread's lock; a moderator's decision settles the open reports.

    With expected_state (moderation_state() as the moderator saw it), a comment changed since
    is refused with CommentChanged and left as it is.
    """
    comment = reread_under_lock(comment)
    _check_state(comment, expected_state)
    first_decision = (  # held when posted (not hidden after reports) and never shown yet
        comment.status == Comment.Status.PENDING
        and comment.approved_at is None
        and not comment.hold_reason.startswith("Hidden after")
    )
    comment.status = status
    comment.moderated_by = moderator
    comment.moderated_at = timezone.now()
    comment.report_count = 0
    fields = ["status", "moderated_by", "moderated_at", "report_count"]
    if status == Comment.Status.APPROVED and comment.approved_at is None:
        comment.approved_at = comment.moderated_at  # the author's edit window starts now (issue 20)
        fields.append("approved_at")
    comment.save(update_fields=fields)
    comment.reports.filter(resolved_at__isnull=True).update(resolved_at=comment.moderated_at)
    if first_decision:  # a held comment, never shown: its author hears of the decision (issue 20)
        held_comment_decided(comment)
    return comment


@transaction.atomic
def approve_comment(
    comment: Comment, *, moderator: AbstractBaseUser | None, expected_state: str | None = None
) -> Comment:
    """Show the comment to every reader."""
    comment = _moderate(comment, Comment.Status.APPROVED, moderator, expected_state)
    comment_saved(comment)  # a held reply notifies once it is approved
    return comment


@transaction.atomic
def reject_comment(
    comment: Comment, *, moderator: AbstractBaseUser | None, expected_state: str | None = None
) -> Comment:
    """Hide the comment; its replies stay, under a placeholder."""
    return _moderate(comment, Comment.Status.REJECTED, moderator, expected_state)


@transaction.atomic
def mark_spam(
    comment: Comment, *, moderator: AbstractBaseUser | None, expected_state: str | None = None
) -> Comment:
    """Hide the comment as spam; its replies stay, under a placeholder."""
    return _moderate(comment, Comment.Status.SPAM, moderator, expected_state)


@transaction.atomic
def remove_comment(
    comment: Comment,
    *,
    moderator: AbstractBaseUser | None,
    expected_state: str | None = None,
    category: str = "",
) -> Comment:
    """Leave a placeholder in the thread naming why (`category`, else the reports' most common
    reason: "removed: abuse"); the replies stay; its author hears of it if they asked for mail."""
    if category not in Report.Reason.values:
        reasons = comment.reports.filter(resolved_at__isnull=True).values_list("reason", flat=True)
        category = max(Counter(reasons).items(), key=lambda item: item[1], default=("",))[0]
    comment = _moderate(comment, Comment.Status.REMOVED, moderator, expected_state)
    if category:
        comment.removal_category = category
        comment.save(update_fields=["removal_category"])
    comment_removed(comment)
    return comment


@transaction.atomic
def undo_decision(
    comment: Comment,
    *,
    moderator: AbstractBaseUser | None,
    decided_status: str,
    decided_at: datetime.datetime,
    previous_status: str,
    previous_by_id: int | None,
    previous_at: datetime.datetime | None,
) -> Comment:
    """Take back a decision made moments ago: the status and decider before it, its reports open again.

    Refused with CommentChanged when the comment was decided again (or hidden by reports) since.
    """
    comment = reread_under_lock(comment)
    if comment.status != decided_status or comment.moderated_at != decided_at:
        raise CommentChanged("This comment was decided again since: nothing was undone.")
    # The reports that decision settled, and only those: it stamped them with its own time.
    reopened = comment.reports.filter(resolved_at=decided_at).update(resolved_at=None)
    comment.status = previous_status
    comment.moderated_by_id = previous_by_id
    comment.moderated_at = previous_at
    comment.report_count += reopened
    comment.save(update_fields=["status", "moderated_by", "moderated_at", "report_count"])
    return comment


@transaction.atomic
def delete_comment(comment: Comment) -> int:
    """Delete the comment and all its replies for good; return how many rows went.

    A comment already gone (deleted with an ancestor, or by another moderator) counts 0.
    """
    try:
        comment = reread_under_lock(comment)
    except Comment.DoesNotExist:
        return 0
    count = comment.get_descendant_count() + 1
    comment.delete()  # django-mptt closes the gap in this thread only
    return count


@transaction.atomic
def edit_comment(
    comment: Comment, *, body: str, author_name: str | None = None, by_moderator: bool = False
) -> Comment:
    """Replace the comment's text (re-rendered on save) and mark it edited.

    Its author may edit only while it is shown; a moderator (the admin) may fix any comment.
    """
    comment = reread_under_lock(comment)
    held = comment.status == Comment.Status.PENDING  # its author may fix a held comment (issue 20)
    if not by_moderator and not (comment.is_approved or held):
        raise CommentRefused("This comment can no longer be edited.")
    comment.body = body
    comment.author_name = author_name or comment.author_name
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "author_name", "edited_at"])
    return comment


@transaction.atomic
def restore_comment(comment: Comment, *, moderator: AbstractBaseUser | None) -> Comment:
    """Put a removed, rejected or spam comment back in the thread, approved."""
    return _moderate(comment, Comment.Status.APPROVED, moderator)


@transaction.atomic
def remove_thread(comment: Comment, *, moderator: AbstractBaseUser | None) -> int:
    """Remove the comment and every reply below it (rows kept, hidden); return how many changed."""
    comment = reread_under_lock(comment)
    now = timezone.now()
    below = Comment.objects.filter(tree_id=comment.tree_id, lft__gte=comment.lft, rght__lte=comment.rght)
    Report.objects.filter(comment__in=below, resolved_at__isnull=True).update(resolved_at=now)
    # Status only: the nested-set numbers do not change, so a plain UPDATE is safe under the lock.
    changed = below.exclude(status=Comment.Status.REMOVED).update(
        status=Comment.Status.REMOVED, moderated_by=moderator, moderated_at=now, report_count=0
    )
    return changed


class AlreadyReported(CommentRefused):
    """This reader has reported this comment before."""


@transaction.atomic
def report_comment(
    comment: Comment,
    *,
    reporter_key: str,
    reason: str,
    text: str = "",
    user: AbstractBaseUser | None = None,
    network: str = "unknown",
) -> tuple[Report, bool]:
    """Record one reader's report; return it and whether the comment is now hidden for review.

    One report per account ("user:<id>") and, for guests, per network (their reporter_key is
    replaced with "net:<network>": a dropped cookie is no new reader). At the rules'
    report_threshold of weighed open reports (comments.moderation_reports), an approved comment
    goes back to pending.
    """
    member = user if user is not None and user.is_authenticated else None
    if member is None:
        reporter_key = f"net:{network}"
    comment = reread_under_lock(comment)
    if not comment.is_approved:
        raise CommentRefused("This comment is already waiting for a moderator.")
    try:
        with transaction.atomic():
            report = Report.objects.create(
                comment=comment,
                reporter_key=reporter_key,
                user=member,
                reason=reason,
                text=text[:500],
                network=network[:50],
                weight=report_weight(member),
            )
    except IntegrityError:
        raise AlreadyReported(
            "You have already reported this comment; a moderator will look at it."
        ) from None
    Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
    comment.refresh_from_db(fields=["report_count"])
    threshold = ModerationRules.load().report_threshold
    hidden = bool(threshold) and report.weight > 0 and open_weight(comment) >= threshold and may_hide(network)
    if hidden:
        report.hid_comment = True
        report.save(update_fields=["hid_comment"])
        comment.status = Comment.Status.PENDING
        comment.hold_reason = f"Hidden after {comment.report_count} reports"
        comment.save(update_fields=["status", "hold_reason"])
    return report, hidden


def ban_author(
    comment: Comment,
    *,
    moderator: AbstractBaseUser | None,
    kinds: set[str],
    reason: str = "",
    expires_at: datetime.datetime | None = None,
) -> tuple[list[Ban], list[Comment]]:
    """Ban the comment's author by account, email and/or IP address; remove their pending comments.

    Returns the bans made and the pending comments removed. Kinds the author has nothing
    for (an account for a guest, an IP address never recorded) are skipped.
    """
    targets = {
        Ban.Kind.USER: {"user_id": comment.user_id} if comment.user_id else None,
        Ban.Kind.EMAIL: {"email": comment.author_email.strip().lower()} if comment.author_email else None,
        Ban.Kind.IP: {"network": str(ipaddress.ip_network(comment.ip_address))}
        if comment.ip_address
        else None,
    }
    bans = []
    with transaction.atomic():
        for kind in sorted(kinds):
            if targets.get(kind) is None:
                continue
            if Ban.objects.active().filter(kind=kind, **targets[kind]).exists():
                continue  # banned already (two of the selected comments had the same author)
            ban = Ban(kind=kind, reason=reason, expires_at=expires_at, created_by=moderator, **targets[kind])
            ban.full_clean()
            ban.save()
            bans.append(ban)
    return bans, enforce_bans(bans, moderator=moderator)


def enforce_bans(bans: list[Ban], *, moderator: AbstractBaseUser | None) -> list[Comment]:
    """Remove the pending comments the bans cover; return them.

    Each comment is removed in its own transaction under its thread's lock, so a ban
    never holds many threads' locks at once.
    """
    removed = []
    for pending in Comment.objects.pending().order_by("tree_id", "lft"):
        if any(
            ban.covers(user_id=pending.user_id, email=pending.author_email, ip_address=pending.ip_address)
            for ban in bans
        ):
            removed.append(remove_comment(pending, moderator=moderator))
    return removed


@transaction.atomic
def delete_own_comment(comment: Comment) -> Comment | None:
    """The author takes the comment back: gone for good, or a placeholder if it has replies.

    Returns the placeholder, or None when the row was deleted.
    """
    comment = reread_under_lock(comment)
    if comment.rght - comment.lft > 1:
        comment.status = Comment.Status.DELETED
        comment.body = ""
        comment.edited_at = timezone.now()
        comment.save(update_fields=["status", "body", "body_html", "edited_at"])
        return comment
    comment.delete()  # a leaf: django-mptt closes the gap in this thread only
    return None
