"""WordPress HTML to the Markdown the site stores (comments' subset, editors' articles).

markdownify (BeautifulSoup underneath) converts the markup; nh3 first cuts it down to the
tags the site allows, dropping scripts and styles with their content, so nothing hostile
reaches the converter's output. The result is rendered by the site's own renderers on
save (comments.markup, articles.models), which sanitise again.
Plain-text comments, the common case, skip the converter: it costs a parse per comment.
"""

import re

import nh3
from django.utils.text import normalize_newlines
from markdownify import markdownify

from articles.models import ARTICLE_TAGS

COMMENT_TAGS = {"p", "br", "strong", "b", "em", "i", "a", "blockquote", "code", "pre", "ul", "ol", "li"}
ARTICLE_SOURCE_TAGS = ARTICLE_TAGS | {"h1", "h5", "h6", "b", "i", "div", "span", "figure", "figcaption"}
BLOCK = re.compile(r"<(p|div|ul|ol|blockquote|pre|h[1-6]|table|figure)\b", re.IGNORECASE)
GUTENBERG = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def autop(html: str) -> str:
    """WordPress's rule for text without blocks: blank lines part paragraphs, newlines break lines."""
    if BLOCK.search(html):
        return html
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", html.strip()) if p.strip()]
    return "".join("<p>" + p.replace("\n", "<br>\n") + "</p>" for p in paragraphs)


def comment_markdown(html: str) -> str:
    """A WordPress or Disqus comment's HTML as the comment subset of Markdown."""
    html = normalize_newlines(html or "").strip()
    if "<" not in html and "&" not in html:
        # Plain text: WordPress showed it as typed, so Markdown's own characters are escaped.
        return MARKDOWN_SPECIAL.sub(r"\\\1", html)
    clean = nh3.clean(autop(html), tags=COMMENT_TAGS, attributes={"a": {"href", "title"}}, link_rel=None)
    markdown = markdownify(clean, heading_style="ATX", bullets="-")
    # Comments break lines at every newline (comments.markup): the two-space hard breaks can go.
    return _tidy("\n".join(line.rstrip() for line in markdown.split("\n")))


def article_markdown(html: str) -> str:
    """A WordPress post's content (classic or block editor) as the editors' Markdown."""
    html = GUTENBERG.sub("", normalize_newlines(html or "")).strip()
    clean = nh3.clean(
        autop(html), tags=ARTICLE_SOURCE_TAGS, attributes={"a": {"href", "title"}}, link_rel=None
    )
    return _tidy(markdownify(clean, heading_style="ATX", bullets="-"))


def plain_text(html: str) -> str:
    """Text only (for summaries): tags dropped, entities decoded, whitespace collapsed."""
    import html as html_module

    return " ".join(html_module.unescape(nh3.clean(html or "", tags=set())).split())


def _tidy(markdown: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()
