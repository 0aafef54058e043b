"""The permalink page (a comment, its ancestors, its replies): rendered in one snapshot for one
reader, or shared by every reader without a session (pagecache.store), labelled with the
comment's thread_version, which the triggers of migration comments 0011 bump on every write.
"""

import copy
import datetime
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.models import Article
from comments import ownership
from comments.confirmations import place_messages
from comments.cooling import CHAIN_JSON, branch_conditions, chain_from_json, reply_conditions
from comments.discussion import RENDER_VERSION
from comments.forms import CommentForm
from comments.models import Comment
from comments.readers import own_pending
from comments.render import render_items
from comments.templatetags.cooling import cooling_notices_html
from comments.templatetags.threadline import avatar, reltime
from comments.tree_items import subtree_items
from config.prepared import PreparedValues
from config.site import site_origin
from pagecache.snapshot import one_snapshot
from pagecache.splice import SplicedPage, accepts_gzip, deflate_segment, stored_block
from pagecache.store import (
    SHARED_PAGE_CACHE_SECONDS,
    SharedEntry,
    fillers,
    recent_pages,
    shared_entry,
    shared_response,
)
from protection.forms import STAMP


def visible_comment(pk) -> Comment:
    """The comment with its article, if the article is published; else 404."""
    return get_object_or_404(
        Comment.objects.select_related("article"),
        pk=pk,
        article__in=Article.objects.published(),
    )


def thread_page(request, pk, *, pending=None):
    """The permalink page for this reader (their held comments from `pending` or their cookie)."""
    with one_snapshot():  # the comment's numbers, its ancestors and its replies as of one instant
        return _render_thread_page(request, visible_comment(pk), pending=pending)


def _render_thread_page(request, comment, *, pending=None):
    ancestors = list(comment.get_ancestors())
    if pending is None:
        pending = own_pending(request)
        member = request.user.pk if request.user.is_authenticated else None
        if comment.status == Comment.Status.PENDING and member and comment.user_id == member:
            pending = pending | {comment.pk}  # a member's own held comment, from any browser
    items = subtree_items(comment, pending)
    editable, deletable = ownership.own_comment_pks(request, [item.comment for item in items])
    thread = mark_safe(
        render_items(
            comment.article,
            items,
            highlight=comment.pk,
            editable=editable,
            deletable=deletable,
            locked_above=any(ancestor.locked_at for ancestor in ancestors),
        )
    )
    [thread], placed, _ = place_messages(request, [thread])  # issue 20: "updated" next to the comment
    return render(
        request,
        "comments/thread.html",
        {
            "article": comment.article,
            "comment": comment,
            "ancestors": ancestors,
            "thread": thread,
            "placed_messages": placed,
        },
        status=200 if items else 404,
    )


# A permalink page's state for readers without a session: its article (published) and the
# version of its thread, which every write to the thread bumps. One query, compiled once.
_thread_state = PreparedValues(
    lambda pk, now: (
        Comment.objects.filter(pk=pk, article__in=Article.objects.published(now=now))
        .annotate(
            root_version=Subquery(
                Comment.objects.filter(tree_id=OuterRef("tree_id"), parent=None).values("thread_version")[:1]
            )
        )
        .values_list(
            "root_version",
            "article_id",
            "article__updated_at",
            "article__comments_open",
            "article__comments_close_at",
            "article__published_at",
        )
    ),  # fmt: skip
    pk=-918_273_645,
    now=datetime.datetime(1901, 2, 3, tzinfo=datetime.UTC),
)


def _shared_state(pk) -> tuple:
    """What a page about one comment shows (its thread and its article), for readers without a session."""
    row = _thread_state.first(pk=pk, now=timezone.now())
    if row is None:
        raise Http404("No published comment has this address.")
    version, article_id, updated_at, comments_open, closes_at, published_at = row
    article = Article(comments_open=comments_open, comments_close_at=closes_at, published_at=published_at)
    accepting = article.is_accepting_comments
    return (pk, version, article_id, updated_at.timestamp(), accepting, settings.COMMENT_DISPLAY_DEPTH)


def shared_thread_page(request, pk):
    """The permalink page as every reader without a session sees it (pagecache.store)."""

    def render_page(placeholders):
        response = thread_page(request, pk, pending=frozenset())
        return SplicedPage.build(response.content.decode(), placeholders), response.status_code

    entry = shared_entry(f"threadpage:{RENDER_VERSION}:{pk}", lambda: _shared_state(pk), render_page)
    return shared_response(request, entry, gzip=accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def quote_html(*, author_name: str, created_at, body_html: str, shown: bool) -> str:
    """The parent comment as the reply page quotes it (its time relative to now)."""
    body = body_html if shown else '<p class="placeholder">This comment is no longer shown.</p>'
    return (
        f'<figure class="quoted-comment"><figcaption class="comment-meta">{avatar(author_name)}'
        f'<span class="author">{escape(author_name)}</span> wrote {reltime(created_at)}:</figcaption>'
        f"<blockquote>{body}</blockquote></figure>"
    )


def reply_page(request, parent, *, slots=None, form=None, status=200):
    """Reply without JavaScript: the parent quoted, the slow modes and speed limits in force
    there (issue 21), then the form, or why the branch is locked. With slots, the shared frame:
    placeholders for the parent (its pk, name and quote), the notices and the form's per-request
    values (the shared page comes here for locked branches: their page is not kept). With a
    refused form (issue 20), that form with its errors and the writer's text, whatever the branch."""
    article = parent.article
    open_for_replies = parent.is_approved and article.is_accepting_comments
    notices, locked = [], ""
    if open_for_replies and slots is None:
        notices, locked = reply_conditions(article, parent, user=request.user)
    context = {"article": article, "parent": parent, "form": None, "locked": locked}
    context["notices_html"] = cooling_notices_html(notices) if slots is None else mark_safe(slots["notices"])
    if slots is None:
        context["parent_name"] = parent.author_name
        context["quote"] = mark_safe(
            quote_html(
                author_name=parent.author_name,
                created_at=parent.created_at,
                body_html=parent.body_html,
                shown=parent.is_approved,
            )
        )
    else:
        context["parent_name"] = slots["name"]
        context["quote"] = mark_safe(slots["quote"])
    if form is not None:
        context["form"] = form
    elif open_for_replies and not locked:
        initial = {"parent": parent.pk}
        if slots is not None:
            initial.update({"token": slots["token"], STAMP: slots["stamp"]})
            context["csrf_token"] = slots["csrf"]
        context["form"] = CommentForm(article=article, user=request.user, initial=initial)
    return render(request, "comments/reply.html", context, status=status)


# What the reply page shows of its parent and article, and the parent's branch (its chain, for
# issue 21's locks and limits), for readers without a session: one query.
_reply_state = PreparedValues(
    lambda pk, now: (
        Comment.objects.filter(pk=pk, article__in=Article.objects.published(now=now))
        .annotate(chain=CHAIN_JSON)
        .values_list(
            "status",
            "author_name",
            "body_html",
            "created_at",
            "article_id",
            "article__updated_at",
            "article__comments_open",
            "article__comments_close_at",
            "article__published_at",
            "article__slow_mode_seconds",
            "article__slow_mode_until",
            "article__slow_mode_reason",
            "chain",
        )
    ),
    pk=-918_273_645,
    now=datetime.datetime(1901, 2, 3, tzinfo=datetime.UTC),
)
REPLY_SLOTS = ("name", "quote", "notices")


def shared_reply_page(request, pk):
    """The reply page of every reader without a session (issue 23: what a writer without
    JavaScript opens before each reply): one query (the parent with its article and its branch,
    for issue 21's locks and limits) and a join of bytes. The page is the article's reply frame
    (the form, cached until the article changes: pagecache.splice) with the parent's pk, name,
    quote and the branch's notices put in, made for this request (the quote's relative time
    too), so nothing here can be stale."""
    row = _reply_state.first(pk=pk, now=timezone.now())
    if row is None:
        raise Http404("No published comment has this address.")
    status, author_name, body_html, created_at, article_id, updated_at, *rest = row
    comments_open, closes_at, published_at, slow_seconds, slow_until, slow_reason, chain = rest
    article = Article(
        comments_open=comments_open, comments_close_at=closes_at, published_at=published_at,
        slow_mode_seconds=slow_seconds, slow_mode_until=slow_until, slow_mode_reason=slow_reason,
    )  # fmt: skip
    if status != Comment.Status.APPROVED or not article.is_accepting_comments:
        return reply_page(request, visible_comment(pk))  # "cannot take replies": rare, not kept
    notices, locked = branch_conditions(article, chain_from_json(chain))
    if locked:
        return reply_page(request, visible_comment(pk))  # the lock instead of the form: not kept
    frame = _reply_frame(request, article_id, updated_at)
    name = escape(author_name).encode()
    notices_html = cooling_notices_html(notices).encode()
    quote = quote_html(
        author_name=author_name, created_at=created_at, body_html=body_html, shown=True
    ).encode()
    page = frame.page.assemble(
        {
            "pk": [(str(pk).encode(), stored_block(str(pk).encode()))],
            "name": [(name, stored_block(name))],
            "quote": [(quote, deflate_segment(quote, level=1))],
            "notices": [(notices_html, stored_block(notices_html))],
        }
    )
    entry = SharedEntry(frame.state, page)
    return shared_response(request, entry, gzip=accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def _reply_frame(request, article_id: int, updated_at) -> SharedEntry:
    """The reply page of an article with placeholders for its parent, made once per article state."""
    key = f"replyframe:{RENDER_VERSION}:{site_origin(request)}:{article_id}"  # like the article's frame
    state = (article_id, updated_at.timestamp())
    frame = recent_pages.get(key)  # this process's copy: not unpickled from the cache per request
    if frame is not None and frame.state == state:
        return frame
    frame = cache.get(key)
    if frame is None or frame.state != state:
        article = Article.objects.get(pk=article_id)
        # A parent pk of digits that appear nowhere else: the URLs and the form carry it as a pk.
        fake_pk = 10**17 + secrets.randbelow(9 * 10**17)
        slots = {
            **{name: secrets.token_hex(16) for name in (*fillers(), *REPLY_SLOTS)},
            "pk": str(fake_pk),
        }
        parent = Comment(pk=fake_pk, article=article, status=Comment.Status.APPROVED)
        frame_request = copy.copy(request)
        frame_request.path = reverse("comments:reply", args=[fake_pk])  # "log in" comes back here
        response = reply_page(frame_request, parent, slots=slots)
        frame = SharedEntry(state, SplicedPage.build(response.content.decode(), slots))
        cache.set(key, frame, SHARED_PAGE_CACHE_SECONDS)
    recent_pages.put(key, frame)
    return frame
