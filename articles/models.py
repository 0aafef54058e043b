import datetime

import markdown
import nh3
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models, router
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from config.prepared import PreparedValues

ARTICLE_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "a", "blockquote", "code", "pre",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
}  # fmt: skip


def render_article_markdown(text: str) -> str:
    """Editors' Markdown to HTML, sanitised all the same (an account can be stolen)."""
    html = markdown.markdown(text, extensions=["extra", "sane_lists", "smarty"], output_format="html")
    return nh3.clean(html, tags=ARTICLE_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener")


DISCUSSION_FIELDS = {"comment_count", "thread_count", "discussion_version", "discussion_updated_at"}


class ArticleQuerySet(models.QuerySet):
    def published(self, *, now=None):
        """Articles readers may see: published, and not scheduled for later."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def with_counted_comments(self):
        """Annotate counts computed from the comments themselves (to check the stored counters)."""
        return self.annotate(
            counted_comments=Count("comments", filter=Q(comments__status="approved")),
            counted_threads=Count("comments", filter=Q(comments__parent__isnull=True)),
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(blank=True, help_text="One or two sentences for lists and feeds.")
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(editable=False, blank=True)
    byline = models.CharField(max_length=200, blank=True)
    source_name = models.CharField("source", max_length=200, blank=True)
    source_url = models.URLField("source URL", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    comments_open = models.BooleanField(default=True)
    comments_close_at = models.DateTimeField(
        null=True, blank=True, help_text="Optional: the discussion closes by itself at this time."
    )
    # Issue 21: cooling a heated discussion (comments.cooling checks these at write time; set
    # and lifted by comments.services.cooling, which saves with .save() so cached pages refresh).
    slow_mode_seconds = models.PositiveIntegerField(
        default=0, help_text="Slow mode: one comment per this many seconds per author (0 = off)."
    )
    slow_mode_until = models.DateTimeField(null=True, blank=True, help_text="Slow mode ends (empty: no end).")
    slow_mode_reason = models.CharField(max_length=200, blank=True)
    newcomer_policy = models.CharField(
        max_length=10,
        choices=[("off", "Off"), ("hold", "Hold for review"), ("collapse", "Collapse")],
        default="off",
        help_text="What happens to comments from first-time commenters on this article.",
    )
    newcomer_until = models.DateTimeField(
        null=True, blank=True, help_text="The newcomer rule ends (empty: no end)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by comments.services in the same transaction as every comment write, so
    # pages need no COUNT over the discussion (and have a Last-Modified).
    comment_count = models.PositiveIntegerField(default=0, editable=False, help_text="Approved comments.")
    thread_count = models.PositiveIntegerField(default=0, editable=False, help_text="Top-level comments.")
    discussion_version = models.PositiveBigIntegerField(default=0, editable=False)
    discussion_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept by PostgreSQL itself (a stored generated column): English stemming, title weighs most.
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body", weight="C", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_published_idx"),
            GinIndex(fields=["search_vector"], name="article_search_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_article_markdown(self.body)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html"}
        elif not self._state.adding and not kwargs.get("force_insert"):
            # Never write the discussion counters from a possibly stale instance (an editor's
            # form, loaded before the latest comment): comments.services owns them.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields
                if not f.primary_key and not f.generated and f.name not in DISCUSSION_FIELDS
            ]  # fmt: skip
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def last_modified(self):
        """When anything on the article's page last changed: the article or its discussion."""
        return max(filter(None, [self.updated_at, self.discussion_updated_at]))

    @property
    def is_accepting_comments(self) -> bool:
        if not self.comments_open:
            return False
        closes_at = self.discussion_closes_at
        return closes_at is None or timezone.now() < closes_at

    def slow_mode_on(self, now=None) -> bool:
        """Slow mode applies now (seconds set, end time not passed)."""
        return bool(self.slow_mode_seconds) and (
            self.slow_mode_until is None or (now or timezone.now()) < self.slow_mode_until
        )

    @property
    def is_slow_mode_on(self) -> bool:
        return self.slow_mode_on()

    @property
    def cooling_state(self) -> tuple:
        """What of the cooling rules the page shows now: changes when one ends, with no write."""
        return (self.slow_mode_on(), self.newcomer_rule())

    def newcomer_rule(self, now=None) -> str:
        """The newcomer rule in force now: "off", "hold" or "collapse"."""
        if self.newcomer_until is not None and (now or timezone.now()) >= self.newcomer_until:
            return "off"
        return self.newcomer_policy

    @property
    def discussion_closes_at(self):
        """When the discussion closes by itself: the article's own date, else the site's
        COMMENTS_CLOSE_AFTER_DAYS after publication (no query either way), else never."""
        if self.comments_close_at is not None:
            return self.comments_close_at
        days = settings.COMMENTS_CLOSE_AFTER_DAYS
        if days and self.published_at is not None:
            return self.published_at + datetime.timedelta(days=days)
        return None


# Every field but the search vector, which no page shows.
_PAGE_FIELDS = [field.attname for field in Article._meta.concrete_fields if field.name != "search_vector"]
_published_article = PreparedValues(
    lambda slug, now: Article.objects.filter(slug=slug).published(now=now).values_list(*_PAGE_FIELDS),
    slug="-stand-in-",
    now=datetime.datetime(1901, 2, 3, tzinfo=datetime.UTC),
)


def published_article(slug: str) -> Article | None:
    """The published article with this slug, or None: one query.

    The article page's hot path: a cached page costs this query and little else, and the ORM
    would build and compile the same SELECT on every call (config.prepared).
    """
    row = _published_article.first(slug=slug, now=timezone.now())
    return None if row is None else Article.from_db(router.db_for_read(Article), _PAGE_FIELDS, row)
