"""What an import remembers: where each article and comment came from, so a re-run finds them
("0 new") and old links find their new pages."""

from django.conf import settings
from django.db import models


class Source(models.TextChoices):
    WORDPRESS = "wordpress", "WordPress"
    DISQUS = "disqus", "Disqus"


class LegacyPost(models.Model):
    """An imported post (or a matched Disqus thread) and the article it became."""

    source = models.CharField(max_length=10, choices=Source.choices)
    old_id = models.CharField(max_length=200, help_text="WordPress post id, or Disqus thread id.")
    old_path = models.CharField(
        max_length=500, blank=True, db_index=True, help_text="The old permalink's path."
    )
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "old_id"], name="legacy_post_unique")]

    def __str__(self):
        return f"{self.get_source_display()} {self.old_id}"


class LegacyComment(models.Model):
    """An imported comment's old id (WordPress comment_id, Disqus post id) and the comment it became."""

    source = models.CharField(max_length=10, choices=Source.choices)
    old_id = models.CharField(max_length=200)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey("comments.Comment", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "old_id"], name="legacy_comment_unique")]
        indexes = [models.Index(fields=["article", "old_id"], name="legacy_comment_article_idx")]

    def __str__(self):
        return f"{self.get_source_display()} comment {self.old_id}"


class ImportJob(models.Model):
    """An export uploaded in the admin: checked (the dry-run report), then imported by the worker."""

    class State(models.TextChoices):
        CHECKING = "checking", "Checking"
        CHECKED = "checked", "Checked: ready to import"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=10, choices=Source.choices)
    file_name = models.CharField(max_length=255)
    # In the database, not on a local disk: the web tier and the worker share no files.
    data = models.BinaryField(editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CHECKING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the file read.")
    report = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_source_display()} import of {self.file_name}"


LOOKUP_CHUNK = 10_000


def imported_comments(source: str, old_ids: list[str], *, article_id: int | None = None) -> dict[str, int]:
    """Old id -> comment pk of those already imported (in chunks: a query takes 65,535 parameters)."""
    found: dict[str, int] = {}
    comments = LegacyComment.objects.filter(source=source)
    if article_id is not None:
        comments = comments.filter(article_id=article_id)
    for start in range(0, len(old_ids), LOOKUP_CHUNK):
        chunk = old_ids[start : start + LOOKUP_CHUNK]
        found.update(comments.filter(old_id__in=chunk).values_list("old_id", "comment_id"))
    return found
