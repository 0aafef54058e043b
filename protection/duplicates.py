"""The same author posting the same text again within a few minutes."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
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


def find_duplicate(*, user, author_email: str, body: str) -> Comment | None:
    """The author's newest comment with exactly this text within COMMENT_DUPLICATE_WINDOW, if any."""
    return recent_same_text(user=user, author_email=author_email, body=body).first()


def recent_same_text(*, user, author_email: str, body: str):
    """The author's comments with exactly this text within the window, newest first (indexed)."""
    since = timezone.now() - timedelta(seconds=settings.COMMENT_DUPLICATE_WINDOW)
    comments = Comment.objects.filter(created_at__gte=since, body=body.strip())
    if user is not None and user.is_authenticated:
        comments = comments.filter(user=user)
    else:
        comments = comments.filter(user__isnull=True, author_email__iexact=author_email.strip())
    return comments.select_related("article").order_by("-created_at")
