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


class CommentRefused(ValidationError):
    """The comment cannot be stored; the message says why, for the reader."""


def lock_thread(tree_id: int) -> None:
    """Hold the thread's lock until the current transaction ends."""
    assert connection.in_atomic_block, "lock_thread() needs a transaction"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [THREAD_LOCK_NAMESPACE, tree_id])


def _locked(comment: Comment) -> Comment:
    """Lock the comment's thread and return the comment as committed now."""
    lock_thread(comment.tree_id)
    fresh = Comment.objects.select_related("article").get(pk=comment.pk)
    if fresh.tree_id != comment.tree_id:  # pragma: no cover - threads never change tree_id
        raise RuntimeError(f"comment {comment.pk} changed thread while waiting for its lock")
    return fresh


@transaction.atomic
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
    if parent is not None:
        parent = _locked(parent)
    if submission_token is not None:
        existing = Comment.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            return existing
    if not article.is_accepting_comments:
        raise CommentRefused("Comments are closed on this article.")
    if parent is not None:
        if parent.article_id != article.pk:
            raise CommentRefused("You can only reply to a comment on this article.")
        if not parent.is_approved:
            raise CommentRefused("That comment is no longer open for replies.")
    if user is not None and user.is_authenticated:
        author_name = author_name or user.get_full_name() or user.get_username()
        author_email = author_email or user.email
    else:
        user = None
    comment = Comment(
        article=article,
        parent=parent,
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
            comment.save()
    except IntegrityError:
        # The same form sent twice at once: the other request stored it first.
        if submission_token is None:
            raise
        return Comment.objects.get(submission_token=submission_token)
    return comment


def _moderate(comment: Comment, status: str, moderator: AbstractBaseUser | None) -> Comment:
    comment = _locked(comment)
    comment.status = status
    comment.moderated_by = moderator
    comment.moderated_at = timezone.now()
    comment.save(update_fields=["status", "moderated_by", "moderated_at"])
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
    """Delete the comment and all its replies for good; return how many rows went."""
    comment = _locked(comment)
    count = comment.get_descendant_count() + 1
    comment.delete()  # django-mptt closes the gap in this thread only
    return count


@transaction.atomic
def edit_comment(comment: Comment, *, body: str) -> Comment:
    """Replace the comment's text (its author, within the edit window) and mark it edited."""
    comment = _locked(comment)
    if not comment.is_approved:
        raise CommentRefused("This comment can no longer be edited.")
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


@transaction.atomic
def delete_own_comment(comment: Comment) -> Comment | None:
    """The author takes the comment back: gone for good, or a placeholder if it has replies.

    Returns the placeholder, or None when the row was deleted.
    """
    comment = _locked(comment)
    if comment.rght - comment.lft > 1:
        comment.status = Comment.Status.DELETED
        comment.body = ""
        comment.edited_at = timezone.now()
        comment.save(update_fields=["status", "body", "body_html", "edited_at"])
        return comment
    comment.delete()  # a leaf: django-mptt closes the gap in this thread only
    return None
