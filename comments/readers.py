"""What the site remembers about one reader: their own comments (a signed cookie) and who reports.

A guest's browser may edit and delete what it posted for the edit window, and a reader sees
their own held comments. Both lists live in one signed cookie (issue 9), not in the session:
posting then writes no session row (no second commit), and a reader without the cookie or an
account costs no query at all. The cookie is signed with the SECRET_KEY (nothing in it can be
forged or altered), HttpOnly and SameSite=Lax like the session's, and bound to the account it
was written for: after a sign-in or sign-out on a shared browser the lists no longer apply.
Its value is signing.dumps()'s compressed URL-safe base64 (RFC 6265 cookie-octets only): JSON
in a cookie needs quoting and backslashes, which Python's http.cookiejar (requests, httpx,
crawlers) strips on the way back, breaking the signature (issue 14).
Replaying a copied cookie gives no more than a copied session cookie did: the same comments,
within the same window.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

OWN_COOKIE = "tl_own"
OWN_SALT = "threadline.own-comments"
PENDING_KEY = "pending"
POSTED_KEY = "posted"
MAX_REMEMBERED = 50


def _owner(request) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


def own_comments(request) -> dict[str, list[int]]:
    """This reader's lists from the cookie (read and checked once a request; no query)."""
    own = getattr(request, "_own_comments", None)
    if own is not None:
        return own
    own = {PENDING_KEY: [], POSTED_KEY: []}
    try:
        data = signing.loads(
            request.COOKIES.get(OWN_COOKIE, ""), salt=OWN_SALT, max_age=settings.SESSION_COOKIE_AGE
        )
    except signing.BadSignature:  # missing, altered, expired or from an older release
        data = None
    if isinstance(data, dict) and data.get("u") == _owner(request):
        for key in own:
            pks = data.get(key)
            if isinstance(pks, list):
                own[key] = [pk for pk in pks if isinstance(pk, int)][-MAX_REMEMBERED:]
    request._own_comments = own
    return own


def _remember(request, key: str, comment) -> None:
    own = own_comments(request)
    own[key] = ([pk for pk in own[key] if pk != comment.pk] + [comment.pk])[-MAX_REMEMBERED:]
    request._own_comments_changed = True


def remember_pending(request, comment) -> None:
    """Let this reader see their held comment (and no one else see it)."""
    _remember(request, PENDING_KEY, comment)


def remember_posted(request, comment) -> None:
    """Let this browser edit and delete the comment for the edit window."""
    _remember(request, POSTED_KEY, comment)


def store_own_comments(request, response) -> None:
    """Write the cookie if this request changed the lists."""
    if not getattr(request, "_own_comments_changed", False):
        return
    value = signing.dumps({"u": _owner(request), **own_comments(request)}, salt=OWN_SALT, compress=True)
    response.set_cookie(
        OWN_COOKIE,
        value,
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def _own(request, key: str) -> frozenset[int]:
    if OWN_COOKIE not in request.COOKIES and not getattr(request, "_own_comments_changed", False):
        return frozenset()
    return frozenset(own_comments(request)[key])


def own_pending(request) -> frozenset[int]:
    """The pks of this reader's comments held for review. No query."""
    return _own(request, PENDING_KEY)


def own_posted(request) -> frozenset[int]:
    """The pks of the comments this browser posted as a guest. No query."""
    return _own(request, POSTED_KEY)


def reporter_key(request) -> str:
    """Who is reporting: the account when signed in; a guest counts by network (the report
    service keys them "net:<network>"), so no session is made for them: a session row per guest
    report was a database write anyone could cause at will."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return "guest"


@dataclass(frozen=True)
class Reader:
    """What one reader has of their own in a discussion (from their session and account).

    Threads holding any of it are rendered for that reader alone and never cached: their
    held comments show, marked "awaiting moderation", and their Edit/Delete links appear.
    """

    request: object = None
    pending: frozenset[int] = frozenset()  # held comments posted in this session
    posted: frozenset[int] = frozenset()  # comments a guest posted in this session
    user_id: int | None = None

    def __bool__(self) -> bool:
        return bool(self.pending or self.posted or self.user_id)


NO_READER = Reader()  # nothing of their own: every thread from the shared cache


def reader_state(request) -> Reader:
    """What this reader has of their own in discussions: nothing (and no query) without the
    cookie or an account."""
    user_id = request.user.pk if request.user.is_authenticated else None
    if OWN_COOKIE not in request.COOKIES and user_id is None:
        return NO_READER
    return Reader(request=request, pending=own_pending(request), posted=own_posted(request), user_id=user_id)
