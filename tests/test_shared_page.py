"""The page every reader without a session gets: cached whole, pre-compressed, fresh tokens."""

import gzip
import re
import secrets
import threading
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from comments import services
from comments.models import Comment
from pagecache import store as shared_page
from pagecache.splice import SplicedPage, accepts_gzip
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def tokens(html: str) -> tuple[str, str]:
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    return csrf, token


def without_tokens(html: str) -> str:
    html = re.sub(r'(name="(?:csrfmiddlewaretoken|token|form_stamp)" value=")[^"]*"', r'\1"', html)
    return html


@pytest.fixture
def article():
    article = ArticleFactory(title="Harbour ferries")
    thread = CommentFactory(article=article, body="Ferries at dawn — “quiet” & <calm>")
    CommentFactory(parent=thread, body="Agreed…")
    CommentFactory(article=article, body="Another thread")
    return article


@pytest.mark.parametrize(
    "header, expected",
    [
        ("gzip, deflate, br", True),
        ("GZIP", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("br, zstd", False),
        ("identity", False),
        ("", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_as_browsers_send_it(header, expected):
    assert accepts_gzip(header) is expected


@pytest.mark.parametrize(
    "template",
    [
        "{csrf}",
        "<p>{csrf}</p>{token}{stamp}<footer>ü … {csrf}</footer>",
        "ascii only, no slot at all",
        "{token}" + "é" * 70_000 + "{stamp}",
    ],
)
def test_a_spliced_page_decompresses_to_exactly_the_filled_page(template):
    placeholders = {name: secrets.token_hex(16) for name in ("csrf", "token", "stamp")}
    values = {"csrf": "C" * 64, "token": "8d0f-uuid", "stamp": "1700000000.1:abc"}
    page = SplicedPage.build(template.format(**placeholders), placeholders)

    plain = page.render(values, gzip=False)
    packed = page.render(values, gzip=True)

    assert plain == template.format(**values).encode()
    assert gzip.decompress(packed) == plain  # CRC and length checked by gzip itself


def test_a_browser_gets_the_same_page_compressed_with_its_own_tokens(client, article):
    url = article.get_absolute_url()

    plain = client.get(url)
    packed = client.get(url, **GZIP)
    packed_again = client.get(url, **GZIP)

    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"] and "Cookie" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert without_tokens(html) == without_tokens(plain.text)
    assert "Ferries at dawn — “quiet” &amp; &lt;calm&gt;" in html
    assert tokens(html)[1] != tokens(gzip.decompress(packed_again.content).decode())[1]
    assert len(packed.content) < len(plain.content) / 2


def test_a_comment_posted_from_the_compressed_page_is_stored(client, article):
    page = client.get(article.get_absolute_url(), **GZIP)
    csrf, token = tokens(gzip.decompress(page.content).decode())

    response = client.post(
        reverse("comments:add", args=[article.slug]),
        {"csrfmiddlewaretoken": csrf, "token": token, "body": "Sent from a gzip page", "name": "Ida",
         "email": "ida@example.org", "parent": ""},
    )  # fmt: skip

    assert response.status_code == 302
    assert Comment.objects.filter(body="Sent from a gzip page").count() == 1


def test_compressed_and_plain_pages_have_their_own_etags(client, article):
    url = article.get_absolute_url()
    plain = client.get(url)
    packed = client.get(url, **GZIP)

    again = client.get(url, HTTP_IF_NONE_MATCH=packed["ETag"], **GZIP)
    mismatched = client.get(url, HTTP_IF_NONE_MATCH=packed["ETag"])

    assert plain["ETag"] != packed["ETag"]
    assert again.status_code == 304
    assert mismatched.status_code == 200 and "Content-Encoding" not in mismatched


def test_a_new_comment_replaces_the_cached_page_instead_of_adding_one(client, article):
    url = article.get_absolute_url()
    client.get(url)
    cached = sorted(k for k in cache._cache if "article" in k)  # the frame (and the page with Redis)

    for number in range(3):
        CommentFactory(article=article, body=f"Newer comment {number}")
        page = client.get(url)
        assert f"Newer comment {number}" in page.text

    assert sorted(k for k in cache._cache if "article" in k) == cached
    assert len(shared_page.recent_pages._entries) == 1


def test_permalink_page_is_shared_then_follows_its_thread(client, article, django_assert_num_queries):
    reply = Comment.objects.get(body="Agreed…")
    url = reverse("comments:thread", args=[reply.pk])
    client.get(url)
    other_thread = Comment.objects.get(body="Another thread")

    services.post_comment(
        article=article, parent=other_thread, body="Elsewhere", author_name="Bo", author_email="b@example.org"
    )
    with django_assert_num_queries(1):  # the comment, its article and its thread's version
        unchanged = client.get(url, **GZIP)
    services.post_comment(
        article=article,
        parent=reply,
        body="Under the permalink",
        author_name="Al",
        author_email="a@example.org",
    )
    changed = client.get(url)

    assert unchanged.status_code == 200 and unchanged["Content-Encoding"] == "gzip"
    assert "Under the permalink" not in gzip.decompress(unchanged.content).decode()
    assert "Under the permalink" in changed.text
    assert "Elsewhere" not in changed.text
    assert "csrftoken" not in changed.cookies  # no form on the page: no CSRF cookie set


def test_permalink_of_a_comment_on_an_unpublished_article_is_not_served_from_the_cache(client, article):
    reply = Comment.objects.get(body="Agreed…")
    url = reverse("comments:thread", args=[reply.pk])
    assert client.get(url).status_code == 200

    article.status = article.Status.DRAFT
    article.save()

    assert client.get(url).status_code == 404
    assert client.get(article.get_absolute_url()).status_code == 404


def test_within_the_opt_in_window_a_process_serves_the_page_without_asking(
    client, article, settings, monkeypatch, django_assert_num_queries
):
    settings.SHARED_PAGE_SECONDS = 2
    clock = [1000.0]
    monkeypatch.setattr(shared_page.time, "monotonic", lambda: clock[0])
    url = article.get_absolute_url()
    client.get(url)
    CommentFactory(article=article, body="Posted a moment ago")

    with django_assert_num_queries(0):
        early = client.get(url)
    clock[0] += 2.5
    late = client.get(url)

    assert early.status_code == 200 and "Posted a moment ago" not in early.text
    assert "Posted a moment ago" in late.text


def test_by_default_every_new_comment_shows_at_once(client, article, django_assert_num_queries):
    url = article.get_absolute_url()
    client.get(url)
    CommentFactory(article=article, body="Posted just now")

    page = client.get(url)

    assert "Posted just now" in page.text


def test_a_busy_thread_keeps_one_cache_entry_however_many_replies_it_gets(client, article):
    thread = Comment.objects.get(body="Ferries at dawn — “quiet” & <calm>")
    client.get(article.get_absolute_url())
    before = sorted(cache._cache)

    for number in range(4):
        services.post_comment(
            article=article,
            parent=thread,
            body=f"Reply {number}",
            author_name="Cy",
            author_email="c@example.org",
        )
        assert f"Reply {number}" in client.get(article.get_absolute_url()).text

    assert sorted(cache._cache) == before


@pytest.mark.parametrize("query", [{}, {"page": 2}, {"sort": "replies"}, {"sort": "newest", "page": 2}])
def test_the_assembled_shared_page_is_the_page_rendered_whole(client, settings, query):
    settings.THREADS_PER_PAGE = 2
    article = ArticleFactory()
    for number in range(5):
        thread = CommentFactory(article=article, body=f"Thread {number} <b>&</b>")
        for _ in range(number):
            CommentFactory(parent=thread, body=f"Reply in {number}")
    url = article.get_absolute_url()
    client.get(url, query)  # frame and threads cached
    CommentFactory(parent=thread, body="A later reply")  # the count and one thread change

    shared = client.get(url, query, **GZIP)
    client.cookies["messages"] = ""  # not served the shared page: rendered whole, no cache
    whole = client.get(url, query)

    assert shared["Content-Encoding"] == "gzip" and "ETag" in shared
    html = gzip.decompress(shared.content).decode()
    assert without_tokens(html) == without_tokens(whole.text)
    assert ">16 comments</h2>" in html  # 5 threads, 10 replies, then one more


def test_threads_of_one_process_make_a_changed_page_once_and_share_it():
    made = []
    started = threading.Barrier(6)

    def render(placeholders):
        made.append(1)
        time.sleep(0.2)  # the others arrive while it is being made
        return SplicedPage.build("<p>page</p>", placeholders), 200

    def reader(results):
        started.wait()
        results.append(shared_page.shared_entry("articlepage:test:single", lambda: ("v2",), render))

    results = []
    readers = [threading.Thread(target=reader, args=(results,)) for _ in range(6)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join(10)

    assert len(made) == 1
    assert len(results) == 6 and all(entry is results[0] for entry in results)


@pytest.mark.parametrize("page", ["abc", "01", "0", "999", "-1", "2 "])
def test_a_page_number_that_is_not_one_of_the_articles_is_answered_but_not_kept(client, article, page):
    response = client.get(article.get_absolute_url(), {"page": page})

    assert response.status_code == 200
    assert f'id="comment-{Comment.objects.filter(article=article).first().pk}"' in response.text
    assert not any(key.startswith("articlepage:") for key in shared_page.recent_pages._entries)
    assert not any("articlepage:" in key for key in cache._cache)
