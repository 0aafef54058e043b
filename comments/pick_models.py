"""Editor's picks (issue 22): a moderator features a comment, with a note readers see.

A pick changes what a thread shows (its badge), so a trigger on this table marks the comment's
thread and article changed through the same comments_mark() as every write to a comment
(migration comments 0014): the cached thread and page are replaced, whoever writes the pick.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class CommentPick(models.Model):
    comment = models.OneToOneField("comments.Comment", on_delete=models.CASCADE, related_name="pick")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=300, blank=True, help_text="Why it is featured: shown with the pick.")
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    picked_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "editor's pick"
        indexes = [models.Index(fields=["article", "picked_at"], name="comment_pick_article_idx")]

    def __str__(self):
        return f"Pick: comment {self.comment_id}"
