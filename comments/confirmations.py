"""Issue 20: a confirmation shows where the reader lands, next to the comment it is about.

After "Your comment was updated" (or deleted, reported, "check your inbox") the writer is sent to
the comment's #comment-<pk>: the page's message list at its top is thousands of pixels away. So
these messages carry where they belong (their tags), and the page that shows the comment puts
them inside its <li>, focused on load (autofocus: screen readers read it) and announced
(role=status). Pages with messages are rendered for their reader alone (the `messages` cookie
or the session is personal: pagecache.store.is_shared), so the shared thread HTML never holds
them. A message whose comment is not on the page shows at the top, as before.
"""

from django.contrib import messages
from django.utils.html import escape
from django.utils.safestring import mark_safe

AT_COMMENT = "at-comment-"
AT_DISCUSSION = "at-discussion"


def confirm(request, text: str, *, comment_pk: int | None = None) -> None:
    """Queue a success message for the next page, shown next to the comment (or the discussion)."""
    tag = f"{AT_COMMENT}{comment_pk}" if comment_pk is not None else AT_DISCUSSION
    messages.success(request, text, extra_tags=tag)


def _target(message) -> str | None:
    for tag in (message.extra_tags or "").split():
        if tag.startswith(AT_COMMENT) or tag == AT_DISCUSSION:
            return tag
    return None


def notice_html(text: str, *, focus: bool = True) -> str:
    focus_attrs = ' tabindex="-1" autofocus' if focus else ""
    return f'<p class="placed-notice" role="status"{focus_attrs}>{escape(text)}</p>'


def insert_in_comment(html: str, pk: int, notice: str) -> str | None:
    """The HTML with `notice` first inside the <li> of comment pk, or None if it is not there."""
    start = html.find(f'id="comment-{pk}"')
    if start < 0:
        return None
    end = html.find(">", start) + 1
    return html[:end] + notice + html[end:]


def place_messages(request, threads: list[str]) -> tuple[list[str], list, list[str]]:
    """Put this request's placed messages into the threads' HTML.

    Returns (threads, the messages placed, the discussion-level notices' HTML)."""
    storage = getattr(request, "_messages", None)
    if storage is None or not request.COOKIES.keys() & {"messages", "sessionid"}:
        return threads, [], []
    placed, discussion = [], []
    threads = list(threads)
    focus = True
    for message in storage:
        target = _target(message)
        if target is None:
            continue
        notice = notice_html(str(message), focus=focus)
        if target == AT_DISCUSSION:
            discussion.append(mark_safe(notice))  # noqa: S308 (escaped in notice_html)
            message.placed = True  # base.html leaves it out of the list at the top
            placed.append(message)
            focus = False
            continue
        pk = target.removeprefix(AT_COMMENT)
        if not pk.isdigit():
            continue
        for index, html in enumerate(threads):
            changed = insert_in_comment(html, int(pk), notice)
            if changed is not None:
                threads[index] = mark_safe(changed)  # noqa: S308 (escaped above; the rest was safe)
                message.placed = True
                placed.append(message)
                focus = False
                break
    return threads, placed, discussion
