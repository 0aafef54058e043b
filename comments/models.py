from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from mptt.models import MPTTModel, TreeForeignKey
from mptt.querysets import TreeQuerySet

from comments.markup import render_comment_body
from comments.mptt_internals import SequenceTreeManager, drop_tree_index


class CommentQuerySet(TreeQuerySet):
    def approved(self):
        """Comments every reader may see."""
        return self.filter(status=Comment.Status.APPROVED)

    def for_article(self, article):
        """The article's comments, all threads."""
        return self.filter(article=article)

    def roots(self):
        """Top-level comments: one per thread."""
        return self.filter(parent__isnull=True)

    def pending(self):
        """Comments held for review (by the rules, or hidden after reports)."""
        return self.filter(status=Comment.Status.PENDING)

    def reported(self):
        """Comments with reports no moderator has acted on yet."""
        return self.filter(report_count__gt=0)

    def needs_action(self):
        """The moderation queue: pending or reported."""
        return self.filter(models.Q(status=Comment.Status.PENDING) | models.Q(report_count__gt=0))


class CommentManager(SequenceTreeManager.from_queryset(CommentQuerySet)):
    """Tree ids from a sequence (comments.mptt_internals): never max()+1."""


class Comment(MPTTModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"
        DELETED = "deleted", "Deleted by its author"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="comments")
    parent = TreeForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    author_name = models.CharField(max_length=80)
    author_email = models.EmailField(blank=True, help_text="Private: never shown to readers.")
    body = models.TextField()
    body_html = models.TextField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    report_count = models.PositiveIntegerField(default=0, help_text="Reports not yet acted on.")
    hold_reason = models.CharField(max_length=200, blank=True, help_text="Why the comment waits for review.")
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    # Issue 20: when it was first shown to every reader (posted approved, or approved from the
    # queue): its author's edit window starts here, not when a held comment was written.
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    # On top-level comments only: bumped in the same transaction as any write to the
    # thread, so the thread's cached HTML is keyed by it and goes stale never.
    thread_version = models.PositiveBigIntegerField(default=0, editable=False)
    # On top-level comments only: the thread's replies, set with thread_version, for the "Most
    # replies" sort to read from the roots' index (which must not hold lft/rght: see below).
    # A default in the database too: the release before it inserts rows without the column.
    thread_replies = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # Issue 21 (comments.cooling). A lock on any comment: no new replies to it or below it.
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    lock_reason = models.CharField(max_length=200, blank=True, default="", db_default="", editable=False)
    # On top-level comments only: the thread's own slow mode (0 = off; no end time = no end).
    slow_mode_seconds = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    slow_mode_until = models.DateTimeField(null=True, blank=True, editable=False)
    slow_mode_reason = models.CharField(max_length=200, blank=True, default="", db_default="", editable=False)
    # Posted by a first-time commenter under an article's "collapse" rule: shown folded.
    first_time = models.BooleanField(default=False, db_default=False, editable=False)
    # Why a moderator removed it, as its placeholder says ("removed: abuse"): a report reason.
    removal_category = models.CharField(
        max_length=10,
        blank=True,
        default="",
        db_default="",
        editable=False,
        choices=[("spam", "spam"), ("abuse", "abuse"), ("off-topic", "off-topic"), ("other", "other")],
    )
    # Set by the comment form; a second submission of the same form finds the first comment.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = CommentManager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "created_at"], name="comment_status_created_idx"),
            # The moderation queue's "reported" half.
            models.Index(
                fields=["created_at"], condition=models.Q(report_count__gt=0), name="comment_reported_idx"
            ),
            # Issue 6: a guest's recent comments, for duplicate detection (email matched case-blind).
            models.Index(
                Upper("author_email"),
                F("created_at").desc(),
                condition=models.Q(user__isnull=True),
                name="comment_guest_recent_idx",
            ),
            # Issue 7, plans in bench/README.md: the page's roots (any sort) read this index only;
            # the approved-comment count reads the (article, status) one.
            models.Index(
                fields=["article", "tree_id"],
                include=["status", "thread_version", "thread_replies"],
                condition=models.Q(parent__isnull=True),
                name="comment_thread_roots_idx",
            ),
            models.Index(fields=["article", "status"], name="comment_article_status_idx"),
        ]

    def __str__(self):
        return f"{self.author_name}: {self.excerpt}"

    def save(self, *args, **kwargs):
        self.body_html = render_comment_body(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The comment's permalink: its own page, with its replies (no query; where it sits in the
        article's discussion is comments.locations.comment_location)."""
        return reverse("comments:thread", args=[self.pk])

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_removed(self) -> bool:
        return self.status == self.Status.REMOVED

    @property
    def is_deleted_by_author(self) -> bool:
        return self.status == self.Status.DELETED

    @property
    def excerpt(self) -> str:
        text = " ".join(self.body.split())
        return text if len(text) <= 80 else text[:79] + "…"

    @property
    def reply_count(self) -> int:
        """Every descendant, whatever its status (nested-set arithmetic, no query)."""
        return (self.rght - self.lft - 1) // 2


drop_tree_index(Comment)  # renumbering stays a HOT update (comments.mptt_internals)


# The moderation models live in their own module; importing them here registers them with the app.
from comments.moderation_models import (  # noqa: E402, F401
    Ban,
    ModerationRules,
    ModerationTerm,
    ModerationVersion,
    Report,
)
from comments.pick_models import CommentPick  # noqa: E402, F401
from comments.read_models import ReadMark  # noqa: E402, F401
from comments.vote_models import HelpfulVote  # noqa: E402, F401
