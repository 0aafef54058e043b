"""Issue 22 in headless Chromium: the "next new" chain without JavaScript, and finding your way in a
long page with it (sort on selection, Parent and Next thread links, Collapse all, j / k), with
axe-core's checks on the new controls."""

import pytest
from django.test import Client

from comments import unread
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.test_reading_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_context(browser, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(**options)
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    return context


def test_the_next_new_chain_works_without_javascript(live_server, browser):
    article = ArticleFactory()
    first, second = CommentFactory(article=article), CommentFactory(article=article)
    reader = UserFactory()
    unread.visit(user=reader, article=article)
    late_reply = CommentFactory(parent=first, author_name="Late")
    newest = CommentFactory(parent=second, author_name="Newest")
    context = signed_in_context(browser, live_server, reader, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}{article.get_absolute_url()}")

    assert page.locator("#unread-title").inner_text().startswith("2 new comments since ")
    page.get_by_role("link", name="jump to the first").click()
    assert page.url.endswith(f"#comment-{late_reply.pk}")
    page.locator(f"#comment-{late_reply.pk}").get_by_role("link", name="Next new comment").click()
    assert page.url.endswith(f"#comment-{newest.pk}")
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_load_state()
    assert page.locator(".new-marker").count() == 0
    context.close()


def test_sort_parent_next_thread_collapse_all_and_j_k(live_server, browser, settings):
    settings.THREADS_PER_PAGE = 3
    article = ArticleFactory()
    roots = [CommentFactory(article=article, author_name=f"Root {n}") for n in range(4)]
    reply = CommentFactory(parent=roots[0], author_name="Replier")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{article.get_absolute_url()}")

    assert page.locator(".page-of").inner_text() == "Page 1 of 2"
    assert page.locator("nav.pagination").count() == 2
    page.locator(f"#comment-{reply.pk}").get_by_role("link", name="Parent comment").click()
    assert page.url.endswith(f"#comment-{roots[0].pk}")
    page.locator(f"#comment-{roots[0].pk} > .comment-actions").get_by_role("link", name="Next thread").click()
    assert page.url.endswith(f"#comment-{roots[1].pk}")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"comment-{roots[2].pk}"
    page.keyboard.press("k")
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.id") == f"comment-{reply.pk}"
    page.get_by_role("button", name="Collapse all").click()
    assert not page.locator(f"#comment-{reply.pk}").is_visible()
    violations = axe_violations(page)
    page.select_option("#sort", "newest")
    page.wait_for_url("**sort=newest**")
    assert page.locator("ol.comments > li.comment").first.get_attribute("id") == f"comment-{roots[3].pk}"
    context.close()

    assert violations == []


def test_axe_core_finds_no_violations_on_the_new_comments_summary(live_server, browser):
    article = ArticleFactory()
    CommentFactory(article=article)
    reader = UserFactory()
    unread.visit(user=reader, article=article)
    CommentFactory(article=article)
    CommentFactory(article=article)
    found = {}

    for scheme in ["light", "dark"]:
        context = signed_in_context(browser, live_server, reader, color_scheme=scheme, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{live_server.url}{article.get_absolute_url()}")
        assert page.locator(".new-marker").count() == 2
        found[scheme] = axe_violations(page)
        page.set_viewport_size({"width": 360, "height": 740})
        page.reload()
        found[f"{scheme} on a phone"] = axe_violations(page)
        context.close()

    assert found == {name: [] for name in found}
