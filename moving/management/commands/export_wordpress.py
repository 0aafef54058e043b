import sys

from django.core.management.base import BaseCommand

from moving.exporting import write_wxr


class Command(BaseCommand):
    help = (
        "Write every article and its comments as WordPress export (WXR 1.2); import_wordpress reads it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, output=None, **options):
        if output is None:
            write_wxr(sys.stdout)
            return
        with open(output, "w", encoding="utf-8") as out:
            count = write_wxr(out)
        self.stderr.write(f"{count} articles written to {output}.")
