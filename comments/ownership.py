"""Who may edit or delete a comment: its signed-in author, or the browser that posted it as a guest.

Guests are recognised by the pks they posted, kept in a signed cookie (comments.readers);
signed-in authors by the comment's user. Nothing here queries the database.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from comments import readers


def edit_window() -> timedelta:
    return timedelta(minutes=settings.COMMENT_EDIT_MINUTES)


def is_owner(request, comment, *, posted: frozenset[int] | None = None) -> bool:
    user = request.user
    if user.is_authenticated and comment.user_id == user.pk:
        return True
    pks = readers.own_posted(request) if posted is None else posted
    return comment.pk in pks and comment.user_id is None


def within_window(comment, now=None) -> bool:
    """Held for review, or shown for less than the edit window: the window starts when the
    comment is first shown (approved_at; created_at for comments stored before it existed)."""
    if comment.status == comment.Status.PENDING:
        return True
    start = comment.approved_at or comment.created_at
    return ((now or timezone.now()) - start) < edit_window()


def _changeable(comment) -> bool:
    """Shown, or held for review (issue 20: the author may fix or take back a held comment)."""
    return comment.is_approved or comment.status == comment.Status.PENDING


def can_edit(request, comment) -> bool:
    """Its author, within the edit window, while it is shown or held."""
    return _changeable(comment) and within_window(comment) and is_owner(request, comment)


def can_delete(request, comment) -> bool:
    """A signed-in author at any time; a guest within the edit window, from the same browser."""
    if not _changeable(comment) or not is_owner(request, comment):
        return False
    return comment.user_id is not None or within_window(comment)


def own_comment_pks(request, comments) -> tuple[set[int], set[int]]:
    """(editable pks, deletable pks) among the comments: one pass in Python, no query."""
    user = request.user
    user_pk = user.pk if user.is_authenticated else None
    posted = readers.own_posted(request)
    if user_pk is None and not posted:
        return set(), set()
    now = timezone.now()
    editable, deletable = set(), set()
    for comment in comments:
        if not _changeable(comment):
            continue
        if user_pk is not None and comment.user_id == user_pk:
            deletable.add(comment.pk)
        elif comment.pk in posted and comment.user_id is None:
            if within_window(comment, now):
                deletable.add(comment.pk)
        else:
            continue
        if within_window(comment, now):
            editable.add(comment.pk)
    return editable, deletable
