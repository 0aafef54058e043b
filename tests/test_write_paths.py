"""Every write path meets a thread that changed under it: the service re-reads under the lock."""

import uuid

import pytest
from django.db import connection
from django.urls import reverse

from comments import services
from comments.checks import find_tree_problems
from comments.models import Comment
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")


def test_reply_to_a_comment_deleted_after_the_form_checked_it_is_refused(article):
    parent = CommentFactory(article=article)
    stale = Comment.objects.get(pk=parent.pk)  # what the form found
    services.delete_comment(parent)

    with pytest.raises(services.CommentRefused, match="cannot be found"):
        services.post_comment(article=article, parent=stale, body="Too late", author_name="Al")

    assert not Comment.objects.filter(body="Too late").exists()


def test_reply_to_a_comment_removed_after_the_form_checked_it_is_refused_with_409(client, article, staff):
    parent = CommentFactory(article=article)
    data = {"body": "Too late", "parent": parent.pk, "name": "Al", "email": "al@example.org"}
    services.remove_comment(Comment.objects.get(pk=parent.pk), moderator=staff)
    stale = Comment.objects.get(pk=parent.pk)
    stale.status = Comment.Status.APPROVED  # as the form saw it a moment earlier

    with pytest.raises(services.CommentRefused, match="no longer open for replies"):
        services.post_comment(article=article, parent=stale, body="Too late", author_name="Al")
    response = client.post(reverse("comments:add", args=[article.slug]), data)

    assert response.status_code == 400
    assert "That comment is no longer open for replies." in response.text
    assert not Comment.objects.filter(body="Too late").exists()


def test_retry_of_a_stored_reply_lands_on_it_even_after_its_parent_was_removed(article, staff):
    parent = CommentFactory(article=article)
    token = uuid.uuid4()
    kwargs = {
        "article": article,
        "parent": parent,
        "body": "Once",
        "author_name": "Al",
        "submission_token": token,
    }
    first = services.post_comment(**kwargs)
    services.remove_comment(parent, moderator=staff)

    again = services.post_comment(**kwargs)

    assert again.pk == first.pk
    assert Comment.objects.filter(body="Once").count() == 1


def test_stale_reply_numbers_do_not_matter_the_parent_is_read_under_the_lock(article):
    parent = CommentFactory(article=article)
    stale = Comment.objects.get(pk=parent.pk)
    CommentFactory(parent=parent)  # moves parent.rght on in the database, not in `stale`

    services.post_comment(article=article, parent=stale, body="Second reply", author_name="Al")

    assert find_tree_problems() == []
    assert list(parent.children.order_by("lft").values_list("body", flat=True))[-1] == "Second reply"


def test_deleting_a_comment_already_gone_counts_zero(article):
    comment = CommentFactory(article=article)
    services.delete_comment(Comment.objects.get(pk=comment.pk))

    assert services.delete_comment(comment) == 0


def test_admin_delete_of_a_comment_and_its_reply_together_keeps_the_tree(staff_client, article):
    root = CommentFactory(article=article)
    doomed = CommentFactory(parent=root)
    reply = CommentFactory(parent=doomed)
    kept = CommentFactory(parent=root)

    response = staff_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [doomed.pk, reply.pk], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert set(Comment.objects.values_list("pk", flat=True)) == {root.pk, kept.pk}
    assert find_tree_problems() == []


def test_admin_action_skips_a_comment_deleted_since_the_list_was_shown(staff_client, article):
    gone, stays = CommentFactory(article=article), CommentFactory(article=article)
    services.delete_comment(gone)

    response = staff_client.post(
        CHANGELIST, {"action": "remove_comments", "_selected_action": [gone.pk, stays.pk]}, follow=True
    )

    assert response.status_code == 200
    assert "1 comment removed." in response.text
    assert Comment.objects.get(pk=stays.pk).status == Comment.Status.REMOVED


def test_admin_edit_saves_the_edited_text_only_never_tree_numbers_or_status(staff_client, article, staff):
    comment = CommentFactory(article=article, body="Typo hree")
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    form = staff_client.get(url)
    CommentFactory(parent=comment)  # the thread grows while the moderator types
    services.remove_comment(comment, moderator=staff)

    response = staff_client.post(url, {"author_name": comment.author_name, "body": "Typo here"})

    assert response.status_code == 302, form
    comment.refresh_from_db()
    assert (comment.body, comment.body_html) == ("Typo here", "<p>Typo here</p>")
    assert comment.status == Comment.Status.REMOVED
    assert find_tree_problems() == []


def test_thread_replies_has_a_database_default_for_the_release_before_it():
    # During a rolling upgrade the previous release still inserts comments without the column.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_default FROM information_schema.columns"
            " WHERE table_name = 'comments_comment' AND column_name = 'thread_replies'"
        )
        assert cursor.fetchone() == ("0",)
