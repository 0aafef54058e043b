"""The moderation desk in headless Chromium (issue 19): a queue of 50 cleared with the keyboard alone."""

import re
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from comments.held_queue import build_held_queue
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.test_reading_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.moderation, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
KEYS = {"approve": "a", "reject": "r", "spam": "s", "remove": "d"}
STATUS = {"approve": "approved", "reject": "rejected", "spam": "spam", "remove": "removed"}


@pytest.fixture
def moderator(transactional_db):
    import_module("comments.migrations.0005_moderators_group").create_groups(apps, None)
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def open_desk(context, base_url):
    """Log in with the keyboard (type, Tab, type, Enter) and open the desk."""
    tab = context.new_page()
    tab.goto(f"{base_url}/admin/login/?next={reverse('admin:comments_comment_desk')}")
    tab.get_by_label("Username").focus()
    tab.keyboard.type("mod")
    tab.keyboard.press("Tab")
    tab.keyboard.type(PASSWORD)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    return tab


def words(text: str) -> str:
    return " ".join(text.split())


def focused_pk(tab) -> str | None:
    return tab.evaluate("document.activeElement.closest('.desk-item')?.dataset.pk ?? null")


def test_a_moderator_clears_fifty_held_comments_with_the_keyboard_alone(live_server, browser, moderator):
    held = build_held_queue(ArticleFactory(title="Harbour district goes car-free"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = open_desk(context, live_server.url)
    expect(desk.locator("#desk-waiting")).to_have_text("50")
    loads = []
    desk.on("load", lambda _: loads.append(desk.url))

    for n, item in enumerate(held):
        comment = item.comment
        assert focused_pk(desk) == str(comment.pk), f"focus is not on comment {n + 1}"
        shown = words(desk.locator(f"#desk-{comment.pk}").inner_text())
        assert words(comment.body) in shown  # the whole text, no opening needed
        if comment.parent_id:
            assert words(Comment.objects.get(pk=comment.parent_id).body) in shown
        if n == 2:  # a slip, taken back
            desk.keyboard.press("d")
            expect(desk.locator(f"#desk-{comment.pk}")).to_have_class(re.compile("is-decided"))
            desk.keyboard.press("u")
            expect(desk.locator(f"#desk-{comment.pk}")).not_to_have_class(re.compile("is-decided"))
            assert focused_pk(desk) == str(comment.pk)
        desk.keyboard.press(KEYS[item.decision])

    expect(desk.locator(".desk-item.is-decided")).to_have_count(50)
    expect(desk.locator("#desk-waiting")).to_have_text("0")
    expect(desk.locator("#desk-done")).to_be_focused()
    assert loads == []  # every decision in place
    for item in held:
        item.comment.refresh_from_db()
        assert item.comment.status == STATUS[item.decision], item.comment.body
        assert item.comment.moderated_by == moderator
    assert Comment.objects.pending().count() == 0
    assert LogEntry.objects.filter(user=moderator).count() == 52  # 50 decisions, one slip and its undo
    desk.reload()
    assert "Nothing is waiting" in desk.locator("#desk").inner_text()
    context.close()


def test_desk_help_counts_and_j_k_move_between_comments(live_server, browser, moderator):
    first, second, third = (CommentFactory(status=Comment.Status.PENDING, body=f"Held {n}") for n in range(3))
    context = browser.new_context()
    desk = open_desk(context, live_server.url)

    desk.keyboard.press("j")
    desk.keyboard.press("j")
    at_third = focused_pk(desk)
    desk.keyboard.press("k")
    at_second = focused_pk(desk)
    desk.keyboard.press("?")
    help_open = desk.locator("#desk-help").is_visible()
    desk.keyboard.press("Escape")
    desk.keyboard.press("s")

    assert (at_third, at_second, help_open) == (str(third.pk), str(second.pk), True)
    expect(desk.locator("#desk-waiting")).to_have_text("2")
    expect(desk.locator("#desk-status")).to_contain_text("marked as spam. Press u to undo.")
    assert focused_pk(desk) == str(third.pk)
    context.close()


def test_a_decision_refused_because_the_comment_changed_says_so_in_place(live_server, browser, moderator):
    comment = CommentFactory(status=Comment.Status.PENDING, author_name="Pia")
    context = browser.new_context()
    desk = open_desk(context, live_server.url)
    from comments.services import reject_comment

    reject_comment(comment, moderator=None)  # another moderator, meanwhile
    desk.keyboard.press("a")

    expect(desk.locator(f"#desk-{comment.pk} .desk-outcome")).to_contain_text("changed since you saw it")
    expect(desk.locator("#desk-status")).to_contain_text("Comment by Pia: This comment changed")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REJECTED
    context.close()


def test_without_javascript_the_buttons_post_the_form_and_return_to_the_desk(live_server, browser, moderator):
    comment = CommentFactory(status=Comment.Status.PENDING, body="No script here")
    context = browser.new_context(java_script_enabled=False)
    desk = open_desk(context, live_server.url)

    desk.get_by_role("button", name="Reject").click()

    expect(desk.locator(".messagelist")).to_contain_text("rejected.")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REJECTED
    context.close()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (768, 1024)])
def test_desk_fits_a_laptop_and_a_tablet_with_no_sideways_scrolling(
    live_server, browser, moderator, width, height
):
    parent = CommentFactory(body="A parent comment. " * 30)
    CommentFactory(parent=parent, status=Comment.Status.PENDING, body="A long held reply. " * 40)
    context = browser.new_context(viewport={"width": width, "height": height})
    desk = open_desk(context, live_server.url)

    overflow = desk.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    buttons = desk.locator(".desk-decide button[name=decision]:visible")
    parent_box = desk.locator(".desk-parent").bounding_box()

    assert overflow <= 0
    assert buttons.count() == 4
    assert all(buttons.nth(i).bounding_box()["x"] + 40 < width for i in range(4))
    assert parent_box["x"] >= 0 and parent_box["x"] + parent_box["width"] <= width
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_core_finds_no_violations_on_the_desk_and_the_thread(live_server, browser, moderator, scheme):
    root = CommentFactory(body="Root")
    held = CommentFactory(parent=root, status=Comment.Status.PENDING, body="Held reply. " * 200)
    context = browser.new_context(color_scheme=scheme, bypass_csp=True)  # axe is injected inline
    desk = open_desk(context, live_server.url)

    found = {"desk": axe_violations(desk)}
    desk.keyboard.press("?")
    found["help"] = axe_violations(desk)
    desk.keyboard.press("Escape")
    desk.keyboard.press("a")
    expect(desk.locator(f"#desk-{held.pk}")).to_have_class(re.compile("is-decided"))
    expect(desk.locator("#desk-done")).to_be_focused()
    found["cleared"] = axe_violations(desk)
    desk.goto(f"{live_server.url}{reverse('admin:comments_comment_thread', args=[held.pk])}")
    found["thread"] = axe_violations(desk)
    context.close()

    assert found == {name: [] for name in found}


def test_view_on_site_takes_a_moderator_to_the_held_comment_in_its_thread(live_server, browser, moderator):
    root = CommentFactory(body="The thread starts here")
    held = CommentFactory(parent=root, status=Comment.Status.PENDING, body="Held, invisible to readers")
    context = browser.new_context()
    desk = open_desk(context, live_server.url)
    desk.goto(f"{live_server.url}{reverse('admin:comments_comment_change', args=[held.pk])}")

    desk.get_by_role("link", name="View on site").click()

    here = desk.locator(f"#comment-{held.pk}")
    expect(here).to_have_attribute("aria-current", "true")
    expect(here).to_contain_text("Held, invisible to readers")
    expect(here.locator("mark")).to_have_text("Pending")
    expect(desk.locator(f"#comment-{root.pk}")).to_contain_text("The thread starts here")
    assert desk.url.endswith(f"#comment-{held.pk}") and here.is_visible()
    context.close()
