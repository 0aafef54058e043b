from django.contrib import admin

from protection.models import RefusalLog


@admin.register(RefusalLog)
class RefusalLogAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the site, never by hand."""

    list_display = ["created_at", "reason", "path", "detail", "user", "ip_address"]
    list_filter = ["reason", "created_at"]
    search_fields = ["path", "detail", "excerpt"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
