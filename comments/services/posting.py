"""Posting a comment or a reply: checked, and for a reply placed, under its thread's lock."""

import uuid
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Func, IntegerField, OuterRef, Subquery, When

from articles.models import Article
from comments import cooling, moderation
from comments.locations import comment_location
from comments.models import Comment
from comments.mptt_internals import shift_with_insert
from comments.services.common import (
    THREAD_LOCK_NAMESPACE,
    CommentRefused,
    ParentRefused,
    lock_thread_of,
)
from config.observability import count_stored_comment
from config.prepared import PreparedValues
from notifications.services import comment_saved, replies_are_watched

# What a reply needs of its parent, read under the thread's lock: the checks and the tree numbers
# (in the model's field order, as Model.from_db() takes them).
INSERT_FIELDS = tuple(
    field.attname
    for field in Comment._meta.concrete_fields
    if field.attname in {"id", "article_id", "parent_id", "status", "tree_id", "lft", "rght", "level"}
)
PARENT_EXTRAS = ("roots_before", "continue_anchor", "watched", "chain")


# The parent under the lock, with what the redirect needs: where the reply is shown. Within the
# display depth, on its article's page: the count of threads before its own (NULL past the
# depth, so PostgreSQL counts only when the count is used). Past it, on the continue page of an
# ancestor (comments.locations.comment_location), read here under the lock: numbers read after
# the commit could already be moved on by the next reply. And whether anyone watches the
# parent's replies (notifications.services.comment_saved). Compiled once (config.prepared):
# through the ORM, building and compiling this read cost more CPU than PostgreSQL spends on it.
def parent_under_lock(pk, last_level):
    """The query of _parent_under_lock, without its values_list() (comments.services.preflight
    reads it with the post's other checks)."""
    return (
        Comment.objects.filter(pk=pk)
        .annotate(
            roots_before=Case(
                When(
                    level__lt=last_level,
                    then=Subquery(
                        Comment.objects.roots()
                        .filter(article_id=OuterRef("article_id"), tree_id__lt=OuterRef("tree_id"))
                        .order_by()
                        .annotate(count=Func(F("pk"), function="COUNT"))
                        .values("count")
                    ),
                ),
                default=None,
                output_field=IntegerField(),
            ),
            continue_anchor=Case(
                When(
                    level__gte=last_level,
                    then=Subquery(
                        Comment.objects.filter(
                            tree_id=OuterRef("tree_id"),
                            lft__lte=OuterRef("lft"),
                            rght__gte=OuterRef("rght"),
                            level=OuterRef("level") / last_level * last_level,
                        ).values("pk")[:1]
                    ),
                ),
                default=None,
                output_field=IntegerField(),
            ),
            watched=replies_are_watched(),  # whether the reply needs a notification job
            chain=cooling.CHAIN,  # locks, reports and slow mode above the reply (issue 21)
        )
        .order_by()
    )


PARENT_STAND_INS = {
    "pk": -THREAD_LOCK_NAMESPACE,
    "last_level": THREAD_LOCK_NAMESPACE,  # positive: Django drops a level below 0 as never true
}
_parent_under_lock = PreparedValues(
    lambda pk, last_level: parent_under_lock(pk, last_level).values_list(*INSERT_FIELDS, *PARENT_EXTRAS),
    **PARENT_STAND_INS,
)


class ParentRead(NamedTuple):
    """A reply's parent as a caller holding its thread's lock read it (INSERT_FIELDS, then
    PARENT_EXTRAS), or None: no such comment, and no lock (comments.services.preflight)."""

    row: tuple | None


class Posted(NamedTuple):
    """A stored comment and, when the post knew it, where its writer lands (else found later)."""

    comment: Comment
    landing: str | None = None


def author_of(user, author_name: str, author_email: str) -> tuple:
    """(user or None, name, email) as the comment stores them: a member's from their account."""
    if user is not None and user.is_authenticated:
        return user, author_name or user.get_full_name() or user.get_username(), author_email or user.email
    return None, author_name, author_email


class Judged(NamedTuple):
    """A verdict made before the post, and the version of the rules it was made with."""

    version: int | None
    verdict: moderation.Verdict


def judge_early(*, body: str, user, author_name: str, author_email: str, ip_address) -> Judged | None:
    """The verdict with this process's copy of the rules, before any lock is taken (the rules need
    nothing from the thread): _post() keeps it if the rules' version it reads is the same. None
    before this process first read the rules."""
    rules = moderation.cached_rules()
    if rules is None:
        return None
    user, _, email = author_of(user, author_name, author_email)
    return Judged(
        rules.version, moderation.judge(body=body, user=user, email=email, ip_address=ip_address, rules=rules)
    )


def post_comment(**fields) -> Comment:
    """Store a top-level comment or a reply (as its parent's last child) and return it (see _post)."""
    return _post(**fields).comment


def _post(
    *,
    article: Article,
    body: str,
    parent: Comment | None = None,
    user: AbstractBaseUser | None = None,
    author_name: str = "",
    author_email: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    submission_token: uuid.UUID | None = None,
    trusted: bool = False,
    hold_confirmed: bool = True,
    rules_version: int | None | type[moderation.UNREAD] = moderation.UNREAD,
    judged: Judged | None = None,
    parent_read: ParentRead | None = None,
) -> Posted:
    """Store a top-level comment or a reply (as its parent's last child).

    The moderation rules (comments.moderation) decide whether it is approved or held
    (pending); trusted=True skips them, for the site's own content (demo, fixtures).
    hold_confirmed=False: a comment a rule would hold is refused with HoldNotice instead.
    A repeated submission_token returns the comment first stored with it.
    A caller that read the moderation version or, holding the thread's lock, the parent already
    passes them (rules_version; parent_read, which makes it a reply to that parent): no query
    for them here; a verdict made before (judged) stands if its rules are still rules_version.
    Raises CommentRefused when the discussion is closed, the parent cannot take replies,
    the author is banned or the text is refused as spam: nothing is stored then.

    Atomic, in the caller's transaction when there is one (no savepoint of its own, issue 9):
    refusals come before the first write and leave that transaction usable; from the first
    write on, any error dooms it, a repeated submission_token included (IntegrityError: the
    caller rolls back and finds the first comment with first_with_token_or_raise()). Without a
    transaction it opens one and does that itself.
    """
    user, author_name, author_email = author_of(user, author_name, author_email)
    verdict = moderation.Verdict(Comment.Status.APPROVED)
    if not trusted:
        if judged is not None and rules_version is not moderation.UNREAD and judged.version == rules_version:
            verdict = judged.verdict
        else:
            verdict = moderation.judge(
                body=body, user=user, email=author_email, ip_address=ip_address, version=rules_version
            )
        if verdict.refused:
            raise CommentRefused(verdict.refused)
        if verdict.notice and not hold_confirmed:  # issue 21: say so first, store nothing yet
            raise cooling.HoldNotice(cooling.hold_notice_text(verdict.notice))
    comment = Comment(
        article=article,
        user=user,
        author_name=author_name,
        author_email=author_email,
        body=body,
        ip_address=ip_address,
        user_agent=user_agent[:300],
        submission_token=submission_token,
        status=verdict.status,
        hold_reason=verdict.reason,
    )
    if comment.is_approved:
        comment.approved_at = comment.created_at  # the edit window's start (issue 20)
    if connection.in_atomic_block:
        return _store(comment, parent=parent, trusted=trusted, parent_read=parent_read)
    assert parent_read is None, "a parent read under the lock needs the transaction that holds it"
    try:
        with transaction.atomic():
            return _store(comment, parent=parent, trusted=trusted)
    except IntegrityError as error:
        return Posted(first_with_token_or_raise(comment.submission_token, error))


def _store(
    comment: Comment, *, parent: Comment | None, trusted: bool = False, parent_read: ParentRead | None = None
) -> "Posted":
    """post_comment() inside a transaction: check under the thread's lock, insert, enqueue."""
    try:
        parent = _locked_parent(comment, parent, parent_read)
        if not trusted:
            cooling.check_new_comment(comment, parent)  # locks, slow mode, newcomers (issue 21)
    except CommentRefused as refusal:
        # A retry of a form that was stored before the thread changed still lands on its comment.
        return Posted(first_with_token_or_raise(comment.submission_token, refusal))
    with transaction.atomic(savepoint=False):  # the writes: any error from here dooms the transaction
        # The reply's shift and its INSERT in one statement (comments.mptt_internals).
        with shift_with_insert(Comment):
            if parent is not None:
                # The parent's numbers were read under the lock: no need for mptt to read them again.
                comment.insert_at(parent, position="last-child", refresh_target=False)
            # The same form sent twice: the unique submission_token refuses the second row (a
            # concurrent twin waits on the index until the first commits) with an IntegrityError.
            # No savepoint to survive it (two round trips on every post): the transaction is
            # doomed and whoever opened it looks the first comment up after the rollback.
            comment.save()
        count_stored_comment()  # issue 17: the metric counts every stored comment, 302 or 201
        # The notification job, committed with the comment (if anyone is to hear of it).
        comment_saved(comment, parent_watched=parent is not None and parent.watched)
    if parent is None:
        return Posted(comment)
    # Where the reply is shown, from its parent's numbers read under the lock: numbers read after
    # the commit could already be moved on by the next reply.
    return Posted(
        comment,
        comment_location(comment, roots_before=parent.roots_before, continue_anchor=parent.continue_anchor),
    )


def _locked_parent(
    comment: Comment, parent: Comment | None, parent_read: ParentRead | None = None
) -> Comment | None:
    """Check the comment may be stored; for a reply, lock the thread and return the parent as committed.

    The parent is read once, under the lock, with what the redirect needs and whether anyone
    watches its replies (_parent_under_lock), unless the caller, holding the lock, read it
    already (parent_read); a new thread takes its tree_id from the sequence and needs no lock.
    """
    article = comment.article
    if not article.is_accepting_comments:
        raise CommentRefused("Comments are closed on this article.")
    if parent is None and parent_read is None:
        return None
    if parent_read is not None:
        row = parent_read.row
    elif not lock_thread_of(parent.pk):
        row = None
    else:
        # A plain read after the lock: READ COMMITTED gives this statement a fresh snapshot,
        # so it sees every change committed by the writer that held the lock before us.
        row = _parent_under_lock.first(pk=parent.pk, last_level=settings.COMMENT_DISPLAY_DEPTH - 1)
    if row is None:
        raise ParentRefused("The comment you are replying to cannot be found.")
    parent = Comment.from_db(connection.alias, INSERT_FIELDS, row[: len(INSERT_FIELDS)])
    parent.roots_before, parent.continue_anchor, parent.watched, parent.chain = row[len(INSERT_FIELDS) :]
    if parent.article_id != article.pk:
        raise ParentRefused("The comment you are replying to cannot be found.")
    if not parent.is_approved:
        raise ParentRefused("That comment is no longer open for replies.")
    parent.article = article
    return parent


def first_with_token_or_raise(submission_token: uuid.UUID | None, error: Exception) -> Comment:
    """The comment first stored with this form's token (the form was sent twice); else raise error."""
    existing = None
    if submission_token is not None:
        existing = Comment.objects.select_related("article").filter(submission_token=submission_token).first()
    if existing is None:
        raise error
    return existing
