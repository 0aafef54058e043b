"""What every comment service shares: the refusals and the thread's lock.

The thread's version and the article's counters are not kept here: PostgreSQL's triggers
(comments/migrations/0011_discussion_marks.py) update them for every write, whoever makes it."""

from django.core.exceptions import ValidationError
from django.db import connection

from comments.models import Comment

# First key of the two-key advisory lock: "which kind of lock" (the thread's
# tree_id is the second), so other advisory locks in the database cannot collide.
THREAD_LOCK_NAMESPACE = 0x7EAD


class CommentRefused(ValidationError):
    """The comment cannot be stored; the message says why, for the reader."""


class ParentRefused(CommentRefused):
    """The comment replied to is not there, or cannot take replies: the form's input is wrong (a 400)."""


# The triggers that mark a write's thread and article changed (migrations 0011 and 0018).
MARK_TRIGGERS = "comments_inserted_mark_changed, comments_updated_mark_changed, comments_deleted_mark_changed"
DEFER_MARKS_SQL = f"SET CONSTRAINTS {MARK_TRIGGERS} DEFERRED"
# One statement: a comment's tree_id never changes, so reading it and locking go together. No
# row: no such comment, and no lock taken.
THREAD_LOCK_OF_SQL = f"SELECT pg_advisory_xact_lock(%s, tree_id) FROM {Comment._meta.db_table} WHERE id = %s"


def defer_marks() -> None:
    """Until this transaction commits, leave its writes' marks (thread versions, the article's
    counters and discussion_version) for its COMMIT to make.

    Only for a transaction that reads none of those after its writes: it would see them as they
    were. What it buys (issue 23): the article's row is locked for the commit alone, so writers
    to one article's threads do not queue on it for the rest of each other's transaction."""
    assert connection.in_atomic_block, "defer_marks() needs a transaction"
    with connection.cursor() as cursor:
        cursor.execute(DEFER_MARKS_SQL)


def lock_thread(tree_id: int) -> None:
    """Hold the thread's lock until the current transaction ends."""
    assert connection.in_atomic_block, "lock_thread() needs a transaction"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [THREAD_LOCK_NAMESPACE, tree_id])


def lock_thread_of(comment_pk: int) -> bool:
    """Hold the lock of the comment's thread until the transaction ends; False if there is no such
    comment (THREAD_LOCK_OF_SQL: one statement)."""
    assert connection.in_atomic_block, "lock_thread_of() needs a transaction"
    with connection.cursor() as cursor:
        cursor.execute(THREAD_LOCK_OF_SQL, [THREAD_LOCK_NAMESPACE, comment_pk])
        return cursor.fetchone() is not None


def reread_under_lock(comment: Comment) -> Comment:
    """Lock the comment's thread and return the comment as committed now.

    Raises Comment.DoesNotExist when the comment was deleted meanwhile.
    """
    lock_thread(comment.tree_id)
    # A plain read after the lock: READ COMMITTED gives this statement a fresh snapshot,
    # so it sees every change committed by the writer that held the lock before us.
    return Comment.objects.get(pk=comment.pk)
