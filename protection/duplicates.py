"""The same author posting the same text again within a few minutes."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
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


# Hand-written (issue 9): this query runs on every post, and building and compiling it through
# the ORM cost six times what PostgreSQL spends on it (bench/profile_post.py). The same
# conditions as recent_same_text(), whose plan tests/test_bot_traps.py checks, plus this form's
# token. UPPER(author_email) is the guest index's expression; a member's comments are found by
# user_id (the user's comments are few in any window).
DUPLICATE_SQL = f"""
    SELECT id FROM {Comment._meta.db_table}
    WHERE submission_token = %(token)s
       OR (created_at >= %(since)s AND body = %(body)s AND {{author}})
    ORDER BY submission_token = %(token)s DESC NULLS LAST, created_at DESC
    LIMIT 1
"""
GUEST = "user_id IS NULL AND UPPER(author_email) = UPPER(%(email)s)"
MEMBER = "user_id = %(user_id)s"


def find_duplicate(
    *, user, author_email: str, body: str, submission_token: uuid.UUID | None = None
) -> Comment | None:
    """The comment this very form stored (its submission_token), else the author's newest comment
    with exactly this text within COMMENT_DUPLICATE_WINDOW, if any: one indexed query (two when
    one is found: the comment with its article, for the redirect)."""
    member = user is not None and user.is_authenticated
    params = {
        "token": submission_token,
        "since": timezone.now() - timedelta(seconds=settings.COMMENT_DUPLICATE_WINDOW),
        "body": body.strip(),
        "email": author_email.strip(),
        "user_id": user.pk if member else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(DUPLICATE_SQL.format(author=MEMBER if member else GUEST), params)
        row = cursor.fetchone()
    return Comment.objects.select_related("article").get(pk=row[0]) if row else None


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
