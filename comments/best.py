"""The Best order (issue 22): threads, and replies within a thread, by the Wilson lower bound of
their helpful votes against their upheld reports.

Votes must not turn every click into a cache miss, so the order and the counts it shows come
from a snapshot of the vote rows made at most once per BEST_REFRESH_SECONDS per article (one
query, cached): the snapshot of epoch E counts the votes made before E began. Within an epoch
nothing a vote does reaches a page; at the next one, only the threads whose scores moved are
rendered again (each thread's cache entry is keyed by a digest of its own scores), and the page
of threads only if the snapshot changed at all. Measured with `bench/best_cache.py`
(bench/README.md, "Helpful votes and the cache").

Ties (a score of 0 above all: no votes) keep the thread's age order (tree_id) and the replies'
(lft), so the order is the same at every reload.
"""

import hashlib
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from comments.models import Comment, HelpfulVote, Report

# z for 80 % confidence (two-sided), as lobste.rs and Reddit use: the 90th percentile of N(0, 1).
Z_80 = 1.2815515655446004
UPHELD = [Comment.Status.REJECTED, Comment.Status.SPAM, Comment.Status.REMOVED]


def wilson_lower_bound(positive: int, negative: int, *, z: float = Z_80) -> float:
    """Lower bound of the Wilson score interval for the share of positive ratings (E. B. Wilson,
    1927; https://www.evanmiller.org/how-not-to-sort-by-average-rating.html); 0 with no ratings."""
    n = positive + negative
    if n <= 0:
        return 0.0
    p = positive / n
    return (p + z * z / (2 * n) - z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)) / (1 + z * z / n)


@dataclass(frozen=True)
class BestSnapshot:
    """The scores of one article's voted comments as of the start of an epoch."""

    epoch: int
    scores: dict[int, float] = field(default_factory=dict)  # comment pk -> Wilson lower bound
    shown: dict[int, int] = field(default_factory=dict)  # comment pk -> helpful votes shown
    threads: dict[int, str] = field(default_factory=dict)  # tree_id -> digest of its scores
    root_order: tuple[int, ...] = ()  # tree ids of threads scoring above 0, best first
    stamp: str = ""  # digest of everything above but the epoch: unchanged, the pages stay

    def thread_digest(self, tree_id: int) -> str:
        return self.threads.get(tree_id, "")


def epoch_start(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch * settings.BEST_REFRESH_SECONDS, tz=UTC)


def current_epoch() -> int:
    return int(time.time() // settings.BEST_REFRESH_SECONDS)


def best_snapshot(article) -> BestSnapshot:
    """This epoch's snapshot of the article's votes: from the cache, else one query."""
    epoch = current_epoch()
    born = int(article.created_at.timestamp() * 1_000_000)
    key = f"best:1:{article.pk}:{born}:{epoch}"
    snapshot = cache.get(key)
    if snapshot is None:
        snapshot = compute_snapshot(article, epoch=epoch)
        cache.set(key, snapshot, 2 * settings.BEST_REFRESH_SECONDS)
    return snapshot


def compute_snapshot(article, *, epoch: int) -> BestSnapshot:
    """Scores from the vote rows made before the epoch began, and the upheld reports of the same
    comments: one query. Counts are shown only on comments older than HELPFUL_SCORE_HIDDEN_SECONDS."""
    cutoff = epoch_start(epoch)
    shown_before = cutoff - timedelta(seconds=settings.HELPFUL_SCORE_HIDDEN_SECONDS)
    upheld = (
        Report.objects.filter(comment=OuterRef("comment_id"), resolved_at__isnull=False)
        .filter(comment__status__in=UPHELD)
        .values("comment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        HelpfulVote.objects.filter(article=article, created_at__lt=cutoff)
        .values("comment_id", "comment__tree_id", "comment__parent_id", "comment__created_at")
        .annotate(up=Count("pk"), down=Coalesce(Subquery(upheld, output_field=IntegerField()), 0))
        .order_by("comment_id")
    )
    scores, shown, per_thread, roots = {}, {}, {}, []
    for row in rows:
        pk, tree_id = row["comment_id"], row["comment__tree_id"]
        score = wilson_lower_bound(row["up"], row["down"])
        scores[pk] = score
        if row["comment__created_at"] <= shown_before:
            shown[pk] = row["up"]
        per_thread.setdefault(tree_id, []).append(f"{pk}:{score!r}:{shown.get(pk, '')}")
        if row["comment__parent_id"] is None and score > 0:
            roots.append((-score, tree_id))
    threads = {tree_id: _digest(parts) for tree_id, parts in per_thread.items()}
    root_order = tuple(tree_id for _, tree_id in sorted(roots))
    stamp = _digest([f"{tree_id}={digest}" for tree_id, digest in sorted(threads.items())])
    return BestSnapshot(epoch, scores, shown, threads, root_order, stamp)


def _digest(parts: list[str]) -> str:
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()


def best_tree_order(comments: list, scores: dict[int, float]) -> list:
    """Comments in tree order (lft) to tree order with each comment's replies best first (ties:
    oldest first). Comments whose parent is not in the list are the starting points."""
    present = {comment.pk for comment in comments}
    children: dict[int | None, list] = {}
    for comment in comments:  # lft order: each sibling list starts oldest first
        parent = comment.parent_id if comment.parent_id in present else None
        children.setdefault(parent, []).append(comment)
    for siblings in children.values():
        siblings.sort(key=lambda c: -scores.get(c.pk, 0.0))  # stable: equal scores keep lft order
    ordered, stack = [], list(reversed(children.get(None, [])))
    while stack:
        comment = stack.pop()
        ordered.append(comment)
        stack.extend(reversed(children.get(comment.pk, [])))
    return ordered


def best_state(article, sort: str) -> tuple:
    """What the shared page shows besides the article's state: the Best snapshot's stamp."""
    return (best_snapshot(article).stamp,) if sort == "best" else ()
