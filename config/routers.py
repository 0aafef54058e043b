"""Send reads to a PostgreSQL streaming replica, writes (and what must be fresh) to the primary.

Switched on by DATABASE_REPLICA_URL (settings.READ_REPLICA_ALIAS = "replica"). Reads go to
the primary all the same

- inside a write transaction on the primary (a service re-reads the parent comment under
  its thread lock: a lagging replica would hand it stale nested-set numbers);
- for the rest of a request that is not a GET/HEAD/OPTIONS (the POST that posts a comment);
- for REPLICA_PIN_SECONDS after a client's last write (a cookie), so the reader who has
  just posted lands on a page that shows the comment even while the replica lags.

Migrations run on the primary only.
"""

from contextvars import ContextVar

from django.conf import settings
from django.db import connections

PIN_COOKIE = "tl_primary"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_pinned_to_primary: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)


class ReadReplicaRouter:
    def db_for_read(self, model, **hints):
        replica = settings.READ_REPLICA_ALIAS
        if not replica or _pinned_to_primary.get() or connections["default"].in_atomic_block:
            return "default"
        return replica

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaPinMiddleware:
    """Pin writes' requests, and a writer's next requests, to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        writes = request.method not in SAFE_METHODS
        token = _pinned_to_primary.set(writes or PIN_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _pinned_to_primary.reset(token)
        if writes and settings.READ_REPLICA_ALIAS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
