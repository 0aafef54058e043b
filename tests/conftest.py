import os

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


@pytest.fixture(autouse=True)
def _first_comments_trusted_unless_moderation_test(request):
    """Tests not marked `moderation` post as readers the rules already trust.

    Production holds a new author's first comment (ModerationRules.hold_first_comments,
    on by default); the posting, paging and browser tests are about threads, not the
    rules, so they run with that one rule off. Tests marked `moderation` see the
    defaults exactly as a fresh site has them.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or request.node.get_closest_marker("moderation") is not None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from comments.models import ModerationRules

    ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": False})


@pytest.fixture(autouse=True)
def abuse_protection_off(settings):
    """Most tests post quickly from one client: rate limits and the fill-time check stay off.

    Tests of those protections switch them on with the `abuse_protection` fixture.
    """
    from pagecache.store import recent_pages

    clear_caches()  # no counts or refusal-log dedup keys leak from one test into the next
    recent_pages.clear()
    settings.RATE_LIMITS_ENABLED = False
    settings.COMMENT_MIN_FILL_SECONDS = 0


def clear_caches() -> None:
    """Empty this process's caches (and the memory a Redis cache falls back to); never FLUSHDB a
    Redis that other tests or runs may share."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    for backend in caches.all():
        for memory in (backend, getattr(backend, "_fallback", None)):
            if isinstance(memory, LocMemCache):
                memory.clear()


@pytest.fixture
def abuse_protection(settings):
    """Rate limits and the fill-time check on, with the default rates and empty caches."""
    clear_caches()
    settings.RATE_LIMITS_ENABLED = True
    settings.COMMENT_MIN_FILL_SECONDS = 3
    yield settings
    clear_caches()


@pytest.fixture
def fast_hashing(settings):
    """MD5 password hashes: for tests that create many users or try many passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Headless Chromium, one per test session (Playwright's sync API allows one per thread).
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=90_000
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_content_types():
    """Transactional tests flush the database and content types come back with new ids;
    Django's ContentType cache would hand out the old ones (an admin log entry then fails)."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


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
