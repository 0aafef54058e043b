"""EXPLAIN (ANALYZE, BUFFERS) every query the article page runs.

    DEBUG=1 DATABASE_URL=... python bench/explain_article_page.py SLUG [--page N] [--sort S]

Renders the page once through the Django test client (warming caches), then again while
capturing its SQL, and prints each statement with its plan. Read-only: the EXPLAIN ANALYZE
runs only the page's SELECTs (anything else is printed, not executed).
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("slug")
    parser.add_argument("--page", default="1")
    parser.add_argument("--sort", default="oldest")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    url = f"/articles/{args.slug}/?page={args.page}&sort={args.sort}"
    client.get(url)  # warm up: shared buffers, Django's URL and template caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    print(f"GET {url} -> {response.status_code}, {len(captured.captured_queries)} queries\n")
    with connection.cursor() as cursor:
        for number, query in enumerate(captured.captured_queries, 1):
            sql = query["sql"]
            print(f"-- query {number} ({float(query['time']) * 1000:.1f} ms in the page)\n{sql}\n")
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
            print("\n".join(row[0] for row in cursor.fetchall()), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
