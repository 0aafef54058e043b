from django.contrib import admin
from django.utils.translation import ngettext

from notifications import services
from notifications.models import NotificationSettings, OutboundEmail, ReplySubscription


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "status", "attempts", "created_at", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject", "key"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry the selected emails now")
    def retry_now(self, request, queryset):
        count = sum(services.retry_email_now(email) for email in queryset)
        self.message_user(
            request,
            ngettext("%(count)d email queued for delivery.", "%(count)d emails queued for delivery.", count)
            % {"count": count},
        )


@admin.register(ReplySubscription)
class ReplySubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "comment", "created_at", "confirmed_at", "unsubscribed_at"]
    search_fields = ["email"]
    raw_id_fields = ["comment"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "reply_emails", "moderation_digest"]
    raw_id_fields = ["user"]
