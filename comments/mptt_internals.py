"""Where Threadline leans on django-mptt's private parts: here only, each checked by
tests/test_mptt_internals.py, which fails loudly when an upgrade changes what they rely on.

1. New threads take their tree_id from a PostgreSQL sequence. django-mptt's own
   TreeManager._get_next_tree_id() (private; insert_node() calls it for every new root) takes
   max(tree_id) + 1, which hands the same id to two concurrent new threads.
2. No index holds lft or rght. MPTTModelBase adds an index on (tree_id, lft) to every tree
   model; without it a reply's renumbering of the rows after it is a HOT update in PostgreSQL
   (no new index entry per shifted row: 79 KB of WAL per reply into a growing thread became 13,
   bench/README.md). Threads are read whole or by range through the tree_id index.
3. A reply's shift and its INSERT are one statement (issue 23: one round trip less per reply;
   `bench/concurrent_posts.py --reply-page`, bench/README.md). Inside shift_with_insert(),
   TreeManager._manage_space() (private; insert_node() calls it, through _create_space(), to
   open the gap for a new node) keeps the shift instead of sending its UPDATE, and the model's
   INSERT goes out as `WITH shift AS (UPDATE …) INSERT …`: mptt's own UPDATE (SHIFT_SQL, the
   same text), the INSERT unchanged. PostgreSQL runs both in one snapshot; they touch different
   rows (the shift the rows after the gap, the INSERT its new row), and the thread's lock is
   held, so the result is what the two statements made one after the other. A shift kept
   without its INSERT never goes unnoticed: leaving the block raises.
"""

import contextvars
from contextlib import contextmanager

from django.db import connection
from mptt.managers import TreeManager

TREE_ID_SEQUENCE = "comments_comment_tree_id_seq"
MPTT_TREE_INDEX = ("tree_id", "lft")

_kept_shifts: contextvars.ContextVar[list | None] = contextvars.ContextVar("kept_shifts", default=None)


class SequenceTreeManager(TreeManager):
    """A TreeManager whose new trees take their tree_id from TREE_ID_SEQUENCE (no lock needed),
    and whose gap for a new node can wait for the node's INSERT (shift_with_insert())."""

    def _get_next_tree_id(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [TREE_ID_SEQUENCE])
            return cursor.fetchone()[0]

    def _manage_space(self, size, target, tree_id):
        kept = _kept_shifts.get()
        if kept is None or self.tree_model._mptt_is_tracking:
            return super()._manage_space(size, target, tree_id)
        kept.append([target, size, target, size, tree_id, target, target])  # SHIFT_SQL's values


def _shift_sql(model) -> str:
    """TreeManager._manage_space()'s UPDATE for the model (tests/test_mptt_internals.py compares)."""
    opts, quote = model._meta, connection.ops.quote_name
    left, right, tree = (quote(opts.get_field(name).column) for name in ("lft", "rght", "tree_id"))
    return (
        f"UPDATE {quote(opts.db_table)} SET {left} = CASE WHEN {left} > %s THEN {left} + %s ELSE {left} END, "
        f"{right} = CASE WHEN {right} > %s THEN {right} + %s ELSE {right} END "
        f"WHERE {tree} = %s AND ({left} > %s OR {right} > %s)"
    )


@contextmanager
def shift_with_insert(model):
    """Send the gap mptt opens for a new node with the node's INSERT, as one statement."""
    kept = []
    insert = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "

    def join_the_insert(execute, sql, params, many, context):
        if kept and not many and sql.startswith(insert):
            shift = kept.pop()
            return execute(f"WITH shift AS ({_shift_sql(model)}) {sql}", [*shift, *params], many, context)
        return execute(sql, params, many, context)

    token = _kept_shifts.set(kept)
    try:
        with connection.execute_wrapper(join_the_insert):
            yield
    finally:
        _kept_shifts.reset(token)
    if kept:
        raise RuntimeError("A tree shift was kept for an INSERT that never came")


def drop_tree_index(model) -> None:
    """Remove the (tree_id, lft) index MPTTModelBase gave the model (see 2 above)."""
    model._meta.indexes = [index for index in model._meta.indexes if tuple(index.fields) != MPTT_TREE_INDEX]
