"""{% url %} and {% static %} through config/kept_urls.py write what Django's own tags write, keep
only what is safe to keep, and fail loudly if the Django code KeptURLNode copies changes."""

import hashlib
import inspect
import re

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template import Context, Engine, Template
from django.template.defaulttags import URLNode
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from config import kept_urls
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

# Django 5.2's URLNode.render, which KeptURLNode.render repeats with reverse() swapped for
# kept_reverse(). When this fails, Django changed it: bring KeptURLNode.render in line, then
# update the digest.
URLNODE_RENDER_SHA256 = "762322665c6eae88660191fdd179e467f8bcdbd25d3e46ab5c42ca10563d762f"

TAGS = [
    "{% url 'articles:list' %}",
    "{% url 'articles:detail' slug %}",
    "{% url 'articles:detail' slug=slug %}",
    "{% url 'comments:thread' pk %}",
    "{% url 'comments:thread' text_pk %}",
    "{% url 'comments:reply' article.pk %}",  # a model's attribute: plain
    "{% url 'articles:detail' article.slug as there %}[{{ there }}]",
    "{% url 'no-such-view' as nowhere %}[{{ nowhere }}]",
    "{% url 'profile' odd %}",  # quoted and escaped as Django does it
]


@pytest.fixture(autouse=True)
def forget():
    kept_urls._kept_reverse.cache_clear()


def render(source: str, context: dict, *, kept: bool) -> str:
    engine = Engine(builtins=["config.kept_urls"] if kept else [])
    return Template(source, engine=engine).render(Context(context))


def test_the_kept_tags_write_what_djangos_write():
    article = ArticleFactory(slug="a-slug")
    context = {"slug": "slug-1", "pk": 7, "text_pk": "8", "article": article, "odd": "Ana & <Bo>"}

    for source in TAGS:
        expected = render(source, context, kept=False)
        assert render(source, context, kept=True) == expected, source
        assert render(source, context, kept=True) == expected, source  # kept this time


def test_a_missing_view_fails_as_djangos_tag_fails():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-view' %}", {}, kept=True)


def test_plain_arguments_are_kept_and_others_reversed_each_time():
    article = ArticleFactory()

    render("{% url 'comments:thread' 5 %}{% url 'comments:thread' 5 %}", {}, kept=True)
    render("{% url 'profile' flag %}", {"flag": True}, kept=True)  # "True", never as 1
    render("{% url 'profile' article %}", {"article": article}, kept=True)  # a model: str(article)

    info = kept_urls._kept_reverse.cache_info()
    assert (info.hits, info.currsize) == (1, 1)


def test_true_and_one_give_their_own_urls():
    one = render("{% url 'profile' value %}", {"value": 1}, kept=True)

    true = render("{% url 'profile' value %}", {"value": True}, kept=True)

    assert (one, true) == (reverse("profile", args=[1]), reverse("profile", args=[True]))
    assert one != true


def test_a_changed_setting_forgets_what_was_kept():
    render("{% url 'articles:list' %}", {}, kept=True)

    with override_settings(FORCE_SCRIPT_NAME="/x/"):
        assert kept_urls._kept_reverse.cache_info().currsize == 0


def test_the_static_tag_writes_the_manifests_name(client):
    article = ArticleFactory()

    page = client.get(article.get_absolute_url()).text

    for name in ("css/site.css", "js/threadline.js", "favicon.svg"):
        assert f'"{staticfiles_storage.url(name)}"' in page
    assert kept_urls.KeptStaticNode.handle_simple.cache_info().currsize >= 3


def test_pages_use_the_kept_static_tag():
    """{% load static %} in a page's template would put Django's tag back over the kept one."""
    from django.conf import settings

    base = (settings.BASE_DIR / "templates" / "base.html").read_text()

    assert not re.search(r"{%\s*load\b[^%]*\bstatic\b", base)


def test_djangos_url_node_render_is_the_one_kept_urls_repeats():
    source = inspect.getsource(URLNode.render)

    assert hashlib.sha256(source.encode()).hexdigest() == URLNODE_RENDER_SHA256, (
        "Django's URLNode.render changed: compare config.kept_urls.KeptURLNode.render with it"
    )
