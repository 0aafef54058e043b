"""Log automatic refusals where moderators see them (RefusalLog in the admin)."""

import hashlib
import logging

from django.core.cache import cache

from config.client import client_ip
from protection.models import RefusalLog

logger = logging.getLogger(__name__)

# A flood must not become a flood of rows: one row per reason, path and client a minute.
LOG_DEDUP_SECONDS = 60


def log_refusal(request, *, reason: str, detail: str = "", excerpt: str = "") -> RefusalLog | None:
    """Record one refusal (at most one a minute per reason, path and client); return the row."""
    ip = client_ip(request)
    user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
    client = f"{user.pk if user else ''}|{ip}"
    key = "refusal:" + hashlib.sha256(f"{reason}|{request.path}|{client}".encode()).hexdigest()[:32]
    logger.info("Refused %s on %s: %s", reason, request.path, detail)
    if not cache.add(key, 1, timeout=LOG_DEDUP_SECONDS):
        return None
    return RefusalLog.objects.create(
        reason=reason,
        path=request.path[:200],
        detail=detail[:300],
        user=user,
        ip_address=ip,
        excerpt=" ".join(excerpt.split())[:200],
    )
