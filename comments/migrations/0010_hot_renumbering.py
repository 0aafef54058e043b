# Issue 3: a reply renumbers the rows after it in its thread (nested sets). With no index on lft or
# rght, PostgreSQL makes those updates HOT: the new row versions stay on their pages and no index
# gets a new entry (bench/README.md: WAL per reply into a growing thread 79 KB -> 13 KB).
#   - thread_replies on each root replaces lft/rght in the roots' covering index ("Most replies");
#     with a database default, so the release before this one can still insert comments;
#   - django-mptt's (tree_id, lft) index goes (threads are read through the tree_id index);
#   - fillfactor 70 leaves room on each page for the new versions. It applies to pages filled from
#     now on; a table's older pages make room as VACUUM clears them (or at once: VACUUM FULL).
# Indexes are built and dropped CONCURRENTLY, so a live site keeps taking comments.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("comments", "0009_moderation_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="thread_replies",
            field=models.PositiveIntegerField(default=0, db_default=0, editable=False),
        ),
        migrations.RunSQL(
            "UPDATE comments_comment SET thread_replies = (rght - lft - 1) / 2 WHERE parent_id IS NULL",
            migrations.RunSQL.noop,
        ),
        AddIndexConcurrently(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("parent__isnull", True)),
                fields=["article", "tree_id"],
                include=("status", "thread_version", "thread_replies"),
                name="comment_thread_roots_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="comment", name="comment_roots_cover_idx"),
        RemoveIndexConcurrently(model_name="comment", name="comments_comment_tree_id_l4b1c"),
        migrations.RunSQL(
            "ALTER TABLE comments_comment SET (fillfactor = 70)",
            "ALTER TABLE comments_comment RESET (fillfactor)",
        ),
    ]
