"""Run the task queue inside a test, the way `manage.py db_worker` runs it."""

from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max


def run_tasks(limit: int = 100, *, allow_failures: bool = False) -> int:
    """Run every job that is due with db_worker's own Worker.run_task; fail the test on a failed job.

    Each job runs with its on-commit callbacks executed, as they would be outside a test transaction.
    """
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        with transaction.atomic():
            job = DBTaskResult.objects.ready().get_locked()
            if job is None:
                break
            job.claim("test-worker")
        with TestCase.captureOnCommitCallbacks(execute=True):
            worker.run_task(job)
        job.refresh_from_db()
        assert allow_failures or job.status != "FAILED", job.traceback
        ran += 1
    return ran


def scheduled_jobs(task_name: str | None = None):
    """Jobs waiting for a later time (retries, throttled digests)."""
    jobs = DBTaskResult.objects.filter(status="READY").exclude(run_after=get_date_max())
    return jobs.filter(task_path__endswith=f".{task_name}") if task_name else jobs


def make_scheduled_jobs_due() -> int:
    """Time passes: every job waiting for later becomes due now."""
    return scheduled_jobs().update(run_after=timezone.now())
