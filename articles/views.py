import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from articles.models import Article
from articles.search import highlight, search_articles
from articles.structured_data import article_structured_data
from comments.forms import CommentForm
from comments.readers import OWN_COOKIE, reader_state
from comments.threads import RENDER_VERSION, SORTS, THREAD_CACHE_SECONDS, discussion_page, normalise_sort
from protection.forms import STAMP, new_stamp


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
    article = get_object_or_404(Article.objects.published().defer("search_vector"), slug=slug)
    validators = _anonymous_validators(request, article)
    if validators:
        not_modified = get_conditional_response(request, **validators)
        if not_modified is not None:
            return not_modified
    if validators and settings.THREAD_CACHE_ENABLED and "messages" not in request.COOKIES:
        response = _shared_article_page(request, article)
    else:
        response = render_article(request, article)
    if validators:
        response["ETag"] = validators["etag"]
        response["Last-Modified"] = http_date(validators["last_modified"])
        patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    return response


def _anonymous_validators(request, article) -> dict | None:
    """ETag and Last-Modified for a reader with no session: the page is a function of the
    article's state, the page asked for and the reader's CSRF cookie (its form stays valid)."""
    if request.method != "GET" or {settings.SESSION_COOKIE_NAME, OWN_COOKIE} & request.COOKIES.keys():
        return None
    state = "|".join(
        [
            str(article.pk),
            article.last_modified.isoformat(),
            normalise_sort(request.GET.get("sort")),
            request.GET.get("page", ""),
            request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
            str(settings.COMMENT_DISPLAY_DEPTH),
        ]
    )
    etag = '"' + hashlib.blake2b(state.encode(), digest_size=12).hexdigest() + '"'
    return {"etag": etag, "last_modified": int(article.last_modified.timestamp())}


def _shared_article_page(request, article) -> HttpResponse:
    """The page as every reader without a session sees it, cached whole under the article's
    versions. What must differ per request (the CSRF token, the form's idempotency token and
    its signed "shown at" stamp) is rendered as random placeholders and filled in here."""
    sort = normalise_sort(request.GET.get("sort"))
    page = str(request.GET.get("page", "1"))[:12]
    key = (
        f"articlepage:{RENDER_VERSION}:{article.pk}:{article.updated_at.timestamp()}:"
        f"{article.discussion_version}:{int(article.is_accepting_comments)}:{sort}:{page}"
    )
    cached = cache.get(key)
    if cached is None:
        placeholders = {name: secrets.token_hex(16) for name in ("csrf", "token", "stamp")}
        form = None
        if article.is_accepting_comments:
            initial = {"token": placeholders["token"], STAMP: placeholders["stamp"]}
            form = CommentForm(article=article, initial=initial)
        body = render_article(request, article, form=form, csrf_token=placeholders["csrf"]).content.decode()
        cached = (placeholders, body)
        cache.set(key, cached, THREAD_CACHE_SECONDS)
    placeholders, body = cached
    fresh = {"csrf": get_token(request), "token": str(uuid.uuid4()), "stamp": new_stamp()}
    for name, placeholder in placeholders.items():
        body = body.replace(placeholder, fresh[name])
    response = HttpResponse(body)
    patch_vary_headers(response, ["Cookie"])
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
