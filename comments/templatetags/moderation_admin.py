from django import template

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
