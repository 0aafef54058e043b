"""A discussion page costs the same number of queries whatever the discussion's size."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from comments.generator import generate_discussion
from comments.locations import comment_location
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

# the article (with its stored counters); when the page is not cached, its top-level comments;
# and for the threads not cached either, their replies to the display depth
ARTICLE_PAGE_COLD = 3
# the page every reader without a session shares reads the article once more, in the snapshot
# it is made from (pagecache.snapshot), when it is not cached
SHARED_PAGE_COLD = ARTICLE_PAGE_COLD + 1
ARTICLE_PAGE_WARM = 1
# for a reader without a session: the comment's state (its article, its thread's version);
# when the page is not cached, the state again in the page's snapshot, the comment with its
# article, its ancestors, its subtree
THREAD_PAGE_COLD = 5
THREAD_PAGE_WARM = 1
# the page of articles (stored comment counts), the paginator's count
HOME_PAGE = 2
SIZES = [10, 5000]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def discussion(size):
    article = ArticleFactory()
    generate_discussion(article, comments=size, seed=size)
    article.refresh_from_db()
    return article


@pytest.mark.parametrize("size", SIZES)
def test_article_page_query_count_does_not_grow_with_the_discussion(client, django_assert_num_queries, size):
    article = discussion(size)

    with django_assert_num_queries(SHARED_PAGE_COLD):
        cold = client.get(article.get_absolute_url())
    with django_assert_num_queries(ARTICLE_PAGE_WARM):
        warm = client.get(article.get_absolute_url())

    assert cold.status_code == warm.status_code == 200
    assert cold.text.count('<li class="comment') >= min(size, settings.THREAD_COMMENTS_SHOWN)
    assert warm.text.count('<li class="comment') == cold.text.count('<li class="comment')


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("sort", ["oldest", "newest", "replies"])
def test_later_page_query_count_is_constant_for_every_sort(client, django_assert_num_queries, size, sort):
    article = discussion(size)
    shared = article.thread_count > 50  # else page 2 is not one of the article's: never kept

    with django_assert_num_queries(SHARED_PAGE_COLD if shared else ARTICLE_PAGE_COLD):
        response = client.get(article.get_absolute_url(), {"page": 2, "sort": sort})

    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_thread_and_continue_pages_query_counts_are_constant(client, django_assert_num_queries, size):
    article = discussion(size)
    reply = article.comments.filter(level=2).first()
    deep = article.comments.filter(level__lte=5).order_by("-level", "pk").first()  # a continue page

    for comment in (reply, deep):
        with django_assert_num_queries(THREAD_PAGE_COLD):
            assert client.get(reverse("comments:thread", args=[comment.pk])).status_code == 200
        with django_assert_num_queries(THREAD_PAGE_WARM):
            assert client.get(reverse("comments:thread", args=[comment.pk])).status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_permalink_lands_on_the_page_that_holds_the_comment(
    client, django_assert_num_queries, size, settings
):
    settings.THREAD_COMMENTS_SHOWN = 10**6  # the reply is shown on its article page, however long its thread
    article = discussion(size)
    last_root = article.comments.filter(parent=None).order_by("-tree_id").first()
    reply = Comment.objects.select_related("article").get(pk=CommentFactory(parent=last_root).pk)

    with django_assert_num_queries(1):
        url = comment_location(reply)
    page = client.get(url)

    expected_page = (article.thread_count - 1) // 50 + 1
    assert url.endswith(f"#comment-{reply.pk}")
    assert (f"?page={expected_page}#" in url) == (expected_page > 1)
    assert f'id="comment-{reply.pk}"' in page.text


@pytest.mark.parametrize("articles", [2, 30])
def test_home_page_query_count_does_not_grow_with_articles_or_comments(
    client, django_assert_num_queries, articles
):
    for _ in range(articles):
        generate_discussion(ArticleFactory(), comments=5)

    with django_assert_num_queries(HOME_PAGE):
        response = client.get("/")

    assert response.status_code == 200
    assert "5 comments" in response.text


def test_signed_in_reader_adds_only_session_user_and_own_threads_queries(client, django_assert_num_queries):
    article = discussion(50)
    client.force_login(UserFactory())

    # the session, the user, and which threads hold the reader's own comments (rendered for them alone);
    # issue 22: the visit (one upsert) and the comments new to the reader
    with django_assert_num_queries(ARTICLE_PAGE_COLD + 3 + 2):
        client.get(article.get_absolute_url())


@pytest.mark.parametrize("size", [10, 500])
def test_guest_who_posted_adds_only_the_own_threads_query(client, django_assert_num_queries, size):
    article = ArticleFactory()
    generate_discussion(article, comments=size, seed=size)
    client.post(
        reverse("comments:add", args=[article.slug]), {"body": "Hi", "name": "G", "email": "g@example.org"}
    )

    client.get(article.get_absolute_url(), {"sort": "newest"})  # every other thread cached

    # the reader's own thread (known from their signed cookie, no session): never from the shared
    # cache, it has their Edit link
    with django_assert_num_queries(ARTICLE_PAGE_COLD + 1):
        response = client.get(article.get_absolute_url(), {"sort": "newest"})

    assert "Edit</a>" in response.text
