"""Queries compiled once (config.prepared) answer exactly what the ORM query answers."""

import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from config.prepared import PreparedUpdate, PreparedValues
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db
STAND_IN_TIME = datetime.datetime(1901, 2, 3, tzinfo=datetime.UTC)


def visible(pk, now):
    return Comment.objects.filter(
        pk=pk, article__status=Article.Status.PUBLISHED, article__published_at__lte=now
    ).values_list("author_name", "article__title")


def test_a_prepared_query_answers_like_the_orm_for_every_binding():
    prepared = PreparedValues(visible, pk=-5, now=STAND_IN_TIME)
    shown = CommentFactory(author_name="Ana", article=ArticleFactory(title="Shown"))
    scheduled = CommentFactory(
        article=ArticleFactory(published_at=timezone.now() + datetime.timedelta(days=1))
    )
    draft = CommentFactory(article=ArticleFactory(status=Article.Status.DRAFT))
    now = timezone.now()

    for comment in (shown, scheduled, draft):
        assert prepared.first(pk=comment.pk, now=now) == visible(comment.pk, now).first()
    assert prepared.first(pk=shown.pk, now=now) == ("Ana", "Shown")
    assert prepared.first(pk=scheduled.pk, now=now + datetime.timedelta(days=2)) is not None


def test_a_stand_in_the_query_does_not_hold_is_refused():
    prepared = PreparedValues(lambda pk: Comment.objects.filter(pk=1).values_list("pk"), pk=-5)

    with pytest.raises(ValueError, match="stand-in"):
        prepared.first(pk=1)


def add_reports(article_id, extra):
    return Comment.objects.filter(article_id=article_id), {"report_count": F("report_count") + extra}


def test_a_prepared_update_changes_the_rows_the_orm_update_would():
    article, other = ArticleFactory(), ArticleFactory()
    mine = [CommentFactory(article=article), CommentFactory(article=article)]
    theirs = CommentFactory(article=other)
    prepared = PreparedUpdate(add_reports, article_id=-7, extra=-8)

    changed = prepared.run(article_id=article.pk, extra=2)
    prepared.run(article_id=article.pk, extra=3)

    assert changed == 2
    assert [c.report_count for c in Comment.objects.filter(pk__in=[m.pk for m in mine])] == [5, 5]
    theirs.refresh_from_db()
    assert theirs.report_count == 0


def test_an_update_across_a_join_is_not_prepared():
    prepared = PreparedUpdate(
        lambda title: (Comment.objects.filter(article__title=title), {"report_count": 1}), title="-stand-in-"
    )

    with pytest.raises(ValueError, match="one table"):
        prepared.run(title="x")
