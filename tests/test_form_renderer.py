"""Widgets rendered through the site's renderer (config/form_renderer.py) come out exactly as
Django's own renderer writes them, and no value a widget holds is ever kept."""

import pytest
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import override

from accounts.forms import SignupForm
from comments.forms import CommentEditForm, CommentForm, PreviewForm, ReportForm
from config.form_renderer import MAX_ENTRIES, STAND_IN, KeptWidgetsRenderer
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


TRICKY_VALUES = [
    "Ana's secret",
    'a "quoted" <b>bold</b> & more',
    "&amp; already escaped",
    STAND_IN,
    f"{STAND_IN} & {STAND_IN}<",
    "line\nbreak\r\n  spaced  ",
    "0",
    " ",
]


@pytest.mark.parametrize(
    "widget",
    [forms.TextInput(), forms.HiddenInput(), forms.EmailInput(), forms.Textarea(attrs={"rows": 5}),
     forms.NumberInput(), forms.URLInput(), forms.PasswordInput(render_value=True)],
    ids=lambda widget: type(widget).__name__,
)  # fmt: skip
def test_a_widget_holding_text_renders_as_djangos_renderer_writes_it(widget):
    kept, plain = KeptWidgetsRenderer(), DjangoTemplates()

    for value in TRICKY_VALUES:
        expected = widget.render("field", value, attrs={"id": "id_field"}, renderer=plain)
        assert widget.render("field", value, attrs={"id": "id_field"}, renderer=kept) == expected


def test_a_widget_holding_a_value_is_kept_without_it():
    renderer = KeptWidgetsRenderer()

    first = forms.HiddenInput().render("token", "Ana's secret", renderer=renderer)
    second = forms.HiddenInput().render("token", "another & one", renderer=renderer)

    assert 'value="Ana&#x27;s secret"' in first and 'value="another &amp; one"' in second
    assert renderer._kept.cache_info().currsize == 1  # one entry for both, keyed by the stand-in


def test_a_value_that_is_not_plain_text_is_rendered_as_usual():
    renderer = KeptWidgetsRenderer()

    html = forms.TextInput().render("name", mark_safe("<b>kept as is</b>"), renderer=renderer)

    assert 'value="<b>kept as is</b>"' in html
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
