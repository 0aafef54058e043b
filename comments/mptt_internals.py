"""Where Threadline leans on django-mptt's private parts: here only, each checked by
tests/test_mptt_internals.py, which fails loudly when an upgrade changes what they rely on.

1. New threads take their tree_id from a PostgreSQL sequence. django-mptt's own
   TreeManager._get_next_tree_id() (private; insert_node() calls it for every new root) takes
   max(tree_id) + 1, which hands the same id to two concurrent new threads.
2. No index holds lft or rght. MPTTModelBase adds an index on (tree_id, lft) to every tree
   model; without it a reply's renumbering of the rows after it is a HOT update in PostgreSQL
   (no new index entry per shifted row: 79 KB of WAL per reply into a growing thread became 13,
   bench/README.md). Threads are read whole or by range through the tree_id index.
"""

from django.db import connection
from mptt.managers import TreeManager

TREE_ID_SEQUENCE = "comments_comment_tree_id_seq"
MPTT_TREE_INDEX = ("tree_id", "lft")


class SequenceTreeManager(TreeManager):
    """A TreeManager whose new trees take their tree_id from TREE_ID_SEQUENCE (no lock needed)."""

    def _get_next_tree_id(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [TREE_ID_SEQUENCE])
            return cursor.fetchone()[0]


def drop_tree_index(model) -> None:
    """Remove the (tree_id, lft) index MPTTModelBase gave the model (see 2 above)."""
    model._meta.indexes = [index for index in model._meta.indexes if tuple(index.fields) != MPTT_TREE_INDEX]
