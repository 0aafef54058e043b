from django.conf import settings
from django.db import models
from django.utils import timezone


class RefusalLog(models.Model):
    """One automatic refusal, for moderators: what was refused, where and why.

    Keeps no email address; the IP address is erased with the comments' after the
    retention period (purge_personal_data).
    """

    class Reason(models.TextChoices):
        RATE_LIMIT = "rate_limit", "Rate limit"
        DUPLICATE = "duplicate", "Duplicate comment"
        HONEYPOT = "honeypot", "Honeypot field filled"
        TOO_FAST = "too_fast", "Form sent too fast"
        BAD_STAMP = "bad_stamp", "Form timestamp missing or forged"
        LOGIN_LOCKOUT = "login_lockout", "Log-in locked out"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    path = models.CharField(max_length=200)
    detail = models.CharField(max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    excerpt = models.CharField(max_length=200, blank=True, help_text="The start of the refused text.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["reason", "-created_at"], name="refusal_reason_created_idx")]

    def __str__(self):
        return f"{self.get_reason_display()} at {self.created_at:%Y-%m-%d %H:%M}"
