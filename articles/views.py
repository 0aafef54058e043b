import hashlib

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from articles.models import Article, published_article
from articles.search import highlight, search_articles
from articles.shared_page import accepts_gzip, is_shared, shared_entry, shared_response
from articles.structured_data import article_structured_data
from comments.forms import CommentForm
from comments.readers import reader_state
from comments.threads import RENDER_VERSION, SORTS, discussion_page, normalise_sort
from protection.forms import STAMP


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
    if is_shared(request):
        return _shared_article_page(request, slug)
    article = published_article(slug)
    if article is None:
        raise Http404(NO_ARTICLE)
    validators = None
    if request.method == "GET" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        validators = _anonymous_validators(request, _page_state(article), encoding="")
        not_modified = get_conditional_response(request, **validators)
        if not_modified is not None:
            return not_modified
    response = render_article(request, article)
    if validators:
        _set_validators(response, validators)
    return response


NO_ARTICLE = "No published article has this address."


def _page_state(article) -> tuple:
    """What the page as readers without a session see it is a function of (with the URL)."""
    return (
        article.pk,
        article.last_modified.timestamp(),
        article.updated_at.timestamp(),
        article.discussion_version,
        article.is_accepting_comments,
        settings.COMMENT_DISPLAY_DEPTH,
    )


def _anonymous_validators(request, state: tuple, *, encoding: str) -> dict:
    """ETag and Last-Modified for a reader with no session: the page is a function of the
    article's state, the page asked for, the reader's CSRF cookie (its form stays valid)
    and the encoding."""
    parts = [
        *map(str, state),
        normalise_sort(request.GET.get("sort")),
        request.GET.get("page", ""),
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        encoding,
    ]
    etag = '"' + hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest() + '"'
    return {"etag": etag, "last_modified": int(state[1])}


def _set_validators(response, validators: dict) -> None:
    response["ETag"] = validators["etag"]
    response["Last-Modified"] = http_date(validators["last_modified"])
    patch_cache_control(response, private=True, max_age=0, must_revalidate=True)


def _shared_article_page(request, slug) -> HttpResponse:
    """The page as every reader without a session sees it, cached whole (articles.shared_page):
    one entry per article, sort and page number, replaced when what it shows changes."""
    sort = normalise_sort(request.GET.get("sort"))
    page = str(request.GET.get("page", "1"))[:12]
    article = None

    def load_state():
        nonlocal article
        article = published_article(slug)
        if article is None:
            raise Http404(NO_ARTICLE)
        return _page_state(article)

    def render(placeholders):
        form = None
        if article.is_accepting_comments:
            initial = {"token": placeholders["token"], STAMP: placeholders["stamp"]}
            form = CommentForm(article=article, initial=initial)
        response = render_article(request, article, form=form, csrf_token=placeholders["csrf"])
        return response.content.decode(), response.status_code

    entry = shared_entry(f"articlepage:{RENDER_VERSION}:{slug}:{sort}:{page}", load_state, render)
    gzip = accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    validators = _anonymous_validators(request, entry.state, encoding="gzip" if gzip else "")
    not_modified = get_conditional_response(request, **validators)
    if not_modified is not None:
        return not_modified
    response = shared_response(request, entry, gzip=gzip)
    _set_validators(response, validators)
    return response


def render_article(request, article, *, form=None, status=200, csrf_token=None):
    """The article, one page of its discussion and the comment form (kept on errors)."""
    sort = normalise_sort(request.GET.get("sort"))
    discussion = discussion_page(
        article, page_number=request.GET.get("page"), sort=sort, reader=reader_state(request)
    )
    if form is None and article.is_accepting_comments:
        form = CommentForm(article=article, user=request.user)
    context = {
        "article": article,
        "page": discussion.page,
        "threads": discussion.threads,
        "form": form,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "canonical_url": request.build_absolute_uri(article.get_absolute_url()),
        "structured_data": article_structured_data(request, article, discussion.structured),
    }
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    response = render(request, "articles/article_detail.html", context, status=status)
    patch_vary_headers(response, ["Cookie"])
    return response


def search(request):
    """Published articles matching the words, best first, with highlighted snippets."""
    text = " ".join(request.GET.get("q", "").split())
    context = {"query": text, "page": None, "results": [], "message": ""}
    if not text:
        context["message"] = "Type a word or two to search the articles."
        return render(request, "articles/search.html", context)
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
