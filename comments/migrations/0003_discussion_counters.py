from django.db import migrations, models
from django.db.models import Count, Q


def backfill_counters(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.annotate(
        counted_comments=Count("comments", filter=Q(comments__status="approved")),
        counted_threads=Count("comments", filter=Q(comments__parent__isnull=True)),
    ):
        Article.objects.filter(pk=article.pk).update(
            comment_count=article.counted_comments, thread_count=article.counted_threads
        )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0002_tree_id_sequence"),
        ("articles", "0002_discussion_counters"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="thread_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(backfill_counters, migrations.RunPython.noop),
    ]
