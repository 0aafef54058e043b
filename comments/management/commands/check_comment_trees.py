from django.core.management.base import BaseCommand

from comments.checks import find_counter_problems, find_tree_problems
from comments.models import Comment


class Command(BaseCommand):
    help = "Verify every comment tree: lft, rght, level and tree_id against the parent pointers."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100, help="Report at most this many problems.")

    def handle(self, *args, limit, **options):
        problems = find_tree_problems(limit=limit) + find_counter_problems()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            self.stderr.write(self.style.ERROR(f"{len(problems)} problem(s) found in the comment trees."))
            raise SystemExit(1)
        count = Comment.objects.count()
        threads = Comment.objects.roots().count()
        self.stdout.write(self.style.SUCCESS(f"OK: {count} comments in {threads} threads, all consistent."))
