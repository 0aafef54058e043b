"""Discussions close per article, now or at a date, or by themselves N days after publication."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

GUEST = {"name": "Gina", "email": "gina@example.org"}


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def test_discussion_closes_by_itself_after_the_configured_days(client, settings):
    old = ArticleFactory(published_at=days_ago(15))
    CommentFactory(article=old, body="Said while it was open")
    settings.COMMENTS_CLOSE_AFTER_DAYS = 14
    recent = ArticleFactory(published_at=days_ago(13))

    old_page = client.get(old.get_absolute_url()).text
    refused = client.post(reverse("comments:add", args=[old.slug]), {"body": "Too late", **GUEST})
    accepted = client.post(reverse("comments:add", args=[recent.slug]), {"body": "In time", **GUEST})

    assert "Said while it was open" in old_page  # still readable
    assert "Comments are closed on this article." in old_page
    assert 'name="body"' not in old_page and "Reply<" not in old_page
    assert refused.status_code in {400, 409} and "Comments are closed" in refused.text
    assert accepted.status_code == 302
    assert list(Comment.objects.filter(body__in=["Too late", "In time"]).values_list("body", flat=True)) == [
        "In time"
    ]


def test_no_automatic_closing_by_default(client):
    article = ArticleFactory(published_at=days_ago(3650))

    assert 'name="body"' in client.get(article.get_absolute_url()).text


def test_article_closing_date_wins_over_the_site_setting(settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 1
    article = ArticleFactory(
        published_at=days_ago(5), comments_close_at=timezone.now() + datetime.timedelta(days=1)
    )

    assert article.is_accepting_comments


def test_closing_an_article_now_hides_the_form_and_keeps_the_discussion(client):
    article = ArticleFactory()
    CommentFactory(article=article, body="Kept visible")
    article.comments_open = False
    article.save()

    page = client.get(article.get_absolute_url()).text

    assert "Kept visible" in page and "Comments are closed on this article." in page
    assert 'name="body"' not in page
