"""schema.org JSON-LD for an article page, from what the page already loaded (no query)."""

from django.urls import reverse


def _person(name: str) -> dict:
    return {"@type": "Person", "name": name}


def article_structured_data(request, article, items, *, comment_count: int) -> dict:
    """An Article with its commentCount and the page's shown comments as Comment items."""
    url = request.build_absolute_uri(article.get_absolute_url())
    # One reverse() for the page, not one per comment: "…/comments/0/" -> "…/comments/<pk>/".
    thread_url = request.build_absolute_uri(reverse("comments:thread", args=[0]))[: -len("0/")]
    comments = []
    for item in items:
        comment = item.comment
        if not comment.is_approved:
            continue
        entry = {
            "@type": "Comment",
            "@id": f"{thread_url}{comment.pk}/",
            "author": _person(comment.author_name),
            "dateCreated": comment.created_at.isoformat(),
            "text": comment.body,
        }
        if comment.parent_id:
            entry["parentItem"] = {"@id": f"{thread_url}{comment.parent_id}/"}
        comments.append(entry)
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "@id": url,
        "url": url,
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat() if article.updated_at else None,
        "commentCount": comment_count,
        "comment": comments,
    }
    if article.byline:
        data["author"] = _person(article.byline)
    return data
