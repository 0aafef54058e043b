"""A shortcut for the commonest comment: plain sentences, rendered without the Markdown parser.

What it buys: importing 100,000 comments spent 21 s of its CPU in markdown-it (linkify above
all) for text that has no markup at all (`bench/import_wordpress.py`, bench/README.md). For
text in the narrow alphabet below, comments.markup.render_markdown() is known to give exactly
`<p>line<br>\nline</p>\n<p>…</p>`, so that is built directly; anything else returns None and
takes the real renderer. What it leans on: markdown-it's paragraph and line-break rules with
breaks=True and no typographer, and nh3 leaving such HTML as it is.
tests/test_moving_plaintext.py compares the two on every shape the alphabet allows.
"""

import re

from django.utils.text import normalize_newlines

# Letters, digits, spaces and sentence punctuation; no Markdown, HTML, entity or link syntax.
# A line starts with a letter (not a list number or an indent) and ends with no space (no
# hard break); a dot followed by a letter or digit could be a domain name that linkify links.
LINE = re.compile(r"[^\W\d_](?:[\w ,.;:?!'()-]*[\w,.;:?!')-])?")
DOMAIN_LIKE = re.compile(r"\.\w|_")


def plain_html(text: str) -> str | None:
    """render_markdown(text) for plain sentences, or None when the text needs the real renderer."""
    text = normalize_newlines(text or "").strip()
    if not text or DOMAIN_LIKE.search(text):
        return None
    paragraphs, lines = [], []
    for line in text.split("\n"):
        if not line:
            if lines:
                paragraphs.append(lines)
                lines = []
            continue
        if not LINE.fullmatch(line):
            return None
        lines.append(line)
    paragraphs.append(lines)
    return "\n".join("<p>" + "<br>\n".join(lines) + "</p>" for lines in paragraphs)
