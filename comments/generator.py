"""Synthetic, realistic discussions for benchmarks (`manage.py generate_discussion`).

The shape (comments/discussion_shape.py): about a fifth of comments start a thread; replies
prefer recent and shallow comments; depth up to 8; bodies from one line to several paragraphs.

Whole new threads are built in memory with their nested-set numbers and inserted
in batches. That is safe without the thread lock: each thread's tree_id comes
fresh from the sequence, so no other writer can touch those rows until they exist.
"""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from comments import discussion_shape
from comments.markup import render_comment_body
from comments.models import Comment
from comments.mptt_internals import TREE_ID_SEQUENCE
from comments.services.importing import recount_discussion


def generate_discussion(article, *, comments: int, seed: int = 1, max_depth: int = 8) -> int:
    """Add `comments` approved comments to the article in new threads; return how many."""
    discussion = discussion_shape.plan(comments, seed=seed, max_depth=max_depth)
    start = timezone.now() - datetime.timedelta(seconds=30 * comments)

    def make(node, tree_id, name, body):
        return Comment(
            article=article, author_name=name, author_email=f"reader{node.index}@example.org",
            body=body, body_html=render_comment_body(body), status=Comment.Status.APPROVED,
            created_at=start + datetime.timedelta(seconds=30 * node.index),
            tree_id=tree_id, lft=node.lft, rght=node.rght, level=node.level,
            thread_replies=(node.rght - node.lft - 1) // 2 if node.level == 0 else 0,
        )  # fmt: skip

    with transaction.atomic():
        with connection.cursor() as cursor:
            roots = len(discussion.roots)
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [TREE_ID_SEQUENCE, roots])
            tree_ids = [row[0] for row in cursor.fetchall()]
        rows = discussion_shape.rows(discussion, tree_ids, make)
        # New threads with their counts set above: no row marks (each would update its root and
        # the article again, which made a large discussion quadratic), one recount instead.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('threadline.bulk_marks', 'on', true)")
        discussion_shape.save_parents_first(
            discussion, rows, lambda batch: Comment.objects.bulk_create(batch, batch_size=2000)
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('threadline.bulk_marks', 'off', true)")
        recount_discussion(article.pk)
    return comments
