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
def abuse_protection_off(settings):
    """Most tests post quickly from one client: rate limits and the fill-time check stay off.

    Tests of those protections switch them on with the `abuse_protection` fixture.
    """
    from django.core.cache import cache

    cache.clear()  # no counts or refusal-log dedup keys leak from one test into the next
    settings.RATE_LIMITS_ENABLED = False
    settings.COMMENT_MIN_FILL_SECONDS = 0


@pytest.fixture
def abuse_protection(settings):
    """Rate limits and the fill-time check on, with the default rates and an empty cache."""
    from django.core.cache import cache

    cache.clear()
    settings.RATE_LIMITS_ENABLED = True
    settings.COMMENT_MIN_FILL_SECONDS = 3
    yield settings
    cache.clear()


@pytest.fixture
def fast_hashing(settings):
    """MD5 password hashes: for tests that create many users or try many passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
