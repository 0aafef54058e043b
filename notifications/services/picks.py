"""Issue 22: the author of a comment featured as an editor's pick is told by email, when they
asked to hear about their comments (a member's reply emails, verified; a guest's confirmed
subscription to that comment). The same opt-in and one-click unsubscribe as reply mail."""

from django.template.loader import render_to_string
from django.urls import reverse

from comments.models import Comment
from notifications import tokens
from notifications.models import ReplySubscription
from notifications.services.outbox import absolute_url, queue_email, unsubscribe_headers, unsubscribe_url
from notifications.services.replies import mails_member_about_comments


def notify_pick(comment: Comment, *, note: str) -> int:
    """Queue the "your comment is an editor's pick" email to its author if they opted in; how many
    were queued (0 or 1). Once per comment, however often it is featured again."""
    token = None
    member = comment.user
    if mails_member_about_comments(member):
        address, token = member.email.lower(), tokens.unsubscribe_token(user=member)
    else:
        subscription = ReplySubscription.objects.active().filter(comment=comment).first()
        if subscription is not None:
            address, token = subscription.email, tokens.unsubscribe_token(subscription=subscription)
    if token is None:
        return 0
    url = unsubscribe_url(token)
    context = {
        "comment": comment,
        "article": comment.article,
        "note": note,
        "comment_url": absolute_url(reverse("comments:thread", args=[comment.pk])),
        "unsubscribe_url": url,
    }
    email = queue_email(
        key=f"pick:{comment.pk}",
        to=address,
        subject=f"Your comment on “{comment.article.title}” is an editor's pick",
        body=render_to_string("notifications/email/pick.txt", context),
        headers=unsubscribe_headers(url),
    )
    return int(email is not None)
