from django.conf import settings
from django.db import models
from django.utils import timezone


class ReplySubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Confirmed and not unsubscribed: these get emails."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class ReplySubscription(models.Model):
    """A guest asked to be emailed about replies to one of their comments."""

    comment = models.ForeignKey("comments.Comment", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = ReplySubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "email"], name="reply_subscription_unique")]

    def __str__(self):
        return f"{self.email} on comment {self.comment_id}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class NotificationSettings(models.Model):
    """A member's email preferences; no row means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    reply_emails = models.BooleanField("Email me when someone replies to my comments", default=False)
    decision_emails = models.BooleanField(
        "Email me when a moderator approves or rejects my held comment", default=True
    )
    moderation_digest = models.BooleanField(
        "Email me a digest of comments waiting for review (moderators)", default=True
    )

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Notification settings of {self.user}"


class OutboundEmailQuerySet(models.QuerySet):
    def queued(self):
        """Not yet delivered and still being retried."""
        return self.filter(status=OutboundEmail.Status.QUEUED)


class OutboundEmail(models.Model):
    """One email to one address: the outbox row outlives any failure of the mail server.

    `key` makes every notification idempotent: a reply notifies a subscriber once,
    however often the job that builds it runs.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_email_due_idx")]

    def __str__(self):
        return f"{self.subject} → {self.to}"


class DigestState(models.Model):
    """A single row: when the last moderation digest went out and whether one is scheduled."""

    last_sent_at = models.DateTimeField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return "Moderation digest state"


class VerifiedEmail(models.Model):
    """A member proved they read mail at this address (the link in the verification email).

    Until then the site sends the account nothing but verification and password-reset mail:
    anyone can type anyone's address at sign-up.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    verified_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.email} verified for {self.user_id}"
