"""Full-text search over published articles: PostgreSQL's English stemming, ranking and headlines."""

import html as html_lib
import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article

# Private-use characters: PostgreSQL marks the hits with them, we escape the whole snippet and only
# then turn them into <mark>. Article text never reaches the page as raw HTML this way.
START, STOP = "\ue000", "\ue001"
_HIT = re.compile(f"{START}([^{START}{STOP}]*){STOP}")


def search_articles(text: str):
    """Published articles matching the words, best first; `title_raw`, `snippet_raw`: marked, unescaped."""
    query = SearchQuery(text, search_type="websearch", config="english")
    return (
        Article.objects.published()
        .filter(search_vector=query)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            title_raw=SearchHeadline(
                "title", query, config="english", start_sel=START, stop_sel=STOP, highlight_all=True
            ),
            snippet_raw=SearchHeadline(
                Concat("summary", Value("\n\n"), "body_html", output_field=TextField()),
                query,
                config="english",
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-published_at", "-pk")
    )


def highlight(raw: str, *, from_html: bool = False) -> SafeString:
    """Escape the headline, then wrap the hits PostgreSQL marked in <mark>.

    from_html: the headline was cut from HTML (ts_headline drops the tags but keeps entities),
    so decode the entities first; the text is escaped again right after.
    """
    text = html_lib.unescape(raw) if from_html else raw
    html = _HIT.sub(r"<mark>\1</mark>", escape(text))
    return mark_safe(html.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped just above
