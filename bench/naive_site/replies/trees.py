"""Bench helpers, not served: a generated discussion, and the tree damage left after a run.

The models are imported where used: broken_tree_rows runs without this site's settings
(tests/test_naive_bench.py, under Threadline's).
"""

from collections import defaultdict

from comments import discussion_shape  # Django-free: the shape of generate_discussion's threads


def load_discussion(article, *, comments: int, seed: int = 1, max_depth: int = 8) -> None:
    """The threads of Threadline's `generate_discussion` (the same shape), one tree each, built as
    valid nested sets and bulk-inserted."""
    from naive_site.replies.models import Comment

    discussion = discussion_shape.plan(comments, seed=seed, max_depth=max_depth)
    first = (Comment.objects.order_by("-tree_id").values_list("tree_id", flat=True).first() or 0) + 1
    rows = discussion_shape.rows(
        discussion,
        list(range(first, first + len(discussion.roots))),
        lambda node, tree_id, name, body: Comment(
            article=article, author_name=name, author_email=f"reader{node.index}@example.org", body=body,
            tree_id=tree_id, lft=node.lft, rght=node.rght, level=node.level,
        ),
    )  # fmt: skip
    discussion_shape.save_parents_first(discussion, rows, Comment.objects.bulk_create)


def broken_tree_rows(rows) -> tuple[int, int]:
    """(rows, trees) whose stored lft/rght/level disagree with a recount from the parent pointers.

    rows: (pk, parent_id, tree_id, lft, rght, level) of every comment. Each tree is renumbered from
    its root (the row without a parent; a tree without exactly one is damaged as a whole), children
    in stored order (lft, then pk); a row whose parent lies in another tree counts as broken.
    """
    trees = defaultdict(list)
    for row in sorted(rows, key=lambda row: (row[2], row[3], row[0])):
        trees[row[2]].append(row)
    broken = damaged = 0
    for members in trees.values():
        wrong = _wrong_in_tree(members)
        broken += wrong
        damaged += wrong > 0
    return broken, damaged


def _wrong_in_tree(members: list[tuple]) -> int:
    roots = [row for row in members if row[1] is None]
    if len(roots) != 1:
        return len(members)
    children = defaultdict(list)
    for row in members:
        if row[1] is not None:
            children[row[1]].append(row)
    expected = {}
    counter = 0
    stack = [(roots[0], 0, False)]
    while stack:
        row, level, done = stack.pop()
        counter += 1
        if done:
            expected[row[0]] = (expected[row[0]][0], counter, level)
            continue
        expected[row[0]] = (counter, None, level)
        stack.append((row, level, True))
        stack.extend((child, level + 1, False) for child in reversed(children[row[0]]))
    return sum(expected.get(row[0]) != (row[3], row[4], row[5]) for row in members)


def count_broken() -> tuple[int, int]:
    from naive_site.replies.models import Comment

    return broken_tree_rows(Comment.objects.values_list("pk", "parent_id", "tree_id", "lft", "rght", "level"))
