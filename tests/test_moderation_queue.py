"""The moderation desk: the queue, its context columns, its actions and their history."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from comments.models import Ban, Comment, Report
from comments.services import post_comment, report_comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.moderation]

CHANGELIST = reverse("admin:comments_comment_changelist")


def act(client, action, comments, **extra):
    data = {"action": action, "_selected_action": [c.pk for c in comments], **extra}
    return client.post(CHANGELIST, data, follow=True)


def history(comment) -> list[str]:
    return [e.get_change_message() for e in LogEntry.objects.filter(object_id=str(comment.pk)).order_by("pk")]


def test_admin_index_counts_pending_and_reported_comments(staff_client):
    CommentFactory(status=Comment.Status.PENDING)
    CommentFactory(status=Comment.Status.PENDING)
    reported = CommentFactory()
    report_comment(reported, reporter_key="session:a", reason="abuse")

    page = staff_client.get(reverse("admin:index")).text

    assert "Moderation queue" in page
    assert "<strong>2</strong> pending" in page and "<strong>1</strong> reported" in page


def test_queue_opens_on_what_needs_action_oldest_first(staff_client):
    article = ArticleFactory()
    CommentFactory(article=article, body="Fine and approved")
    newer_pending = CommentFactory(article=article, body="Newer pending", status=Comment.Status.PENDING)
    older_pending = CommentFactory(article=article, body="Older pending", status=Comment.Status.PENDING)
    Comment.objects.filter(pk=older_pending.pk).update(created_at=newer_pending.created_at.replace(year=2020))
    reported = CommentFactory(article=article, body="Reported one")
    report_comment(reported, reporter_key="session:a", reason="off-topic")

    page = staff_client.get(CHANGELIST).text

    assert "Fine and approved" not in page
    assert page.index("Older pending") < page.index("Newer pending") < page.index("Reported one")


def test_queue_shows_article_parent_excerpt_author_history_and_reports(staff_client):
    article = ArticleFactory(title="Harbour plans")
    parent = CommentFactory(
        article=article, body="The parent comment says trams are better", author_name="Ida"
    )
    for status in ["approved", "approved", "rejected", "spam"]:
        CommentFactory(author_name="Max", author_email="max@example.org", status=status)
    held = CommentFactory(
        article=article, parent=parent, author_name="Max", author_email="max@example.org", status="pending"
    )
    report_comment(parent, reporter_key="session:a", reason="other", text="Misleading numbers")

    page = staff_client.get(CHANGELIST).text

    assert "Harbour plans" in page
    assert "Ida: The parent comment says trams are better" in page
    assert "✔ 2 · ✘ 1 · spam 1" in page  # Max's history
    assert "Something else: Misleading numbers" in page
    assert f'value="{held.pk}"' in page and f'value="{parent.pk}"' in page


@pytest.mark.parametrize("rows", [3, 30])
def test_queue_page_query_count_does_not_grow_with_its_rows(staff_client, django_assert_num_queries, rows):
    article = ArticleFactory()
    staff_client.get(CHANGELIST)  # the session and content types, warmed once
    for n in range(rows):
        parent = CommentFactory(article=article)
        comment = CommentFactory(parent=parent, author_email=f"a{n}@example.org", status="pending")
        report_comment(parent, reporter_key=f"session:{n}", reason="spam")
        assert comment.status == "pending"

    # session, user, the article filter's choices, the queue's count, the rows (with article and
    # parent), their open reports, their authors' histories: the same for 3 rows or 30.
    with django_assert_num_queries(7):
        response = staff_client.get(CHANGELIST)

    assert response.status_code == 200
    assert response.text.count('class="action-select"') == 2 * rows


def test_every_action_is_in_the_history_with_who_and_why(staff_client, staff):
    comment = CommentFactory(status=Comment.Status.PENDING)

    act(staff_client, "approve_comments", [comment], reason="Fair point")
    act(staff_client, "remove_comments", [comment], reason="Personal attack")
    act(staff_client, "restore_comments", [comment])

    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED and comment.moderated_by == staff
    assert history(comment) == [
        "Comment approved. Reason: Fair point",
        "Comment removed. Reason: Personal attack",
        "Comment restored.",
    ]
    assert set(LogEntry.objects.values_list("user", flat=True)) == {staff.pk}


def test_moderating_a_reported_comment_settles_its_reports(staff_client):
    comment = CommentFactory()
    report_comment(comment, reporter_key="session:a", reason="spam")

    act(staff_client, "approve_comments", [comment])

    comment.refresh_from_db()
    assert comment.report_count == 0
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert comment.body not in staff_client.get(CHANGELIST).text


def test_remove_with_replies_hides_the_whole_subthread(staff_client, client):
    root = CommentFactory(body="Root stays")
    rant = CommentFactory(parent=root, body="Start of a rant")
    CommentFactory(parent=CommentFactory(parent=rant, body="Rant reply"), body="Rant reply reply")

    response = act(staff_client, "remove_threads", [rant], reason="Flame war")

    page = client.get(root.article.get_absolute_url()).text
    assert "3 comments removed." in response.text
    assert "Root stays" in page and "Rant" not in page and "This comment was removed" not in page
    assert history(rant) == ["Comment removed with its replies (3 comments). Reason: Flame war"]


def test_ban_asks_how_long_and_why_then_bans_and_removes_pending_comments(staff_client, client):
    user = UserFactory()
    article = ArticleFactory()
    posted = post_comment(article=article, body="Troll one", user=user, ip_address="203.0.113.9")
    second = post_comment(article=article, body="Troll two", user=user, ip_address="203.0.113.9")
    approved = CommentFactory(article=article, user=user, body="Earlier, approved")

    form_page = act(staff_client, "ban_authors", [posted])
    response = act(
        staff_client, "ban_authors", [posted], apply="1", kinds=["user", "ip"], days="30", reason="Trolling"
    )

    assert "For how many days" in form_page.text
    assert "2 bans made; 2 pending comments removed." in response.text
    bans = {ban.kind: ban for ban in Ban.objects.all()}
    assert bans.keys() == {"user", "ip"}
    assert bans["ip"].network == "203.0.113.9/32" and bans["user"].user == user
    assert bans["user"].expires_at is not None and bans["user"].reason == "Trolling"
    assert set(Comment.objects.pending()) == set()
    assert Comment.objects.get(pk=second.pk).status == Comment.Status.REMOVED
    assert Comment.objects.get(pk=approved.pk).status == Comment.Status.APPROVED
    assert "Comment removed: its author was banned. Reason: Trolling" in history(second)
    assert any(line.startswith("Author banned (Account:") for line in history(posted))


def test_ban_form_without_reason_or_kind_shows_errors_and_bans_nobody(staff_client):
    comment = CommentFactory(status=Comment.Status.PENDING)

    response = act(staff_client, "ban_authors", [comment], apply="1", reason="")

    assert response.status_code == 200
    assert "Please give a reason" in response.text and "Choose at least one" in response.text
    assert not Ban.objects.exists()


def test_ban_added_in_the_ban_admin_removes_that_authors_pending_comments(staff_client):
    pending = CommentFactory(author_email="spammer@example.org", status=Comment.Status.PENDING)
    CommentFactory(author_email="other@example.org", status=Comment.Status.PENDING)

    response = staff_client.post(
        reverse("admin:comments_ban_add"), {"kind": "email", "email": "Spammer@example.org", "reason": "Spam"}
    )

    assert response.status_code == 302
    assert Ban.objects.get().email == "spammer@example.org"
    pending.refresh_from_db()
    assert pending.status == Comment.Status.REMOVED
    assert Comment.objects.pending().count() == 1


def test_ban_admin_refuses_a_bad_network_with_a_message(staff_client):
    response = staff_client.post(reverse("admin:comments_ban_add"), {"kind": "ip", "network": "300.1.2.0/24"})

    assert response.status_code == 200
    assert "Give an IP address" in response.text
    assert not Ban.objects.exists()


def test_banning_two_comments_by_one_author_makes_one_ban(staff_client):
    first = CommentFactory(author_email="twice@example.org", status=Comment.Status.PENDING)
    second = CommentFactory(author_email="twice@example.org", status=Comment.Status.PENDING)

    response = act(staff_client, "ban_authors", [first, second], apply="1", kinds=["email"], reason="Spam")

    assert "1 ban made; 2 pending comments removed." in response.text
    assert Ban.objects.get().email == "twice@example.org"
