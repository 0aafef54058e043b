import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from articles.models import Article, published_article
from articles.search import highlight, search_articles
from articles.shared_page import (
    SplicedPage,
    accepts_gzip,
    deflate_segment,
    is_shared,
    shared_entry,
    shared_response,
    stored_block,
)
from articles.structured_data import article_structured_data
from comments.forms import CommentForm
from comments.readers import OWN_COOKIE, reader_state
from comments.threads import RENDER_VERSION, SORTS, THREAD_CACHE_SECONDS, discussion_page, normalise_sort
from config.site import site_origin
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
    article = None
    if is_shared(request):
        try:
            return _shared_article_page(request, slug)
        except NotShared as not_shared:
            article = not_shared.article
    article = article or published_article(slug)
    if article is None:
        raise Http404(NO_ARTICLE)
    validators = None
    if request.method == "GET" and not {settings.SESSION_COOKIE_NAME, OWN_COOKIE} & request.COOKIES.keys():
        validators = _anonymous_validators(request, _page_state(article), encoding="")
        not_modified = get_conditional_response(request, etag=validators["etag"])
        if not_modified is not None:
            return not_modified
    response = render_article(request, article)
    if validators:
        _set_validators(response, validators)
    return response


NO_ARTICLE = "No published article has this address."


class NotShared(Exception):
    """The URL names no page of its own (a page number that is not one of the article's):
    rendered for the request, not kept, so made-up URLs cannot fill the cache."""

    def __init__(self, article):
        super().__init__(article.slug)
        self.article = article


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
    and the encoding.

    Only the ETag decides a 304. Last-Modified counts whole seconds and is stamped inside the
    writer's transaction, before its commit: a reply committed in the same second as (or just
    after) a reader's copy leaves it unchanged, and If-Modified-Since alone would keep that
    reader on a page without the reply (issue 14). It is sent for information only."""
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
    page = request.GET.get("page", "1")
    origin = site_origin(request)  # the configured origin (SITE_URL), never the request's Host
    article = None

    def load_state():
        nonlocal article
        article = published_article(slug)
        if article is None:
            raise Http404(NO_ARTICLE)
        pages = max(1, -(-article.thread_count // settings.THREADS_PER_PAGE))
        if not (page.isdigit() and page == str(int(page)) and 1 <= int(page) <= pages):
            raise NotShared(article)  # ?page=x, 01 or past the end: answered as always, never kept
        return _page_state(article)

    def render(placeholders):
        return _assembled_page(request, article, sort, placeholders), 200

    entry = shared_entry(f"articlepage:{RENDER_VERSION}:{origin}:{slug}:{sort}:{page}", load_state, render)
    gzip = accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    validators = _anonymous_validators(request, entry.state, encoding="gzip" if gzip else "")
    not_modified = get_conditional_response(request, etag=validators["etag"])
    if not_modified is not None:
        return not_modified
    response = shared_response(request, entry, gzip=gzip)
    _set_validators(response, validators)
    return response


FRAME_SLOTS = ("threads", "structured", "count", "count_label")


def _assembled_page(request, article, sort: str, placeholders: dict[str, str]) -> SplicedPage:
    """The shared page put together from its frame and the page's threads, without rendering
    either again when it can: the frame (the article, sort, pagination and the form) is cached
    until the article or its number of threads changes; each thread comes from the thread
    cache with its HTML already deflated. What else changes with each comment (the count,
    the JSON-LD) goes into the frame's slots."""
    discussion = discussion_page(article, page_number=request.GET.get("page"), sort=sort)
    key = f"articleframe:{RENDER_VERSION}:{site_origin(request)}:{article.pk}:{sort}"
    key += f":{discussion.page.number}"
    state = (
        article.updated_at.timestamp(),
        article.is_accepting_comments,
        article.thread_count,
        settings.COMMENT_DISPLAY_DEPTH,
    )
    cached = cache.get(key)
    if cached is None or cached[0] != state:
        slots = {**placeholders, **{name: secrets.token_hex(16) for name in FRAME_SLOTS}}
        form = None
        if article.is_accepting_comments:
            form = CommentForm(article=article, initial={"token": slots["token"], STAMP: slots["stamp"]})
        response = render_article(
            request, article, form=form, csrf_token=slots["csrf"], discussion=discussion, frame_slots=slots
        )
        cached = (state, SplicedPage.build(response.content.decode(), slots))
        cache.set(key, cached, THREAD_CACHE_SECONDS)
    comments = discussion.structured if discussion.page.number == 1 else []
    structured = article_structured_data(request, article, comments).encode()
    count = str(article.comment_count).encode()
    label = comment_count_label(article.comment_count).encode()
    threads = []
    for html, packed in zip(discussion.threads, discussion.packed, strict=True):
        raw = html.encode()
        threads.append((raw, deflate_segment(raw) if packed is None else packed))
    return cached[1].assemble(
        {
            "threads": threads,
            "structured": [(structured, deflate_segment(structured, level=1))],  # new at every comment
            "count": [(count, stored_block(count))],
            "count_label": [(label, stored_block(label))],
        }
    )


def comment_count_label(count: int) -> str:
    return f"{count} comment{'' if count == 1 else 's'}"


def render_article(
    request, article, *, form=None, status=200, csrf_token=None, discussion=None, frame_slots=None
):
    """The article, one page of its discussion and the comment form (kept on errors).

    With frame_slots, the shared page's frame: placeholders where the threads, the JSON-LD and
    the comment count go (see _assembled_page)."""
    sort = normalise_sort(request.GET.get("sort"))
    if discussion is None:
        discussion = discussion_page(
            article, page_number=request.GET.get("page"), sort=sort, reader=reader_state(request)
        )
    if form is None and article.is_accepting_comments:
        form = CommentForm(article=article, user=request.user)
    context = {
        "article": article,
        "page": discussion.page,
        "form": form,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "canonical_url": site_origin(request) + article.get_absolute_url(),
    }
    if frame_slots is None:
        context["threads"] = discussion.threads
        comments = discussion.structured if discussion.page.number == 1 else []  # the first page's
        context["structured_script"] = article_structured_data(request, article, comments)
        context["comment_count"] = article.comment_count
        context["comment_count_label"] = comment_count_label(article.comment_count)
    else:
        context["threads"] = [mark_safe(frame_slots["threads"])] if discussion.threads else []
        context["structured_script"] = mark_safe(frame_slots["structured"])
        context["comment_count"] = frame_slots["count"]
        context["comment_count_label"] = frame_slots["count_label"]
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    response = render(request, "articles/article_detail.html", context, status=status)
    patch_vary_headers(response, ["Cookie"])
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
