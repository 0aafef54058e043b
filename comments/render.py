"""Thread HTML, built in Python.

A discussion page can hold hundreds of comments; through the template engine each
cost about 250 µs (variable resolution, {% url %}, date filters), here about 15 µs.
The markup is the page contract of DESIGN.md: one <li id="comment-<pk>"
data-parent="<parent pk>"> per comment, its replies' elements inside it.
Every reader-supplied value goes through escape(); body_html was rendered and
sanitised when the comment was saved.

Kept light for phones (issue 17): about ten elements a comment. The avatar is the
author's ::before (initials from data-initials), the words screen readers need on Reply
and Report are aria-labels, and the comment's own content sits right in its <li> (no
<article>: it would want a heading of its own, says the W3C checker; no wrapper either).

What this returns is cached per thread and shared by every reader, so it holds
nothing that differs per reader or goes stale by itself: times are absolute (the
script turns them into "3 minutes ago"), and Edit/Delete links appear only in the
threads rendered for their author alone (editable/deletable).
"""

import functools

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from comments.folding import folded_body
from comments.held_notices import held_note_html
from comments.templatetags.threadline import avatar_parts, time_element


@functools.cache
def url_pattern(name: str) -> str:
    # reverse() once with a placeholder pk, then plain string formatting per comment
    return reverse(name, args=[987654321]).replace("987654321", "{pk}")


def _replies(count: int) -> str:
    return f"{count} repl{'y' if count == 1 else 'ies'}"


def _own_actions(pk: int, editable, deletable, edit_url: str, delete_url: str) -> str:
    """Edit and Delete under the author's own held comment (issue 20)."""
    actions = []
    if pk in editable:
        actions.append(f'<a href="{edit_url.format(pk=pk)}" class="edit-link">Edit</a>')
    if pk in deletable:
        actions.append(f'<a href="{delete_url.format(pk=pk)}" class="delete-link">Delete</a>')
    return f'<p class="comment-actions">{" · ".join(actions)}</p>'


def render_items(
    article,
    items: list,
    *,
    highlight: int | None = None,
    editable: set[int] = frozenset(),
    deletable: set[int] = frozenset(),
) -> str:
    """The HTML of a list of thread items (one or more threads, in page order)."""
    if not items:
        return ""
    thread_url = url_pattern("comments:thread")
    reply_url = url_pattern("comments:reply") if article.is_accepting_comments else None
    report_url = url_pattern("comments:report")
    edit_url, delete_url = url_pattern("comments:edit"), url_pattern("comments:delete")
    zone = timezone.get_current_timezone()
    out: list[str] = []
    append = out.append
    for item in items:
        comment = item.comment
        pk = comment.pk
        parent = "" if comment.parent_id is None else comment.parent_id
        if pk == highlight:
            append(
                f'<li class="comment depth-{comment.level} highlight" id="comment-{pk}" '
                f'data-parent="{parent}" aria-current="true">'
            )
        else:
            append(f'<li class="comment depth-{comment.level}" id="comment-{pk}" data-parent="{parent}">')
        if comment.is_approved or item.awaiting:
            author = escape(comment.author_name)
            colour, initials = avatar_parts(comment.author_name)
            append(
                f'<header class="comment-meta"><span class="author c{colour}" data-initials="{initials}">'
                f"{author}</span> "
                f'<a class="permalink" href="{thread_url.format(pk=pk)}">'
                f"{time_element(comment.created_at.astimezone(zone))}</a>"
            )
            if comment.edited_at:
                append(' <span class="edited">edited</span>')
            if item.awaiting:
                append(
                    ' <strong class="awaiting">Awaiting moderation: only you can see this comment</strong>'
                )
            append("</header>")
            if item.awaiting:
                append(held_note_html(comment))
            append(folded_body(comment.body_html))
            if item.awaiting and (pk in editable or pk in deletable):
                append(_own_actions(pk, editable, deletable, edit_url, delete_url))
            if comment.is_approved:
                actions = []
                if reply_url:
                    actions.append(
                        f'<a href="{reply_url.format(pk=pk)}" class="reply-link" '
                        f'aria-label="Reply to {author}">Reply</a>'
                    )
                if pk in editable and pk in deletable:
                    actions.append(f'<a href="{edit_url.format(pk=pk)}" class="edit-link">Edit</a>')
                if pk in deletable:
                    actions.append(f'<a href="{delete_url.format(pk=pk)}" class="delete-link">Delete</a>')
                actions.append(
                    f'<a href="{report_url.format(pk=pk)}" class="report-link" rel="nofollow" '
                    f'aria-label="Report comment by {author}">Report</a>'
                )
                append(f'<p class="comment-actions">{" · ".join(actions)}</p>')
        elif comment.status == comment.Status.DELETED:
            append('<p class="placeholder">This comment was deleted by its author.</p>')
        elif comment.status == comment.Status.PENDING:
            append('<p class="placeholder">This comment is hidden while a moderator reviews it.</p>')
        else:
            append('<p class="placeholder">This comment was removed by a moderator.</p>')
        if item.hidden_replies:
            hidden = item.hidden_replies
            append(
                f'<p class="continue"><a href="{thread_url.format(pk=pk)}">Continue this thread '
                f"({hidden} more {'reply' if hidden == 1 else 'replies'})</a></p>"
            )
        if item.opens:
            append(
                f'<details class="thread-toggle" open><summary>{_replies(item.shown_replies)}</summary>'
                '<ol class="replies">'
            )
        else:
            append("</li>" + "</ol></details></li>" * len(item.closes))
    return "".join(out)
