"""timestamptz through psycopg's C loader (config/postgresql/timestamps.py): the same datetimes as
Django's own loader, and what it leans on in Django's backend still there."""

import datetime
import inspect

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql import psycopg_any
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoDatabaseWrapper

from config.postgresql.timestamps import NATIVE_LOADER, TIMESTAMPTZ_OID, UtcTimestamptzLoader
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db
TEXT = psycopg.pq.Format.TEXT

VALUES = [
    "2026-12-02 12:30:00.211329+00",
    "2026-12-02 12:30:00+00",
    "2026-03-29 01:59:59.999999+00",
    "2026-07-01 23:00:00+02",  # another offset: the same instant in UTC
    "1901-02-03 04:05:06.000001+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


def select_timestamps(cursor) -> list[datetime.datetime]:
    placeholders = ", ".join(["%s::timestamptz"] * len(VALUES))
    cursor.execute(f"SELECT {placeholders}", VALUES)
    return list(cursor.fetchone())


def test_a_connection_loads_timestamptz_with_psycopgs_own_loader():
    connection.ensure_connection()

    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, TEXT)

    assert loader is UtcTimestamptzLoader
    if psycopg.pq.__impl__ in ("binary", "c"):  # what the project installs: psycopg[binary]
        assert NATIVE_LOADER.__module__.startswith(("psycopg_binary", "psycopg_c"))


def test_loaded_datetimes_are_aware_utc_and_equal_to_djangos():
    with connection.cursor() as cursor:
        ours = select_timestamps(cursor)
    with connection.cursor() as cursor:
        psycopg_any.register_tzloader(datetime.UTC, cursor.cursor)  # Django's own, on this cursor
        djangos = select_timestamps(cursor)

    assert ours == djangos
    assert [value.tzinfo for value in ours] == [datetime.UTC] * len(VALUES)
    assert [value.isoformat() for value in ours] == [value.isoformat() for value in djangos]


def test_a_comments_times_round_trip_through_the_orm():
    comment = CommentFactory()
    comment.edited_at = datetime.datetime(2026, 12, 2, 12, 30, 0, 211329, tzinfo=datetime.UTC)
    comment.save(update_fields=["edited_at"])

    comment.refresh_from_db()

    assert comment.edited_at == datetime.datetime(2026, 12, 2, 12, 30, 0, 211329, tzinfo=datetime.UTC)
    assert comment.edited_at.tzinfo is datetime.UTC


def test_cursors_keep_the_connections_loader():
    # Django's create_cursor compares its zone with the connection's loader's `timezone` and, when
    # they differ, registers its own loader on each cursor (a copy of the adapters per cursor).
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, TEXT)

    assert loader is UtcTimestamptzLoader


def test_djangos_backend_still_does_what_the_loader_replaces():
    # If Django stops registering its Python loader, or passes the adapters another way, or stops
    # reading the loader's `timezone` in create_cursor, config/postgresql/timestamps.py is stale.
    template = psycopg_any.get_adapters_template(True, datetime.UTC)
    params = DjangoDatabaseWrapper.get_connection_params(connection)

    assert issubclass(template.get_loader(TIMESTAMPTZ_OID, TEXT), psycopg_any.BaseTzLoader)
    assert params["context"] is template
    assert psycopg_any.BaseTzLoader.__mro__[1] is psycopg.types.datetime.TimestamptzLoader
    assert "tzloader.timezone" in inspect.getsource(DjangoDatabaseWrapper.create_cursor)
