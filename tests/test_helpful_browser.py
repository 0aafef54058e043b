"""Issue 22 in headless Chromium: the Helpful button without JavaScript, and axe-core's checks on
the new controls (the button, its counts in the Best order, the pick badge, the Picks view)."""

import pytest
from django.test import Client
from django.urls import reverse

from comments import best
from comments.models import HelpfulVote
from comments.services.picking import feature_comment
from comments.services.voting import toggle_helpful
from comments.votes import Voter
from tests.factories import ArticleFactory, CommentFactory, StaffFactory, UserFactory
from tests.test_reading_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_context(browser, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(**options)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_a_member_marks_a_comment_helpful_and_takes_it_back_without_javascript(live_server, browser):
    article = ArticleFactory()
    CommentFactory(article=article, author_name="First")
    comment = CommentFactory(article=article, author_name="Helpful Hana", body="A useful answer.")
    context = signed_in_context(browser, live_server, UserFactory(), java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}{article.get_absolute_url()}?sort=best")

    page.locator(f"#comment-{comment.pk}").get_by_role("button", name="Helpful").click()
    page.wait_for_load_state()

    assert HelpfulVote.objects.filter(comment=comment).count() == 1
    assert page.url == f"{live_server.url}{article.get_absolute_url()}?sort=best#comment-{comment.pk}"
    assert "Marked helpful" in page.content()
    page.locator(f"#comment-{comment.pk}").get_by_role("button", name="Helpful").click()
    page.wait_for_load_state()
    assert not HelpfulVote.objects.exists()
    assert "taken back" in page.content()
    context.close()


def test_a_guest_without_a_verified_address_is_told_how_to_vote(live_server, browser):
    article = ArticleFactory()
    comment = CommentFactory(article=article)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}{article.get_absolute_url()}")

    page.locator(f"#comment-{comment.pk}").get_by_role("button", name="Helpful").click()
    page.wait_for_load_state()

    assert "confirm your email address" in page.content()
    assert not HelpfulVote.objects.exists()
    context.close()


def test_axe_core_finds_no_violations_on_the_new_controls(live_server, browser, monkeypatch, settings):
    settings.HELPFUL_SCORE_HIDDEN_SECONDS = 0
    article = ArticleFactory()
    comments = [CommentFactory(article=article, author_name=f"Reader {n}") for n in range(3)]
    CommentFactory(parent=comments[1], author_name="Replier")
    for n in range(3):
        toggle_helpful(comment=comments[1], voter=Voter(key=f"axe:{n}"))
    feature_comment(comments[2], moderator=StaffFactory(), note="A fair summary")
    monkeypatch.setattr(
        best, "current_epoch", lambda: int(best.time.time() // settings.BEST_REFRESH_SECONDS) + 1
    )
    found = {}

    for scheme in ["light", "dark"]:
        context = signed_in_context(browser, live_server, UserFactory(), color_scheme=scheme, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{live_server.url}{article.get_absolute_url()}?sort=best")
        assert "Helpful (3)" in page.content() and "Editor’s pick" in page.content()
        found[f"best, {scheme}"] = axe_violations(page)
        page.goto(f"{live_server.url}{reverse('comments:picks', args=[article.slug])}")
        found[f"picks, {scheme}"] = axe_violations(page)
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{live_server.url}{article.get_absolute_url()}?sort=best")
        found[f"best on a phone, {scheme}"] = axe_violations(page)
        context.close()

    assert found == {name: [] for name in found}
