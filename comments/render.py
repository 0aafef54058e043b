"""Thread HTML, built in Python.

A discussion page can hold hundreds of comments; through the template engine each
cost about 250 µs (variable resolution, {% url %}, date filters), here about 10 µs.
The markup is the page contract of DESIGN.md: one <li id="comment-<pk>"
data-parent="<parent pk>"> per comment, its replies' elements inside it.
Every reader-supplied value goes through escape(); body_html was escaped and
sanitised when the comment was saved.
"""

import functools

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape


@functools.cache
def _url_pattern(name: str) -> str:
    # reverse() once with a placeholder pk, then plain string formatting per comment
    return reverse(name, args=[987654321]).replace("987654321", "{pk}")


def render_items(article, items: list, *, highlight: int | None = None) -> str:
    """The HTML of a list of thread items (one or more threads, in page order)."""
    if not items:
        return ""
    thread_url = _url_pattern("comments:thread")
    reply_url = _url_pattern("comments:reply") if article.is_accepting_comments else None
    report_url = _url_pattern("comments:report")
    zone = timezone.get_current_timezone()
    out: list[str] = []
    append = out.append
    for item in items:
        comment = item.comment
        pk = comment.pk
        parent = "" if comment.parent_id is None else comment.parent_id
        append(f'<li class="comment depth-{comment.level}" id="comment-{pk}" data-parent="{parent}">')
        append('<article class="highlight" aria-current="true">' if pk == highlight else "<article>")
        if comment.is_approved or item.awaiting:
            author = escape(comment.author_name)
            created = comment.created_at.astimezone(zone)
            awaiting = (
                ' <strong class="awaiting">Awaiting moderation: only you can see this comment</strong>'
                if item.awaiting
                else ""
            )
            append(
                f'<header class="comment-meta"><span class="author">{author}</span> '
                f'<a class="permalink" href="{thread_url.format(pk=pk)}">'
                f'<time datetime="{created.isoformat()}">{created:%-d %b %Y, %H:%M}</time></a>'
                f"{awaiting}</header>"
                f'<div class="comment-body">{comment.body_html}</div>'
            )
            if comment.is_approved:
                reply = (
                    f'<a href="{reply_url.format(pk=pk)}" class="reply-link">'
                    f'Reply<span class="visually-hidden"> to {author}</span></a> · '
                    if reply_url
                    else ""
                )
                append(
                    f'<p class="comment-actions">{reply}<a href="{report_url.format(pk=pk)}" '
                    f'class="report-link" rel="nofollow">Report<span class="visually-hidden"> comment by '
                    f"{author}</span></a></p>"
                )
        elif comment.status == comment.Status.PENDING:
            append('<p class="placeholder">This comment is hidden while a moderator reviews it.</p>')
        else:
            append('<p class="placeholder">This comment was removed by a moderator.</p>')
        if item.hidden_replies:
            count = item.hidden_replies
            append(
                f'<p class="continue"><a href="{thread_url.format(pk=pk)}">Continue this thread '
                f"({count} more repl{'y' if count == 1 else 'ies'})</a></p>"
            )
        append("</article>")
        if item.opens:
            append('<ol class="replies">')
        else:
            append("</li>" + "</ol></li>" * len(item.closes))
    return "".join(out)
