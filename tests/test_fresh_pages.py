"""Whatever path writes a comment or an article, the page every reader without a session shares
shows the change at once (issue 14, invariant 7).

Each write below runs against warm caches (the article page and the comment's permalink page,
each served twice to a reader without a session), then the same reader asks again. The writes
cover every path there is: the services, the admin's bulk actions and change form, bans,
privacy tools, reports, closing the discussion, editing the article, and two paths no service
knows about (a queryset update and raw SQL), which the triggers of migration comments 0011 mark
like any other.
"""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments import services
from comments.marks import NOT_SHOWN_COLUMNS, SHOWN_COLUMNS
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, StaffFactory
from tests.test_report_weighing import member_with_standing

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread():
    article = ArticleFactory(title="Fresh pages")
    root = CommentFactory(article=article, body="Root says hello", author_name="Rooney")
    middle = CommentFactory(
        parent=root, body="Middle words", author_name="Midge", author_email="midge@example.org"
    )
    leaf = CommentFactory(parent=middle, body="Leaf words", author_name="Lefty")
    return {"article": article, "root": root, "middle": middle, "leaf": leaf}


def pages(thread) -> list[str]:
    """The shared pages that show the thread, served to a reader without a session."""
    reader = Client()
    urls = [thread["article"].get_absolute_url(), reverse("comments:thread", args=[thread["root"].pk])]
    return [reader.get(url).content.decode() for url in urls]


def moderator_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def admin_action(action, comment):
    response = moderator_client().post(
        reverse("admin:comments_comment_changelist"), {"action": action, "_selected_action": [comment.pk]}
    )
    assert response.status_code == 302


def hide_by_reports(comment):
    for network in range(3):  # three members whose reports count, on three networks
        user = member_with_standing()[0]
        services.report_comment(
            comment, reporter_key=f"user:{user.pk}", user=user, reason="abuse", network=f"192.0.2.{network}"
        )


def approve_after_reports(thread):
    hide_by_reports(thread["middle"])
    assert "Middle words" not in pages(thread)[0]
    services.approve_comment(thread["middle"], moderator=None)


def ban_removes_the_hidden_middle(thread):
    hide_by_reports(thread["middle"])
    assert "hidden while a moderator reviews it" in pages(thread)[0]
    services.ban_author(thread["middle"], moderator=None, kinds={"email"}, reason="abuse")


def raw_sql(thread):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE comments_comment SET body = %s, body_html = %s WHERE id = %s",
            ["Raw words", "<p>Raw words</p>", thread["leaf"].pk],
        )


def close_discussion(thread):
    article = Article.objects.get(pk=thread["article"].pk)
    article.comments_open = False
    article.save()


def edit_article(thread):
    response = moderator_client().get(reverse("admin:articles_article_change", args=[thread["article"].pk]))
    assert response.status_code == 200
    article = Article.objects.get(pk=thread["article"].pk)
    article.title = "Fresher pages"
    article.save()


# write name -> (the write, text every page must now show, text no page may show)
WRITES = {
    "reply": (
        lambda t: services.post_comment(
            article=t["article"], parent=t["leaf"], body="New reply", author_name="N"
        ),
        "New reply",
        None,
    ),
    "top-level": (
        lambda t: services.post_comment(article=t["article"], body="New thread", author_name="N"),
        None,
        None,
    ),
    "edit": (lambda t: services.edit_comment(t["leaf"], body="Edited words"), "Edited words", "Leaf words"),
    "delete own leaf": (lambda t: services.delete_own_comment(t["leaf"]), None, "Leaf words"),
    "delete own with replies": (
        lambda t: services.delete_own_comment(t["middle"]),
        "deleted by its author",
        "Middle words",
    ),
    "reject": (lambda t: services.reject_comment(t["leaf"], moderator=None), None, "Leaf words"),
    "approve": (approve_after_reports, "Middle words", "hidden while a moderator reviews it"),
    "spam": (lambda t: services.mark_spam(t["leaf"], moderator=None), None, "Leaf words"),
    "remove": (
        lambda t: services.remove_comment(t["middle"], moderator=None),
        "removed by a moderator",
        "Middle",
    ),
    "remove thread": (lambda t: services.remove_thread(t["middle"], moderator=None), None, "Leaf words"),
    "delete": (lambda t: services.delete_comment(t["middle"]), None, "Leaf words"),
    "reports hide": (lambda t: hide_by_reports(t["leaf"]), None, "Leaf words"),
    "ban": (ban_removes_the_hidden_middle, "removed by a moderator", "hidden while a moderator"),
    "anonymise": (lambda t: services.anonymise_author(t["middle"]), "Former reader", "Midge"),
    "admin remove": (lambda t: admin_action("remove_comments", t["leaf"]), None, "Leaf words"),
    "admin anonymise": (lambda t: admin_action("anonymise_authors", t["middle"]), "Former reader", "Midge"),
    "queryset update": (
        lambda t: Comment.objects.filter(pk=t["leaf"].pk).update(author_name="Renamed"),
        "Renamed",
        "Lefty",
    ),
    "raw SQL": (raw_sql, "Raw words", "Leaf words"),
    "close discussion": (close_discussion, None, "reply-link"),
    "edit article": (edit_article, "Fresher pages", None),
}


@pytest.mark.parametrize("write", WRITES)
def test_the_shared_pages_show_every_write_at_once(thread, write):
    do, shown, gone = WRITES[write]
    for _ in range(2):
        before = pages(thread)
    assert all("Leaf words" in page and "Midge" in page for page in before)

    do(thread)
    after = pages(thread)

    for url, page in zip(("article page", "permalink page"), after, strict=True):
        assert shown is None or shown in page, url
        assert gone is None or gone not in page, url
    if write == "top-level":
        assert "New thread" in after[0]


def test_every_column_of_a_comment_is_either_shown_and_watched_by_the_trigger_or_said_why_not():
    columns = {field.column for field in Comment._meta.concrete_fields}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'comments_updated_mark_changed'"
        )
        (definition,) = cursor.fetchone()
    watched = set(re.findall(r"old\.(\w+)", definition, re.I))

    assert set(SHOWN_COLUMNS) | set(NOT_SHOWN_COLUMNS) == columns
    assert not set(SHOWN_COLUMNS) & set(NOT_SHOWN_COLUMNS)
    assert watched == set(SHOWN_COLUMNS)


def test_a_write_no_page_shows_marks_nothing(thread):
    root, article = thread["root"], thread["article"]
    Comment.objects.filter(pk=thread["leaf"].pk).update(
        ip_address="192.0.2.1", created_at=timezone.now() - timedelta(days=400)
    )
    version = Comment.objects.get(pk=root.pk).thread_version
    discussion = Article.objects.get(pk=article.pk).discussion_version

    call_command("purge_personal_data")  # IP addresses and user agents: on no page

    assert Comment.objects.get(pk=thread["leaf"].pk).ip_address is None
    assert Comment.objects.get(pk=root.pk).thread_version == version
    assert Article.objects.get(pk=article.pk).discussion_version == discussion


def test_counters_are_kept_by_the_database_whatever_writes(thread):
    article = thread["article"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE comments_comment SET status = 'removed' WHERE id = %s", [thread["leaf"].pk])
    services.post_comment(article=article, body="Another thread", author_name="N")
    services.delete_comment(thread["middle"])

    article.refresh_from_db()
    root = Comment.objects.get(pk=thread["root"].pk)

    assert (article.comment_count, article.thread_count) == (2, 2)
    assert root.thread_replies == 0
