"""Comment bodies converted and rendered in worker processes while the main process writes.

What it buys: converting WordPress HTML to Markdown and rendering it is most of an import's
CPU (bench/README.md); it depends on the text alone, so a pool of processes does it for the
next articles while the main process parses the file and writes the current one. Results
come back in file order, with a bounded number of articles in flight (memory stays flat).
Workers are forked and never touch the database.
"""

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator

from django.db import connection, connections

from comments.services.importing import RenderedBody, render_body
from moving.html import comment_markdown
from moving.models import imported_comments
from moving.records import OldComment, OldPost

IN_FLIGHT_PER_WORKER = 2  # slices queued per worker
SLICE = 1000  # comments a worker renders at a time


def default_workers() -> int:
    return min(4, os.cpu_count() or 1)


def prepare_comment(comment: OldComment) -> RenderedBody:
    """The comment's Markdown (its own, from a Threadline export, or converted) and HTML."""
    markdown = comment.markdown if comment.markdown is not None else comment_markdown(comment.html)
    return render_body(markdown)


def _render_texts(texts: list[tuple[str | None, str]]) -> list[tuple[str, str]]:
    """In a worker: (own Markdown or None, HTML) -> (Markdown, rendered HTML); plain tuples pickle fast."""
    rendered = []
    for markdown, html in texts:
        body = render_body(markdown if markdown is not None else comment_markdown(html))
        rendered.append((body.markdown, body.html))
    return rendered


def _attach(post: OldPost, new: list[OldComment], results: list) -> OldPost:
    rendered = (body for result in results for body in result.get())
    for comment, (markdown, html) in zip(new, rendered, strict=True):
        comment.rendered = RenderedBody(markdown, html)
        comment.html = ""  # converted: the source is not needed any more
    return post


def _without_imported(post: OldPost, source: str) -> tuple[OldPost, list[OldComment]]:
    """The post, and those of its comments not imported before."""
    if post.is_skipped or not post.comments:
        return post, []
    stored = imported_comments(source, [comment.old_id for comment in post.comments])
    return post, [comment for comment in post.comments if comment.old_id not in stored]


def prepared(posts: Iterator[OldPost], *, workers: int, source: str) -> Iterator[OldPost]:
    """The posts with their new comments rendered, in order; workers=0 does it in this process.

    Comments already imported (a re-run) are not rendered: one query per post finds them.
    """
    posts = (_without_imported(post, source) for post in posts)
    if workers <= 0:
        for post, new in posts:
            for comment in new:
                comment.rendered = prepare_comment(comment)
            yield post
        return
    if not connection.in_atomic_block:
        connections.close_all()  # no connection shared with the forked workers
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque = deque()
        in_flight = 0
        for post, new in posts:
            texts = [(comment.markdown, comment.html) for comment in new]
            # A long discussion is shared out among the workers in slices.
            results = [
                pool.apply_async(_render_texts, (texts[start : start + SLICE],))
                for start in range(0, len(texts), SLICE)
            ]
            pending.append((post, new, results))
            in_flight += len(results)
            while in_flight >= workers * IN_FLIGHT_PER_WORKER and len(pending) > 1:
                in_flight -= len(pending[0][2])
                yield _attach(*pending.popleft())
        while pending:
            yield _attach(*pending.popleft())
