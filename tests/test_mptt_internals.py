"""What comments/mptt_internals.py leans on in django-mptt: if an upgrade changes it, these fail."""

import inspect

import pytest
from django.db import models
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey

from comments.models import Comment
from comments.mptt_internals import MPTT_TREE_INDEX
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def test_mptt_still_asks_its_manager_for_a_new_tree_id_on_every_new_root():
    assert callable(getattr(TreeManager, "_get_next_tree_id", None))
    assert "_get_next_tree_id" in inspect.getsource(TreeManager.insert_node)


def test_mptt_still_adds_the_tree_index_that_comments_drop():
    class Probe(MPTTModel):
        parent = TreeForeignKey("self", null=True, on_delete=models.CASCADE)

        class Meta:
            app_label = "comments"

    assert MPTT_TREE_INDEX in [tuple(index.fields) for index in Probe._meta.indexes]
    assert MPTT_TREE_INDEX not in [tuple(index.fields) for index in Comment._meta.indexes]
    assert not any({"lft", "rght"} & set(index.fields) for index in Comment._meta.indexes)


def test_new_threads_take_their_tree_ids_from_the_sequence():
    article = ArticleFactory()

    first, second = CommentFactory(article=article), CommentFactory(article=article)

    assert second.tree_id == first.tree_id + 1  # nextval(), not max() + 1 (which may repeat)


def test_mptt_still_opens_a_new_nodes_gap_with_the_update_shift_with_insert_sends():
    """comments.mptt_internals._shift_sql() is mptt's own UPDATE, which insert_node() still sends
    through _create_space() and _manage_space()."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comments.mptt_internals import _shift_sql

    parent = CommentFactory()

    with CaptureQueriesContext(connection) as captured:
        TreeManager._manage_space(Comment._tree_manager, 2, parent.rght - 1, parent.tree_id)

    assert "_create_space" in inspect.getsource(TreeManager.insert_node)
    assert "_manage_space" in inspect.getsource(TreeManager._create_space)
    mptt_sql = connection.ops.compose_sql(
        _shift_sql(Comment), [parent.rght - 1, 2] * 2 + [parent.tree_id] + [parent.rght - 1] * 2
    )
    assert [" ".join(q["sql"].split()) for q in captured.captured_queries] == [mptt_sql]


def test_a_reply_shifts_its_thread_and_is_inserted_in_one_statement():
    from django.db import connection

    from comments.checks import find_tree_problems
    from comments.mptt_internals import shift_with_insert

    parent = CommentFactory()
    after = CommentFactory(article=parent.article)  # another thread: untouched
    CommentFactory(parent=parent)
    parent.refresh_from_db()
    sent = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    reply = Comment(article=parent.article, author_name="Mo", body="Gap")
    with shift_with_insert(Comment), connection.execute_wrapper(record):  # inside: what is sent
        reply.insert_at(parent, position="last-child", refresh_target=False)
        reply.save()

    assert len(sent) == 1
    assert sent[0].startswith('WITH shift AS (UPDATE "comments_comment" SET "lft" = CASE')
    assert ') INSERT INTO "comments_comment" (' in sent[0]
    assert list(parent.get_children().values_list("pk", flat=True))[-1] == reply.pk
    assert Comment.objects.get(pk=after.pk).lft == 1
    assert find_tree_problems() == []


def test_a_shift_kept_for_an_insert_that_never_comes_raises():
    from django.db import transaction

    from comments.mptt_internals import shift_with_insert

    parent = CommentFactory()
    rght = parent.rght
    reply = Comment(article=parent.article, author_name="Mo", body="Gap")

    with pytest.raises(RuntimeError, match="never came"), transaction.atomic(), shift_with_insert(Comment):
        reply.insert_at(parent, position="last-child", refresh_target=False)

    assert Comment.objects.get(pk=parent.pk).rght == rght  # the shift was never sent
