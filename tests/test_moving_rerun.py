"""A run that fails halfway leaves whole articles; running it again ends exactly like a clean run."""

import psycopg
import pytest
from django.db import DatabaseError, connection

from articles.models import Article
from comments.checks import find_counter_problems, find_tree_problems
from comments.models import Comment
from moving.models import LegacyComment, LegacyPost
from tests.moving_helpers import import_file, site_snapshot

pytestmark = pytest.mark.django_db

# PostgreSQL itself refuses the second article, as a full disk or a killed connection would.
FAIL_ON_SECOND_ARTICLE = """
CREATE FUNCTION test_refuse_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'injected failure'; END $$;
CREATE TRIGGER test_refuse_article BEFORE INSERT ON articles_article
FOR EACH ROW WHEN (NEW.slug = 'a-draft-about-buses') EXECUTE FUNCTION test_refuse_article();
"""


def wipe() -> None:
    Article.objects.all().delete()  # comments and old ids go with their articles


def test_a_run_that_fails_halfway_and_is_run_again_ends_like_a_clean_run():
    import_file("wordpress-1.2.xml")
    clean = site_snapshot()
    wipe()
    with connection.cursor() as cursor:
        cursor.execute(FAIL_ON_SECOND_ARTICLE)

    with pytest.raises((DatabaseError, psycopg.Error), match="injected failure"):
        import_file("wordpress-1.2.xml")

    # The first article is whole (its comments and old ids with it), the second is not there.
    assert list(Article.objects.values_list("slug", flat=True)) == ["night-trains"]
    assert Comment.objects.count() == LegacyComment.objects.count() == 10
    assert find_tree_problems() == [] and find_counter_problems() == []
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_refuse_article ON articles_article")

    output = import_file("wordpress-1.2.xml")

    assert "Articles: 1 existing, 1 new." in output
    assert "Comments: 0 new (none) imported; 10 already imported." in output
    assert site_snapshot() == clean
    assert LegacyPost.objects.count() == 2
    assert find_tree_problems() == [] and find_counter_problems() == []


def test_a_failure_inside_an_article_leaves_none_of_it():
    with connection.cursor() as cursor:
        cursor.execute(FAIL_ON_SECOND_ARTICLE.replace("articles_article", "comments_comment").replace(
            "NEW.slug = 'a-draft-about-buses'", "NEW.author_name = 'Late Parent'"
        ))  # fmt: skip

    with pytest.raises((DatabaseError, psycopg.Error), match="injected failure"):
        import_file("wordpress-1.2.xml")

    assert not Article.objects.exists() and not Comment.objects.exists() and not LegacyPost.objects.exists()
