"""The naive baseline's tree-damage counter (bench/naive_site, issue 23): it passes the
discussion the bench loads and finds what an unlocked insert leaves behind. No database."""

from types import SimpleNamespace

from bench.naive_site.replies.trees import broken_tree_rows
from comments import discussion_shape

FIELDS = ("pk", "parent_id", "tree_id", "lft", "rght", "level")


def _loaded(comments=300):
    discussion = discussion_shape.plan(comments, seed=3, max_depth=8)
    rows = discussion_shape.rows(
        discussion,
        list(range(1, len(discussion.roots) + 1)),
        lambda node, tree_id, name, body: SimpleNamespace(
            pk=None, parent_id=None, tree_id=tree_id, lft=node.lft, rght=node.rght, level=node.level
        ),
    )
    pks = iter(range(1, comments + 1))

    def bulk_create(batch):
        for row in batch:
            row.pk = next(pks)

    discussion_shape.save_parents_first(discussion, rows, bulk_create)
    return [[getattr(row, name) for name in FIELDS] for row in rows]


def test_the_loaded_discussion_is_a_valid_nested_set():
    assert broken_tree_rows(_loaded()) == (0, 0)


def test_two_replies_inserted_from_the_same_stale_parent_are_found():
    rows = _loaded()
    by_pk = {row[0]: row for row in rows}
    parent = next(row for row in rows if row[5] == 0 and row[4] - row[3] > 5)  # a thread with replies
    # What two unlocked last-child inserts do when both read the parent's rght before either
    # moved it: both make room (the parent's rght grows by 4), both take the same two numbers.
    stale = parent[4]
    for row in rows:
        if row[2] == parent[2] and row[4] >= stale:
            row[4] += 4
    for pk in (len(rows) + 1, len(rows) + 2):
        rows.append([pk, parent[0], parent[2], stale, stale + 1, 1])
    assert by_pk[parent[0]][4] == stale + 4
    assert broken_tree_rows(rows) == (1, 1)  # the later twin: its numbers are the earlier one's
