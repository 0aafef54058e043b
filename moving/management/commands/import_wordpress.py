from moving.commandline import ImportCommand
from moving.runs import import_wordpress


class Command(ImportCommand):
    help = "Import posts and their threaded comments from a WordPress export (WXR 1.0-1.2). Safe to re-run."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--pages", action="store_true", help="Import pages as articles too.")

    def run(self, opener, *, size, dry_run, progress, pages=False, **options):
        return import_wordpress(opener, size=size, dry_run=dry_run, pages=pages, progress=progress)
