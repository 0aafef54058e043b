from django.contrib import admin, messages
from django.contrib.admin import ModelAdmin
from django.utils.html import format_html
from mptt.admin import MPTTModelAdmin

from comments import services
from comments.models import Comment

ACTIONS = {
    # action name: (service, past tense for messages and the admin history)
    "approve": (services.approve_comment, "approved"),
    "reject": (services.reject_comment, "rejected"),
    "spam": (services.mark_spam, "marked as spam"),
    "remove": (services.remove_comment, "removed"),
}


def _moderation_action(name: str):
    service, done = ACTIONS[name]

    @admin.action(
        description=f"{name.capitalize() if name != 'spam' else 'Mark as spam'} selected comments",
        permissions=["change"],
    )
    def action(modeladmin, request, queryset):
        count = 0
        for comment in queryset:
            try:
                comment = service(comment, moderator=request.user)
            except Comment.DoesNotExist:
                continue  # deleted by another moderator since the list was shown
            modeladmin.log_change(request, comment, f"Comment {done}.")
            count += 1
        modeladmin.message_user(
            request, f"{count} comment{'s' if count != 1 else ''} {done}.", messages.SUCCESS
        )

    action.__name__ = f"{name}_comments"
    return action


@admin.register(Comment)
class CommentAdmin(MPTTModelAdmin):
    list_display = ["indented_excerpt", "author_name", "article", "status", "created_at"]
    list_display_links = ["indented_excerpt"]
    list_filter = ["status", "article"]
    search_fields = ["body", "author_name", "author_email"]
    list_select_related = ["article"]
    list_per_page = 100
    # Tree order within each article: the newest article first, threads oldest first.
    ordering = ["-article__published_at", "article_id", "tree_id", "lft"]
    actions = [_moderation_action(name) for name in ACTIONS]
    readonly_fields = [
        "article", "parent", "user", "author_email", "status", "created_at", "edited_at",
        "ip_address", "user_agent", "report_count", "moderated_by", "moderated_at",
    ]  # fmt: skip
    fields = [
        "article", "parent", "user", "author_name", "author_email", "body", "status", "created_at",
        "edited_at", "ip_address", "user_agent", "report_count", "moderated_by", "moderated_at",
    ]  # fmt: skip

    @admin.display(description="Comment", ordering="tree_id")
    def indented_excerpt(self, comment):
        return format_html('<span style="padding-left: {}em">{}</span>', comment.level * 1.5, comment.excerpt)

    def has_add_permission(self, request):
        return False  # comments come from readers, through post_comment()

    def get_actions(self, request):
        # Django's delete_selected (with its confirmation page), not mptt's tree
        # variant: it ends in delete_queryset() below, which goes through the service.
        return ModelAdmin.get_actions(self, request)

    def save_model(self, request, obj, form, change):
        services.edit_comment(obj, fields=form.changed_data)

    def delete_model(self, request, obj):
        services.delete_comment(obj)

    def delete_queryset(self, request, queryset):
        for comment in queryset.order_by("tree_id", "lft"):
            services.delete_comment(comment)  # 0 when already gone with an ancestor
