"""Telling an author their comment was removed (issue 21), when they asked for mail about it: a
confirmed reply subscription on the comment (a guest), or reply emails on and a verified address
(a member). Queued in the moderator's transaction: sent only if the removal commits."""

from django.template.loader import render_to_string

from comments.models import Comment
from notifications import tokens
from notifications.models import ReplySubscription
from notifications.services.outbox import (
    absolute_url,
    one_line,
    queue_email,
    unsubscribe_headers,
    unsubscribe_url,
)
from notifications.services.replies import mails_member_about_comments


def comment_removed(comment: Comment) -> int:
    """Queue one email to each address that asked to hear about the comment; return how many."""
    recipients = [
        (f"removed:{comment.pk}:s{sub.pk}", sub.email, tokens.unsubscribe_token(subscription=sub))
        for sub in ReplySubscription.objects.active().filter(comment=comment)
    ]
    member = comment.user
    if mails_member_about_comments(member):
        recipients.append(
            (
                f"removed:{comment.pk}:u{member.pk}",
                member.email.lower(),
                tokens.unsubscribe_token(user=member),
            )
        )
    queued, seen = 0, set()
    for key, address, token in recipients:
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        url = unsubscribe_url(token)
        context = {
            "comment": comment,
            "article": comment.article,
            "category": comment.get_removal_category_display() if comment.removal_category else "",
            "thread_url": absolute_url(comment.get_absolute_url()),
            "unsubscribe_url": url,
        }
        email = queue_email(
            key=key,
            to=address,
            subject=f"A moderator removed your comment on “{one_line(comment.article.title)}”",
            body=render_to_string("notifications/email/removed.txt", context),
            headers=unsubscribe_headers(url),
        )
        queued += email is not None
    return queued
