from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.staticfiles import finders
from django.urls import reverse

from comments.models import Comment
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")


def run_action(client, action, comments):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [c.pk for c in comments]}, follow=True
    )


@pytest.mark.parametrize(
    "action, status",
    [
        ("approve_comments", Comment.Status.APPROVED),
        ("reject_comments", Comment.Status.REJECTED),
        ("spam_comments", Comment.Status.SPAM),
        ("remove_comments", Comment.Status.REMOVED),
    ],
)
def test_bulk_action_sets_status_and_records_it_in_the_admin_history(staff_client, staff, action, status):
    comments = [CommentFactory(status=Comment.Status.PENDING), CommentFactory(status=Comment.Status.PENDING)]

    response = run_action(staff_client, action, comments)

    assert response.status_code == 200
    for comment in comments:
        comment.refresh_from_db()
        assert comment.status == status
        assert comment.moderated_by == staff
        entry = LogEntry.objects.get(object_id=str(comment.pk))
        assert entry.action_flag == CHANGE and entry.user == staff
        assert entry.get_change_message().startswith("Comment ")
    assert "2 comments" in response.text


def test_removed_comment_with_replies_leaves_a_placeholder_and_its_replies(staff_client, client):
    parent = CommentFactory(body="Buy cheap watches")
    reply = CommentFactory(parent=parent, body="Nobody wants watches")

    run_action(staff_client, "remove_comments", [parent])

    page = client.get(parent.article.get_absolute_url()).text
    assert "Buy cheap watches" not in page
    assert "This comment was removed by a moderator." in page
    assert f'id="comment-{parent.pk}"' in page
    assert f'id="comment-{reply.pk}" data-parent="{parent.pk}"' in page


def test_removed_comment_without_replies_disappears(staff_client, client):
    comment = CommentFactory(body="Rude words")

    run_action(staff_client, "remove_comments", [comment])

    page = client.get(comment.article.get_absolute_url()).text
    assert "Rude words" not in page and f'id="comment-{comment.pk}"' not in page


def test_readers_see_approved_comments_only(client):
    article = CommentFactory(body="Approved one").article
    for status in ["pending", "rejected", "spam", "removed"]:
        CommentFactory(article=article, body=f"A {status} one", status=status)

    page = client.get(article.get_absolute_url()).text

    assert "Approved one" in page
    assert not any(f"A {status} one" in page for status in ["pending", "rejected", "spam", "removed"])
    assert "1 comment<" in page


def test_changelist_lists_the_tree_with_filters_and_search(staff_client):
    root = CommentFactory(body="Root about trains", author_name="Walter", author_email="walt@example.org")
    CommentFactory(parent=root, body="Reply about buses")

    listing = staff_client.get(CHANGELIST, {"queue": "all"}).text  # the bare list opens on the queue
    by_email = staff_client.get(CHANGELIST, {"q": "walt@example.org"}).text
    by_status = staff_client.get(CHANGELIST, {"status__exact": "approved"}).text

    assert listing.index("Root about trains") < listing.index("Reply about buses")
    # Indented by a class (the CSP allows no inline styles): depth 1 is 1.5em in comments/admin.css.
    assert 'class="depth-1">Reply about buses' in listing
    assert "/static/comments/admin.css" in listing
    assert ".depth-1 { padding-left: 1.5em; }" in Path(finders.find("comments/admin.css")).read_text()
    assert "Root about trains" in by_email and "Reply about buses" not in by_email
    assert "Reply about buses" in by_status


def test_delete_through_the_admin_removes_the_subtree_and_keeps_the_tree_consistent(staff_client):
    from comments.checks import find_tree_problems

    root = CommentFactory()
    doomed = CommentFactory(parent=root)
    CommentFactory(parent=doomed)
    survivor = CommentFactory(parent=root)

    response = staff_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [doomed.pk], "post": "yes"}, follow=True
    )

    assert response.status_code == 200
    assert set(Comment.objects.values_list("pk", flat=True)) == {root.pk, survivor.pk}
    assert find_tree_problems() == []


def test_admin_change_form_cannot_move_a_comment(staff_client):
    root = CommentFactory()
    reply = CommentFactory(parent=root)

    page = staff_client.get(reverse("admin:comments_comment_change", args=[reply.pk])).text

    assert 'name="parent"' not in page and 'name="status"' not in page
    assert 'name="body"' in page
