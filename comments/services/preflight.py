"""A reader's post: its locks in one round trip, then its checks in one statement (issue 23).

What it buys (`bench/profile_post.py --reply-page`, `bench/concurrent_posts.py --reply-page`,
figures in bench/README.md): what a reply POST sends before its writes went from seven round
trips to three (the whole POST: eleven statements to seven, six with comments.mptt_internals'
shift and INSERT in one); each round trip cost about 0.06 ms of the worker's CPU in process,
more under load, and 0.02 ms of PostgreSQL's. Before, one round trip each:

    BEGIN, SET CONSTRAINTS, lock the author, duplicate check, moderation version,
    lock the thread, the parent under the lock

Now:

    BEGIN                                                  (psycopg's, before the first statement)
    SET CONSTRAINTS …; lock the author; lock the thread    one simple-protocol query
    duplicate check + moderation version + the parent      one prepared statement

What it leans on:
- In a simple-protocol query of several statements, PostgreSQL gives each statement a fresh
  snapshot under READ COMMITTED, as it does to statements sent apart: the statement after the
  locks sees everything committed by the writers that held them before (PostgreSQL's
  documentation, "Multiple Statements in a Simple Query"; tests/test_concurrency.py: a reply
  waiting on the thread's lock sees the parent as the lock's holder left it).
- psycopg sends a statement without parameters by the simple protocol (several statements
  allowed), and never prepares one that returns several results. The values go in as literals
  quoted by psycopg (`sql.Literal`, as its client-side binding quotes them): the lock is the one
  a bound value takes, whatever the email holds (tests/test_concurrency.py).
- The locks are taken in the order they always were, the author's then the thread's; no other
  path takes an author's lock. The thread's lock is now held a little earlier: over the duplicate
  check, the rate limit and the moderation rules (no round trip among them with the local-memory
  cache), which used to run before it.

A lock statement that finds no parent takes no lock: the parent then counts as not found, even
if the statement after it sees a comment with that id (committed in between), so no reply is
ever stored without its thread's lock.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Subquery
from psycopg import sql

from comments import moderation
from comments.duplicates import (
    AUTHOR_LOCK_NAMESPACE,
    AUTHOR_LOCK_SQL,
    duplicate_query,
    duplicate_values,
    find_duplicate,
)
from comments.moderation_models import ModerationVersion
from comments.services.common import DEFER_MARKS_SQL, THREAD_LOCK_NAMESPACE, THREAD_LOCK_OF_SQL
from comments.services.posting import (
    INSERT_FIELDS,
    PARENT_EXTRAS,
    PARENT_STAND_INS,
    ParentRead,
    parent_under_lock,
)
from config.prepared import PreparedValues

CHECKS = ("duplicate", "rules_version")


def _reply_checks(member: bool) -> PreparedValues:
    """The parent under the lock (posting._parent_under_lock) with the duplicate check and the
    moderation version beside it: one row, or none when there is no such comment."""
    build_duplicate, stand_ins = duplicate_query(member=member)

    def build(pk, last_level, **values):
        return (
            parent_under_lock(pk, last_level)
            .annotate(
                duplicate=Subquery(build_duplicate(**values)), rules_version=Subquery(moderation.VERSION)
            )
            .values_list(*INSERT_FIELDS, *PARENT_EXTRAS, *CHECKS)
        )

    return PreparedValues(build, **PARENT_STAND_INS, **stand_ins)


def _thread_checks(member: bool) -> PreparedValues:
    """For a new thread (or a parent not found): the duplicate check and the moderation version."""
    build_duplicate, stand_ins = duplicate_query(member=member)

    def build(**values):
        return (
            ModerationVersion.objects.filter(pk=1)
            .annotate(duplicate=Subquery(build_duplicate(**values)))
            .values_list("duplicate", "version")
        )

    return PreparedValues(build, **stand_ins)


_REPLY = {member: _reply_checks(member) for member in (False, True)}
_THREAD = {member: _thread_checks(member) for member in (False, True)}


@dataclass(frozen=True)
class Checked:
    """What a post read under its locks."""

    duplicate_pk: int | None  # this form's comment, else the author's same text lately (duplicates)
    rules_version: int | None | type[moderation.UNREAD]  # the rules' version (moderation.current_rules)
    parent_read: ParentRead | None  # for a reply: its parent, read under its thread's lock


def lock_and_check(
    *,
    author: str,
    parent_pk: int | None,
    defer_marks: bool,
    user,
    author_email: str,
    body: str,
    submission_token,
) -> Checked:
    """In the caller's transaction: (defer the marks to the COMMIT,) take the author's lock and,
    for a reply, its thread's; then read the duplicate check, the moderation version and the
    parent as committed under those locks. Two round trips."""
    assert connection.in_atomic_block, "lock_and_check() needs a transaction"
    statements, params = [DEFER_MARKS_SQL] if defer_marks else [], []
    statements.append(AUTHOR_LOCK_SQL)
    params += [AUTHOR_LOCK_NAMESPACE, author]
    if parent_pk is not None:
        statements.append(THREAD_LOCK_OF_SQL)
        params += [THREAD_LOCK_NAMESPACE, parent_pk]
    with connection.cursor() as cursor:
        if len(statements) == 1:
            cursor.execute(statements[0], params)  # one statement: bound by the server, prepared
        else:
            # Several, sent as one: the values quoted into the text as psycopg quotes literals
            # (sql.Literal; the statements hold no other %).
            literals = tuple(sql.Literal(value).as_string(connection.connection) for value in params)
            cursor.execute("; ".join(statements) % literals)
            while cursor.nextset():  # to the last statement's result
                pass
        locked = parent_pk is not None and cursor.fetchone() is not None
    member, values = duplicate_values(
        user=user, author_email=author_email, body=body, submission_token=submission_token
    )
    if locked:
        row = _REPLY[member].first(pk=parent_pk, last_level=settings.COMMENT_DISPLAY_DEPTH - 1, **values)
        if row is not None:
            checks = row[len(INSERT_FIELDS) + len(PARENT_EXTRAS) :]
            return Checked(*checks, parent_read=ParentRead(row[: len(INSERT_FIELDS) + len(PARENT_EXTRAS)]))
    parent_read = None if parent_pk is None else ParentRead(None)
    row = _THREAD[member].first(**values)
    if row is None:  # no version row (never in a migrated database): the checks one by one
        duplicate = find_duplicate(
            user=user, author_email=author_email, body=body, submission_token=submission_token
        )
        return Checked(duplicate and duplicate.pk, moderation.UNREAD, parent_read)
    return Checked(*row, parent_read)
