from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from articles.models import Article, published_article
from articles.pages import (
    NO_ARTICLE,
    NotShared,
    anonymous_validators,
    page_state,
    render_article,
    set_validators,
    shared_article_page,
)
from articles.search import highlight, search_articles
from comments.render import url_pattern
from pagecache.store import is_shared

# Pages of one comment that are forms, not reading.
ROBOTS_DISALLOWED = ("comments:reply", "comments:report", "comments:edit", "comments:delete")


@require_safe
def robots_txt(request):
    """Crawlers stay out of the comments' form pages (RFC 9309's "*" stands for the pk), so a
    discussion page needs no rel="nofollow" on each comment's links (issue 23: bytes a comment).
    The admin is not named: its address may be kept secret (ADMIN_URL)."""
    disallowed = [f"Disallow: {url_pattern(name).format(pk='*')}" for name in ROBOTS_DISALLOWED]
    return HttpResponse("\n".join(["User-agent: *", *disallowed, ""]), content_type="text/plain")


@require_safe
def article_list(request):
    """Published articles, newest first, with their stored comment counts: one query a page."""
    articles = (
        Article.objects.published()
        .defer("search_vector", "body", "body_html")
        .order_by("-published_at", "-pk")
    )
    page = Paginator(articles, settings.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html", {"page": page, "articles": page.object_list})


@require_safe
def article_detail(request, slug):
    article = None
    if is_shared(request):
        try:
            return shared_article_page(request, slug)
        except NotShared as not_shared:
            article = not_shared.article
    article = article or published_article(slug)
    if article is None:
        raise Http404(NO_ARTICLE)
    validators = None
    if request.method == "GET" and not set(settings.PAGECACHE_PERSONAL_COOKIES) & request.COOKIES.keys():
        validators = anonymous_validators(request, page_state(article), encoding="")
        not_modified = get_conditional_response(request, etag=validators["etag"])
        if not_modified is not None:
            return not_modified
    response = render_article(request, article)
    if validators:
        set_validators(response, validators)
    return response


NUL_IN_SEARCH = "That search contains a character that is not allowed (NUL): please type it again."


def search(request):
    """Published articles matching the words, best first, with highlighted snippets."""
    text = " ".join(request.GET.get("q", "").split())
    context = {"query": text, "page": None, "results": [], "message": ""}
    if not text:
        context["message"] = "Type a word or two to search the articles."
        return render(request, "articles/search.html", context)
    if "\x00" in text:  # PostgreSQL refuses NUL in text: a 400, not a 500 (issue 16)
        return render(
            request, "articles/search.html", {**context, "query": "", "message": NUL_IN_SEARCH}, status=400
        )
    if len(text) > settings.SEARCH_MAX_QUERY_LENGTH:
        context["message"] = (
            f"That search is too long: keep it under {settings.SEARCH_MAX_QUERY_LENGTH} characters."
        )
        context["query"] = text[: settings.SEARCH_MAX_QUERY_LENGTH]
        return render(request, "articles/search.html", context, status=400)
    page = Paginator(search_articles(text), settings.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    context["page"] = page
    context["results"] = [
        (article, highlight(article.title_raw), highlight(article.snippet_raw, from_html=True))
        for article in page.object_list
    ]
    if not page.object_list:
        context["message"] = "No articles match that search. Try fewer or different words."
    return render(request, "articles/search.html", context)
