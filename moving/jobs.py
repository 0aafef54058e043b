"""Imports uploaded in the admin: checked (a dry run) and then run by the task worker."""

import io

from django.db import transaction
from django.utils import timezone

from moving.models import ImportJob, Source
from moving.runs import import_disqus, import_wordpress
from moving.source import ImportFileError


def create_job(*, source: str, file_name: str, data: bytes, user) -> ImportJob:
    """Store the upload and queue its check (the dry-run report) for the worker."""
    from moving import tasks

    job = ImportJob.objects.create(source=source, file_name=file_name[:255], data=data, created_by=user)
    transaction.on_commit(lambda: tasks.check_import.enqueue(job.pk), robust=True)
    return job


def start_job(job: ImportJob) -> bool:
    """Queue a checked import for the worker; False when it is not (or no longer) ready to run."""
    from moving import tasks

    started = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED).update(
        state=ImportJob.State.IMPORTING, progress=0
    )
    if started:
        transaction.on_commit(lambda: tasks.run_import.enqueue(job.pk), robust=True)
    return bool(started)


def check_job(job_id: int) -> None:
    """The dry run: the report the editor reads before starting the import."""
    _run(job_id, dry_run=True, done=ImportJob.State.CHECKED)


def run_job(job_id: int) -> None:
    """The import itself; its report replaces the dry run's."""
    _run(job_id, dry_run=False, done=ImportJob.State.DONE)


def _run(job_id: int, *, dry_run: bool, done: str) -> None:
    job = ImportJob.objects.get(pk=job_id)
    data = bytes(job.data)
    jobs = ImportJob.objects.filter(pk=job_id)

    def progress(percent: int) -> None:
        jobs.update(progress=percent)

    run = import_wordpress if job.source == Source.WORDPRESS else import_disqus
    options = {"workers": 0} if job.source == Source.WORDPRESS else {}  # no forking inside the worker
    try:
        report = run(lambda: io.BytesIO(data), size=len(data), dry_run=dry_run, progress=progress, **options)
    except ImportFileError as error:
        jobs.update(
            state=ImportJob.State.FAILED, error=f"{error}; nothing was imported", finished_at=timezone.now()
        )
        return
    except Exception as error:
        jobs.update(
            state=ImportJob.State.FAILED, error=f"The import stopped: {error}", finished_at=timezone.now()
        )
        raise
    jobs.update(state=done, report=report.summary(), progress=100, finished_at=timezone.now())
