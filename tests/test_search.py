import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.urls import reverse

from articles.models import Article
from articles.search import highlight
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def search(client, q, **extra):
    return client.get(reverse("articles:search"), {"q": q, **extra})


def result_slugs(response) -> list[str]:
    return [article.slug for article, _, _ in response.context["results"]]


def test_english_stemming_finds_other_forms_of_the_word(client):
    ArticleFactory(slug="runners", title="Notes", body="The runners were running through the city.")
    ArticleFactory(slug="other", title="Gardening", body="Tomatoes and beans.")

    response = search(client, "run")

    assert response.status_code == 200
    assert result_slugs(response) == ["runners"]


def test_a_title_match_ranks_above_a_body_match(client):
    ArticleFactory(slug="in-body", title="Weekly notes", body="Something about elections, once.")
    ArticleFactory(slug="in-title", title="Elections in spring", body="A piece about voting.")
    ArticleFactory(slug="in-summary", title="Misc", summary="On elections.", body="Text.")

    assert result_slugs(search(client, "elections")) == ["in-title", "in-summary", "in-body"]


def test_only_published_articles_are_found(client):
    ArticleFactory(slug="live", title="Harbour news")
    ArticleFactory(slug="draft", title="Harbour draft", status=Article.Status.DRAFT, published_at=None)

    assert result_slugs(search(client, "harbour")) == ["live"]


def test_snippets_highlight_hits_and_escape_the_article_text(client):
    ArticleFactory(
        title="Safety first",
        body='Intro. Type `<script>alert("x")</script>` and the volcano erupted & people left <b>fast</b>.',
    )

    page = search(client, "volcano").text

    assert "<mark>volcano</mark>" in page
    assert "<script>alert" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page  # the text, shown as text
    assert "erupted &amp; people" in page


def test_highlight_escapes_first_and_ignores_stray_markers():
    raw = "a <i>x</i> \ue000hit\ue001 and \ue000 stray \ue001\ue001"

    assert highlight(raw) == "a &lt;i&gt;x&lt;/i&gt; <mark>hit</mark> and <mark> stray </mark>"
    assert highlight("&lt;b&gt; \ue000&amp;\ue001", from_html=True) == "&lt;b&gt; <mark>&amp;</mark>"


def test_title_hits_are_highlighted_too(client):
    ArticleFactory(title="Rivers <and> lakes", body="Water.")

    page = search(client, "rivers").text

    assert "<mark>Rivers</mark> &lt;and&gt; lakes" in page


def test_empty_query_asks_for_words(client):
    response = search(client, "   ")

    assert response.status_code == 200
    assert "Type a word or two to search the articles." in response.text


def test_oversized_query_is_a_400_with_a_clear_message(client, settings):
    response = search(client, "word " * 60)

    assert response.status_code == 400
    assert f"keep it under {settings.SEARCH_MAX_QUERY_LENGTH} characters" in response.text


@pytest.mark.parametrize("q", ["nothingmatchesthis", "the", '"unbalanced', "-", "a | b & !c :*", "'); drop"])
def test_odd_or_unmatched_queries_say_no_results_never_500(client, q):
    ArticleFactory(title="Something")

    response = search(client, q)

    assert response.status_code == 200
    assert "No articles match that search." in response.text


def test_every_page_has_the_search_box(client, article):
    for url in [reverse("articles:list"), article.get_absolute_url(), reverse("articles:search")]:
        page = client.get(url).text
        assert f'action="{reverse("articles:search")}" class="site-search" role="search"' in page
        assert 'type="search" id="site-search-q" name="q"' in page


def test_results_are_paginated_and_keep_the_query(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    for n in range(3):
        ArticleFactory(title=f"Bridge report {n}")

    first = search(client, "bridge")
    second = search(client, "bridge", page=2)

    assert len(result_slugs(first)) == 2 and len(result_slugs(second)) == 1
    assert "?q=bridge&amp;page=2" in first.text


def test_search_page_costs_two_queries(client, django_assert_num_queries):
    for n in range(5):
        ArticleFactory(title=f"Ferry timetable {n}")

    with django_assert_num_queries(2):  # the count, the page of results with ranks and snippets
        search(client, "ferry")


def test_the_gin_index_serves_the_search_condition():
    ArticleFactory(title="Indexed")
    query = SearchQuery("indexed", search_type="websearch", config="english")
    sql, params = Article.objects.filter(search_vector=query).only("pk").query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "article_search_idx" in plan
