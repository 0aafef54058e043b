"""Django's form renderer, with the HTML of widgets that hold no value kept per process.

Each widget is a small template (input.html, which includes attrs.html) rendered by the template
engine: about 0.2 ms a widget, 2 ms for the nine of the article page's comment form, rendered for
every reader who cannot get the shared page (a session, an error, THREAD_CACHE=0; bench/README.md,
"The cold first page", `bench/cold_page.py`). Most of those widgets are the same for every reader
(an empty comment box, an empty name), so their HTML is kept, keyed by their whole context.

Only a widget whose value is empty (None or "") is kept, in a bounded LRU (MAX_ENTRIES): what a
reader typed, a form's token or stamp never is. A text box or hidden input holding text (a form's
token and stamp: every form rendered holds new ones) is kept rendered around a stand-in for its
value, which each rendering replaces with the value escaped, as the template's autoescaping would
(VALUE_TEMPLATES: Django's own templates, which write the value once and test it only against
None or emptiness). The key holds each value with its exact type:
"a&b" and mark_safe("a&b") are equal strings that render differently, as True and 1 are equal
numbers; a context holding anything but plain dicts, strings, numbers, booleans and None (lazy
text, a Select's choices, a form) is rendered as usual. The active language is part of the key.

It leans on the renderer API Django documents (render(template_name, context, request)) and the
widget context it documents ({"widget": {...}}); tests/test_form_renderer.py renders every
widget of the site's forms both ways.
"""

from functools import lru_cache

from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.html import escape

MAX_ENTRIES = 1024  # a reply form's widgets have ids of their own: one set per comment replied to
_PLAIN = (str, int, bool, type(None))
# Django's widget templates that write widget.value once, escaped, and test it only against None
# (input.html) or emptiness (textarea.html): a stand-in renders what the value would, in its place.
VALUE_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("text", "email", "hidden", "number", "password", "url", "search", "tel", "textarea")
)
# Nothing in it to escape. A value that holds it is still put in whole: one replace, which does
# not look again inside what it put in (tests/test_form_renderer.py renders such values).
STAND_IN = "threadline-widget-value-7f3c9a"


class _NotPlain(Exception):
    pass


def _frozen(value):
    """value as a hashable key that tells apart what renders differently (exact types)."""
    kind = type(value)
    if kind in _PLAIN:
        return kind, value
    if kind is dict:
        return dict, tuple((key, _frozen(item)) for key, item in value.items())  # attribute order kept
    raise _NotPlain


def _thawed(frozen):
    kind, value = frozen
    return {key: _thawed(item) for key, item in value} if kind is dict else value


class KeptWidgetsRenderer(DjangoTemplates):
    """DjangoTemplates, keeping the HTML of value-less widgets (see the module docstring)."""

    def __init__(self):
        super().__init__()
        self._kept = lru_cache(maxsize=MAX_ENTRIES)(self._render_frozen)

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if request is None and len(context) == 1 else None
        if type(widget) is not dict:
            return super().render(template_name, context, request)
        value = widget.get("value")
        held = type(value) is str and value != "" and template_name in VALUE_TEMPLATES
        if value not in (None, "") and not held:
            return super().render(template_name, context, request)
        try:
            frozen = _frozen({**widget, "value": STAND_IN} if held else widget)
        except _NotPlain:
            return super().render(template_name, context, request)
        html = self._kept(template_name, translation.get_language(), frozen)
        return html.replace(STAND_IN, escape(value)) if held else html

    def _render_frozen(self, template_name, language, frozen):
        return super().render(template_name, {"widget": _thawed(frozen)})
