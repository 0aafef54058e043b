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


def test_settings_refuse_a_display_depth_with_no_room_for_continue_pages():
    result = run_settings(
        {"DEBUG": "1", "DATABASE_URL": "postgres://u@127.0.0.1:1/x", "COMMENT_DISPLAY_DEPTH": "1"}
    )

    assert result.returncode != 0
    assert "COMMENT_DISPLAY_DEPTH must be 2 or more" in result.stderr


def test_production_settings_start_with_a_secret_key():
    result = run_settings(
        {"DEBUG": "0", "SECRET_KEY": "x" * 60, "DATABASE_URL": "postgres://u@127.0.0.1:1/x"}
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_database_binds_parameters_server_side_and_prepares_repeated_statements():
    from django.db import connection

    connection.ensure_connection()

    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    assert connection.connection.prepare_threshold == 5  # issue 9: a post's statements planned once


@pytest.mark.django_db
def test_deleting_an_article_batches_its_discussion_under_the_bound_parameter_limit(monkeypatch):
    # Bound by the server, a statement takes at most 65,535 parameters; Django's cascading delete
    # of an article sends one per comment. The limit is lowered here so 600 comments cross it.
    from django.db import connection

    from articles.models import Article
    from comments.generator import generate_discussion
    from comments.models import Comment
    from config.postgresql import base
    from tests.factories import ArticleFactory

    monkeypatch.setattr(base, "MAX_BOUND_PARAMETERS", 250)
    article = ArticleFactory()
    generate_discussion(article, comments=600, seed=3)
    counts = []

    def count_parameters(execute, sql, params, many, context):
        counts.append(len(params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_parameters):
        Article.objects.get(pk=article.pk).delete()

    assert not Comment.objects.filter(article_id=article.pk).exists()
    assert max(counts) <= 250 and len(counts) > 3  # several batches, none over the limit
