"""A discussion page costs the same number of queries whatever the discussion's size."""

import pytest
from django.urls import reverse

from comments.generator import generate_discussion
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

# article, comment count, thread count (paginator), the page's threads and replies
ARTICLE_PAGE_QUERIES = 4
# articles with their comment counts, and the paginator's count
HOME_PAGE_QUERIES = 2


@pytest.mark.parametrize("size", [10, 500])
def test_article_page_query_count_does_not_grow_with_the_discussion(client, django_assert_num_queries, size):
    article = ArticleFactory()
    generate_discussion(article, comments=size, seed=size)

    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert response.text.count('class="comment depth-') >= min(size, 10)


@pytest.mark.parametrize("size", [10, 500])
def test_later_page_and_thread_page_query_counts_are_constant(client, django_assert_num_queries, size):
    article = ArticleFactory()
    generate_discussion(article, comments=size, seed=size)
    comment = article.comments.filter(level=2).first()

    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        client.get(article.get_absolute_url(), {"page": 2, "sort": "replies"})
    # comment with its article, ancestors, the subtree
    with django_assert_num_queries(3):
        client.get(reverse("comments:thread", args=[comment.pk]))


@pytest.mark.parametrize("articles", [2, 30])
def test_home_page_query_count_does_not_grow_with_articles_or_comments(
    client, django_assert_num_queries, articles
):
    for _ in range(articles):
        generate_discussion(ArticleFactory(), comments=5)

    with django_assert_num_queries(HOME_PAGE_QUERIES):
        response = client.get("/")

    assert response.status_code == 200


def test_signed_in_reader_adds_only_session_and_user_queries(client, django_assert_num_queries):
    article = ArticleFactory()
    generate_discussion(article, comments=50)
    client.force_login(UserFactory())

    with django_assert_num_queries(ARTICLE_PAGE_QUERIES + 2):
        client.get(article.get_absolute_url())


@pytest.mark.parametrize("size", [10, 500])
def test_guest_who_posted_adds_only_the_session_query(client, django_assert_num_queries, size):
    article = ArticleFactory()
    generate_discussion(article, comments=size, seed=size)
    client.post(
        reverse("comments:add", args=[article.slug]), {"body": "Hi", "name": "G", "email": "g@example.org"}
    )

    with django_assert_num_queries(ARTICLE_PAGE_QUERIES + 1):
        response = client.get(article.get_absolute_url(), {"sort": "newest"})

    assert "Edit</a>" in response.text
