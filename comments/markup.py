"""Reader text to HTML: a small, safe Markdown subset, rendered once on save.

markdown-it-py (CommonMark, the ExecutableBooks project's parser) rather than
Python-Markdown: it has a real "no raw HTML" switch (`html: False` escapes tags
instead of passing them through), per-rule enable/disable to cut the syntax down
to a subset, and a link validator hook. Python-Markdown passes raw HTML through
and can only be made safe by sanitising afterwards. nh3 (ammonia) then cleans
the output against an allow-list anyway, as a second line of defence, and adds
rel="nofollow ugc noopener" to every link.
"""

from functools import cache, lru_cache
from urllib.parse import urlsplit

import nh3
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines
from markdown_it import MarkdownIt

COMMENT_TAGS = {"p", "br", "strong", "em", "a", "blockquote", "code", "pre", "ul", "ol", "li"}
COMMENT_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
LINK_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
# Not in the subset: they render as the literal text the reader typed.
DISABLED_RULES = ["image", "heading", "lheading", "hr", "html_block", "html_inline", "reference"]


def _is_safe_link(url: str) -> bool:
    """http(s), mailto and relative links only: no javascript:, data:, vbscript:, file:…"""
    url = url.strip()
    scheme = urlsplit(url).scheme.lower() if ":" in url else ""
    return scheme in LINK_SCHEMES or (scheme == "" and not url.lower().startswith(("javascript", "data")))


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True, "typographer": False})
    parser.enable("linkify")
    parser.disable(DISABLED_RULES)
    parser.validateLink = _is_safe_link
    return parser


@lru_cache(maxsize=32)  # the moderation rules count a new comment's links, then save renders it
def render_markdown(text: str) -> str:
    """The comment subset of Markdown to sanitised HTML (not marked safe)."""
    text = normalize_newlines(text or "").strip()
    if not text:
        return ""
    html = _parser().render(text)
    return nh3.clean(
        html,
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def render_comment_body(text: str) -> str:
    """Render the reader's Markdown (paragraphs, emphasis, links, quotes, code, lists) to safe HTML."""
    return mark_safe(render_markdown(text))
