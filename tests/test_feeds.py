import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def rss_titles(response) -> list[str]:
    return [item.findtext("title") for item in ET.fromstring(response.content).iter("item")]


def atom_titles(response) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in ET.fromstring(response.content).iter(f"{ATOM}entry")]


def test_article_feeds_list_published_articles_newest_first(client):
    now = timezone.now()
    ArticleFactory(title="Older", published_at=now - timedelta(days=2))
    ArticleFactory(title="Newer", published_at=now - timedelta(days=1))
    ArticleFactory(title="Draft", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(title="Scheduled", published_at=now + timedelta(days=1))

    rss = client.get(reverse("articles:feed_rss"))
    atom = client.get(reverse("articles:feed_atom"))

    assert rss["Content-Type"].startswith("application/rss+xml")
    assert atom["Content-Type"].startswith("application/atom+xml")
    assert rss_titles(rss) == atom_titles(atom) == ["Newer", "Older"]


def test_comment_feeds_carry_only_approved_comments_newest_first(client, article):
    first = CommentFactory(article=article, author_name="Ann", body="First words")
    CommentFactory(parent=first, author_name="Bo", body="A reply")
    CommentFactory(article=article, body="Held back", status=Comment.Status.PENDING)
    CommentFactory(article=article, body="Taken down", status=Comment.Status.REMOVED)
    CommentFactory(article=ArticleFactory(), body="Elsewhere")

    rss = client.get(reverse("articles:comments_rss", args=[article.slug]))
    atom = client.get(reverse("articles:comments_atom", args=[article.slug]))

    assert rss.status_code == atom.status_code == 200
    assert rss_titles(rss) == atom_titles(atom) == ["Comment by Bo", "Comment by Ann"]
    for response in (rss, atom):
        assert "First words" in response.text and "A reply" in response.text
        assert "Held back" not in response.text and "Taken down" not in response.text
        assert "Elsewhere" not in response.text
    link = ET.fromstring(rss.content).find("channel/item/link").text
    assert link.endswith(reverse("comments:thread", args=[Comment.objects.get(body="A reply").pk]))


def test_feeds_never_show_author_emails_or_ip_addresses(client, article):
    CommentFactory(
        article=article, author_name="Ann", author_email="secret.ann@example.org", ip_address="203.0.113.77"
    )
    CommentFactory(article=article, author_email="hidden@example.net", ip_address="2001:db8::5")

    bodies = [
        client.get(reverse(name, args=args)).text
        for name, args in [
            ("articles:comments_rss", [article.slug]),
            ("articles:comments_atom", [article.slug]),
            ("articles:feed_rss", []),
            ("articles:feed_atom", []),
        ]
    ]

    for body in bodies:
        assert "@example" not in body
        assert "203.0.113.77" not in body and "2001:db8" not in body
    assert "<name>Ann</name>" in bodies[1]


def test_comment_text_in_feeds_is_the_sanitised_html(client, article):
    CommentFactory(article=article, body="<script>alert(1)</script> plain words")

    body = client.get(reverse("articles:comments_rss", args=[article.slug])).text

    description = ET.fromstring(body.encode()).find("channel/item/description").text
    assert "<script" not in description and "plain words" in description


def test_comment_feed_of_a_missing_or_draft_article_is_404(client):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    assert client.get(reverse("articles:comments_rss", args=["nope"])).status_code == 404
    assert client.get(reverse("articles:comments_atom", args=[draft.slug])).status_code == 404


def test_comment_feed_costs_two_queries_whatever_the_thread_size(client, article, django_assert_num_queries):
    root = CommentFactory(article=article)
    for _ in range(5):
        CommentFactory(parent=root)

    with django_assert_num_queries(2):  # the article, the comments
        client.get(reverse("articles:comments_atom", args=[article.slug]))


def test_pages_announce_their_feeds(client, article):
    home = client.get(reverse("articles:list")).text
    detail = client.get(article.get_absolute_url()).text
    rss, atom = reverse("articles:feed_rss"), reverse("articles:feed_atom")
    comments_atom = reverse("articles:comments_atom", args=[article.slug])

    for page in (home, detail):
        assert f'type="application/rss+xml" title="Threadline: latest articles (RSS)" href="{rss}"' in page
        assert f'type="application/atom+xml" title="Threadline: latest articles (Atom)" href="{atom}"' in page
    assert (
        f'type="application/atom+xml" title="Comments on {article.title} (Atom)" href="{comments_atom}"'
        in detail
    )
    assert "comments.rss" not in home


@pytest.mark.parametrize("name", ["feed_rss", "feed_atom", "comments_rss", "comments_atom"])
def test_feeds_answer_304_while_the_readers_copy_is_current(client, name):
    comments = name.startswith("comments")
    article = ArticleFactory(published_at=timezone.now() - timedelta(days=1))
    CommentFactory(article=article, body="First")
    url = reverse(f"articles:{name}", **({"args": [article.slug]} if name.startswith("comments") else {}))
    first = client.get(url)

    since = first.get("Last-Modified", "Wed, 02 Dec 2099 00:00:00 GMT")
    by_date = client.get(url, headers={"If-Modified-Since": since})
    by_tag = client.get(url, headers={"If-None-Match": first["ETag"]})
    CommentFactory(article=article, body="Second")
    ArticleFactory(title="Another")
    changed = client.get(url, headers={"If-None-Match": first["ETag"]})

    assert first.status_code == 200 and first["ETag"]
    # A discussion's feed sends no Last-Modified (articles/feeds.py): If-Modified-Since alone never
    # answers 304 there, even with a date in the future.
    assert ("Last-Modified" in first) is not comments
    assert by_date.status_code == (200 if comments else 304)
    assert comments or by_date.content == b""
    assert by_tag.status_code == 304 and by_tag.content == b""
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
