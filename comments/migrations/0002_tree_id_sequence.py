from django.db import migrations

SEQUENCE = "comments_comment_tree_id_seq"


class Migration(migrations.Migration):
    """New threads take their tree_id from a sequence: unique under any concurrency, no lock."""

    dependencies = [("comments", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=[
                f"CREATE SEQUENCE {SEQUENCE} OWNED BY comments_comment.tree_id",
                f"SELECT setval('{SEQUENCE}', COALESCE((SELECT MAX(tree_id) FROM comments_comment), 0) + 1, false)",
            ],
            reverse_sql=[f"DROP SEQUENCE {SEQUENCE}"],
        ),
    ]
