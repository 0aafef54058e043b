"""A moderator at the admin desk in headless Chromium: approve a held comment; ban a troll."""

import re
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from comments.models import Ban, Comment
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.moderation, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def moderator(transactional_db):
    import_module("comments.migrations.0005_moderators_group").create_groups(apps, None)
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def new_page(browser):
    contexts = []

    def open_page():
        contexts.append(browser.new_context())
        return contexts[-1].new_page()

    yield open_page
    for context in contexts:
        context.close()


def post_as_guest(tab, url, body, name, email, *, refused=False):
    tab.goto(url)
    tab.get_by_label("Comment", exact=True).fill(body)
    tab.get_by_label("Name").fill(name)
    tab.get_by_label("Email").fill(email)
    tab.get_by_role("button", name="Post comment").click()
    if not refused:
        tab.wait_for_url(re.compile(r"#comment-\d+$"))  # posted with fetch (issue 20)


def log_in_to_the_admin(tab, base_url):
    tab.goto(f"{base_url}/admin/")
    tab.get_by_label("Username").fill("mod")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()


def run_action(tab, comment, label):
    tab.locator(f'input.action-select[value="{comment.pk}"]').check()
    tab.locator('select[name="action"]').select_option(label=label)
    tab.get_by_role("button", name="Go").click()


def test_moderator_approves_a_held_comment_and_readers_then_see_it(live_server, page, new_page, moderator):
    article = ArticleFactory(title="Ferries")
    url = f"{live_server.url}{article.get_absolute_url()}"
    post_as_guest(page, url, "First time commenting: ferries need subsidies.", "Pia", "pia@example.org")
    held = Comment.objects.get()
    assert held.status == Comment.Status.PENDING
    assert "Awaiting moderation" in page.locator(f"#comment-{held.pk}").inner_text()
    reader = new_page()
    reader.goto(url)
    assert reader.locator(f"#comment-{held.pk}").count() == 0

    desk = new_page()
    log_in_to_the_admin(desk, live_server.url)
    assert "1 pending" in desk.locator("#moderation-queue").inner_text()
    desk.get_by_role("link", name="List view").click()
    assert "First time commenting" in desk.locator("#result_list").inner_text()
    run_action(desk, held, "Approve selected comments")

    expect(desk.locator(".messagelist")).to_contain_text("1 comment approved.")
    reader.goto(url)
    shown = reader.locator(f"#comment-{held.pk}")
    assert "ferries need subsidies" in shown.inner_text() and "Awaiting" not in shown.inner_text()


def test_moderator_bans_an_author_whose_pending_comments_leave_the_queue(
    live_server,
    page,
    new_page,
    moderator,
):
    article = ArticleFactory(title="Bridges")
    url = f"{live_server.url}{article.get_absolute_url()}"
    post_as_guest(page, url, "You are all fools.", "Troll", "troll@example.org")
    post_as_guest(page, url, "Still fools, all of you.", "Troll", "troll@example.org")
    first, second = Comment.objects.order_by("pk")

    desk = new_page()
    log_in_to_the_admin(desk, live_server.url)
    desk.get_by_role("link", name="List view").click()
    run_action(desk, first, "Ban the authors of selected comments…")
    desk.get_by_label("For how many days").fill("30")
    desk.get_by_label("Reason").fill("Insults every reader")
    desk.get_by_role("button", name="Ban and remove their pending comments").click()

    expect(desk.locator(".messagelist")).to_contain_text("1 ban made; 2 pending comments removed.")
    queue = desk.locator("#changelist").inner_text()
    assert "fools" not in queue
    assert Ban.objects.get().email == "troll@example.org"
    assert {c.status for c in (first, second) if c.refresh_from_db() is None} == {Comment.Status.REMOVED}
    post_as_guest(page, url, "Let me back in, fools.", "Troll", "troll@example.org", refused=True)
    expect(page.locator(".form-errors")).to_contain_text("banned from commenting")
    assert Comment.objects.count() == 2
