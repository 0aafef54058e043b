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

import datetime
import functools

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from comments.folding import folded_body
from comments.held_notices import held_note_html
from comments.models import Comment
from comments.templatetags.threadline import author_parts, time_element

APPROVED = Comment.Status.APPROVED


@functools.cache
def url_pattern(name: str) -> str:
    # reverse() once with a placeholder pk, then plain string formatting per comment
    return reverse(name, args=[987654321]).replace("987654321", "{pk}")


@functools.cache
def url_parts(name: str) -> tuple[str, str]:
    """url_pattern() split around the pk, for the links every comment has: an f-string joining
    the two parts and the pk costs a third of str.format(pk=...) (about 2 µs a comment)."""
    before, after = url_pattern(name).split("{pk}")
    return before, after


def page_zone():
    """The zone comments' times are written in, asked once per page (Django's lookup goes through
    a thread-local: 3 µs, 50 times for a page of threads). UTC as datetime.UTC, the zone the rows'
    datetimes arrive in (config/postgresql/timestamps.py): astimezone() then returns them as
    they are."""
    zone = timezone.get_current_timezone()
    return datetime.UTC if getattr(zone, "key", None) == "UTC" else zone


def locked_pks(items: list, *, locked_above: bool = False) -> set[int]:
    """The comments in a locked branch (issue 21): a locked one and all below it. Items come in
    tree order, so a comment's locked ancestors come before it: their (tree, lft, rght) spans."""
    if not locked_above and not any(item.comment.locked_at for item in items):
        return set()
    locked, spans = set(), []
    for item in items:
        comment = item.comment
        if (
            locked_above
            or comment.locked_at
            or any(tree == comment.tree_id and lft < comment.lft < rght for tree, lft, rght in spans)
        ):
            locked.add(comment.pk)
        if comment.locked_at:
            spans.append((comment.tree_id, comment.lft, comment.rght))
    return locked


def lock_note(comment) -> str:
    """In place of Reply on a locked branch; the locked comment itself says why."""
    if comment.locked_at and comment.lock_reason:
        return f'<span class="locked-note">Replies locked: {escape(comment.lock_reason)}</span>'
    return '<span class="locked-note">Replies locked</span>'


def removed_placeholder(comment) -> str:
    """Where a moderator's decision left a placeholder; a removal names its category (issue 21)."""
    if comment.status == comment.Status.REMOVED and comment.removal_category:
        return (
            '<p class="placeholder">This comment was removed by a moderator '
            f"(removed: {escape(comment.removal_category)}).</p>"
        )
    return '<p class="placeholder">This comment was removed by a moderator.</p>'


def _replies(count: int) -> str:
    return f"{count} repl{'y' if count == 1 else 'ies'}"


def helpful_button(pk: int, helpful: dict[int, int] | None) -> str:
    """Issue 22: the comment's Helpful button, tied to the page's one form (templates/comments/
    _helpful_form.html) by its form attribute: no token or form per comment. Only on pages with that
    form (helpful not None: the article page); the counts show in the Best order only, as of its
    last snapshot (comments.best)."""
    if helpful is None:
        return ""
    count = helpful.get(pk)
    label = f"Helpful ({count})" if count else "Helpful"
    return f'<button form="helpful" name="comment" value="{pk}">{label}</button>'


# Issue 22: on the comments moderators featured only (comments.services.picking).
PICK_BADGE = ' <strong class="pick-badge">Editor’s pick</strong>'


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
    helpful: dict[int, int] | None = None,
    picked: frozenset[int] = frozenset(),
    locked_above: bool = False,
    zone=None,
) -> str:
    """The HTML of a list of thread items (one or more threads, in page order).

    locked_above: the items hang below a locked comment not among them (a permalink page);
    zone: page_zone(), when the caller renders several lists."""
    if not items:
        return ""
    thread_at, thread_end = url_parts("comments:thread")
    replies_open = article.is_accepting_comments
    reply_at, reply_end = url_parts("comments:reply")
    report_at, report_end = url_parts("comments:report")
    edit_url, delete_url = url_pattern("comments:edit"), url_pattern("comments:delete")
    zone = zone or page_zone()
    locked = locked_pks(items, locked_above=locked_above)
    out: list[str] = []
    append = out.append
    for item in items:
        comment = item.comment
        pk = comment.pk
        approved = comment.status == APPROVED
        parent = "" if comment.parent_id is None else comment.parent_id
        if pk == highlight:
            append(
                f'<li class="comment highlight" id="comment-{pk}" data-parent="{parent}" aria-current="true">'
            )
        else:
            append(f'<li class="comment" id="comment-{pk}" data-parent="{parent}">')
        if approved or item.awaiting:
            author, colour, initials = author_parts(comment.author_name)
            append(
                f'<header class="comment-meta"><span class="author c{colour}" data-initials="{initials}">'
                f"{author}</span> "
                f'<a href="{thread_at}{pk}{thread_end}">'
                f"{time_element(comment.created_at.astimezone(zone))}</a>"
            )
            if comment.edited_at:
                append(' <span class="edited">edited</span>')
            if pk in picked:
                append(PICK_BADGE)
            if item.awaiting:
                append(
                    ' <strong class="awaiting">Awaiting moderation: only you can see this comment</strong>'
                )
            append("</header>")
            if item.awaiting:
                append(held_note_html(comment))
            if comment.first_time:  # issue 21: collapsed, the reader opens it
                append(
                    '<details class="first-time"><summary>Comment from a first-time commenter</summary>'
                    f"{folded_body(comment.body_html)}</details>"
                )
            else:
                append(folded_body(comment.body_html))
            if item.awaiting and (pk in editable or pk in deletable):
                append(_own_actions(pk, editable, deletable, edit_url, delete_url))
            if approved:
                actions = []
                if pk in locked:
                    actions.append(lock_note(comment))
                elif replies_open:
                    actions.append(
                        f'<a href="{reply_at}{pk}{reply_end}" class="reply-link" '
                        f'aria-label="Reply to {author}">Reply</a>'
                    )
                if helpful is not None:
                    actions.append(helpful_button(pk, helpful))
                if pk in editable and pk in deletable:
                    actions.append(f'<a href="{edit_url.format(pk=pk)}" class="edit-link">Edit</a>')
                if pk in deletable:
                    actions.append(f'<a href="{delete_url.format(pk=pk)}" class="delete-link">Delete</a>')
                actions.append(
                    f'<a href="{report_at}{pk}{report_end}" '
                    f'aria-label="Report comment by {author}">Report</a>'
                )
                append(f'<p class="comment-actions">{" ".join(actions)}</p>')
        elif comment.status == comment.Status.DELETED:
            append('<p class="placeholder">This comment was deleted by its author.</p>')
        elif comment.status == comment.Status.PENDING:
            append('<p class="placeholder">This comment is hidden while a moderator reviews it.</p>')
        else:
            append(removed_placeholder(comment))
        if item.hidden_replies:
            hidden = item.hidden_replies
            append(
                f'<p class="continue"><a href="{thread_at}{pk}{thread_end}">Continue this thread '
                f"({hidden} more {'reply' if hidden == 1 else 'replies'})</a></p>"
            )
        if item.opens:
            append(
                f'<details class="thread-toggle" open><summary>{_replies(item.shown_replies)}</summary>'
                '<ol class="replies">'
            )
        elif item.more_replies:  # the thread's last item shown on an article page: the rest on its page
            more = item.more_replies
            link = (
                f'<p class="continue"><a href="{thread_at}{item.thread_root}{thread_end}">'
                f"{more} more {'reply' if more == 1 else 'replies'} in this thread</a></p>"
            )
            closes = len(item.closes)
            append(
                ("</li>" + "</ol></details></li>" * (closes - 1) + "</ol></details>" if closes else "")
                + link
                + "</li>"
            )
        else:
            append("</li>" + "</ol></details></li>" * len(item.closes))
    return "".join(out)
