"""The article page: rendered for one reader, or shared by every reader without a session.

The shared page (pagecache.store) is one entry per article, sort and page number, labelled with
the article's state (_page_state: its discussion_version, which the triggers of migration
comments 0011 bump on every write to its comments). It is assembled from a cached frame (the
article, sort, pagination and form) and the page's threads from the thread cache, with no
rendering at all when neither changed.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

from articles.models import published_article
from articles.structured_data import article_structured_data
from comments.best import best_state
from comments.confirmations import place_messages
from comments.discussion import RENDER_VERSION, SORTS, THREAD_CACHE_SECONDS, discussion_page, normalise_sort
from comments.forms import CommentForm
from comments.readers import reader_state
from comments.unread import NEW_SHOWN, mark_new, unread_for
from config.site import site_origin
from pagecache.splice import SplicedPage, accepts_gzip, deflate_segment, fill_slot, stored_block
from pagecache.store import shared_entry, shared_response
from protection.forms import STAMP

NO_ARTICLE = "No published article has this address."


class NotShared(Exception):
    """The URL names no page of its own (a page number that is not one of the article's):
    rendered for the request, not kept, so made-up URLs cannot fill the cache."""

    def __init__(self, article):
        super().__init__(article.slug)
        self.article = article


def page_state(article) -> tuple:
    """What the page as readers without a session see it is a function of (with the URL)."""
    return (
        article.pk,
        article.last_modified.timestamp(),
        article.updated_at.timestamp(),
        article.discussion_version,
        article.is_accepting_comments,
        settings.COMMENT_DISPLAY_DEPTH,
        article.cooling_state,  # issue 21: a rule's notice goes when it ends, with no write
    )


def anonymous_validators(request, state: tuple, *, encoding: str) -> dict:
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


def set_validators(response, validators: dict) -> None:
    response["ETag"] = validators["etag"]
    response["Last-Modified"] = http_date(validators["last_modified"])
    patch_cache_control(response, private=True, max_age=0, must_revalidate=True)


def shared_article_page(request, slug) -> HttpResponse:
    """The page as every reader without a session sees it, cached whole (pagecache.store):
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
        return page_state(article) + best_state(article, sort)  # Best: its snapshot's stamp too

    def render(placeholders):
        return _assembled_page(request, article, sort, placeholders), 200

    entry = shared_entry(f"articlepage:{RENDER_VERSION}:{origin}:{slug}:{sort}:{page}", load_state, render)
    gzip = accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    validators = anonymous_validators(request, entry.state, encoding="gzip" if gzip else "")
    not_modified = get_conditional_response(request, etag=validators["etag"])
    if not_modified is not None:
        return not_modified
    response = shared_response(request, entry, gzip=gzip)
    set_validators(response, validators)
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
        article.cooling_state,
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
    return ngettext("%(count)d comment", "%(count)d comments", count) % {"count": count}


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
    threads = []  # what goes into the page after the template (the shared frame: none)
    if frame_slots is None:
        threads = discussion.threads
        if request.method == "GET" and request.user.is_authenticated:  # issue 22: new since the last visit
            context["unread"] = unread_for(user=request.user, article=article)
            context["unread_cap"] = NEW_SHOWN
            threads = mark_new(threads, context["unread"])
        threads, placed, notices = place_messages(request, threads)  # issue 20
        # The threads go in after the template, as bytes (pagecache.splice.fill_slot).
        threads_slot = secrets.token_hex(16)
        context["threads"] = [mark_safe(threads_slot)] if threads else []
        context.update(placed_messages=placed, discussion_notices=notices)
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
    html = render_to_string("articles/article_detail.html", context, request)
    if threads:
        html = fill_slot(html, threads_slot, threads)
    response = HttpResponse(html, status=status)
    patch_vary_headers(response, ["Cookie"])
    return response
