"""A reader in headless Chromium: open an article, comment, reply, see the reply nested."""

import pytest

from comments.models import Comment
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The shared Chromium fixtures (`browser`, `page`) live in tests/conftest.py.


def test_reader_comments_replies_and_sees_the_reply_nested(live_server, page):
    article = ArticleFactory(title="Trains at night")

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Trains at night").click()
    page.get_by_label("Comment", exact=True).fill("Sleeper trains deserve a comeback.")
    page.get_by_label("Name").fill("Rita")
    page.get_by_label("Email").fill("rita@example.org")
    page.get_by_role("button", name="Post comment").click()

    comment = Comment.objects.get()
    assert page.url.endswith(f"{article.get_absolute_url()}#comment-{comment.pk}")
    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Reply").click()
    page.get_by_label("Comment", exact=True).fill("Agreed, if the fares are fair.")
    page.get_by_label("Name").fill("Sol")
    page.get_by_label("Email").fill("sol@example.org")
    page.get_by_role("button", name="Post comment").click()

    reply = Comment.objects.get(parent=comment)
    nested = page.locator(f"#comment-{comment.pk} #comment-{reply.pk}")
    assert nested.get_attribute("data-parent") == str(comment.pk)
    assert "Agreed, if the fares are fair." in nested.inner_text()
    assert page.url.endswith(f"#comment-{reply.pk}")


def test_invalid_comment_shows_the_error_and_keeps_the_text(live_server, page):
    article = ArticleFactory()

    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.get_by_label("Comment", exact=True).fill("Text I do not want to lose")
    page.get_by_role("button", name="Post comment").click()

    assert "Please give a name" in page.content()
    assert page.get_by_label("Comment", exact=True).input_value() == "Text I do not want to lose"
    assert not Comment.objects.exists()
