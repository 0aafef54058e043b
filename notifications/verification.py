"""Members verify their email before the site mails them anything but verification and reset.

Sign-up never says whether an address has an account: when another account already uses it,
that address gets a notice ("someone signed up with your address") instead of a verification
link, and the new account stays unverified.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.site import absolute_url
from notifications.addresses import same_mailbox
from notifications.models import OutboundEmail, VerifiedEmail
from notifications.tokens import BadToken

VERIFY_SALT = "notifications.verify-email"
VERIFY_MAX_AGE = timedelta(days=3)
VERIFICATIONS_PER_DAY = 3  # per mailbox: anyone can type any address


def is_verified(user) -> bool:
    """Whether the member proved the address the account has now."""
    return bool(user.email) and VerifiedEmail.objects.filter(user=user, email__iexact=user.email).exists()


def verification_token(user) -> str:
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=VERIFY_SALT, compress=True)


def _taken_by_another(user) -> bool:
    """Whether the address belongs to another account: one made earlier, or one that verified it
    (a later squatter never blocks the owner's own verification)."""
    earlier = get_user_model().objects.filter(email__iexact=user.email, pk__lt=user.pk)
    verified = VerifiedEmail.objects.filter(email__iexact=user.email).exclude(user=user)
    return earlier.exists() or verified.exists()


@transaction.atomic
def request_verification(user) -> OutboundEmail | None:
    """Queue the verification link (or, when another account has the address, a notice to it)."""
    from notifications.services import queue_email  # the outbox; services imports this module

    if not user.email or is_verified(user):
        return None
    since = timezone.now() - timedelta(days=1)
    recent = OutboundEmail.objects.filter(same_mailbox("to", user.email), key__startswith="verify:")
    if recent.filter(created_at__gte=since).count() >= VERIFICATIONS_PER_DAY:
        return None
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    if _taken_by_another(user):
        body = render_to_string(
            "notifications/email/address_taken.txt", {"reset_url": absolute_url(reverse("password_reset"))}
        )
        subject = "Someone signed up at Threadline with your address"
    else:
        url = absolute_url(reverse("notifications:verify", args=[verification_token(user)]))
        body = render_to_string("notifications/email/verify.txt", {"verify_url": url})
        subject = "Confirm your email address for Threadline"
    return queue_email(key=f"verify:{user.pk}:{stamp}", to=user.email, subject=subject, body=body)


def read_verification_token(token: str) -> dict:
    """The link's payload ({"u": user pk, "e": address}). Raises BadToken."""
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired as error:
        raise BadToken("This link has expired: ask for a new one on your email settings page.") from error
    except signing.BadSignature as error:
        raise BadToken("This link is not valid. Please copy the whole link from the email.") from error
    if not isinstance(payload, dict):
        raise BadToken("This link is not valid.")
    return payload


@transaction.atomic
def verify_email(token: str):
    """Mark the address in the signed link verified for its account; return the user. Raises BadToken."""
    payload = read_verification_token(token)
    user = get_user_model().objects.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or user.email.lower() != payload.get("e") or _taken_by_another(user):
        raise BadToken("This link no longer matches an account's address.")
    VerifiedEmail.objects.update_or_create(
        user=user, defaults={"email": user.email, "verified_at": timezone.now()}
    )
    return user
