"""Signed tokens for the links in emails: no table of secrets, nothing guessable."""

from datetime import timedelta

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "notifications.confirm"
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


class BadToken(Exception):
    """The link was altered, is not ours, or has expired; the message says which, for the reader."""


def confirm_token(subscription) -> str:
    return signing.dumps({"s": subscription.pk, "e": subscription.email}, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token: str) -> dict:
    max_age = timedelta(hours=settings.NOTIFY_CONFIRM_MAX_AGE_HOURS)
    try:
        return signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadToken(
            "This confirmation link has expired. Tick “Email me about replies” on your next comment "
            "to get a new one."
        ) from error
    except signing.BadSignature as error:
        raise BadToken(
            "This confirmation link is not valid. Please copy the whole link from the email."
        ) from error


def unsubscribe_token(*, subscription=None, user=None, kind: str = "replies") -> str:
    """A link that stops one stream of emails. It does not expire: old emails must keep working."""
    payload = {"s": subscription.pk} if subscription is not None else {"u": user.pk, "k": kind}
    return signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> dict:
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as error:
        raise BadToken(
            "This unsubscribe link is not valid. Please copy the whole link from the email."
        ) from error
    if not isinstance(payload, dict) or not ({"s"} <= payload.keys() or {"u", "k"} <= payload.keys()):
        raise BadToken("This unsubscribe link is not valid.")
    return payload
