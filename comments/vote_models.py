"""Helpful votes (issue 22): one row per (comment, voter), never a column of Comment.

A vote marks no thread: the Best order and the counts it shows are recomputed from these rows
on a bounded schedule (comments.best), so a click never turns the page cache over.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class HelpfulVote(models.Model):
    """A reader found a comment helpful. voter_key is "user:<id>" for an account or
    "guest:<digest of the verified address>" for a guest; unique per comment, so a double click or
    a race stores one vote."""

    comment = models.ForeignKey("comments.Comment", on_delete=models.CASCADE, related_name="helpful_votes")
    # The comment's article, kept on the vote: the Best order reads one article's votes by index.
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    voter_key = models.CharField(max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "voter_key"], name="helpful_vote_once_per_voter")
        ]
        indexes = [
            models.Index(fields=["article", "created_at"], name="helpful_vote_article_idx"),
            models.Index(fields=["voter_key", "created_at"], name="helpful_vote_voter_idx"),
        ]

    def __str__(self):
        return f"{self.voter_key} found comment {self.comment_id} helpful"
