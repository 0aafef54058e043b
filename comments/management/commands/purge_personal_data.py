from django.conf import settings
from django.core.management.base import BaseCommand

from comments.services.privacy import purge_personal_data


class Command(BaseCommand):
    help = "Erase personal data kept only for a while, older than PERSONAL_DATA_RETENTION_DAYS (run daily)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.PERSONAL_DATA_RETENTION_DAYS,
            help="keep this many days (default: PERSONAL_DATA_RETENTION_DAYS, %(default)s)",
        )

    def handle(self, *args, days, **options):
        if days < 0:
            self.stderr.write("--days must be 0 or more.")
            raise SystemExit(2)
        counts = purge_personal_data(days=days)
        self.stdout.write(
            f"Erased IP addresses and user agents older than {days} days: "
            f"{counts['comments']} comments, {counts['refusals']} refusal log entries; deleted "
            f"{counts['emails']} sent emails and {counts['subscriptions']} ended subscriptions; "
            f"{counts['history']} history entries cleaned."
        )
