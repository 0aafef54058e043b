"""Consistency of the comment trees: nested-set numbers against parent pointers."""

from collections import defaultdict

from articles.models import Article
from comments.models import Comment

FIELDS = ("pk", "parent_id", "article_id", "tree_id", "lft", "rght", "level", "thread_replies")


def find_tree_problems(*, limit: int = 100) -> list[str]:
    """Every disagreement between the stored tree numbers and the parent pointers, worst first.

    Reads the tree columns of every comment once, thread by thread.
    """
    problems: list[str] = []
    rows = Comment.objects.order_by("tree_id", "lft").values_list(*FIELDS).iterator(chunk_size=10_000)
    thread: list[tuple] = []
    for row in rows:
        if thread and row[3] != thread[0][3]:
            problems += _check_thread(thread)
            thread = []
        thread.append(row)
        if len(problems) >= limit:
            break
    if thread:
        problems += _check_thread(thread)
    return problems[:limit]


def _check_thread(rows: list[tuple]) -> list[str]:
    tree_id = rows[0][3]
    by_pk = {row[0]: row for row in rows}
    roots = [row for row in rows if row[1] is None]
    problems = []
    if len(roots) != 1:
        ids = ", ".join(str(row[0]) for row in roots) or "none"
        problems.append(f"tree {tree_id}: {len(roots)} top-level comments ({ids}); expected exactly one")
    children = defaultdict(list)
    for row in rows:
        if row[1] is not None:
            if row[1] not in by_pk:
                problems.append(f"comment {row[0]}: its parent {row[1]} is not in the same tree {tree_id}")
                continue
            if by_pk[row[1]][2] != row[2]:
                problems.append(
                    f"comment {row[0]}: article {row[2]} differs from its parent's {by_pk[row[1]][2]}"
                )
            children[row[1]].append(row)
    if not roots:
        return problems
    # Recompute the numbers from the parent pointers, children in stored order.
    expected: dict[int, tuple[int, int, int]] = {}
    counter = 0
    stack = [(roots[0], 0, False)]
    while stack:
        row, level, done = stack.pop()
        if done:
            counter += 1
            left, _, lvl = expected[row[0]]
            expected[row[0]] = (left, counter, lvl)
            continue
        counter += 1
        expected[row[0]] = (counter, 0, level)
        stack.append((row, level, True))
        for child in reversed(children[row[0]]):
            stack.append((child, level + 1, False))
    replies = len(expected) - 1
    if roots[0][7] != replies:
        problems.append(
            f"comment {roots[0][0]} (top of tree {tree_id}): thread_replies is {roots[0][7]}, "
            f"the tree has {replies} replies"
        )
    for row in rows:
        if row[0] not in expected:
            if row[1] is not None and row[1] in by_pk:
                problems.append(f"comment {row[0]}: not reachable from the top of tree {tree_id}")
            continue
        want = expected[row[0]]
        have = (row[4], row[5], row[6])
        if have != want:
            problems.append(
                f"comment {row[0]} in tree {tree_id}: lft/rght/level are {have[0]}/{have[1]}/{have[2]}, "
                f"its parent pointers say {want[0]}/{want[1]}/{want[2]}"
            )
    return problems


def find_counter_problems() -> list[str]:
    """Articles whose stored comment and thread counters disagree with their comments."""
    problems = []
    for article in Article.objects.with_counted_comments().order_by("pk"):
        stored = (article.comment_count, article.thread_count)
        counted = (article.counted_comments, article.counted_threads)
        if stored != counted:
            problems.append(
                f"article {article.slug}: stores {stored[0]} approved comments in {stored[1]} threads, "
                f"has {counted[0]} in {counted[1]}"
            )
    return problems
