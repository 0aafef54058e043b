"""The same author posting the same text again within a few minutes."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from comments.models import Comment

# First key of the two-key advisory lock (see comments.services.THREAD_LOCK_NAMESPACE).
AUTHOR_LOCK_NAMESPACE = 0x7EAE


class DuplicateComment(Exception):
    def __init__(self, existing: Comment):
        super().__init__(f"duplicate of comment {existing.pk}")
        self.existing = existing


def author_key(*, user, author_email: str) -> str:
    """Who is posting: the account, or for a guest the email address given."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"email:{author_email.strip().lower()}"


def lock_author(key: str) -> None:
    """Serialise one author's posts until the transaction ends, so two copies cannot both pass."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [AUTHOR_LOCK_NAMESPACE, key])


def find_duplicate(
    *, user, author_email: str, body: str, submission_token: uuid.UUID | None = None
) -> Comment | None:
    """The comment this very form stored (its submission_token), else the author's newest comment
    with exactly this text within COMMENT_DUPLICATE_WINDOW, if any: one indexed query."""
    same_text = _same_text(user=user, author_email=author_email, body=body)
    if submission_token is None:
        return Comment.objects.filter(same_text).select_related("article").order_by("-created_at").first()
    # A BitmapOr of the token's unique index and the author's index.
    same_form = Q(submission_token=submission_token)
    return (
        Comment.objects.filter(same_form | same_text)
        .select_related("article")
        .order_by(Case(When(same_form, then=Value(0)), default=Value(1)), "-created_at")
        .first()
    )


def _same_text(*, user, author_email: str, body: str) -> Q:
    since = timezone.now() - timedelta(seconds=settings.COMMENT_DUPLICATE_WINDOW)
    if user is not None and user.is_authenticated:
        author = Q(user=user)
    else:
        author = Q(user__isnull=True, author_email__iexact=author_email.strip())
    return Q(created_at__gte=since, body=body.strip()) & author


def recent_same_text(*, user, author_email: str, body: str):
    """The author's comments with exactly this text within the window, newest first (indexed)."""
    same_text = _same_text(user=user, author_email=author_email, body=body)
    return Comment.objects.filter(same_text).select_related("article").order_by("-created_at")
