"""{% url %} and {% static %} with their answers kept per process: template builtins
(settings.TEMPLATES), so every template has them without a {% load %}.

Django's `{% url %}` calls reverse() at each rendering, about 50 µs a call, and `{% static %}`
asks the manifest storage, about 30; the article page has twelve of one and three of the other,
rendered for every reader who cannot get the shared page (a session, THREAD_CACHE=0: bench/README.md,
"The cold first page"). What they return is a function of their arguments and of what reverse()
itself reads (the URLconf, the script prefix, the language), all of which are in the key; the
manifest is read once per process anyway. Only plain arguments (text, whole numbers) are kept:
anything else (a model instance, lazy text) is reversed as Django does.

KeptURLNode.render is Django's URLNode.render with reverse() swapped for the kept one; and
`{% load static %}` would put Django's own tag back over this one, so the templates here use
`{% static %}` without loading it. tests/test_kept_urls.py checks each form of the tag (no
arguments, positional, keyword, `as`, a missing view, text to escape) against Django's, the
article page's static names against the storage's, and fails if URLNode.render changes upstream.
"""

import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import URLNode, url
from django.templatetags.static import StaticNode
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()
MAX_ENTRIES = 2048
# A template's literal is a SafeString, which reverse() writes as it writes the str: one entry for
# both. Not bool: True and 1 are one key but "True" and "1" in a URL.
_PLAIN = frozenset({str, SafeString, int})


@functools.lru_cache(maxsize=MAX_ENTRIES)
def _kept_reverse(view_name, args, kwargs, current_app, urlconf, prefix, language) -> str:
    return reverse(view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)


def kept_reverse(view_name, args, kwargs, current_app) -> str:
    """reverse(), its answer kept when the arguments are plain (see the module docstring)."""
    values = [view_name, *args, *kwargs.values()]
    if any(type(value) not in _PLAIN for value in values):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    return _kept_reverse(
        view_name,
        tuple(args),
        tuple(kwargs.items()),
        current_app,
        get_urlconf(),
        get_script_prefix(),
        get_language(),
    )


class KeptURLNode(URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = kept_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag("url")
def kept_url(parser, token):
    node = url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)


class KeptStaticNode(StaticNode):
    @classmethod
    @functools.lru_cache(maxsize=256)
    def handle_simple(cls, path):
        return super().handle_simple(path)


@register.tag("static")
def kept_static(parser, token):
    return KeptStaticNode.handle_token(parser, token)


@receiver(setting_changed, dispatch_uid="threadline-kept-urls")
def _forget(**kwargs) -> None:
    """A test's override_settings may change what they answer (the URLconf, the static URL)."""
    _kept_reverse.cache_clear()
    KeptStaticNode.handle_simple.cache_clear()
