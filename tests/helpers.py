"""Read a discussion page the way the page contract describes it."""

from contextlib import contextmanager
from html.parser import HTMLParser


class _ThreadParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[str | None] = []  # comment pk of each open element, or None
        self.found: list[tuple[str, str, str | None]] = []  # (pk, data-parent, enclosing comment pk)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        element_id = attrs.get("id") or ""
        if element_id.startswith("comment-") and element_id[8:].isdigit():
            enclosing = next((pk for pk in reversed(self.stack) if pk is not None), None)
            self.found.append((element_id[8:], attrs.get("data-parent", "MISSING"), enclosing))
            self.stack.append(element_id[8:])
        elif tag not in {"br", "img", "input", "meta", "link", "hr"}:
            self.stack.append(None)

    def handle_endtag(self, tag):
        if tag not in {"br", "img", "input", "meta", "link", "hr"} and self.stack:
            self.stack.pop()


def comment_elements(html: str) -> list[tuple[int, int | None, int | None]]:
    """(comment pk, data-parent, pk of the comment element it sits inside) in page order."""
    parser = _ThreadParser()
    parser.feed(html)
    return [
        (int(pk), int(parent) if parent else None, int(enclosing) if enclosing else None)
        for pk, parent, enclosing in parser.found
    ]


def indented(html: str) -> str:
    """The page's comment nesting as indented text, one comment pk per line."""
    depth: dict[int, int] = {}
    lines = []
    for pk, _, enclosing in comment_elements(html):
        depth[pk] = depth[enclosing] + 1 if enclosing in depth else 0
        lines.append("  " * depth[pk] + str(pk))
    return "\n".join(lines)


@contextmanager
def database_unreachable():
    """The default connection points at a port where nothing listens (a real connection attempt,
    no mock), and is restored afterwards."""
    from django.db import connection

    original = connection.settings_dict.copy()
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
