"""Old WordPress links keep working: /?p=ID, the post's old path, and #comment-<old id>."""

import pytest
from django.db import connection

from articles.models import Article
from comments.models import Comment
from tests.factories import CommentFactory
from tests.moving_helpers import import_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def night_trains():
    import_file("wordpress-1.2.xml")
    return Article.objects.get(slug="night-trains")


def test_the_old_query_permalink_redirects_permanently_to_the_article(client, night_trains):
    response = client.get("/?p=10")

    assert response.status_code == 301
    assert response["Location"] == f"/articles/night-trains/?moved={night_trains.pk}"


def test_the_old_post_path_redirects_permanently_with_or_without_its_slash(client, night_trains):
    for path in ["/2019/05/night-trains/", "/2019/05/night-trains"]:
        response = client.get(path)

        assert response.status_code == 301
        assert response["Location"] == f"/articles/night-trains/?moved={night_trains.pk}"


def test_the_redirect_lands_on_the_article(client, night_trains):
    response = client.get("/2019/05/night-trains/", follow=True)

    assert response.status_code == 200
    assert "Why the night train came back" in response.text


def test_unknown_old_links_are_still_not_found(client, night_trains):
    assert client.get("/?p=999").status_code == 200  # the home page, as before
    assert client.get("/?p=%00").status_code == 200
    assert client.get("/2019/05/no-such-post/").status_code == 404
    assert client.get("/2019/05/%00/").status_code == 404


def test_an_old_comment_id_finds_its_comment_even_when_a_new_comment_has_that_number(client):
    with connection.cursor() as cursor:  # the next new comment gets pk 101, an old WordPress id
        cursor.execute("SELECT setval(pg_get_serial_sequence('comments_comment', 'id'), 100)")
    newcomer = CommentFactory(body="I am new here")
    assert newcomer.pk == 101
    import_file("wordpress-1.2.xml")
    article = Article.objects.get(slug="night-trains")
    ada = Comment.objects.get(author_name="Ada Byrne")

    response = client.get(f"/moved/{article.pk}/comment-101/")

    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{ada.pk}")
    assert ada.pk != 101
    page = client.get(response["Location"].split("#")[0])
    assert f'id="comment-{ada.pk}"' in page.text


def test_an_unknown_old_comment_id_lands_on_the_discussion_not_on_a_new_comment(client, night_trains):
    response = client.get(f"/moved/{night_trains.pk}/comment-4242/")

    assert response["Location"] == "/articles/night-trains/#discussion"
