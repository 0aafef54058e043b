"""Every change to comments: posting, replying and moderation.

Tree writes happen only here, each inside a transaction holding its thread's lock
(`lock_thread`), so concurrent writers to one thread take turns and writers to
different threads never wait for each other. Readers never wait: PostgreSQL's
MVCC serves them the last committed tree.
"""

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from articles.models import Article
from comments.models import Comment

# First key of the two-key advisory lock: "which kind of lock" (the thread's
# tree_id is the second), so other advisory locks in the database cannot collide.
THREAD_LOCK_NAMESPACE = 0x7EAD


# What a reply needs of its parent, read under the thread's lock: the checks and the tree numbers.
INSERT_FIELDS = ("id", "article_id", "parent_id", "status", "tree_id", "lft", "rght", "level")


class CommentRefused(ValidationError):
    """The comment cannot be stored; the message says why, for the reader."""


def lock_thread(tree_id: int) -> None:
    """Hold the thread's lock until the current transaction ends."""
    assert connection.in_atomic_block, "lock_thread() needs a transaction"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [THREAD_LOCK_NAMESPACE, tree_id])


def _locked(comment: Comment) -> Comment:
    """Lock the comment's thread and return the comment as committed now.

    Raises Comment.DoesNotExist when the comment was deleted meanwhile.
    """
    lock_thread(comment.tree_id)
    # A plain read after the lock: READ COMMITTED gives this statement a fresh snapshot,
    # so it sees every change committed by the writer that held the lock before us.
    return Comment.objects.get(pk=comment.pk)


def post_comment(
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
) -> Comment:
    """Store a top-level comment or a reply (as its parent's last child) and return it.

    A repeated submission_token returns the comment first stored with it.
    Raises CommentRefused when the discussion is closed or the parent cannot take replies.
    """
    if user is not None and user.is_authenticated:
        author_name = author_name or user.get_full_name() or user.get_username()
        author_email = author_email or user.email
    else:
        user = None
    comment = Comment(
        article=article,
        user=user,
        author_name=author_name,
        author_email=author_email,
        body=body,
        ip_address=ip_address,
        user_agent=user_agent[:300],
        submission_token=submission_token,
    )
    try:
        with transaction.atomic():
            _insert(comment, parent=parent)
    except IntegrityError:
        # The same form sent twice: the unique submission_token refused the second row
        # (a concurrent twin waits on the index until the first commits, then lands here).
        existing = _stored_with(submission_token)
        if existing is None:
            raise
        return existing
    except CommentRefused:
        # A retry of a form that was stored before the thread changed still lands on its comment.
        existing = _stored_with(submission_token)
        if existing is None:
            raise
        return existing
    return comment


def _insert(comment: Comment, *, parent: Comment | None) -> None:
    """Check the comment may be stored, then insert it: one thread lock, one UPDATE, one INSERT.

    Runs inside the caller's transaction; a new thread takes its tree_id from the sequence and
    needs no lock, a reply holds its thread's lock from the parent's check to the commit.
    """
    article = comment.article
    if not article.is_accepting_comments:
        raise CommentRefused("Comments are closed on this article.")
    if parent is None:
        comment.save()
        return
    lock_thread(parent.tree_id)
    try:
        parent = Comment.objects.only(*INSERT_FIELDS).get(pk=parent.pk)
    except Comment.DoesNotExist:
        raise CommentRefused("The comment you are replying to cannot be found.") from None
    if parent.article_id != article.pk:
        raise CommentRefused("You can only reply to a comment on this article.")
    if not parent.is_approved:
        raise CommentRefused("That comment is no longer open for replies.")
    parent.article = article
    # The parent's numbers were read under the lock: no need for mptt to read them again.
    comment.insert_at(parent, position="last-child", refresh_target=False)
    comment.save()


def _stored_with(submission_token: uuid.UUID | None) -> Comment | None:
    """The comment stored with this form's token, if any."""
    if submission_token is None:
        return None
    return Comment.objects.select_related("article").filter(submission_token=submission_token).first()


def _moderate(comment: Comment, status: str, moderator: AbstractBaseUser | None) -> Comment:
    comment = _locked(comment)
    comment.status = status
    comment.moderated_by = moderator
    comment.moderated_at = timezone.now()
    comment.save(update_fields=["status", "moderated_by", "moderated_at"])
    return comment


@transaction.atomic
def edit_comment(comment: Comment, *, fields: list[str]) -> Comment:
    """Save a moderator's edit of the named fields only: never the tree numbers or the status."""
    lock_thread(comment.tree_id)
    update = set(fields) & {"author_name", "body"}
    if "body" in update:
        update.add("body_html")
    if update:
        comment.save(update_fields=sorted(update))
    return comment


@transaction.atomic
def approve_comment(comment: Comment, *, moderator: AbstractBaseUser | None) -> Comment:
    """Show the comment to every reader."""
    return _moderate(comment, Comment.Status.APPROVED, moderator)


@transaction.atomic
def reject_comment(comment: Comment, *, moderator: AbstractBaseUser | None) -> Comment:
    """Hide the comment; its replies stay, under a placeholder."""
    return _moderate(comment, Comment.Status.REJECTED, moderator)


@transaction.atomic
def mark_spam(comment: Comment, *, moderator: AbstractBaseUser | None) -> Comment:
    """Hide the comment as spam; its replies stay, under a placeholder."""
    return _moderate(comment, Comment.Status.SPAM, moderator)


@transaction.atomic
def remove_comment(comment: Comment, *, moderator: AbstractBaseUser | None) -> Comment:
    """Leave a placeholder in the thread; the replies stay."""
    return _moderate(comment, Comment.Status.REMOVED, moderator)


@transaction.atomic
def delete_comment(comment: Comment) -> int:
    """Delete the comment and all its replies for good; return how many rows went.

    A comment already gone (deleted with an ancestor, or by another moderator) counts 0.
    """
    try:
        comment = _locked(comment)
    except Comment.DoesNotExist:
        return 0
    count = comment.get_descendant_count() + 1
    comment.delete()  # django-mptt closes the gap in this thread only
    return count
