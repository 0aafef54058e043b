"""Cooling a heated discussion (issue 21): the rules a new comment meets, checked at write time.

- Slow mode, per article (Article.slow_mode_*) or per thread (its top comment's slow_mode_*):
  one comment per N seconds per author in that scope, until an optional end time.
- A locked comment (Comment.locked_at): no new replies to it or anywhere below it.
- The speed limit in reported chains (after lobste.rs): a reply below comments with open reports
  waits (2 + reports) minutes after its author's last comment in that thread.
- Newcomers on one article: hold or fold the comments of people with no approved comment yet.

Timers are timestamps compared with `now` here, when a comment is written: no scheduler. Staff
are exempt from all of it. Exact under concurrency because posts by one author take turns on
the author's lock (comments.duplicates.AUTHOR_LOCK_SQL, taken by submit_comment before this runs),
and the author's last comment is read after that lock, in a fresh READ COMMITTED statement.
Signals for people, never a hidden penalty: every refusal says which rule, why, and when.
"""

import datetime
import json
import math
from collections import namedtuple

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import formats, timezone

from comments.models import Comment
from comments.services.common import CommentRefused
from config.prepared import PreparedValues
from notifications.models import ReplySubscription

NEWCOMER_ACCOUNT_DAYS = getattr(settings, "NEWCOMER_ACCOUNT_DAYS", 3)
NEWCOMER_HOLD_REASON = "First-time commenter on an article that holds newcomers' comments for review."
SPEED_LIMIT_BASE_MINUTES = 2

# The comment a query is about and its ancestors (the chain a reply to it goes into), as `a`.
_COMMENT = Comment._meta.db_table
_IN_CHAIN = (
    f" FROM {_COMMENT} a WHERE a.tree_id = {_COMMENT}.tree_id"
    f" AND a.lft <= {_COMMENT}.lft AND a.rght >= {_COMMENT}.rght"
)

# Read with the parent under its thread's lock (comments.services.posting), no query of its own:
# over the parent and its ancestors, whether any is locked, their open reports, and the thread's
# slow mode (seconds; its end in microseconds since the epoch).
CHAIN = RawSQL(
    "(SELECT ARRAY[count(a.locked_at), coalesce(sum(a.report_count), 0),"
    " coalesce(max(a.slow_mode_seconds) FILTER (WHERE a.parent_id IS NULL), 0),"
    " (extract(epoch FROM max(a.slow_mode_until) FILTER (WHERE a.parent_id IS NULL)) * 1000000)]::bigint[]"
    f"{_IN_CHAIN})",
    [],
)


class CoolingRefused(CommentRefused):
    """Refused by a cooling rule with a time to come back: the form comes back with the text (429)."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class HoldNotice(CommentRefused):
    """A rule would hold the comment: the writer is told first, and nothing is stored yet."""


def hold_notice_text(reason: str) -> str:
    return (
        f"Before it is posted: a moderator will read this comment before others see it, because {reason}. "
        "You can change it, or post it again as it is and it will wait for review. Your text is kept below."
    )


def speed_limit_seconds(reports: int) -> int:
    """The wait in a chain with open reports: (2 + reports) minutes; none without reports."""
    return (SPEED_LIMIT_BASE_MINUTES + reports) * 60 if reports > 0 else 0


def speed_limit_text(reports: int) -> str:
    """The speed limit as the reply form and a refusal say it."""
    return (
        f"Speed limit: this part of the discussion has {reports} open report{'' if reports == 1 else 's'}; "
        f"everyone replying in it waits {describe_seconds(speed_limit_seconds(reports))} between comments."
    )


def describe_seconds(seconds: int) -> str:
    """'5 minutes', '30 seconds', '1 hour': the interval as a reader reads it."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def _clock(moment: datetime.datetime) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i")


def slow_mode_text(seconds: int, until: datetime.datetime | None, reason: str, *, where: str = "here") -> str:
    """'Slow mode: one comment every 5 minutes here until 22:00 — reason.'"""
    text = f"Slow mode: one comment every {describe_seconds(seconds)} {where}"
    if until is not None:
        text += f" until {_clock(until)}"
    return text + (f" — {reason}" if reason else "") + "."


NEWCOMER_NOTICES = {
    "hold": "New here? On this article, a first comment waits for a moderator before it is shown.",
    "collapse": "New here? On this article, a first comment is shown folded, marked first-time commenter.",
}


def article_notices(article, now: datetime.datetime | None = None) -> list[str]:
    """The article's own rules in force now, as its form says them (no query)."""
    now = now or timezone.now()
    notices = []
    if article.slow_mode_on(now):
        notices.append(
            slow_mode_text(article.slow_mode_seconds, article.slow_mode_until, article.slow_mode_reason)
        )
    rule = article.newcomer_rule(now)
    if rule in NEWCOMER_NOTICES:
        notices.append(NEWCOMER_NOTICES[rule])
    return notices


def thread_slow_mode_on(root: Comment, now: datetime.datetime | None = None) -> bool:
    """The thread's own slow mode applies now (read from its top comment)."""
    return bool(root.slow_mode_seconds) and (
        root.slow_mode_until is None or (now or timezone.now()) < root.slow_mode_until
    )


def _by_author(comment: Comment) -> Q:
    if comment.user_id is not None:
        return Q(user_id=comment.user_id)
    return Q(user__isnull=True, author_email__iexact=comment.author_email)


def check_new_comment(
    comment: Comment, parent: Comment | None, *, now: datetime.datetime | None = None
) -> None:
    """Apply the cooling rules to a comment about to be stored (under the author's lock, and for
    a reply the thread's, with parent.chain read under it): raise CommentRefused (a lock) or
    CoolingRefused (a wait), or mark the comment held or folded (newcomers). No query unless a
    rule is on: one for the author's last comments, one for whether they are new."""
    user = comment.user
    if user is not None and user.is_staff:
        return
    now = now or timezone.now()
    article = comment.article
    chain = getattr(parent, "chain", None) or [0, 0, 0, None]
    locked, reports, thread_seconds, thread_until = chain
    if locked:
        raise CommentRefused(lock_message(parent))
    waits = []  # (seconds, scope: "article" or "thread", what to tell)
    if article.slow_mode_on(now):
        text = slow_mode_text(article.slow_mode_seconds, article.slow_mode_until, article.slow_mode_reason)
        waits.append((article.slow_mode_seconds, "article", text))
    if thread_seconds and (thread_until is None or now.timestamp() * 1_000_000 < thread_until):
        waits.append((thread_seconds, "thread", thread_slow_mode_message(parent)))
    if reports:
        waits.append((speed_limit_seconds(reports), "thread", speed_limit_text(reports)))
    if waits:
        _check_waits(comment, parent, waits, now)
    rule = article.newcomer_rule(now)
    if rule != "off" and comment.status == Comment.Status.APPROVED and is_newcomer(comment, now=now):
        if rule == "hold":
            comment.status = Comment.Status.PENDING
            comment.hold_reason = NEWCOMER_HOLD_REASON
        else:
            comment.first_time = True


def _check_waits(comment: Comment, parent: Comment | None, waits: list, now: datetime.datetime) -> None:
    """Refuse the comment if its author's last one in a slowed scope is too recent: one query."""
    last = Comment.objects.filter(_by_author(comment), article_id=comment.article.pk).aggregate(
        article=Max("created_at"),
        thread=Max("created_at", filter=Q(tree_id=parent.tree_id))
        if parent is not None
        else Max("created_at"),
    )
    refusals = []
    for seconds, scope, text in waits:
        previous = last[scope]
        if previous is not None and now < previous + datetime.timedelta(seconds=seconds):
            refusals.append((previous + datetime.timedelta(seconds=seconds), text))
    if refusals:
        may_post_at, text = max(refusals)
        retry_after = max(1, math.ceil((may_post_at - now).total_seconds()))
        raise CoolingRefused(
            f"{text} You may post again at {_clock(may_post_at)} "
            f"(in {describe_seconds(retry_after) if retry_after < 60 else _minutes(retry_after)}). "
            "Your text is kept below.",
            retry_after=retry_after,
        )


def _minutes(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def lock_message(parent: Comment) -> str:
    """Why a reply here is refused: the nearest locked comment above it, with its reason."""
    lock = locked_ancestor(parent)
    reason = f" Reason: {lock.lock_reason}" if lock is not None and lock.lock_reason else ""
    return f"This part of the discussion is locked by a moderator: no new replies here.{reason}"


def locked_ancestor(comment: Comment) -> Comment | None:
    """The nearest locked comment at or above this one, if any: one query."""
    return (
        Comment.objects.filter(
            tree_id=comment.tree_id, lft__lte=comment.lft, rght__gte=comment.rght, locked_at__isnull=False
        )
        .order_by("-lft")
        .only("pk", "lock_reason", "locked_at")
        .first()
    )


def thread_slow_mode_message(parent: Comment) -> str:
    """The thread's slow mode, as its notice reads."""
    root = thread_root(parent)
    return slow_mode_text(
        root.slow_mode_seconds, root.slow_mode_until, root.slow_mode_reason, where="in this thread"
    )


def thread_root(comment: Comment) -> Comment:
    """The thread's top comment (the comment itself when it is one): one query otherwise."""
    if comment.parent_id is None and comment.level == 0:
        return comment
    return Comment.objects.get(tree_id=comment.tree_id, parent__isnull=True)


def is_newcomer(comment: Comment, *, now: datetime.datetime | None = None) -> bool:
    """No approved comment on the site yet: an account by its comments (and younger than
    NEWCOMER_ACCOUNT_DAYS is new whatever it wrote), a guest by a verified email: one with a
    confirmed reply subscription and an approved comment under it. One query."""
    now = now or timezone.now()
    user = comment.user
    if user is not None:
        if user.date_joined > now - datetime.timedelta(days=NEWCOMER_ACCOUNT_DAYS):
            return True
        return not Comment.objects.filter(user_id=user.pk, status=Comment.Status.APPROVED).exists()
    if not comment.author_email:
        return True
    verified = ReplySubscription.objects.filter(
        email__iexact=OuterRef("author_email"), confirmed_at__isnull=False
    )
    return not (
        Comment.objects.filter(
            user__isnull=True, author_email__iexact=comment.author_email, status=Comment.Status.APPROVED
        )
        .filter(Exists(verified))
        .exists()
    )


ChainLink = namedtuple(
    "ChainLink",
    [
        "parent_id", "level", "report_count", "locked_at", "lock_reason", "slow_mode_seconds",
        "slow_mode_until", "slow_mode_reason",
    ],
)  # fmt: skip


# The same chain as one column of a query about the comment (the reply page reads it with the
# parent: comments.pages.shared_reply_page): its rows as JSON text, nearest first, each
# ChainLink's fields in order, the times in microseconds since the epoch (chain_from_json).
CHAIN_JSON = RawSQL(
    "(SELECT json_agg(json_build_array(a.parent_id, a.level, a.report_count,"
    " (extract(epoch FROM a.locked_at) * 1000000)::bigint, a.lock_reason, a.slow_mode_seconds,"
    " (extract(epoch FROM a.slow_mode_until) * 1000000)::bigint, a.slow_mode_reason)"
    f" ORDER BY a.lft DESC)::text{_IN_CHAIN})",
    [],
)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _moment(microseconds: int | None) -> datetime.datetime | None:
    return None if microseconds is None else _EPOCH + datetime.timedelta(microseconds=microseconds)


def chain_from_json(text: str | None) -> list[ChainLink]:
    """CHAIN_JSON's column as the ChainLinks _chain reads."""
    links = json.loads(text or "[]")
    return [
        ChainLink(parent_id, level, reports, _moment(locked), lock_reason, slow, _moment(until), slow_reason)
        for parent_id, level, reports, locked, lock_reason, slow, until, slow_reason in links
    ]


# The comment a reply would go under and its ancestors, nearest first.
_chain = PreparedValues(
    lambda tree_id, lft, rght: (
        Comment.objects.filter(tree_id=tree_id, lft__lte=lft, rght__gte=rght)
        .order_by("-lft")
        .values_list(*ChainLink._fields)
    ),
    tree_id=918_273_645,  # stand-ins, positive: the columns are
    lft=918_273_646,
    rght=918_273_647,
)


def reply_conditions(
    article, parent: Comment | None, *, user=None, now: datetime.datetime | None = None
) -> tuple[list[str], str]:
    """What a writer is told before they type: the slow modes and speed limit in force where they
    would post, and why the place is locked ("" when it is not; the lock shows instead of the
    form). One query for a reply (the parent's ancestors), none for a top-level comment."""
    if parent is None:
        return _article_conditions(article, now or timezone.now()), ""
    # Rows from a query compiled once, not model instances: this runs on every reply page (issue
    # 23: building the query and MPTT instances cost more than the database did).
    chain = [
        ChainLink._make(row) for row in _chain.all(tree_id=parent.tree_id, lft=parent.lft, rght=parent.rght)
    ]
    return branch_conditions(article, chain, user=user, now=now)


def _article_conditions(article, now: datetime.datetime) -> list[str]:
    if not article.slow_mode_on(now):
        return []
    return [slow_mode_text(article.slow_mode_seconds, article.slow_mode_until, article.slow_mode_reason)]


def branch_conditions(
    article, chain: list[ChainLink], *, user=None, now: datetime.datetime | None = None
) -> tuple[list[str], str]:
    """reply_conditions() for a reply whose chain (the parent and its ancestors, nearest first)
    the caller read already: no query."""
    now = now or timezone.now()
    notices = _article_conditions(article, now)
    lock = next((comment for comment in chain if comment.locked_at), None)
    locked = ""
    if lock is not None:
        locked = "This part of the discussion is locked by a moderator: no new replies here."
        locked += f" Reason: {lock.lock_reason}" if lock.lock_reason else ""
    if user is not None and getattr(user, "is_staff", False):
        return [], ""
    root = chain[-1] if chain else None
    if root is not None and root.parent_id is None and thread_slow_mode_on(root, now):
        notices.append(
            slow_mode_text(
                root.slow_mode_seconds, root.slow_mode_until, root.slow_mode_reason, where="in this thread"
            )
        )
    reports = sum(comment.report_count for comment in chain)
    if reports:
        notices.append(speed_limit_text(reports))
    return notices, locked
