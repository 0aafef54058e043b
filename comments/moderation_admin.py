"""Admin pages for the moderation rules, the word lists, the bans and the readers' reports."""

from django.contrib import admin
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse

from comments import services
from comments.models import Ban, Comment, ModerationRules, ModerationTerm, Report


def author_histories(comments) -> dict:
    """Comment counts by status per author (account, or guest email): one query."""
    user_ids = {c.user_id for c in comments if c.user_id}
    emails = {c.author_email.lower() for c in comments if not c.user_id and c.author_email}
    if not user_ids and not emails:
        return {}
    rows = (
        Comment.objects.filter(Q(user_id__in=user_ids) | Q(user__isnull=True, author_email__in=emails))
        .values("user_id", "author_email")
        .annotate(**{status: Count("pk", filter=Q(status=status)) for status in Comment.Status.values})
    )
    histories: dict = {}
    for row in rows:
        key = ("user", row["user_id"]) if row["user_id"] else ("email", row["author_email"].lower())
        counts = histories.setdefault(key, dict.fromkeys(Comment.Status.values, 0))
        for status in counts:
            counts[status] += row[status]
    return histories


@admin.register(ModerationRules)
class ModerationRulesAdmin(admin.ModelAdmin):
    fields = ["hold_first_comments", "max_links", "report_threshold", "updated_at"]
    readonly_fields = ["updated_at"]

    def changelist_view(self, request, extra_context=None):
        # One row of settings: the list would only ever show it, so open it.
        return redirect(reverse("admin:comments_moderationrules_change", args=[ModerationRules.load().pk]))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationTerm)
class ModerationTermAdmin(admin.ModelAdmin):
    list_display = ["phrase", "action", "note", "created_at"]
    list_editable = ["action"]
    list_filter = ["action"]
    search_fields = ["phrase", "note"]
    fields = ["phrase", "action", "note"]


class ActiveBanFilter(admin.SimpleListFilter):
    title = "in force"
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", "In force"), ("no", "Expired")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.active()
        if self.value() == "no":
            return queryset.exclude(pk__in=Ban.objects.active())
        return queryset


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reason", "expires_at", "is_active", "created_by", "created_at"]
    list_filter = ["kind", ActiveBanFilter]
    search_fields = ["email", "network", "reason", "user__username"]
    list_select_related = ["user", "created_by"]
    fields = ["kind", "user", "email", "network", "reason", "expires_at", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    raw_id_fields = ["user"]

    @admin.display(boolean=True, description="In force")
    def is_active(self, ban):
        return ban.is_active

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if obj.is_active:
            removed = services.enforce_bans([obj], moderator=request.user)
            for comment in removed:
                self.log_change(
                    request, comment, f"Comment removed: its author was banned ({obj}). Reason: {obj.reason}"
                )
            if removed:
                self.message_user(request, f"Removed {len(removed)} pending comment(s) by this author.")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["comment", "reason", "text", "created_at", "resolved_at"]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["comment"]
    search_fields = ["text", "comment__body"]
    readonly_fields = ["comment", "reporter_key", "user", "reason", "text", "created_at", "resolved_at"]

    def has_add_permission(self, request):
        return False  # readers report from the site

    def has_change_permission(self, request, obj=None):
        return False
