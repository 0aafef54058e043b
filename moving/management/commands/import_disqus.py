from moving.commandline import ImportCommand
from moving.runs import import_disqus


class Command(ImportCommand):
    help = "Import the comments of a Disqus export into the articles its threads link to. Safe to re-run."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--create-drafts",
            action="store_true",
            help="Create a draft article for each thread that matches none (default: report them).",
        )

    def run(self, opener, *, size, dry_run, progress, create_drafts=False, **options):
        return import_disqus(
            opener, size=size, dry_run=dry_run, create_drafts=create_drafts, progress=progress
        )
