"""Jobs for the worker (`manage.py db_worker`)."""

from django_tasks import task


@task()
def send_reset_links(email: str) -> int:
    from accounts.passwords import queue_reset_links

    return queue_reset_links(email)
