"""What every comment service shares: the refusals, the thread's lock, and the two updates
every tree write makes before it commits (the thread's version, the article's counters)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from config.prepared import PreparedUpdate

# First key of the two-key advisory lock: "which kind of lock" (the thread's
# tree_id is the second), so other advisory locks in the database cannot collide.
THREAD_LOCK_NAMESPACE = 0x7EAD


class CommentRefused(ValidationError):
    """The comment cannot be stored; the message says why, for the reader."""


class ParentRefused(CommentRefused):
    """The comment replied to is not there, or cannot take replies: the form's input is wrong (a 400)."""


def lock_thread(tree_id: int) -> None:
    """Hold the thread's lock until the current transaction ends."""
    assert connection.in_atomic_block, "lock_thread() needs a transaction"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [THREAD_LOCK_NAMESPACE, tree_id])


def lock_thread_of(comment_pk: int) -> bool:
    """Hold the lock of the comment's thread until the transaction ends; False if there is no such comment.

    One statement: a comment's tree_id never changes, so reading it and locking go together.
    """
    assert connection.in_atomic_block, "lock_thread_of() needs a transaction"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_advisory_xact_lock(%s, tree_id) FROM {Comment._meta.db_table} WHERE id = %s",
            [THREAD_LOCK_NAMESPACE, comment_pk],
        )
        return cursor.fetchone() is not None


# The two UPDATEs every write runs, compiled once (config.prepared): through the ORM, building
# them cost more of a post's CPU than PostgreSQL spends running them.
_bump_thread_version = PreparedUpdate(
    lambda tree_id: (
        Comment.objects.filter(tree_id=tree_id, parent__isnull=True),
        {"thread_version": F("thread_version") + 1, "thread_replies": (F("rght") - F("lft") - 1) / 2},
    ),
    tree_id=THREAD_LOCK_NAMESPACE,  # positive: Django drops a tree_id below 0 as never true
)
_count_discussion = PreparedUpdate(
    lambda article_id, comments, threads, now: (
        Article.objects.filter(pk=article_id),
        {
            "comment_count": F("comment_count") + comments,
            "thread_count": F("thread_count") + threads,
            "discussion_version": F("discussion_version") + 1,
            "discussion_updated_at": now,
        },
    ),
    article_id=-THREAD_LOCK_NAMESPACE,
    comments=-0x7EA1,
    threads=-0x7EA2,
    now=datetime.datetime(1901, 2, 3, tzinfo=datetime.UTC),
)


def thread_changed(tree_id: int) -> None:
    """Bump the thread's version (its cached HTML is stale from this commit on) and recount its replies."""
    _bump_thread_version.run(tree_id=tree_id)


def discussion_changed(article_id: int, *, comments: int = 0, threads: int = 0) -> None:
    """Adjust the article's counters and its Last-Modified.

    Called last in each transaction: the article row stays locked from here to the
    commit, so writers to different threads of one article wait only for a commit.
    """
    _count_discussion.run(article_id=article_id, comments=comments, threads=threads, now=timezone.now())


def reread_under_lock(comment: Comment) -> Comment:
    """Lock the comment's thread and return the comment as committed now.

    Raises Comment.DoesNotExist when the comment was deleted meanwhile.
    """
    lock_thread(comment.tree_id)
    # A plain read after the lock: READ COMMITTED gives this statement a fresh snapshot,
    # so it sees every change committed by the writer that held the lock before us.
    return Comment.objects.get(pk=comment.pk)
