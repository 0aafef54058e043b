from django import template
from django.urls import reverse

from comments.models import Comment

register = template.Library()


@register.inclusion_tag("admin/comments/_queue_summary.html", takes_context=True)
def moderation_queue_summary(context):
    """How many comments wait for a moderator: two index-backed counts, for those who may see them."""
    request = context["request"]
    if not request.user.has_perm("comments.view_comment"):
        return {"show": False}
    return {
        "show": True,
        "pending": Comment.objects.pending().count(),
        "reported": Comment.objects.reported().count(),
    }


@register.inclusion_tag("admin/comments/desk/_decide.html", takes_context=True)
def desk_decisions(context, comment, *, next_url: str = "", ban: bool = False):
    """The desk's Approve / Reject / Spam / Remove (and Ban…) forms for one comment, as shown now."""
    from comments.desk import DECISIONS
    from comments.services import moderation_state

    return {
        "comment": comment,
        "state": moderation_state(comment),
        "next_url": next_url,
        "ban": ban,
        "decisions": [(name, key) for name, (_, _, key) in DECISIONS.items()],
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def moderation_desk_url() -> str:
    """The desk's full address, for emails (the moderators' digest)."""
    from notifications.services import absolute_url

    return absolute_url(reverse("admin:comments_comment_desk"))
