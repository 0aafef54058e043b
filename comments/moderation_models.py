"""What moderators configure in the admin: the rules, the word lists, the bans; and readers' reports."""

import contextlib
import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ModerationRules(models.Model):
    """The one row of moderation settings (pk 1), edited in the admin: changes apply to the next comment."""

    hold_first_comments = models.BooleanField(
        "hold first comments",
        default=True,
        help_text="Hold a comment for review until its author (an account, or a guest's email) has one "
        "approved comment.",
    )
    max_links = models.PositiveIntegerField(
        "most links without review", default=2, help_text="Hold a comment with more links than this."
    )
    report_threshold = models.PositiveIntegerField(
        "reports that hide a comment",
        default=3,
        help_text="After this many reports from different readers a comment is hidden until a moderator "
        "reviews it. 0 never hides.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "moderation rules"

    def __str__(self):
        return "Moderation rules"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "ModerationRules":
        """The rules row, created with the defaults on first use: one query."""
        rules, _ = cls.objects.get_or_create(pk=1)
        return rules


class ModerationVersion(models.Model):
    """One row (pk 1) whose version changes in the same transaction as any change to the rules,
    the terms or the bans: processes key their cached copy of those by it (comments.moderation).

    PostgreSQL triggers keep it (migration 0009), so every write counts: the admin, a bulk
    delete, a queryset update, the shell. Each change takes a fresh value from a sequence,
    never one seen before, so a cached copy can never match a newer state by accident.
    """

    version = models.BigIntegerField()

    class Meta:
        verbose_name = "moderation version"

    def __str__(self):
        return f"Moderation version {self.version}"


class ModerationTerm(models.Model):
    """A word or phrase that holds a comment for review, or refuses it as spam."""

    class Action(models.TextChoices):
        HOLD = "hold", "Hold for review"
        BLOCK = "block", "Refuse as spam"

    phrase = models.CharField(
        max_length=200,
        help_text="Matched as whole words, ignoring case, accents, look-alike letters and hidden characters.",
    )
    action = models.CharField(max_length=5, choices=Action.choices, default=Action.HOLD)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["action", "phrase"]
        constraints = [models.UniqueConstraint(fields=["phrase", "action"], name="moderation_term_unique")]

    def __str__(self):
        return f"{self.phrase} ({self.get_action_display().lower()})"


def validate_network(value: str) -> None:
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError as error:
        raise ValidationError("Give an IP address (203.0.113.7) or a network (203.0.113.0/24).") from error


class BanQuerySet(models.QuerySet):
    def active(self, now=None):
        """Bans in force now: no expiry, or one still ahead."""
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class Ban(models.Model):
    """An account, an email address or an IP address/network that may not comment."""

    class Kind(models.TextChoices):
        USER = "user", "Account"
        EMAIL = "email", "Email address"
        IP = "ip", "IP address or network"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="comment_bans"
    )
    email = models.EmailField(blank=True)
    network = models.CharField(
        "IP address or network",
        max_length=50,
        blank=True,
        validators=[validate_network],
        help_text="One address (203.0.113.7) or a network in CIDR form (203.0.113.0/24).",
    )
    reason = models.CharField(max_length=300, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: for good.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="ban_names_its_target",
                condition=Q(kind="user", user__isnull=False)
                | Q(kind="email") & ~Q(email="")
                | Q(kind="ip") & ~Q(network=""),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.target}"

    def clean(self):
        required = {self.Kind.USER: "user", self.Kind.EMAIL: "email", self.Kind.IP: "network"}.get(self.kind)
        if required and not getattr(self, required if required != "user" else "user_id"):
            raise ValidationError({required: "A ban of this kind needs this field."})
        if self.network:
            # An invalid value is left as given: the field's validator has said so already.
            with contextlib.suppress(ValueError):
                self.network = str(ipaddress.ip_network(self.network.strip(), strict=False))
        self.email = self.email.strip().lower()

    @property
    def target(self) -> str:
        if self.kind == self.Kind.USER:
            return str(self.user)
        return self.email if self.kind == self.Kind.EMAIL else self.network

    @property
    def is_active(self) -> bool:
        return self.expires_at is None or self.expires_at > timezone.now()

    def covers(self, *, user_id: int | None, email: str, ip_address: str | None) -> bool:
        """Whether this ban applies to an author with this account, email and IP address."""
        if self.kind == self.Kind.USER:
            return user_id is not None and self.user_id == user_id
        if self.kind == self.Kind.EMAIL:
            return bool(email) and self.email.lower() == email.strip().lower()
        if not ip_address:
            return False
        try:
            return ipaddress.ip_address(ip_address) in ipaddress.ip_network(self.network, strict=False)
        except ValueError:
            return False


class Report(models.Model):
    """A reader's report of a comment; reporter_key ("user:<id>", or "net:<network>" for a guest)
    is unique per comment. `weight` is what it counts toward hiding the comment (0: it only flags
    the comment for the queue); `hid_comment` marks the report that hid it."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abusive or hateful"
        OFF_TOPIC = "off-topic", "Off-topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey("comments.Comment", on_delete=models.CASCADE, related_name="reports")
    reporter_key = models.CharField(max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    text = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a moderator acts on the comment."
    )
    network = models.CharField(
        max_length=50, blank=True, help_text="The reporter's IPv4 address or IPv6 /64."
    )
    weight = models.FloatField(default=0, help_text="What this report counts toward hiding the comment.")
    hid_comment = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter_key"], name="one_report_per_reader"),
        ]
        indexes = [
            models.Index(
                fields=["network", "created_at"], condition=Q(hid_comment=True), name="report_network_hid_idx"
            )
        ]

    def __str__(self):
        detail = f": {self.text}" if self.text else ""
        return f"{self.get_reason_display()}{detail}"
