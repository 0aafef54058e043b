"""`manage.py check --deploy` warnings for settings Django cannot know matter here.

Emails link back to the site and come from a sender: with the development defaults they would
point readers at 127.0.0.1 and come from noreply@localhost, and without EMAIL_HOST they are
only printed by the worker. Django's own deploy checks see none of that.
"""

import ipaddress
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def is_local_host(host: str) -> bool:
    """localhost, a loopback or unspecified address, or no host at all."""
    host = host.strip("[]").lower()
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    site_url = getattr(settings, "SITE_URL", "") or ""
    if not site_url or is_local_host(urlsplit(site_url).hostname or ""):
        return [
            Warning(
                f"SITE_URL is {site_url or 'not set'!r}: links in emails (replies, confirmations, "
                "unsubscribe) would point there.",
                hint="Set SITE_URL to the public address, e.g. https://talk.example.org.",
                id="threadline.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_sender(app_configs, **kwargs):
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if is_local_host(address.rpartition("@")[2]):
        return [
            Warning(
                f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL!r}: mail servers refuse or "
                "bin mail from a local address.",
                hint="Set DEFAULT_FROM_EMAIL to an address on your domain: Threadline <noreply@example.org>.",
                id="threadline.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_email_host(app_configs, **kwargs):
    if not settings.EMAIL_HOST:
        return [
            Warning(
                "EMAIL_HOST is not set: reply notifications, digests and password resets are only "
                "printed by the task worker, never sent.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).",
                id="threadline.W003",
            )
        ]
    return []
