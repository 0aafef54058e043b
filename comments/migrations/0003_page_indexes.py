# Issue 7: indexes for the article page, justified by EXPLAIN (ANALYZE) on a 100,000-comment
# discussion (bench/README.md). Built CONCURRENTLY so a live site keeps taking comments.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("comments", "0002_tree_id_sequence"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("parent__isnull", True)),
                fields=["article", "tree_id"],
                include=("status", "lft", "rght"),
                name="comment_roots_cover_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="comment",
            index=models.Index(fields=["article", "status"], name="comment_article_status_idx"),
        ),
    ]
