import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from articles.demo import ARTICLES, DISCUSSION
from articles.models import Article
from comments import services
from comments.models import Comment
from comments.services import cooling


class Command(BaseCommand):
    help = "Create the demo articles and discussion. Idempotent: run it as often as you like."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        for data in ARTICLES:
            data = dict(data)
            published_at = now - datetime.timedelta(days=data.pop("days_ago"))
            article, created = Article.objects.get_or_create(
                slug=data["slug"],
                defaults={**data, "status": Article.Status.PUBLISHED, "published_at": published_at},
            )
            self.stdout.write(f"{'Created' if created else 'Kept'} article: {article.title}")
        article = Article.objects.get(slug=ARTICLES[0]["slug"])
        if article.comments.exists():
            self.stdout.write("Kept the demo discussion.")
            return
        posted: dict[str, Comment] = {}
        start = now - datetime.timedelta(days=1, hours=20)
        for index, (key, parent_key, author, body, _status) in enumerate(DISCUSSION):
            comment = services.post_comment(
                article=article,
                parent=posted.get(parent_key),
                body=body,
                author_name=author,
                author_email=f"{author.split()[0].lower().strip('.')}@example.org",
                trusted=True,  # the site's own demo content skips the moderation rules
            )
            Comment.objects.filter(pk=comment.pk).update(
                created_at=start + datetime.timedelta(minutes=37 * index)
            )
            posted[key] = comment
        for key, *_, status in DISCUSSION:
            if status == "removed":
                services.remove_comment(posted[key], moderator=None)
        self.stdout.write(f"Created the demo discussion: {len(posted)} comments.")
        # Issue 21: the demo article is a heated one, cooled as a moderator would cool it.
        cooling.set_slow_mode(
            article,
            seconds=300,
            reason="the discussion got heated overnight: take a breath between comments",
            actor=None,
        )
        cooling.lock_branch(posted["a2"], actor=None, reason="a personal back-and-forth, not about the plan")
        self.stdout.write("Cooled it: slow mode (one comment every 5 minutes) and one locked branch.")
