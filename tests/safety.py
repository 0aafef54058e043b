"""Is this HTML safe to show? The security property, whatever the renderer's exact output."""

import re
from html.parser import HTMLParser

from django.conf import settings

# Elements reader text must never produce (the site's own pages use none of them either).
FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "svg", "math",
    "isindex", "template", "portal", "xmp", "plaintext", "noembed", "noframes",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "cite", "longdesc",
    "lowsrc", "dynsrc", "ping", "srcset", "manifest", "codebase",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def _scheme_is_bad(value: str) -> bool:
    return INVISIBLE.sub("", value).lower().startswith(BAD_SCHEMES)


def _own_link(attributes: dict) -> bool:
    """A stylesheet or icon from our static files, or a canonical/feed link to this site."""
    href = attributes.get("href") or ""
    if href.startswith("/static/"):
        return True
    same_site = href.startswith("/") and not href.startswith("//") or href.startswith(f"{settings.SITE_URL}/")
    return attributes.get("rel") in {"canonical", "alternate"} and same_site


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            # Our own scripts, or JSON-LD data (never run; tests/test_reading.py proves reader
            # text cannot close the element).
            own = (attributes.get("src") or "").startswith("/static/")
            data = attributes.get("type") == "application/ld+json" and "src" not in attributes
            if not (own or data):
                self.problems.append(f"<script> not from our static files: {attrs}")
        elif tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append(f"<meta http-equiv>: {attrs}")
        if tag == "link" and not _own_link(attributes):
            self.problems.append(f"<link> not from our static files: {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            elif name in {"style", "srcdoc"}:
                self.problems.append(f"{name}= on <{tag}>")
            elif name in URL_ATTRIBUTES and value and _scheme_is_bad(value):
                self.problems.append(f"{name}={value!r} on <{tag}>")


def markup_problems(html: str) -> list[str]:
    """Every way this HTML could run script or restyle the page; empty when it is safe."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.problems
