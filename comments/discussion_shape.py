"""The shape of a synthetic discussion, without Django: which comment answers which, the
nested-set numbers of each thread, names and bodies (comments/generator.py stores it for
Threadline; bench/naive_site loads the same shape into a plain django-mptt model).

Shape: about a fifth of comments start a thread; replies prefer recent and shallow
comments; depth up to 8; bodies from one line to several paragraphs.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field

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
class Node:
    index: int
    level: int
    children: list = field(default_factory=list)
    lft: int = 0
    rght: int = 0


@dataclass
class Discussion:
    """The comments in posting order: (parent index or None, level) each, and their threads."""

    rng: random.Random
    shape: list[tuple[int | None, int]]
    roots: list[Node]
    bodies: list[str]


def plan(comments: int, *, seed: int, max_depth: int) -> Discussion:
    rng = random.Random(seed)
    shape = _shape(comments, rng, max_depth)
    nodes = [Node(index=i, level=level) for i, (_, level) in enumerate(shape)]
    roots = []
    for node, (parent, _) in zip(nodes, shape, strict=True):
        (nodes[parent].children if parent is not None else roots).append(node)
    bodies = [_body(rng) for _ in range(min(comments, 500))]
    return Discussion(rng, shape, roots, bodies)


def rows(discussion: Discussion, tree_ids: list[int], make: Callable) -> list:
    """make(node, tree_id, name, body) for every comment, numbered in its thread; by index."""
    rng = discussion.rng
    made = [None] * len(discussion.shape)
    for root, tree_id in zip(discussion.roots, tree_ids, strict=True):
        _number(root)
        for node in _walk(root):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            body = discussion.bodies[node.index % len(discussion.bodies)]
            made[node.index] = make(node, tree_id, name, body)
    return made


def save_parents_first(discussion: Discussion, made: list, bulk_create: Callable) -> None:
    """bulk_create(rows) level by level, so each reply can point at its parent's primary key."""
    shape = discussion.shape
    for level in range(max(lvl for _, lvl in shape) + 1):
        indices = [i for i, (_, lvl) in enumerate(shape) if lvl == level]
        for i in indices:
            parent_index = shape[i][0]
            if parent_index is not None:
                made[i].parent_id = made[parent_index].pk
        bulk_create([made[i] for i in indices])


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


def _number(root: Node) -> None:
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


def _walk(root: Node):
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))
