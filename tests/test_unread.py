"""New since your last visit (issue 22): a summary and per-reader markers around the shared cached
threads, a "next new" chain without JavaScript, mark all read; and the "replies to me" page."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import discussion, unread
from comments.generator import generate_discussion
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

MARKER = re.compile(
    r'id="comment-(\d+)"[^>]*><p class="new-marker"><strong>New</strong> <a href="#([\w-]+)">'
)


def markers(page: str) -> list[tuple[int, str]]:
    """(new comment pk, where its "next new" link goes), in page order."""
    return [(int(pk), target) for pk, target in MARKER.findall(page)]


def visited(user, article):
    """The reader saw the discussion as it is now (recorded as the page records visits): what comes
    after is new to them, through the reloads of this visit."""
    unread.visit(user=user, article=article)


def old(article, **kwargs):
    return CommentFactory(article=article, **kwargs)


def test_comments_since_the_last_visit_are_marked_with_a_next_new_chain(client, article):
    reader = UserFactory()
    first, second = old(article), old(article)
    visited(reader, article)
    late_reply = CommentFactory(parent=first)
    own = CommentFactory(article=article, user=reader)  # the reader's own: never new to them
    newest = CommentFactory(article=article)
    client.force_login(reader)

    page = client.get(article.get_absolute_url()).text

    assert markers(page) == [(late_reply.pk, f"comment-{newest.pk}"), (newest.pk, "unread")]
    assert own.pk not in dict(markers(page)) and second.pk not in dict(markers(page))
    summary = re.search(r'<p id="unread-title">([^<]*)<a href="([^"]*)">jump to the first</a>', page)
    assert summary.group(1).startswith("2 new comments since ")
    assert summary.group(2) == f"#comment-{late_reply.pk}"


def test_a_visit_after_a_pause_shows_what_came_since_the_previous_visit(client, article):
    reader = UserFactory()
    seen = old(article)
    long_ago = timezone.now() - timedelta(hours=5)
    unread.visit(user=reader, article=article, now=long_ago)  # read everything before long_ago
    unread.visit(user=reader, article=article, now=long_ago + timedelta(minutes=10))  # a reload

    read_at = unread.visit(user=reader, article=article)  # back after hours: the last visit's time

    assert read_at == long_ago + timedelta(minutes=10)
    assert seen.pk in unread.unread_for(user=reader, article=article).new  # posted after long_ago


def test_the_markers_stay_through_reloads_of_one_visit(client, article):
    reader = UserFactory()
    old(article)
    visited(reader, article)
    new = CommentFactory(article=article)
    client.force_login(reader)

    first = client.get(article.get_absolute_url()).text
    again = client.get(article.get_absolute_url()).text

    assert markers(first) == markers(again) == [(new.pk, "unread")]


def test_a_first_visit_marks_nothing_and_mark_all_read_clears_the_markers(article):
    reader = UserFactory()
    CommentFactory(article=article)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    first_visit = client.get(article.get_absolute_url()).text
    CommentFactory(article=article)
    before = client.get(article.get_absolute_url()).text
    token = client.cookies["csrftoken"].value
    forged = client.post(reverse("comments:mark_read", args=[article.slug]))

    response = client.post(reverse("comments:mark_read", args=[article.slug]), HTTP_X_CSRFTOKEN=token)
    after = client.get(article.get_absolute_url()).text

    assert markers(first_visit) == [] and len(markers(before)) == 1
    assert forged.status_code == 403
    assert response.status_code == 302 and markers(after) == [] and 'id="unread"' not in after


def test_two_readers_with_different_new_comments_share_the_cached_threads(client, article, monkeypatch):
    early, late = UserFactory(), UserFactory()
    threads = [old(article) for _ in range(3)]
    visited(early, article)
    middle = CommentFactory(parent=threads[0])
    visited(late, article)
    newest = CommentFactory(parent=threads[2])
    Client().get(article.get_absolute_url())  # a reader without a session: every thread cached
    rendered = []
    real = discussion.render_threads
    monkeypatch.setattr(discussion, "render_threads", lambda *a, **kw: rendered.append(a) or real(*a, **kw))
    pages = {}

    for reader in (early, late):
        client.force_login(reader)
        pages[reader] = client.get(article.get_absolute_url()).text

    assert rendered == []  # both pages made of the shared cache's threads
    assert markers(pages[early]) == [(middle.pk, f"comment-{newest.pk}"), (newest.pk, "unread")]
    assert markers(pages[late]) == [(newest.pk, "unread")]
    assert "new-marker" not in Client().get(article.get_absolute_url()).text


@pytest.mark.parametrize("size", [10, 2000])
def test_a_signed_in_readers_page_costs_the_same_queries_whatever_the_size(
    client, django_assert_num_queries, size, settings
):
    settings.THREAD_COMMENTS_SHOWN = 10**6  # every new reply on the article page, however long its thread
    article = ArticleFactory()
    generate_discussion(article, comments=size, seed=size)
    article.refresh_from_db()
    reader = UserFactory()
    visited(reader, article)
    replies = [
        CommentFactory(parent=parent) for parent in Comment.objects.filter(article=article, level=0)[:5]
    ]
    Client().get(article.get_absolute_url())  # the shared threads cached
    client.force_login(reader)

    # the session, the user, the article, the reader's own threads, the visit, the new comments;
    # the page's threads from the cache
    with django_assert_num_queries(6):
        page = client.get(article.get_absolute_url()).text

    assert sorted(pk for pk, _ in markers(page)) == sorted(reply.pk for reply in replies)


def test_replies_to_me_lists_others_replies_to_my_comments(client, article):
    me = UserFactory()
    mine = CommentFactory(article=article, user=me)
    reply = CommentFactory(parent=mine, author_name="Answerer", body="An answer to you")
    CommentFactory(parent=mine, user=me, body="My own follow-up")
    CommentFactory(parent=mine, status=Comment.Status.PENDING, body="Held reply")
    CommentFactory(article=article, body="Not a reply to me")

    anonymous = client.get(reverse("replies_to_me"))
    client.force_login(me)
    page = client.get(reverse("replies_to_me")).text

    assert anonymous.status_code == 302
    assert "An answer to you" in page and reverse("comments:thread", args=[reply.pk]) in page
    assert "My own follow-up" not in page and "Held reply" not in page and "Not a reply to me" not in page
