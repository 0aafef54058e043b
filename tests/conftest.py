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
