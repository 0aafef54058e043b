"""Helpful votes (issue 22): mark a comment helpful, or take the mark back within the hour.

A vote writes one row of comments_helpfulvote and marks nothing: the Best order reads the rows on
its own schedule (comments.best).
"""

import enum
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.models import Comment, HelpfulVote
from comments.votes import Voter


class VoteOutcome(enum.Enum):
    VOTED = "voted"
    UNDONE = "undone"
    OWN = "own comment"  # refused: no self-votes
    TOO_LATE = "too late"  # refused: the undo window has passed
    GONE = "gone"  # refused: the comment is not shown (held, removed, deleted)


@dataclass(frozen=True)
class VoteResult:
    outcome: VoteOutcome
    message: str
    status: int  # the HTTP status the view answers with (a redirect when 200)


@transaction.atomic
def toggle_helpful(*, comment: Comment, voter: Voter, now=None) -> VoteResult:
    """Mark the comment helpful for the voter, or, if they had, take the mark back (within
    HELPFUL_UNDO_SECONDS). One vote per (comment, voter) under any concurrency: the unique
    constraint decides, and a racing twin of the same click finds the vote made."""
    now = now or timezone.now()
    if comment.status != Comment.Status.APPROVED:
        return VoteResult(VoteOutcome.GONE, "This comment can no longer be voted on.", 404)
    if voter.owns(comment):
        return VoteResult(VoteOutcome.OWN, "You cannot mark your own comment helpful.", 403)
    existing = HelpfulVote.objects.filter(comment=comment, voter_key=voter.key).first()
    if existing is not None:
        if existing.created_at < now - timedelta(seconds=settings.HELPFUL_UNDO_SECONDS):
            return VoteResult(
                VoteOutcome.TOO_LATE,
                "You marked this comment helpful more than an hour ago: that can no longer be undone.",
                409,
            )
        existing.delete()
        return VoteResult(VoteOutcome.UNDONE, "Your helpful mark is taken back.", 200)
    try:
        with transaction.atomic():  # a savepoint: a racing twin's row leaves this transaction usable
            HelpfulVote.objects.create(
                comment=comment, article_id=comment.article_id, voter_key=voter.key, user=voter.user,
                created_at=now,
            )  # fmt: skip
    except IntegrityError:
        pass  # the same voter's other click stored it a moment ago: one vote
    return VoteResult(
        VoteOutcome.VOTED,
        "Marked helpful. Press Helpful again within the hour to take it back.",
        200,
    )
