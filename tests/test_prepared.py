"""Queries compiled once (config.prepared) answer exactly what the ORM query answers."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from config.prepared import PreparedValues
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


def test_a_parameter_equal_to_a_stand_in_is_left_alone():
    # A stand-in of 0 and a literal 0 in the same query: only the stand-in is rebound.
    prepared = PreparedValues(
        lambda pk: Comment.objects.filter(pk=pk, report_count=0).values_list("pk"), pk=0
    )
    comment = CommentFactory()

    assert prepared.first(pk=comment.pk) == (comment.pk,)


def test_django_compiles_a_query_to_one_param_per_placeholder_as_given():
    """What PreparedValues leans on: if Django's compiler stops giving this, this test says so."""
    queryset = Comment.objects.filter(pk=123456, body="-stand-in-", created_at__lt=STAND_IN_TIME).values_list(
        "pk"
    )

    sql, params = queryset.query.get_compiler(queryset.db).as_sql()

    assert sql.count("%s") == len(params)
    assert {123456, "-stand-in-", STAND_IN_TIME} <= set(params)
