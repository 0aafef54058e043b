"""A reader in headless Chromium: open an article, comment, reply, see the reply nested."""

import re

import pytest

from comments.models import Comment
from notifications.models import ReplySubscription
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The Chromium fixtures (browser, page) live in conftest.py, shared by every browser test module.


def test_reader_comments_replies_and_sees_the_reply_nested(live_server, page):
    article = ArticleFactory(title="Trains at night")

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Trains at night").click()
    page.get_by_label("Comment", exact=True).fill("Sleeper trains deserve a comeback.")
    page.get_by_label("Name").fill("Rita")
    page.get_by_label("Email").fill("rita@example.org")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))  # posted with fetch (issue 20), or a page load

    comment = Comment.objects.get()
    assert page.url.endswith(f"{article.get_absolute_url()}#comment-{comment.pk}")
    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Reply").click()
    reply_form = page.locator(f"#comment-{comment.pk} .inline-reply form")  # opens in place (issue 5)
    reply_form.get_by_label("Comment", exact=True).fill("Agreed, if the fares are fair.")
    reply_form.get_by_label("Name").fill("Sol")
    reply_form.get_by_label("Email").fill("sol@example.org")
    reply_form.get_by_role("button", name="Post comment").click()
    page.locator(f"#comment-{comment.pk} .replies > li").wait_for()  # posted with fetch, no page load

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
    page.locator(".form-errors").wait_for()  # shown in place (issue 20)

    assert "Please give a name" in page.content()
    assert page.get_by_label("Comment", exact=True).input_value() == "Text I do not want to lose"
    assert not Comment.objects.exists()


def test_reader_searches_from_the_header_and_asks_for_reply_emails(live_server, page):
    ArticleFactory(title="Night trains return", body="Sleeper services are running again across Europe.")
    ArticleFactory(title="Gardening", body="Beans.")
    page.goto(f"{live_server.url}/")

    page.get_by_role("search").get_by_role("searchbox").fill("sleeper")
    page.get_by_role("search").get_by_role("button", name="Search").click()

    assert page.locator(".search-results li").count() == 1
    assert page.locator(".search-results mark").first.inner_text().lower() == "sleeper"
    page.get_by_role("link", name="Night trains return").click()
    page.get_by_label("Comment", exact=True).fill("I would take one tomorrow.")
    page.get_by_label("Name").fill("Rita")
    page.get_by_label("Email", exact=True).fill("rita@example.org")
    page.get_by_label("Notify me when someone replies").check()
    page.get_by_role("button", name="Post comment").click()

    # Told next to the new comment, where the writer is (issue 20).
    assert "Check your inbox" in page.locator("li.comment .placed-notice").inner_text()
    subscription = ReplySubscription.objects.get()  # issue 8: search box, reply notifications
    assert subscription.email == "rita@example.org" and subscription.confirmed_at is None
