"""schema.org JSON-LD for an article page, from what the page already loaded (no query)."""

from django.utils.safestring import SafeString, mark_safe

from comments.templatetags.threadline import script_safe_json
from config.site import site_origin


def _person(name: str) -> dict:
    return {"@type": "Person", "name": name}


def article_structured_data(request, article, comments: list[str]) -> SafeString:
    """The <script> element: an Article with its commentCount and the page's shown comments.

    `comments` are JSON fragments from comments.tree_items.structured_comments (cached with their
    thread, escaped for a <script>, site-relative @ids): joined here, no entry is encoded again,
    and their @ids are made absolute with the site's origin (config.site).
    """
    url = site_origin(request) + article.get_absolute_url()
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "@id": url,
        "url": url,
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat() if article.updated_at else None,
        "commentCount": article.comment_count,
    }
    if article.byline:
        data["author"] = _person(article.byline)
    origin = script_safe_json(site_origin(request))[1:-1]
    # Inside a JSON string a quote is escaped (\"), so this only ever matches an @id's value.
    listed = ",".join(filter(None, comments)).replace('"@id": "/', f'"@id": "{origin}/')
    text = script_safe_json(data)[:-1] + f', "comment": [{listed}]}}'
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
