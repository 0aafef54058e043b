"""Editor's picks (issue 22): moderators feature a comment with a note, and take it back.

Each decision is audited in the admin's log (LogEntry, on the comment: who, when, the note) and
marks the thread changed through the picks table's trigger (migration comments 0014).
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from comments.models import Comment, CommentPick
from comments.services.common import CommentRefused
from notifications.services.picks import notify_pick


def _audit(comment: Comment, moderator: AbstractBaseUser, message: str) -> None:
    LogEntry.objects.log_actions(
        user_id=moderator.pk,
        queryset=[comment],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )


@transaction.atomic
def feature_comment(comment: Comment, *, moderator: AbstractBaseUser, note: str = "") -> CommentPick:
    """Feature an approved comment as an editor's pick (or change its note); email its author once,
    if they asked for mail about their comments."""
    comment = Comment.objects.select_related("article", "user").get(pk=comment.pk)
    if not comment.is_approved:
        raise CommentRefused("Only a comment readers can see can be an editor's pick.")
    note = " ".join(note.split())[:300]
    pick, created = CommentPick.objects.update_or_create(
        comment=comment,
        defaults={"note": note},
        create_defaults={
            "note": note,
            "article_id": comment.article_id,
            "picked_by": moderator,
            "picked_at": timezone.now(),
        },
    )
    _audit(comment, moderator, f"Featured as an editor's pick: {note}" if created else f"Pick's note: {note}")
    if created:
        notify_pick(comment, note=note)
    return pick


@transaction.atomic
def unfeature_comment(comment: Comment, *, moderator: AbstractBaseUser) -> bool:
    """Take the comment out of the editor's picks; whether it was one."""
    deleted, _ = CommentPick.objects.filter(comment=comment).delete()
    if deleted:
        _audit(comment, moderator, "No longer an editor's pick")
    return bool(deleted)
