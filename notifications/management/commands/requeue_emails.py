from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from notifications.services import requeue_overdue_emails


class Command(BaseCommand):
    help = (
        "Enqueue delivery for queued emails whose job was lost (e.g. the queue was down). Safe to run often."
    )

    def add_arguments(self, parser):
        parser.add_argument("--grace-minutes", type=int, default=5, help="Only emails overdue by this long.")

    def handle(self, *args, grace_minutes, **options):
        count = requeue_overdue_emails(grace=timedelta(minutes=grace_minutes))
        self.stdout.write(
            ngettext("Requeued %(count)d email.", "Requeued %(count)d emails.", count) % {"count": count}
        )
