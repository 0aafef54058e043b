# Issue 7: indexes for the article page, justified by EXPLAIN (ANALYZE) on a 100,000-comment
# discussion (bench/README.md). Built CONCURRENTLY so a live site keeps taking comments.
# The covering index includes thread_version: the page's roots query reads the index only.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("comments", "0007_guest_recent_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("parent__isnull", True)),
                fields=["article", "tree_id"],
                include=("status", "lft", "rght", "thread_version"),
                name="comment_roots_cover_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="comment",
            index=models.Index(fields=["article", "status"], name="comment_article_status_idx"),
        ),
        # The covering index above serves every query the older roots index served.
        RemoveIndexConcurrently(model_name="comment", name="comment_article_roots_idx"),
    ]
