"""The comment form kept per process (comments/kept_form.py) is the template's rendering, byte for
byte, with each reader's own tokens and none of another's."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from comments import kept_form, moderation
from comments.forms import CommentForm
from comments.kept_form import TEMPLATE, comment_form_html
from comments.models import ModerationRules
from protection.forms import STAMP
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTION = "/comments/post/a-slug/"


@pytest.fixture(autouse=True)
def nothing_kept():
    kept_form._kept.clear()


def form_with(article, token, stamp, **kwargs):
    return CommentForm(article=article, initial={"token": token, STAMP: stamp}, **kwargs)


def template_html(form, csrf_token) -> str:
    return render_to_string(TEMPLATE, {"form": form, "action": ACTION, "csrf_token": csrf_token})


@pytest.mark.parametrize("member", [False, True], ids=["guest", "member"])
def test_the_kept_form_is_the_templates_with_each_readers_own_tokens(member):
    article = ArticleFactory()
    user = UserFactory() if member else None
    readers = [("csrfONE", "11111111-1111-4111-8111-111111111111", "stamp:one"),
               ("csrfTWO", "22222222-2222-4222-8222-222222222222", 'stamp&"<two>')]  # fmt: skip

    pages = []
    for csrf, token, stamp in readers:
        expected = template_html(form_with(article, token, stamp, user=user), csrf)
        form = form_with(article, token, stamp, user=user)
        assert form["token"].value() == token  # a template may read a field before the form is written
        html = comment_form_html(form, action=ACTION, csrf_token=csrf)
        assert html == expected
        pages.append(html)

    assert len(kept_form._kept) == 1  # the second reader's form came from the first's rendering
    assert "csrfONE" not in pages[1] and "11111111" not in pages[1] and "stamp:one" not in pages[1]
    assert 'value="stamp&amp;&quot;&lt;two&gt;"' in pages[1]
    assert ('name="email"' in pages[0]) is not member


def test_a_guests_form_and_a_members_form_are_kept_apart():
    article = ArticleFactory()

    comment_form_html(CommentForm(article=article), action=ACTION, csrf_token="x")
    member_html = comment_form_html(
        CommentForm(article=article, user=UserFactory()), action=ACTION, csrf_token="x"
    )

    assert len(kept_form._kept) == 2
    assert 'name="email"' not in member_html


def test_the_note_on_held_first_comments_is_part_of_the_key():
    article = ArticleFactory()
    notes = []
    for hold in (True, False):
        ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": hold})
        moderation.current_rules()  # as the next post reads them

        notes.append(comment_form_html(CommentForm(article=article), action=ACTION, csrf_token="x"))

    assert 'class="hold-note"' in notes[0] and 'class="hold-note"' not in notes[1]


def test_a_bound_form_with_errors_is_rendered_as_the_template_does_and_never_kept():
    article = ArticleFactory()
    data = {"body": "", "name": "Ana & <Bo>", "email": "bad", "token": "not-a-uuid"}

    html = comment_form_html(CommentForm(data, article=article), action=ACTION, csrf_token="x")

    assert html == template_html(CommentForm(data, article=article), "x")
    assert "Ana &amp; &lt;Bo&gt;" in html and "form-errors" in html
    assert not kept_form._kept


@pytest.mark.parametrize("cache_on", [True, False], ids=["shared page", "cold page"])
def test_a_reader_posts_with_the_form_the_page_served(settings, cache_on):
    settings.THREAD_CACHE_ENABLED = cache_on
    settings.COMMENT_MIN_FILL_SECONDS = 0
    article = ArticleFactory()
    browser = Client(enforce_csrf_checks=True)
    for reader in range(2):  # the second one's form is the kept one
        page = browser.get(article.get_absolute_url()).text
        form = page[page.index('<form method="post" action="/comments/post/') :]
        fields = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[: form.index("</form>")])
        )
        assert not any(stand_in in page for stand_in in kept_form._STAND_INS.values())

        response = browser.post(
            reverse("comments:add", args=[article.slug]),
            {**fields, "body": f"Posted by reader {reader}", "name": "Ana", "email": "ana@example.org"},
        )

        assert response.status_code == 302, fields
    assert article.comments.filter(body__startswith="Posted by reader").count() == 2
