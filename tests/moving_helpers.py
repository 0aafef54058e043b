"""Shared by the moving tests: run an import command, and the whole site as comparable text."""

import io
from pathlib import Path

from django.core.management import call_command

from articles.models import Article
from comments.models import Comment

DATA = Path(__file__).parent / "data"


def run(command: str, *args: str) -> str:
    """Run a management command and return what it printed."""
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def import_file(name: str, *args: str, command: str = "import_wordpress") -> str:
    return run(command, str(DATA / name), *args)


def thread_text(article: Article) -> str:
    """The article's comments as indented lines: status, author and source text, in tree order."""
    lines = []
    for comment in Comment.objects.filter(article=article).order_by("tree_id", "lft"):
        lines.append(f"{'  ' * comment.level}{comment.status} {comment.author_name}: {comment.body}")
    return "\n".join(lines)


def site_snapshot() -> list[tuple]:
    """Every article with its fields and its threads, ids left out (they differ between runs).

    Times to the second: WordPress exports have no finer ones.
    """
    return [
        (a.slug, a.title, a.status, a.published_at and a.published_at.replace(microsecond=0), a.byline,
         a.summary, a.body, a.comment_count,
         a.thread_count, thread_text(a))
        for a in Article.objects.order_by("slug")
    ]  # fmt: skip
