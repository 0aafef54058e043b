"""Where a signed-in reader stopped reading a discussion (issue 22: "new since your last visit")."""

from django.conf import settings
from django.db import models


class ReadMark(models.Model):
    """read_at: comments after it are new to the reader; visited_at: their latest page view. A visit
    after a pause (comments.unread.VISIT_GAP) moves read_at up to the previous visit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()
    visited_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "article"], name="read_mark_once")]

    def __str__(self):
        return f"{self.user_id} read article {self.article_id} to {self.read_at:%Y-%m-%d %H:%M}"
