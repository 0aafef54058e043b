"""Synthetic, realistic discussions for benchmarks (`manage.py generate_discussion`).

Shape: about a fifth of comments start a thread; replies prefer recent and shallow
comments; depth up to 8; bodies from one line to several paragraphs.

Whole new threads are built in memory with their nested-set numbers and inserted
in batches. That is safe without the thread lock: each thread's tree_id comes
fresh from the sequence, so no other writer can touch those rows until they exist.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from comments.markup import render_comment_body
from comments.models import Comment
from comments.mptt_internals import TREE_ID_SEQUENCE
from comments.services.importing import recount_discussion

FIRST = (
    "Ada Bram Chen Dana Elif Femi Greta Hugo Ines Jonas Kiri Lars "
    "Mina Nils Oona Pavel Quinn Rosa Sven Tariq Uma Vera Wen Yusuf"
).split()
LAST = ["A.", "B.", "Chandra", "D.", "Evans", "F.", "Garcia", "H.", "Ito", "K.", "Larsen", "M.", "Novak"]
SENTENCES = [
    "I think the article misses the most important point.",
    "That is not what the figures say, as far as I can tell.",
    "Good piece, thanks for writing it.",
    "Has anyone actually asked the people who live there?",
    "This happened in my town ten years ago and it worked out fine in the end.",
    "I disagree, but I can see where you are coming from.",
    "The second paragraph is doing a lot of work here.",
    "Source? I would like to read more about this.",
    "We tried something similar at work and the results were mixed.",
    "Honestly the comments are better than the article today.",
    "You are assuming the costs stay the same, which they never do.",
    "Fair point, I had not thought about deliveries.",
    "See https://example.org/report for the full study.",
    "Nobody reads the council papers, that is the real problem.",
    "The timeline seems optimistic to me.",
    "I changed my mind after reading this thread.",
]


@dataclass
class _Node:
    index: int
    level: int
    children: list = field(default_factory=list)
    lft: int = 0
    rght: int = 0


def _body(rng: random.Random) -> str:
    paragraphs = rng.choices([1, 1, 1, 2, 2, 3, 5], k=1)[0]
    return "\n\n".join(
        " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 5))) for _ in range(paragraphs)
    )


def _shape(count: int, rng: random.Random, max_depth: int) -> list[tuple[int | None, int]]:
    """(parent index or None, level) for each comment, in posting order."""
    shape: list[tuple[int | None, int]] = []
    for index in range(count):
        if index == 0 or rng.random() < 0.2:
            shape.append((None, 0))
            continue
        window = range(max(0, index - 60), index)
        candidates = [i for i in window if shape[i][1] < max_depth - 1]
        weights = [(1 + (i - window.start)) / (1 + shape[i][1]) ** 1.5 for i in candidates]
        parent = rng.choices(candidates, weights=weights, k=1)[0]
        shape.append((parent, shape[parent][1] + 1))
    return shape


def generate_discussion(article, *, comments: int, seed: int = 1, max_depth: int = 8) -> int:
    """Add `comments` approved comments to the article in new threads; return how many."""
    rng = random.Random(seed)
    shape = _shape(comments, rng, max_depth)
    nodes = [_Node(index=i, level=level) for i, (_, level) in enumerate(shape)]
    roots = []
    for node, (parent, _) in zip(nodes, shape, strict=True):
        (nodes[parent].children if parent is not None else roots).append(node)
    start = timezone.now() - datetime.timedelta(seconds=30 * comments)
    bodies = [_body(rng) for _ in range(min(comments, 500))]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [TREE_ID_SEQUENCE, len(roots)])
            tree_ids = [row[0] for row in cursor.fetchall()]
        rows: list[Comment] = [None] * comments  # type: ignore[list-item]
        for root, tree_id in zip(roots, tree_ids, strict=True):
            _number(root)
            for node in _walk(root):
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                body = bodies[node.index % len(bodies)]
                rows[node.index] = Comment(
                    article=article, author_name=name, author_email=f"reader{node.index}@example.org",
                    body=body, body_html=render_comment_body(body), status=Comment.Status.APPROVED,
                    created_at=start + datetime.timedelta(seconds=30 * node.index),
                    tree_id=tree_id, lft=node.lft, rght=node.rght, level=node.level,
                    thread_replies=(node.rght - node.lft - 1) // 2 if node is root else 0,
                )  # fmt: skip
        # New threads with their counts set above: no row marks (each would update its root and
        # the article again, which made a large discussion quadratic), one recount instead.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('threadline.bulk_marks', 'on', true)")
        # Parents first, so each reply can point at its parent's primary key.
        for level in range(max_depth):
            indices = [i for i, (_, lvl) in enumerate(shape) if lvl == level]
            for i in indices:
                parent_index = shape[i][0]
                if parent_index is not None:
                    rows[i].parent_id = rows[parent_index].pk
            Comment.objects.bulk_create([rows[i] for i in indices], batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('threadline.bulk_marks', 'off', true)")
        recount_discussion(article.pk)
    return comments


def _number(root: _Node) -> None:
    counter = 0
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        counter += 1
        if done:
            node.rght = counter
            continue
        node.lft = counter
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.children))


def _walk(root: _Node):
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))
