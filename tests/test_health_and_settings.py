import os
import subprocess
import sys

import pytest

from tests.helpers import database_unreachable

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_the_database_does_not_answer(client, settings):
    with database_unreachable():
        response = client.get("/healthz")

    assert response.status_code == 503


def run_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "TESTING"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
    )


def test_missing_secret_key_stops_start_up_with_debug_off():
    result = run_settings({"DEBUG": "0", "DATABASE_URL": "postgres://u@127.0.0.1:1/x"})

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_refuse_a_database_other_than_postgresql():
    result = run_settings({"DEBUG": "1", "DATABASE_URL": "sqlite:///db.sqlite3"})

    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_production_settings_start_with_a_secret_key():
    result = run_settings(
        {"DEBUG": "0", "SECRET_KEY": "x" * 60, "DATABASE_URL": "postgres://u@127.0.0.1:1/x"}
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_parameters_are_bound_by_the_client_unless_prepared_statements_are_asked_for():
    from django.db import connection

    options = {"DEBUG": "1", "DATABASE_URL": "postgres://u@127.0.0.1:1/x"}
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    asked = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {show}"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **options,
             "DATABASE_PREPARED_STATEMENTS": "1"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip

    # By default, as in Django: a server-bound query takes at most 65,535 parameters, and
    # deleting an article with a larger discussion would fail.
    assert "server_side_binding" not in connection.settings_dict["OPTIONS"]
    assert "'server_side_binding': True" in asked.stdout and "'prepare_threshold': 5" in asked.stdout


def test_a_query_with_more_parameters_than_a_server_bound_one_takes_runs(db):
    # What Django's cascading delete of an article with a very large discussion sends: one
    # parameter per comment. Bound by the server, past 65,535 it fails.
    from comments.models import Comment

    assert Comment.objects.filter(pk__in=range(1, 70_000)).count() == 0
