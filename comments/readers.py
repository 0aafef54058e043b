"""What the site remembers about one reader in their session: their held comments and who reports."""

from django.conf import settings

PENDING_KEY = "pending_comments"
MAX_REMEMBERED = 50


def own_pending(request) -> frozenset[int]:
    """The pks of this reader's comments held for review (from their session).

    Costs the session's one query only for a reader who has a session cookie (signed-in
    readers load it anyway); a reader without one costs nothing and gets no Vary: Cookie.
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and not request.user.is_authenticated:
        return frozenset()
    return frozenset(request.session.get(PENDING_KEY, ()))


def remember_pending(request, comment) -> None:
    """Let this reader see their held comment (and no one else see it)."""
    pks = [pk for pk in request.session.get(PENDING_KEY, []) if pk != comment.pk]
    request.session[PENDING_KEY] = [*pks, comment.pk][-MAX_REMEMBERED:]


def reporter_key(request) -> str:
    """Who is reporting: the account when signed in, else the browser session (created if need be)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if request.session.session_key is None:
        request.session.save()
    return f"session:{request.session.session_key}"


def reader_state(request):
    """What this reader has of their own in discussions: nothing (and no query) without a
    session or an account."""
    from comments import ownership
    from comments.threads import Reader

    user_id = request.user.pk if request.user.is_authenticated else None
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and user_id is None:
        return Reader()
    return Reader(
        request=request,
        pending=own_pending(request),
        posted=frozenset(ownership.session_pks(request)),
        user_id=user_id,
    )
