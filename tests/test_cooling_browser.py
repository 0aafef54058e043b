"""Issue 21 in headless Chromium: the notices before typing, the hold notice and folded
first-time comments with JavaScript off; axe-core finds nothing on the new UI."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, ModerationTerm
from comments.services.cooling import lock_branch, set_newcomer_rule, set_slow_mode
from tests.factories import ArticleFactory, CommentFactory, StaffFactory
from tests.test_reading_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def heated_article():
    """An article cooled as a moderator would: slow mode, a locked branch, folded newcomers."""
    staff = StaffFactory()
    article = ArticleFactory(title="Heated")
    calm = CommentFactory(article=article, body="A calm opening.", author_name="Ada")
    locked = CommentFactory(parent=calm, body="Going personal.", author_name="Bram")
    below = CommentFactory(parent=locked, body="And back at you.", author_name="Ada")
    until = timezone.now() + datetime.timedelta(hours=2)
    set_slow_mode(article, seconds=300, until=until, reason="tempers are high", actor=staff)
    lock_branch(locked, actor=staff, reason="personal back-and-forth")
    set_newcomer_rule(article, rule="collapse", actor=staff)
    return article, calm, locked, below


def test_without_javascript_a_reader_is_told_before_typing_and_nothing_is_lost(live_server, browser):
    article, calm, locked, below = heated_article()
    before = CommentFactory(article=article, body="Before", author_email="nora@example.org")
    Comment.objects.filter(pk=before.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    ModerationTerm.objects.create(phrase="traitor", action=ModerationTerm.Action.HOLD)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()

    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    notice = page.locator(".cooling-notices").inner_text()
    locks = page.locator(".locked-note").all_inner_texts()
    reply_links = page.locator(".reply-link").count()
    page.fill("#id_body", "You are a traitor to the harbour.")
    page.fill("#id_name", "Nora")
    page.fill("#id_email", "nora@example.org")
    page.get_by_role("button", name="Post comment").click()
    told = page.locator(".form-errors").inner_text()
    kept = page.input_value("#id_body")
    stored_before_second = Comment.objects.filter(body__contains="traitor").count()
    page.get_by_role("button", name="Post comment").click()
    held = Comment.objects.get(body__contains="traitor")
    page.goto(f"{live_server.url}{reverse('comments:reply', args=[below.pk])}")
    locked_reply = page.locator(".locked-notice").inner_text()
    form_count = page.locator("form.comment-form").count()
    context.close()

    assert "Slow mode: one comment every 5 minutes here until" in notice and "tempers are high" in notice
    assert locks == ["Replies locked: personal back-and-forth", "Replies locked"]
    assert reply_links == 2  # the calm comment and "Before": not the locked branch
    assert "a moderator will read this comment before others see it" in told and "traitor" in told
    assert kept == "You are a traitor to the harbour." and stored_before_second == 0
    assert held.status == Comment.Status.PENDING
    assert "locked by a moderator" in locked_reply and form_count == 0


def test_without_javascript_a_first_time_comment_opens_from_its_details(live_server, browser):
    article, *_ = heated_article()
    Comment.objects.filter(article=article).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.fill("#id_body", "Hello, I am new here.")
    page.fill("#id_name", "Nia")
    page.fill("#id_email", "nia@example.org")
    page.get_by_role("button", name="Post comment").click()

    first = page.locator("details.first-time")
    closed_visible = first.locator(".comment-body").is_visible()
    label = first.locator("summary").inner_text()
    first.locator("summary").click()
    open_visible = first.locator(".comment-body").is_visible()
    context.close()

    assert label == "Comment from a first-time commenter"
    assert not closed_visible and open_visible


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_core_finds_no_violations_on_the_cooling_ui(live_server, browser, scheme):
    article, calm, locked, below = heated_article()
    CommentFactory(article=article, body="A first-timer", author_email="new@example.org")
    Comment.objects.filter(body="A first-timer").update(first_time=True)
    Comment.objects.filter(pk=calm.pk).update(report_count=1)
    get_user_model().objects.filter(is_staff=True).update(username="heatmod")
    staff = get_user_model().objects.get(username="heatmod")
    staff.set_password("correct horse battery staple")
    staff.save()
    context = browser.new_context(color_scheme=scheme, bypass_csp=True)  # axe is injected inline
    page = context.new_page()
    found = {}

    for name, url in {
        "article": article.get_absolute_url(),
        "reply with notices": reverse("comments:reply", args=[calm.pk]),
        "locked reply": reverse("comments:reply", args=[below.pk]),
        "permalink below a lock": reverse("comments:thread", args=[below.pk]),
    }.items():
        page.goto(f"{live_server.url}{url}")
        found[name] = axe_violations(page)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.fill("#id_body", "Second within the window")
    page.fill("#id_name", "Ada")
    page.fill("#id_email", "ada@example.org")
    page.get_by_role("button", name="Post comment").click()
    page.locator(".form-errors").first.wait_for()
    found["slow mode refusal"] = axe_violations(page)
    page.goto(f"{live_server.url}/admin/login/?next={reverse('admin:comments_comment_heat')}")
    page.fill("#id_username", "heatmod")
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.locator(".heat-table").wait_for()
    found["heated list"] = axe_violations(page)
    context.close()

    assert found == {name: [] for name in found}
