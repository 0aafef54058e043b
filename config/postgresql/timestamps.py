"""timestamptz values parsed by psycopg's own loader (C with psycopg[binary]), not in Python.

Django registers on every connection a subclass of psycopg's *Python* TimestamptzLoader
(django/db/backends/postgresql/psycopg_any.py, BaseTzLoader): each value is matched by a regex,
built in Python, converted, then given Django's time zone with replace(). psycopg's optimised
loader does the same parse in C. On the cold first page of a 10,000-comment discussion (250
timestamps, most of them the comments' created_at) that is about 1 ms of the page's CPU
(bench/README.md, "The cold first page"; in process, `bench/cold_page.py`).

The two agree when the session's TimeZone is UTC: psycopg's loader returns the value in the
session's zone, which for "UTC" is datetime.timezone.utc itself, and Django's returns it with
Django's zone, datetime.timezone.utc when USE_TZ is on and the database sets no TIME_ZONE. Django
sets the session's TimeZone to that zone's name ("UTC") on every new connection. So the loader is
used only then (applies()); with any other zone Django's own stays.

psycopg's C loader class cannot be subclassed (a final extension type), hence the small loader
here (psycopg's documented Loader API) that hands each value to one instance of it.

What it leans on, in Django's PostgreSQL backend (tests/test_timestamps.py fails loudly if it
changes):
- get_connection_params() passes the adapters map (get_adapters_template()) as
  conn_params["context"], with BaseTzLoader registered for timestamptz;
- create_cursor() reads the `timezone` of the connection's text timestamptz loader and registers
  Django's loader on the cursor when it differs from the connection's zone: ours says UTC, so
  cursors keep the connection's map (no copy per cursor).
"""

import datetime
from functools import lru_cache

import psycopg
from psycopg.adapt import AdaptersMap, Loader
from psycopg.postgres import types
from psycopg.pq import Format

TIMESTAMPTZ_OID = types["timestamptz"].oid
# What psycopg itself registers: its C loader with psycopg[binary] or [c], else the Python one.
NATIVE_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """psycopg's optimised text loader, for connections whose TimeZone is UTC."""

    format = Format.TEXT
    timezone = datetime.UTC  # what Django's create_cursor compares with its own zone

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        self.native = NATIVE_LOADER(oid, context)

    def load(self, data) -> datetime.datetime:
        return self.native.load(data)


def applies(connection) -> bool:
    """Whether the connection's datetimes are UTC, as psycopg's loader returns them."""
    return connection.timezone is datetime.UTC and connection.timezone_name == "UTC"


@lru_cache
def adapters_with_native_loader(template: AdaptersMap) -> AdaptersMap:
    """Django's adapters map with psycopg's timestamptz loader in place of Django's (one per map)."""
    adapters = AdaptersMap(template)
    adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestamptzLoader)
    return adapters
