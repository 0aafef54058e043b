"""Widgets rendered through the site's renderer (config/form_renderer.py) come out exactly as
Django's own renderer writes them, and only value-less widgets are kept."""

import pytest
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import override

from accounts.forms import SignupForm
from comments.forms import CommentEditForm, CommentForm, PreviewForm, ReportForm
from config.form_renderer import MAX_ENTRIES, KeptWidgetsRenderer
from notifications.forms import NotificationSettingsForm
from tests.factories import ArticleFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def site_forms():
    article, user = ArticleFactory(), UserFactory()
    return [
        CommentForm(article=article),
        CommentForm(article=article, user=user),
        CommentForm(article=article, initial={"parent": 7}, auto_id="id_reply_7_%s"),
        CommentForm({"body": "", "name": "Ana & <Bo>", "email": "bad"}, article=article),
        ReportForm(),
        ReportForm({"reason": "spam"}),
        CommentEditForm(initial={"body": "Kept <b>text</b>"}),
        PreviewForm({"body": "x"}),
        SignupForm(),
        AuthenticationForm(),
        NotificationSettingsForm(user=user),
        NotificationSettingsForm({"reply_emails": "on"}, user=StaffFactory()),
    ]


def test_the_site_renders_forms_with_the_kept_widgets_renderer():
    assert isinstance(get_default_renderer(), KeptWidgetsRenderer)


def test_every_widget_of_the_sites_forms_renders_as_djangos_renderer_writes_it():
    kept, plain = KeptWidgetsRenderer(), DjangoTemplates()

    for form in site_forms():
        form.renderer = plain
        expected = [str(field) for field in form]
        form.renderer = kept
        assert [str(field) for field in form] == expected  # the first time: rendered, maybe kept
        assert [str(field) for field in form] == expected  # the second: kept or rendered again

    assert kept._kept.cache_info().hits > 10


def test_a_widget_holding_a_value_is_never_kept():
    renderer = KeptWidgetsRenderer()

    html = forms.TextInput().render("name", "Ana's secret", renderer=renderer)

    assert 'value="Ana&#x27;s secret"' in html
    assert renderer._kept.cache_info().currsize == 0


def test_safe_and_plain_text_and_true_and_one_never_share_an_entry():
    renderer = KeptWidgetsRenderer()

    plain = forms.TextInput(attrs={"title": "a&b"}).render("x", None, renderer=renderer)
    safe = forms.TextInput(attrs={"title": mark_safe("a&b")}).render("x", None, renderer=renderer)
    true = forms.TextInput(attrs={"data-on": True}).render("x", None, renderer=renderer)
    one = forms.TextInput(attrs={"data-on": 1}).render("x", None, renderer=renderer)

    assert 'title="a&amp;b"' in plain and 'title="a&b"' in safe
    assert "data-on>" in true and 'data-on="1"' in one


def test_the_language_is_part_of_the_key():
    renderer = KeptWidgetsRenderer()

    with override("en"):
        forms.TextInput().render("x", None, renderer=renderer)
    with override("fr"):
        forms.TextInput().render("x", None, renderer=renderer)

    assert renderer._kept.cache_info().currsize == 2


def test_kept_widgets_are_bounded():
    renderer = KeptWidgetsRenderer()

    for index in range(MAX_ENTRIES + 10):
        forms.TextInput().render(f"field{index}", None, renderer=renderer)

    assert renderer._kept.cache_info().currsize == MAX_ENTRIES
