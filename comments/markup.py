"""Reader text to HTML: plain text, paragraphs, auto-linked URLs, always escaped."""

from django.utils.html import urlize
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines


def render_comment_body(text: str) -> str:
    """Escape the text, link bare URLs (rel=nofollow ugc), split it into paragraphs."""
    text = normalize_newlines(text).strip()
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    html = []
    for paragraph in paragraphs:
        linked = urlize(paragraph, nofollow=True, autoescape=True)
        linked = linked.replace('rel="nofollow"', 'rel="nofollow ugc noopener"')
        html.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return mark_safe("\n".join(html))
