"""The article page's comment form (comments/_form.html) kept per process: rendered once per
shape with stand-ins where the values each reader gets anew go, then those values put in.

An empty comment form is the same HTML for every reader but three values: the CSRF token, the
form's idempotency token and its stamp. Through the template engine and Django's bound fields it
cost ~0.7 ms, a fifteenth of the article page rendered with nothing cached (a reader with a
session, THREAD_CACHE=0: `bench/cold_page.py`, bench/README.md "The cold first page"). This is
the shared page's frame (articles.pages) at the scale of the form, for every reader.

The key is all the template reads besides those three values: the form's class, ids and prefix,
each field's kind, name, label, help text, requiredness, widget attributes and initial value (a
member's form has no name or email), the action, the note on held first comments and the
language. A bound form (a reader's text, its errors) is rendered as usual, never kept. The
values are escaped as the template escapes them; tests/test_kept_form.py holds the result to
the template's, byte for byte.
"""

import secrets
from collections import OrderedDict
from threading import Lock

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from protection.forms import STAMP

TEMPLATE = "comments/_form.html"
MAX_ENTRIES = 512  # one an article's form (its action), ~4 KB each
FRESH = ("token", STAMP)  # the form's fields whose value is new for each reader
# Random per process: no text a reader can send holds one.
_STAND_INS = {name: f"keptform{secrets.token_hex(12)}" for name in ("csrf", *FRESH)}
_kept: OrderedDict[tuple, str] = OrderedDict()
_lock = Lock()


def comment_form_html(form, *, action: str, csrf_token) -> SafeString:
    """comments/_form.html for this form, from the kept rendering when the form is empty."""
    context = {"form": form, "action": action, "csrf_token": csrf_token}
    if form.is_bound or not csrf_token or csrf_token == "NOTPROVIDED":  # no token: as Django writes it
        return mark_safe(render_to_string(TEMPLATE, context))  # noqa: S308 (the template's own output)
    values = {"csrf": str(csrf_token), **{name: str(form.initial[name]) for name in FRESH}}
    key = (type(form), form.auto_id, form.prefix, _fields(form), form.hold_note, action, get_language())
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
    if html is None:
        html = _render_with_stand_ins(form, context)
        with _lock:
            _kept[key] = html
            while len(_kept) > MAX_ENTRIES:
                _kept.popitem(last=False)
    for name, value in values.items():
        html = html.replace(_STAND_INS[name], escape(value))
    return mark_safe(html)  # noqa: S308 (the template's own output, the values escaped)


def _fields(form) -> tuple:
    return tuple(
        (
            name,
            type(field),
            type(field.widget),
            str(field.label),
            str(field.help_text),
            field.required,
            repr(field.widget.attrs),
            repr(form.get_initial_for_field(field, name)),
        )
        for name, field in form.fields.items()
        if name not in FRESH
    )


def _render_with_stand_ins(form, context: dict) -> str:
    """The template's rendering of this form with stand-ins for the fresh values, rendered from
    a copy of it: the form itself keeps its own values."""
    twin = type(form).__new__(type(form))
    twin.__dict__.update(form.__dict__)
    twin.initial = {**form.initial, **{name: _STAND_INS[name] for name in FRESH}}
    twin._bound_fields_cache = {}  # Django's BaseForm: bound fields remember their initial value
    return render_to_string(TEMPLATE, {**context, "form": twin, "csrf_token": _STAND_INS["csrf"]})


@receiver(setting_changed, dispatch_uid="threadline-kept-form")
def _forget(**kwargs) -> None:
    """A test's override_settings may change what the form says (its limits, the URLs)."""
    with _lock:
        _kept.clear()
