"""Setting and lifting the controls that cool a discussion (issue 21; the rules: comments.cooling).

Each control is a few columns with an optional end time (a timestamp checked when a comment is
written: no scheduler). Every change goes through one of these services, which record it in the
admin history (LogEntry: who, why, before -> after, until when) and write through the paths that
refresh cached pages: an article with .save() (updated_at is part of its page's state), a comment
through its row (the trigger of migration comments 0013 bumps its thread's version).
"""

import datetime
import json

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from comments.services.common import CommentRefused, reread_under_lock

NEWCOMER_RULES = ("off", "hold", "collapse")


def record_control(
    target, *, actor: AbstractBaseUser | None, control: str, before: dict, after: dict, reason: str
) -> LogEntry | None:
    """One line of the admin history for a control set or lifted: who, why, before and after, until.

    The history names a person: a change made by the site itself (actor None: the demo) has none."""
    if actor is None:
        return None

    def shown(values: dict) -> str:
        return json.dumps({key: _plain(value) for key, value in values.items()}, sort_keys=True)

    message = f"{control}: {shown(before)} -> {shown(after)}"
    if reason:
        message += f" Reason: {reason}"
    return LogEntry.objects.create(
        user_id=actor.pk,
        content_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        object_id=str(target.pk),
        object_repr=str(target)[:200],
        action_flag=CHANGE,
        change_message=message,
    )


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def _locked_article(article: Article) -> Article:
    # Read as committed, locked: Article.save() writes every field, never a stale editor's copy.
    return Article.objects.select_for_update().get(pk=article.pk)


THREAD_SLOW_MODE_FIELDS = ["slow_mode_seconds", "slow_mode_until", "slow_mode_reason"]


def _slow_mode(row) -> dict:
    return {"seconds": row.slow_mode_seconds, "until": row.slow_mode_until, "reason": row.slow_mode_reason}


def _write_slow_mode(
    row, seconds: int, until, shown_reason: str, *, fields, actor, control: str, reason: str
):
    """Set the slow mode columns of an article or a thread's top comment, save them (fields: the
    columns to save, None for all) and record the change with its reason."""
    before = _slow_mode(row)
    row.slow_mode_seconds, row.slow_mode_until, row.slow_mode_reason = seconds, until, shown_reason[:200]
    row.save(update_fields=fields)
    record_control(row, actor=actor, control=control, before=before, after=_slow_mode(row), reason=reason)
    return row


def _check_slow_mode(seconds: int, until: datetime.datetime | None, now: datetime.datetime) -> None:
    if seconds <= 0 or seconds > 86400:
        raise CommentRefused("Slow mode takes an interval between 1 second and 1 day.")
    if until is not None and until <= now:
        raise CommentRefused("Slow mode's end must be in the future.")


@transaction.atomic
def set_slow_mode(
    article: Article,
    *,
    seconds: int,
    until: datetime.datetime | None = None,
    reason: str = "",
    actor: AbstractBaseUser | None,
    now: datetime.datetime | None = None,
) -> Article:
    """Allow one comment per `seconds` per author on the article, until `until` (None: no end)."""
    _check_slow_mode(seconds, until, now or timezone.now())
    # Every field saved: updated_at moves, and with it the cached pages' state.
    return _write_slow_mode(
        _locked_article(article), seconds, until, reason, fields=None, actor=actor, control="Slow mode set",
        reason=reason,
    )  # fmt: skip


@transaction.atomic
def lift_slow_mode(article: Article, *, actor: AbstractBaseUser | None, reason: str = "") -> Article:
    """End the article's slow mode now."""
    return _write_slow_mode(
        _locked_article(article),
        0,
        None,
        "",
        fields=None,
        actor=actor,
        control="Slow mode lifted",
        reason=reason,
    )


@transaction.atomic
def set_newcomer_rule(
    article: Article,
    *,
    rule: str,
    until: datetime.datetime | None = None,
    reason: str = "",
    actor: AbstractBaseUser | None,
) -> Article:
    """Hold or fold (collapse) first-time commenters' comments on the article ("off" lifts it)."""
    if rule not in NEWCOMER_RULES:
        raise CommentRefused(f"Unknown newcomer rule: choose one of {', '.join(NEWCOMER_RULES)}.")
    article = _locked_article(article)
    before = {"rule": article.newcomer_policy, "until": article.newcomer_until}
    article.newcomer_policy, article.newcomer_until = rule, (until if rule != "off" else None)
    article.save()
    after = {"rule": article.newcomer_policy, "until": article.newcomer_until}
    record_control(article, actor=actor, control="Newcomer rule", before=before, after=after, reason=reason)
    return article


@transaction.atomic
def close_discussion(article: Article, *, actor: AbstractBaseUser | None, reason: str = "") -> Article:
    """Close the article to new comments (the heated list's third action)."""
    article = _locked_article(article)
    before = {"comments_open": article.comments_open}
    article.comments_open = False
    article.save()
    record_control(
        article,
        actor=actor,
        control="Discussion closed",
        before=before,
        after={"comments_open": False},
        reason=reason,
    )
    return article


@transaction.atomic
def set_thread_slow_mode(
    comment: Comment,
    *,
    seconds: int,
    until: datetime.datetime | None = None,
    reason: str = "",
    actor: AbstractBaseUser | None,
    now: datetime.datetime | None = None,
) -> Comment:
    """Slow mode for one thread (set on its top comment; any comment of the thread names it)."""
    _check_slow_mode(seconds, until, now or timezone.now())
    return _write_slow_mode(
        _locked_root(comment), seconds, until, reason, fields=THREAD_SLOW_MODE_FIELDS, actor=actor,
        control="Thread slow mode set", reason=reason,
    )  # fmt: skip


@transaction.atomic
def lift_thread_slow_mode(comment: Comment, *, actor: AbstractBaseUser | None, reason: str = "") -> Comment:
    """End one thread's slow mode now."""
    return _write_slow_mode(
        _locked_root(comment), 0, None, "", fields=THREAD_SLOW_MODE_FIELDS, actor=actor,
        control="Thread slow mode lifted", reason=reason,
    )  # fmt: skip


def _locked_root(comment: Comment) -> Comment:
    comment = reread_under_lock(comment)
    if comment.parent_id is None:
        return comment
    return Comment.objects.get(tree_id=comment.tree_id, parent__isnull=True)


@transaction.atomic
def lock_branch(comment: Comment, *, actor: AbstractBaseUser | None, reason: str = "") -> Comment:
    """No new replies to the comment or anywhere below it; what is there stays, and stays editable."""
    comment = reread_under_lock(comment)
    before = {"locked_at": comment.locked_at, "reason": comment.lock_reason}
    if comment.locked_at is None:
        comment.locked_at = timezone.now()
    comment.lock_reason = reason[:200]
    comment.save(update_fields=["locked_at", "lock_reason"])
    after = {"locked_at": comment.locked_at, "reason": comment.lock_reason}
    record_control(comment, actor=actor, control="Branch locked", before=before, after=after, reason=reason)
    return comment


@transaction.atomic
def unlock_branch(comment: Comment, *, actor: AbstractBaseUser | None, reason: str = "") -> Comment:
    """Let the branch take replies again (a lock higher up still holds)."""
    comment = reread_under_lock(comment)
    before = {"locked_at": comment.locked_at, "reason": comment.lock_reason}
    comment.locked_at, comment.lock_reason = None, ""
    comment.save(update_fields=["locked_at", "lock_reason"])
    after = {"locked_at": None, "reason": ""}
    record_control(comment, actor=actor, control="Branch unlocked", before=before, after=after, reason=reason)
    return comment
