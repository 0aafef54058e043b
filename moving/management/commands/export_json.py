import sys

from django.core.management.base import BaseCommand

from moving.exporting import write_json


class Command(BaseCommand):
    help = "Write the whole site (articles, comment trees) as one JSON document; see docs/moving.md."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument(
            "--no-private", action="store_true", help="Leave out commenters' email and IP addresses."
        )

    def handle(self, *args, output=None, no_private=False, **options):
        if output is None:
            write_json(sys.stdout, private=not no_private)
            return
        with open(output, "w", encoding="utf-8") as out:
            count = write_json(out, private=not no_private)
        self.stderr.write(f"{count} articles written to {output}.")
