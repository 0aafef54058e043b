"""The article page rendered with every cache off (THREAD_CACHE=0, the cold path, also what a
reader with a session gets) is the same page, byte for byte, as the shared one."""

import datetime
import re
import zoneinfo

import pytest
from django.core.cache import cache

from comments.discussion import SORTS, CountedPaginator, _page_versions
from comments.generator import generate_discussion
from comments.models import Comment
from comments.services.picking import feature_comment
from comments.templatetags.threadline import time_element
from pagecache.splice import fill_slot
from tests.factories import ArticleFactory, CommentFactory, StaffFactory

pytestmark = pytest.mark.django_db

PER_REQUEST = re.compile(r'(name="(?:csrfmiddlewaretoken|token|form_stamp)" value=")[^"]*')


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def page_text(client, url) -> str:
    """The page with its per-request values (CSRF token, form token, stamp) blanked."""
    return PER_REQUEST.sub(r"\1", client.get(url).content.decode())


def test_the_cold_page_is_the_shared_page_byte_for_byte(client, settings):
    article = ArticleFactory()
    root = CommentFactory(article=article, author_name="Zoë Ångström", body="Naïve — “quoted” 😀")
    reply = CommentFactory(article=article, parent=root, author_name="O'Brien <b>", body="It’s fine & well")
    CommentFactory(article=article, parent=reply, body="A third level")
    feature_comment(reply, moderator=StaffFactory())  # the badge: "Editor’s pick"
    url = article.get_absolute_url()

    shared = page_text(client, url)
    settings.THREAD_CACHE_ENABLED = False
    cold = page_text(client, url)

    assert cold == shared
    assert "Zoë Ångström" in cold and "😀" in cold and "It’s fine &amp; well" in cold
    assert "O&#x27;Brien &lt;b&gt;" in cold and "Editor’s pick</strong>" in cold


def test_fill_slot_puts_each_piece_in_place_as_utf8():
    html = "<p>Editor’s picks</p><ol>SLOT</ol>→"

    page = fill_slot(html, "SLOT", ["<li>é</li>", "<li>a</li>"])

    assert page == "<p>Editor’s picks</p><ol><li>é</li><li>a</li></ol>→".encode()


def test_a_comments_time_reads_as_strftime_writes_it():
    moments = [
        datetime.datetime(year, month, day, hour, minute, 5, 123456, tzinfo=zone)
        for year in (999, 2026)
        for month in range(1, 13)
        for day, hour, minute in ((1, 0, 0), (9, 9, 5), (28, 23, 59))
        for zone in (datetime.UTC, zoneinfo.ZoneInfo("America/St_Johns"))
    ]

    for moment in moments:
        assert time_element(moment) == (
            f'<time datetime="{moment.isoformat(timespec="seconds").replace("+00:00", "Z")}">'
            f"{moment:%-d %b %Y, %H:%M}</time>"
        )


@pytest.mark.parametrize("sort", ["oldest", "newest", "replies"])
def test_each_page_holds_the_threads_and_versions_the_orm_pages_hold(settings, sort):
    settings.THREADS_PER_PAGE = 4
    article = ArticleFactory()
    generate_discussion(article, comments=60, seed=3)
    article.refresh_from_db()
    roots = Comment.objects.for_article(article).roots().order_by(*SORTS[sort][1])
    paginator = CountedPaginator(roots, settings.THREADS_PER_PAGE, count=article.thread_count)

    for number in paginator.page_range:
        page = paginator.page(number)

        assert _page_versions(article, page, sort, None) == dict(
            page.object_list.values_list("tree_id", "thread_version")
        )


def test_a_threads_json_ld_is_what_the_json_encoder_writes():
    from comments.discussion import render_threads
    from comments.templatetags.threadline import script_safe_json
    from comments.tree_items import STRUCTURED_TEXT_CHARS

    article = ArticleFactory()
    names = ['Zoë "Z" \\ Ångström', "</script><b>&", "Tab\there \u2028 line", "😀"]
    bodies = ['He said "hi" \\ </script> & more', "é" * 250, "Line\nbreak\r\n\x07 bell", "short"]
    roots = [
        CommentFactory(article=article, author_name=n, body=b) for n, b in zip(names, bodies, strict=True)
    ]
    CommentFactory(article=article, parent=roots[0], body="A reply: not listed")

    rendered = render_threads(article, [root.tree_id for root in roots])

    for root in roots:
        root.refresh_from_db()
        text = root.body if len(root.body) <= STRUCTURED_TEXT_CHARS else root.body[:199] + "…"
        expected = {
            "@type": "Comment",
            "@id": f"/comments/{root.pk}/",
            "author": {"@type": "Person", "name": root.author_name},
            "dateCreated": root.created_at.isoformat(),
            "text": text,
        }
        assert rendered[root.tree_id][1] == script_safe_json([expected])[1:-1]
