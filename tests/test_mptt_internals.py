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
