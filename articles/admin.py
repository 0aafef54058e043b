from django.contrib import admin

from articles.models import Article

# Issue 21: set and lifted only through comments.services.cooling (recorded in the history).
COOLING_FIELDS = [
    "slow_mode_seconds",
    "slow_mode_until",
    "slow_mode_reason",
    "newcomer_policy",
    "newcomer_until",
]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "published_at", "comments_open", "byline"]
    list_filter = ["status", "comments_open"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    fieldsets = [
        (None, {"fields": ["title", "slug", "byline", "summary", "body"]}),
        ("Source", {"fields": ["source_name", "source_url"], "classes": ["collapse"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
        ("Discussion", {"fields": ["comments_open", "comments_close_at"]}),
        (
            "Cooling (set from Comments › Heated discussions: each change is recorded there)",
            {"fields": COOLING_FIELDS, "classes": ["collapse"]},
        ),
    ]
    readonly_fields = COOLING_FIELDS
