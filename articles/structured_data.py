"""schema.org JSON-LD for an article page, from what the page already loaded (no query)."""


def _person(name: str) -> dict:
    return {"@type": "Person", "name": name}


def article_structured_data(request, article, comments: list[dict]) -> dict:
    """An Article with its commentCount and the page's shown comments as Comment items.

    `comments` come from comments.threads.structured_comments (cached with their thread,
    site-relative @ids); here they are made absolute for this request's host.
    """
    url = request.build_absolute_uri(article.get_absolute_url())
    origin = request.build_absolute_uri("/").removesuffix("/")  # @ids are paths from the site's root
    absolute = []
    for entry in comments:
        entry = {**entry, "@id": origin + entry["@id"]}
        if "parentItem" in entry:
            entry["parentItem"] = {"@id": origin + entry["parentItem"]["@id"]}
        absolute.append(entry)
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
        "comment": absolute,
    }
    if article.byline:
        data["author"] = _person(article.byline)
    return data
