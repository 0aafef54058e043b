import pytest

from tests.factories import ArticleFactory, StaffFactory


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """collectstatic under production settings, once a run (issue 7's deployment tests)."""
    from tests.servers import collectstatic

    root = tmp_path_factory.mktemp("staticfiles")
    collectstatic(root)
    return root


@pytest.fixture(scope="session")
def production_web(django_db_setup, django_db_blocker, static_root, tmp_path_factory):
    """One gunicorn in production settings on the test database (issue 7), for the whole run."""
    from tests.servers import current_database_url, gunicorn, production_env

    with django_db_blocker.unblock():
        url = current_database_url()
    env = production_env(
        DATABASE_URL=url, STATIC_ROOT=str(static_root), TRUSTED_PROXY_COUNT="1", WEB_CONCURRENCY="1"
    )
    server = gunicorn(8710, env, tmp_path_factory.mktemp("web") / "web.log")
    yield server
    server.stop()
