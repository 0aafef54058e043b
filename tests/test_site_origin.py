"""Absolute URLs and page-cache keys come from SITE_URL, never from the request's Host (issue 16)."""

import pytest
from django.test import Client

from pagecache.store import recent_pages
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def any_port(settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    settings.SITE_URL = "https://news.example"


def shared_keys(prefix: str) -> list[str]:
    return [key for key in recent_pages._entries if key.startswith(prefix)]


def test_every_port_of_an_allowed_host_shares_one_cached_page(any_port):
    article = ArticleFactory()

    pages = [
        Client().get(article.get_absolute_url(), HTTP_HOST=f"localhost:{port}") for port in range(8001, 8011)
    ]

    assert len(shared_keys("articlepage:")) == 1
    assert all(page.status_code == 200 for page in pages)
    assert f'<link rel="canonical" href="https://news.example{article.get_absolute_url()}">' in pages[-1].text
    assert "localhost:80" not in pages[-1].text


def test_the_shared_permalink_page_names_the_site_not_its_first_reader(any_port):
    comment = CommentFactory()
    path = f"/comments/{comment.pk}/"

    Client().get(path + "?utm=x", HTTP_HOST="localhost:6666")
    page = Client().get(path, HTTP_HOST="localhost").text

    assert f'<meta property="og:url" content="https://news.example{path}">' in page
    assert "6666" not in page and "utm" not in page


def test_debug_without_site_url_takes_the_request_host(settings, rf):
    from config.site import site_origin

    settings.DEBUG, settings.SITE_URL_IS_SET = True, False

    assert site_origin(rf.get("/", HTTP_HOST="127.0.0.1:8123")) == "http://127.0.0.1:8123"
