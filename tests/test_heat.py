"""Issue 21: heat. A generated brigade (50 newcomers in 5 minutes, with reports) reaches the
heat threshold; a busy, civil discussion among regulars does not. The heated list and its
one-click actions go through the cooling services and into the admin history."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.heat import HEAT_THRESHOLD, discussion_heat
from comments.models import Comment
from comments.services import report_comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def at(comment: Comment, moment: datetime.datetime) -> Comment:
    Comment.objects.filter(pk=comment.pk).update(created_at=moment)
    return comment


def brigade(article, *, now, newcomers=50, minutes=5, reports=10) -> None:
    """Newcomers arriving together: each a first comment, all within `minutes`, some reported."""
    target = CommentFactory(article=article, author_name="Reporter Regular", body="The article is fair.")
    at(target, now - datetime.timedelta(hours=2))
    posted = []
    for index in range(newcomers):
        parent = posted[-1] if posted and index % 3 else target
        comment = CommentFactory(
            parent=parent, author_name=f"Brigade {index}", body=f"You people are all the same ({index})."
        )
        posted.append(at(comment, now - datetime.timedelta(seconds=minutes * 60 * index / newcomers)))
    for index in range(reports):
        report_comment(posted[index * 3], reporter_key=f"r{index}", reason="abuse", network=f"10.0.{index}.0")


def civil_busy(article, *, now, regulars=10, comments=80, minutes=10) -> None:
    """Regulars (each with approved comments from last week) replying quickly, without reports."""
    for index in range(regulars):
        at(
            CommentFactory(author_name=f"Regular {index}", body=f"Last week's note {index}."),
            now - datetime.timedelta(days=7),
        )
    roots = []
    for index in range(comments):
        author = f"Regular {index % regulars}"
        parent = roots[index % len(roots)] if roots and index % 4 else None
        comment = CommentFactory(
            article=article, parent=parent, author_name=author, body=f"Good point {index}."
        )
        at(comment, now - datetime.timedelta(seconds=minutes * 60 * index / comments))
        if parent is None:
            roots.append(comment)


def test_a_brigade_reaches_the_heat_threshold_while_a_busy_civil_discussion_does_not():
    now = timezone.now()
    brigaded, civil = ArticleFactory(title="Brigaded"), ArticleFactory(title="Civil")
    brigade(brigaded, now=now)
    civil_busy(civil, now=now)

    heats = {heat.article.title: heat for heat in discussion_heat(now=timezone.now())}

    hot, calm = heats["Brigaded"], heats["Civil"]
    assert hot.is_heated and hot.score >= HEAT_THRESHOLD
    assert hot.newcomer_share == 1.0 and hot.reports_per_minute == 1.0
    assert calm.comments_per_minute >= hot.comments_per_minute  # busier, yet
    assert not calm.is_heated and calm.newcomer_share == 0 and calm.reports_per_minute == 0
    assert list(heats)[0] == "Brigaded"


def test_the_longest_back_and_forth_counts_alternating_replies_between_two_authors():
    now = timezone.now()
    article = ArticleFactory()
    comment = CommentFactory(article=article, author_name="Ann")
    for author in ["Bo", "Ann", "Bo", "Ann", "Cy"]:
        comment = CommentFactory(parent=comment, author_name=author)

    (heat,) = discussion_heat(now=now + datetime.timedelta(seconds=1))

    assert heat.back_and_forth == 5  # Ann, Bo, Ann, Bo, Ann; Cy starts a new exchange


def test_the_heated_list_shows_signals_and_one_click_slow_mode_is_recorded(staff_client, staff):
    article = ArticleFactory(title="Hot one")
    brigade(article, now=timezone.now(), newcomers=20, reports=3)

    page = staff_client.get(reverse("admin:comments_comment_heat"))
    response = staff_client.post(
        reverse("admin:comments_comment_cool", args=[article.pk]), {"action": "slow", "reason": "Brigade"}
    )
    staff_client.post(reverse("admin:comments_comment_cool", args=[article.pk]), {"action": "hold"})
    staff_client.post(reverse("admin:comments_comment_cool", args=[article.pk]), {"action": "close"})

    assert page.status_code == 200 and "Hot one" in page.text and "Slow mode 30 min" in page.text
    assert response.status_code == 302
    article = Article.objects.get(pk=article.pk)
    assert article.slow_mode_seconds == 300 and article.slow_mode_reason == "Brigade"
    assert 29 * 60 < (article.slow_mode_until - timezone.now()).total_seconds() <= 30 * 60
    assert article.newcomer_policy == "hold" and not article.comments_open
    history = LogEntry.objects.filter(object_id=str(article.pk), user=staff).order_by("pk")
    assert [entry.change_message.split(":")[0] for entry in history] == [
        "Slow mode set",
        "Newcomer rule",
        "Discussion closed",
    ]


def test_the_heat_actions_refuse_readers_and_unknown_actions(staff_client):
    article = ArticleFactory()

    anonymous = Client().post(reverse("admin:comments_comment_cool", args=[article.pk]), {"action": "slow"})
    unknown = staff_client.post(reverse("admin:comments_comment_cool", args=[article.pk]), {"action": "nuke"})

    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert unknown.status_code == 302
    assert Article.objects.get(pk=article.pk).slow_mode_seconds == 0
