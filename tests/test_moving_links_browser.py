"""An old comment link in a browser: the fragment survives the redirect and finds the comment."""

import pytest
from django.db import connection

from comments.models import Comment
from tests.factories import CommentFactory
from tests.moving_helpers import import_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_old_comment_link_lands_on_that_comment_not_on_a_new_one_with_its_number(live_server, browser):
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('comments_comment', 'id'), 101)")
    newcomer = CommentFactory(body="A new comment numbered like an old one")
    import_file("wordpress-1.2.xml")
    bram = Comment.objects.get(author_name="Bram Chen")  # comment 102 on the old site
    assert newcomer.pk == 102 != bram.pk
    context = browser.new_context()
    page = context.new_page()

    page.goto(f"{live_server.url}/2019/05/night-trains/#comment-102")
    page.wait_for_url(f"**#comment-{bram.pk}")

    assert page.locator(f"#comment-{bram.pk}").is_visible()
    assert "Agreed" in page.locator(f"#comment-{bram.pk}").inner_text()
    context.close()


def test_an_old_post_link_without_a_comment_ends_on_the_clean_article_url(live_server, browser):
    import_file("wordpress-1.2.xml")
    context = browser.new_context()
    page = context.new_page()

    page.goto(f"{live_server.url}/?p=10")
    page.wait_for_function("!window.location.search")

    assert page.url == f"{live_server.url}/articles/night-trains/"
    assert page.get_by_role("heading", name="Why the night train came back").is_visible()
    context.close()
