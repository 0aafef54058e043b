from django.contrib import admin

from articles.models import Article


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
    ]
