from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="comment_count",
            field=models.PositiveIntegerField(default=0, editable=False, help_text="Approved comments."),
        ),
        migrations.AddField(
            model_name="article",
            name="thread_count",
            field=models.PositiveIntegerField(default=0, editable=False, help_text="Top-level comments."),
        ),
        migrations.AddField(
            model_name="article",
            name="discussion_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="article",
            name="discussion_updated_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
