"""What the import commands share: the file argument, the progress bar, the report, the exit status."""

import os
import sys

from django.core.management.base import BaseCommand, CommandError

from moving.report import Report
from moving.source import ImportFileError


class ProgressBar:
    """A one-line bar on a terminal (stderr), redrawn when the percentage moves."""

    def __init__(self, stream, label: str):
        self.stream = stream
        self.label = label

    def __call__(self, percent: int) -> None:
        filled = percent * 30 // 100
        self.stream.write(f"\r{self.label} [{'#' * filled}{' ' * (30 - filled)}] {percent:3d}%")
        if percent >= 100:
            self.stream.write("\n")
        self.stream.flush()


class ImportCommand(BaseCommand):
    label = "Importing"

    def add_arguments(self, parser):
        parser.add_argument("file", help="The export file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )

    def run(self, opener, *, size: int, dry_run: bool, progress, **options) -> Report:
        raise NotImplementedError

    def handle(self, *args, file, dry_run, **options):
        if not os.path.isfile(file):
            raise CommandError(f"{file}: no such file")
        progress = ProgressBar(sys.stderr, self.label) if sys.stderr.isatty() else None
        try:
            report = self.run(
                lambda: open(file, "rb"),  # noqa: SIM115 (the caller closes it: with opener() as raw)
                size=os.path.getsize(file),
                dry_run=dry_run,
                progress=progress,
                **options,
            )
        except ImportFileError as error:
            raise CommandError(f"{os.path.basename(file)}: {error}; nothing was imported") from None
        for line in report.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
