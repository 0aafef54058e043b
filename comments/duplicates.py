"""The same author posting the same text again within a few minutes."""

import enum
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from comments import ownership
from comments.models import Comment
from config.client import client_network, network_of
from config.prepared import PreparedValues

# First key of the two-key advisory lock (see comments.services.THREAD_LOCK_NAMESPACE).
AUTHOR_LOCK_NAMESPACE = 0x7EAE


def author_key(*, user, author_email: str) -> str:
    """Who is posting: the account, or for a guest the email address given."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"email:{author_email.strip().lower()}"


# Serialises one author's posts until the transaction ends, so two copies cannot both pass:
# taken by comments.services.preflight.lock_and_check with the author_key().
AUTHOR_LOCK_SQL = "SELECT pg_advisory_xact_lock(%s, hashtext(%s))"


# Runs on every post: compiled once (config.prepared), as building and compiling it through the
# ORM cost six times what PostgreSQL spends on it (bench/profile_post.py). The author's recent
# comments with this text (its plan is checked in tests/test_bot_traps.py), plus this form's
# token, whose comment sorts first.
def _duplicate_query(author: Callable[..., Q]):
    def build(token, since, body, **who):
        same_form = Q(submission_token=token)
        return (
            Comment.objects.filter(same_form | Q(created_at__gte=since, body=body) & author(**who))
            .order_by(Case(When(same_form, then=Value(0)), default=Value(1)), "-created_at")
            .values_list("pk")[:1]
        )

    return build


def _guest(email: str) -> Q:
    return Q(user__isnull=True, author_email__iexact=email)


def _member(user_id: int) -> Q:
    return Q(user_id=user_id)


STAND_INS = {
    "token": uuid.UUID(int=0x7EAE),
    "since": datetime(2000, 1, 1, tzinfo=UTC),
    "body": "-stand-in-body-",
}
GUEST_STAND_IN = {"email": "-stand-in-email-"}
MEMBER_STAND_IN = {"user_id": -0x7EAE}
_guest_duplicate = PreparedValues(_duplicate_query(_guest), **STAND_INS, **GUEST_STAND_IN)
_member_duplicate = PreparedValues(_duplicate_query(_member), **STAND_INS, **MEMBER_STAND_IN)


def duplicate_query(*, member: bool) -> tuple[Callable, dict]:
    """The duplicate query's builder (token, since, body and the author's value), a member's or a
    guest's, and the stand-ins that compile it (STAND_INS and the author's)."""
    if member:
        return _duplicate_query(_member), {**STAND_INS, **MEMBER_STAND_IN}
    return _duplicate_query(_guest), {**STAND_INS, **GUEST_STAND_IN}


def duplicate_values(
    *, user, author_email: str, body: str, submission_token: uuid.UUID | None = None
) -> tuple[bool, dict]:
    """Whether the duplicate query is a member's (else a guest's), and the values it binds."""
    values = {
        "token": submission_token,
        "since": timezone.now() - timedelta(seconds=settings.COMMENT_DUPLICATE_WINDOW),
        "body": body.strip(),
    }
    if user is not None and user.is_authenticated:
        return True, {**values, "user_id": user.pk}
    return False, {**values, "email": author_email.strip()}


def find_duplicate(
    *, user, author_email: str, body: str, submission_token: uuid.UUID | None = None
) -> Comment | None:
    """The comment this very form stored (its submission_token), else the author's newest comment
    with exactly this text within COMMENT_DUPLICATE_WINDOW, if any: one indexed query (two when
    one is found: the comment with its article, for the redirect). A reader's post reads it with
    the parent instead (comments.services.preflight)."""
    member, values = duplicate_values(
        user=user, author_email=author_email, body=body, submission_token=submission_token
    )
    row = (_member_duplicate if member else _guest_duplicate).first(**values)
    return duplicate_comment(row[0] if row else None)


def duplicate_comment(pk: int | None) -> Comment | None:
    """The comment found by the duplicate query, with its article (for the redirect)."""
    return Comment.objects.select_related("article").get(pk=pk) if pk is not None else None


class Repeat(enum.Enum):
    """What a comment found by find_duplicate() means for this request."""

    FIRST = "land on the first"  # this very form, sent twice (its twin gets no edit rights)
    REFUSE = "refuse with a link"  # the author's own same text, seen from their browser or account
    REFUSE_QUIETLY = "refuse, no link"  # the same, from the network it was posted from (tabs at once)
    NONE = "not a repeat"  # a guest's same text, from anywhere else: a new comment


def same_author(comment: Comment, *, user, author_email: str) -> bool:
    """Whether the comment was posted by this account, or for a guest under this email."""
    if user is not None and user.is_authenticated:
        return comment.user_id == user.pk
    return comment.user_id is None and comment.author_email.strip().lower() == author_email.strip().lower()


def judge_repeat(request, duplicate: Comment | None, *, author_email: str, submission_token) -> Repeat:
    """Land, refuse or post, never telling a stranger which email wrote what.

    A guest's email is typed, not proven. That this email wrote this text a moment ago is told,
    with a link, only to the browser that posted it (its cookie); from the network it came from
    (six tabs sent at once, before any cookie came back) it is refused without a word about
    where; from anywhere else the same text under that email is simply a new comment.
    """
    if duplicate is None:
        return Repeat.NONE
    if submission_token and duplicate.submission_token == submission_token:
        return Repeat.FIRST
    if not same_author(duplicate, user=request.user, author_email=author_email):
        return Repeat.NONE
    if request.user.is_authenticated or ownership.is_owner(request, duplicate):
        return Repeat.REFUSE
    if duplicate.ip_address and network_of(duplicate.ip_address) == client_network(request):
        return Repeat.REFUSE_QUIETLY
    return Repeat.NONE


def duplicate_message(duplicate: Comment, repeat: Repeat) -> str:
    """The refusal, for the form: with a link to the comment only for its own browser or account."""
    if repeat is Repeat.REFUSE:
        return format_html(
            'You posted this same comment {} ago: <a href="{}">see your comment</a>.',
            timesince(duplicate.created_at),
            reverse("comments:thread", args=[duplicate.pk]),
        )
    return "You posted this same comment a moment ago: it is not posted twice."
