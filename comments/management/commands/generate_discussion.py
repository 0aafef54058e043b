import time

from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from comments.generator import generate_discussion


class Command(BaseCommand):
    help = "Add a large synthetic discussion to an article (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--article", required=True, help="The article's slug.")
        parser.add_argument("--comments", type=int, required=True, help="How many comments to add.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: the same seed, the same threads."
        )
        parser.add_argument("--max-depth", type=int, default=8)

    def handle(self, *args, article, comments, seed, max_depth, **options):
        if comments < 1 or max_depth < 1:
            raise CommandError("--comments and --max-depth must be at least 1.")
        try:
            target = Article.objects.get(slug=article)
        except Article.DoesNotExist:
            raise CommandError(f"No article with the slug {article!r}.") from None
        started = time.perf_counter()
        count = generate_discussion(target, comments=comments, seed=seed, max_depth=max_depth)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Added {count} comments to {target.slug} in {elapsed:.1f} s."))
