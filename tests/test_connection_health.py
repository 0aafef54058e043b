"""The health check before a request's first query (config.postgresql): a round trip only when needed."""

import time

import pytest
from django.db import connections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def health_checks(monkeypatch):
    """Count the SELECT 1 checks of the default connection; start as a new request would."""
    connection = connections["default"]
    checks = []
    usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or usable())
    monkeypatch.setattr(connection, "health_check_enabled", True)
    connection.ensure_connection()
    connection.close_if_unusable_or_obsolete()  # what the end of a request does: check again next time
    return checks


def backend_pid() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_quiet_connection_is_used_without_a_select_1(health_checks):
    before = connections["default"].connection.info.backend_pid

    after = backend_pid()

    assert after == before
    assert health_checks == []


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(health_checks):
    connection = connections["default"]
    ended = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [ended])
    finally:
        other.close()
    deadline = time.monotonic() + 5
    while not connection._has_something_to_read() and time.monotonic() < deadline:
        time.sleep(0.01)  # the server's goodbye is on its way

    replaced = backend_pid()

    assert replaced != ended
    assert health_checks == [1]
