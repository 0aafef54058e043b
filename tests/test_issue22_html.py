"""Issue 22's pages pass the W3C Nu HTML Checker: Best with counts and a pick, a signed-in reader's
page with new comments, the Picks view, replies to me and a refused vote."""

import pytest
from django.test import Client
from django.urls import reverse

from comments import best, unread
from comments.services.picking import feature_comment
from comments.services.voting import toggle_helpful
from comments.votes import Voter
from tests.factories import ArticleFactory, CommentFactory, StaffFactory, UserFactory
from tests.test_html_validity import nu_messages

pytestmark = pytest.mark.django_db


def test_the_new_pages_pass_the_nu_html_checker(tmp_path, monkeypatch, settings):
    settings.HELPFUL_SCORE_HIDDEN_SECONDS = 0
    settings.THREADS_PER_PAGE = 2
    article = ArticleFactory()
    reader = UserFactory()
    mine = CommentFactory(article=article, user=reader)
    unread.visit(user=reader, article=article)
    others = [CommentFactory(article=article) for _ in range(3)]
    CommentFactory(parent=mine, body="A reply to the reader")
    toggle_helpful(comment=others[0], voter=Voter(key="html:1"))
    feature_comment(others[1], moderator=StaffFactory(), note="Worth it")
    next_epoch = best.current_epoch() + 1
    monkeypatch.setattr(best, "current_epoch", lambda: next_epoch)
    anonymous, member = Client(), Client()
    member.force_login(reader)
    pages = {
        "best": anonymous.get(article.get_absolute_url(), {"sort": "best"}),
        "unread": member.get(article.get_absolute_url()),
        "picks": anonymous.get(reverse("comments:picks", args=[article.slug])),
        "replies": member.get(reverse("replies_to_me")),
        "refused-vote": anonymous.post(reverse("comments:helpful"), {"comment": others[0].pk}),
    }

    for name, response in pages.items():
        (tmp_path / f"{name}.html").write_text(response.text)

    assert "Helpful (1)" in pages["best"].text and 'id="unread"' in pages["unread"].text
    assert pages["refused-vote"].status_code == 403
    assert nu_messages(tmp_path) == []
