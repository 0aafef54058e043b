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
from moving.records import OldComment, OldPost

IN_FLIGHT_PER_WORKER = 2


def default_workers() -> int:
    return min(4, os.cpu_count() or 1)


def prepare_comment(comment: OldComment) -> RenderedBody:
    """The comment's Markdown (its own, from a Threadline export, or converted) and HTML."""
    markdown = comment.markdown if comment.markdown is not None else comment_markdown(comment.html)
    return render_body(markdown)


def prepare_post(post: OldPost) -> OldPost:
    for comment in post.comments:
        comment.rendered = prepare_comment(comment)
    return post


def _render_texts(texts: list[tuple[str | None, str]]) -> list[tuple[str, str]]:
    """In a worker: (own Markdown or None, HTML) -> (Markdown, rendered HTML); plain tuples pickle fast."""
    rendered = []
    for markdown, html in texts:
        body = render_body(markdown if markdown is not None else comment_markdown(html))
        rendered.append((body.markdown, body.html))
    return rendered


def _attach(post: OldPost, rendered: list[tuple[str, str]]) -> OldPost:
    for comment, (markdown, html) in zip(post.comments, rendered, strict=True):
        comment.rendered = RenderedBody(markdown, html)
    return post


def prepared(posts: Iterator[OldPost], *, workers: int) -> Iterator[OldPost]:
    """The posts with their comments rendered, in order; workers=0 does it in this process."""
    if workers <= 0:
        for post in posts:
            yield prepare_post(post)
        return
    if not connection.in_atomic_block:
        connections.close_all()  # no connection shared with the forked workers
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque = deque()
        for post in posts:
            texts = [(comment.markdown, comment.html) for comment in post.comments]
            pending.append((post, pool.apply_async(_render_texts, (texts,))))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                post, result = pending.popleft()
                yield _attach(post, result.get())
        while pending:
            post, result = pending.popleft()
            yield _attach(post, result.get())
