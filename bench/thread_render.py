"""How much the reading features (avatar, relative time, collapsible subtrees, own-comment links)
cost per comment when comments/_thread.html renders: the template before issue 5 and now, on the
same items, in the same process.

    DEBUG=1 .venv/bin/python bench/thread_render.py --comments 500 --rounds 30

It builds a throwaway article with a generated discussion in the development database (embedded
PostgreSQL unless DATABASE_URL is set), renders its first page's items with both templates, prints
milliseconds per page (best of the rounds) and microseconds per comment, and deletes the article again.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
BEFORE = "17060e6"  # the walking skeleton's template


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    options = parser.parse_args()

    import django

    django.setup()
    from django.template import engines
    from django.test import RequestFactory
    from django.utils.crypto import get_random_string

    from articles.models import Article
    from comments.generator import generate_discussion
    from comments.threads import discussion_page

    old_source = subprocess.run(
        ["git", "show", f"{BEFORE}:templates/comments/_thread.html"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    engine = engines["django"]
    templates = {
        "before": engine.from_string(old_source),
        "now": engine.get_template("comments/_thread.html"),
    }
    article = Article.objects.create(
        title="Bench", slug=f"bench-{get_random_string(8).lower()}", body="x", status="published"
    )
    try:
        generate_discussion(article, comments=options.comments, seed=3)
        _, items = discussion_page(article)
        request = RequestFactory().get(article.get_absolute_url())
        context = {
            "items": items,
            "article": article,
            "editable": set(),
            "deletable": set(),
            "request": request,
        }
        times = {name: [] for name in templates}
        for template in templates.values():
            template.render(context)  # warm caches
        for _ in range(options.rounds):  # interleaved, so a busy machine slows both alike
            for name, template in templates.items():
                start = time.perf_counter()
                template.render(context)
                times[name].append(time.perf_counter() - start)
        results = {name: min(values) for name, values in times.items()}
        shown, total = len(items), options.comments
        print(f"{shown} comments on the page ({total} in the discussion), {options.rounds} rounds")
        for name, seconds in results.items():
            per_comment = seconds / shown * 1e6
            print(f"  {name:6}: {seconds * 1000:7.1f} ms per page, {per_comment:6.1f} µs per comment")
        print(f"  ratio now/before: {results['now'] / results['before']:.2f}")
    finally:
        article.delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
