"""New since your last visit (issue 22), for signed-in readers.

The shared thread HTML stays shared: the reader's part is a summary rendered apart (how many are
new since when, the first, "mark all read") and a marker spliced, per request, right after the
opening tag of each new comment on the page: "New" and a link to the next new comment, so the
chain works without JavaScript. The cached entries are never changed. Costs two queries whatever
the discussion's size: the visit (one upsert that returns where the reader stopped) and the new
comments (capped).

A visit after a pause of VISIT_GAP moves the reader's mark up to their previous visit: reloading
keeps the markers; coming back the next day shows what came since. The reader's own comments are
never new to them.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from comments.models import Comment, ReadMark

VISIT_GAP = timedelta(minutes=30)
NEW_SHOWN = 500  # a discussion with more new comments than this shows the first ones
COMMENT_ID = re.compile(r'id="comment-(\d+)"')

_VISIT = f"""
INSERT INTO {ReadMark._meta.db_table} (user_id, article_id, read_at, visited_at) VALUES (%s, %s, %s, %s)
ON CONFLICT (user_id, article_id) DO UPDATE SET
    read_at = CASE WHEN {ReadMark._meta.db_table}.visited_at < EXCLUDED.visited_at - %s
                   THEN {ReadMark._meta.db_table}.visited_at ELSE {ReadMark._meta.db_table}.read_at END,
    visited_at = EXCLUDED.visited_at
RETURNING read_at
"""


@dataclass
class Unread:
    """What is new to one reader in one discussion, and where it sits on this page."""

    read_at: datetime | None = None
    new: list[int] = field(default_factory=list)  # oldest first, at most NEW_SHOWN
    on_page: list[int] = field(default_factory=list)  # the new comments of this page, in page order

    @property
    def count(self) -> int:
        return len(self.new)

    @property
    def first_url(self) -> str:
        """The first new comment of the page, else (it is on another page) the first one's permalink."""
        if self.on_page:
            return f"#comment-{self.on_page[0]}"
        return Comment(pk=self.new[0]).get_absolute_url() if self.new else ""


def visit(*, user, article, now=None) -> datetime:
    """Record a page view; return where the reader stopped (one statement)."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_VISIT, [user.pk, article.pk, now, now, VISIT_GAP])
        return cursor.fetchone()[0]


def unread_for(*, user, article, now=None) -> Unread:
    """The reader's visit and what is new to them: two queries."""
    read_at = visit(user=user, article=article, now=now)
    new = (
        Comment.objects.approved()
        .filter(article=article, created_at__gt=read_at)
        .exclude(user_id=user.pk)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:NEW_SHOWN]
    )
    return Unread(read_at=read_at, new=list(new))


def mark_read(*, user, article, now=None) -> None:
    """Everything so far is read."""
    now = now or timezone.now()
    ReadMark.objects.update_or_create(
        user=user, article=article, defaults={"read_at": now, "visited_at": now}
    )


def mark_new(threads: list[SafeString], unread: Unread) -> list[SafeString]:
    """The page's threads with a marker after the opening tag of each new comment; sets
    unread.on_page. The threads given (the shared cache's) are not changed."""
    if not unread.new:
        return threads
    new = set(unread.new)
    found = []  # (thread index, position after the opening tag, pk), in page order
    for index, html in enumerate(threads):
        for match in COMMENT_ID.finditer(html):
            pk = int(match.group(1))
            if pk in new:
                found.append((index, html.index(">", match.end()) + 1, pk))
    unread.on_page = [pk for _, _, pk in found]
    inserts: dict[int, list[tuple[int, str]]] = {}
    for n, (index, position, _) in enumerate(found):
        following = found[n + 1][2] if n + 1 < len(found) else None
        link = (
            f'<a href="#comment-{following}">Next new comment</a>'
            if following
            else '<a href="#unread">Back to the new comments</a>'
        )
        inserts.setdefault(index, []).append(
            (position, f'<p class="new-marker"><strong>New</strong> {link}</p>')
        )
    marked = list(threads)
    for index, places in inserts.items():
        html, parts, start = threads[index], [], 0
        for position, marker in places:
            parts += [html[start:position], marker]
            start = position
        parts.append(html[start:])
        marked[index] = mark_safe("".join(parts))
    return marked
