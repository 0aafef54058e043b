"""The adversarial corpus and a discussion made of its payloads (for page and browser checks)."""

import json
from pathlib import Path

from comments.models import Comment
from tests.factories import CommentFactory

CORPUS = json.loads((Path(__file__).parent / "data" / "adversarial_corpus.json").read_text())
CHAIN = 5  # payloads nest five deep, so thread pages show them as ancestors too


def store_payloads(article) -> list[Comment]:
    """Every XSS and Markdown payload as a comment body and as its author's name, in short chains."""
    comments = []
    for n, payload in enumerate(CORPUS["xss"] + CORPUS["markdown"]):
        parent = comments[-1] if n % CHAIN else None
        comments.append(
            CommentFactory(
                article=article,
                parent=parent,
                body=payload,
                author_name=payload[:80],
                author_email=f"payload{n}@example.org",
                ip_address="192.0.2.1",
            )
        )
    return comments


def payload_pages(article, comments) -> list[str]:
    """Every page where the stored payloads show: the discussion, each thread, each reply form."""
    pages = ["/", article.get_absolute_url(), article.get_absolute_url() + "?sort=replies"]
    pages += [f"/comments/{c.pk}/" for c in comments if c.parent_id is None or c.get_children().count() == 0]
    pages += [f"/comments/{c.pk}/reply/" for c in comments]
    return pages
