"""Jobs for the worker (`manage.py db_worker`). Thin: the logic lives in moving.jobs."""

from django_tasks import task


@task()
def check_import(job_id: int) -> None:
    from moving import jobs

    jobs.check_job(job_id)


@task()
def run_import(job_id: int) -> None:
    from moving import jobs

    jobs.run_job(job_id)
