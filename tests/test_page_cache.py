"""Thread HTML is cached per thread version; what differs per reader never is."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article
from comments import services
from comments.generator import generate_discussion
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def busy_article():
    article = ArticleFactory()
    generate_discussion(article, comments=400, seed=4)
    article.refresh_from_db()
    return article


def replies_query(client, url) -> str | None:
    """The SQL that fetched thread replies for this request, if any."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    found = [q["sql"] for q in queries.captured_queries if '"level" <' in q["sql"]]
    return found[0] if found else None


def test_a_new_reply_re_renders_only_its_own_thread(client, busy_article, settings):
    settings.THREAD_COMMENTS_SHOWN = 10**6  # the fresh reply shown on the article page (issue 23)
    url = busy_article.get_absolute_url()
    client.get(url)  # warm every thread of page 1
    root = busy_article.comments.filter(parent=None).order_by("tree_id")[7]

    CommentFactory(parent=root, body="Fresh reply")
    sql = replies_query(client, url)

    assert re.search(rf"\"tree_id\" = ANY\('\{{{root.tree_id}\}}'", sql), sql  # only its thread
    assert "Fresh reply" in client.get(url).text
    assert replies_query(client, url) is None  # all warm again


@pytest.mark.parametrize(
    "write",
    [
        lambda c: services.remove_comment(c, moderator=None),
        lambda c: services.reject_comment(c, moderator=None),
        lambda c: services.edit_comment(c, body="Edited text"),
        lambda c: services.delete_comment(c),
    ],
    ids=["remove", "reject", "edit", "delete"],
)
def test_every_kind_of_write_expires_its_thread(client, busy_article, write):
    url = busy_article.get_absolute_url()
    client.get(url)
    reply = busy_article.comments.filter(level=1, tree_id__in=busy_article.comments.filter(parent=None)
                                         .order_by("tree_id")[:50].values("tree_id")).first()  # fmt: skip

    write(reply)

    assert re.search(rf"\"tree_id\" = ANY\('\{{{reply.tree_id}\}}'", replies_query(client, url))


def test_cached_threads_carry_no_reader_state(client, busy_article):
    reader = UserFactory(username="signed_in_sam")
    client.force_login(reader)
    signed_in_page = client.get(busy_article.get_absolute_url()).text  # warms the cache
    anonymous = client.__class__()

    page = anonymous.get(busy_article.get_absolute_url()).text

    assert "signed_in_sam" in signed_in_page
    assert "signed_in_sam" not in page
    assert 'name="name"' in page and 'name="email"' in page
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    other_tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', signed_in_page)
    assert tokens and other_tokens and not set(tokens) & set(other_tokens)
    thread_html = page[
        page.index('<ol class="comments">') : page.index("</ol>\n", page.index('<ol class="comments">'))
    ]
    assert "csrfmiddlewaretoken" not in thread_html


def test_closing_the_discussion_drops_reply_links_from_cached_threads(client, busy_article):
    url = busy_article.get_absolute_url()
    assert "reply-link" in client.get(url).text

    busy_article.comments_open = False
    busy_article.save()

    assert "reply-link" not in client.get(url).text


def test_anonymous_reader_gets_etag_and_last_modified_then_304_by_etag_only(client, busy_article):
    url = busy_article.get_absolute_url()
    client.get(url)  # the first visit sets the CSRF cookie the page's form relies on
    first = client.get(url)

    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    # Last-Modified is for information: whole seconds cannot tell two replies in one second
    # apart (tests/test_acknowledged_visible.py), so only the ETag answers 304.
    assert again.status_code == 304 and since.status_code == 200
    assert "private" in first["Cache-Control"]


def test_a_new_comment_changes_the_etag(client, busy_article):
    url = busy_article.get_absolute_url()
    client.get(url)
    first = client.get(url)

    CommentFactory(article=busy_article)
    after = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert after.status_code == 200 and after["ETag"] != first["ETag"]


def test_readers_with_a_session_get_no_validators(client, busy_article):
    client.force_login(StaffFactory())

    response = client.get(busy_article.get_absolute_url())

    assert "ETag" not in response and "Last-Modified" not in response


def test_counters_follow_every_write(busy_article):
    from comments.checks import find_counter_problems

    root = busy_article.comments.filter(parent=None).first()
    CommentFactory(parent=root)
    services.remove_comment(root, moderator=None)
    services.delete_comment(busy_article.comments.filter(level=2).first())
    services.delete_comment(busy_article.comments.filter(parent=None).last())

    assert find_counter_problems() == []
    assert Comment.objects.filter(article=busy_article).count() < 401


def test_two_guests_served_from_the_shared_page_get_their_own_tokens_and_both_post(busy_article):
    from django.test import Client

    url = busy_article.get_absolute_url()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(url)
    second.get(url)  # the cookie-setting first visits

    pages = [first.get(url).text, second.get(url).text]

    def field(page, name):
        return re.search(rf'name="{name}" value="([^"]+)"', page).group(1)

    assert field(pages[0], "csrfmiddlewaretoken") != field(pages[1], "csrfmiddlewaretoken")
    assert field(pages[0], "token") != field(pages[1], "token")
    for client, page, body in [
        (first, pages[0], "From the first guest"),
        (second, pages[1], "From the second"),
    ]:
        response = client.post(
            reverse("comments:add", args=[busy_article.slug]),
            {"csrfmiddlewaretoken": field(page, "csrfmiddlewaretoken"), "token": field(page, "token"),
             "body": body, "name": "Guest", "email": "guest@example.org", "parent": ""},
        )  # fmt: skip
        assert response.status_code == 302
    assert Comment.objects.filter(body__startswith="From the").count() == 2


def test_saving_a_stale_article_keeps_the_discussion_counters(client):
    article = ArticleFactory()
    stale = type(article).objects.get(pk=article.pk)  # an editor's form, loaded before the comment
    CommentFactory(article=article)

    stale.title = "Edited title"
    stale.save()

    article.refresh_from_db()
    assert (article.title, article.comment_count, article.thread_count) == ("Edited title", 1, 1)
    assert "1 comment<" in client.get(article.get_absolute_url()).text


def test_json_ld_carries_an_excerpt_of_long_comments(client, article):
    import json

    CommentFactory(article=article, body="word " * 200)

    page = client.get(article.get_absolute_url()).text

    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert len(data["comment"][0]["text"]) == 200 and data["comment"][0]["text"].endswith("…")


def test_shared_page_gives_every_request_a_fresh_form_stamp(busy_article):
    import time

    from django.core import signing
    from django.test import Client

    from protection.forms import STAMP_SALT

    url = busy_article.get_absolute_url()
    client = Client()
    client.get(url)  # the cookie-setting first visit
    stamps = []
    for _ in range(2):
        page = client.get(url).text
        stamps.append(re.search(r'name="form_stamp" value="([^"]+)"', page).group(1))

    shown_at = [float(signing.loads(stamp, salt=STAMP_SALT)) for stamp in stamps]
    assert stamps[0] != stamps[1]
    assert all(abs(time.time() - moment) < 60 for moment in shown_at)  # not the cached render's time


def test_an_entry_another_database_left_under_the_same_thread_id_and_version_is_never_served(client):
    from comments.discussion import thread_cache_key

    article = ArticleFactory()
    root = CommentFactory(article=article, body="This database's words")
    version = Comment.objects.get(pk=root.pk).thread_version
    # What a shared cache (Redis) still holds from another database whose ids and versions were
    # the same: a restored backup, a test database made anew. Its article was born at another time.
    elsewhere = Article(pk=article.pk, comments_open=article.comments_open, published_at=article.published_at,
                        created_at=article.created_at - timedelta(days=3))  # fmt: skip
    foreign = ('<li id="comment-1">Another database\'s words</li>', "", None)
    cache.set(thread_cache_key(elsewhere, root.tree_id), (version, foreign))

    page = client.get(article.get_absolute_url()).text

    assert "Another database" not in page and "This database" in page
