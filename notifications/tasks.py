"""Jobs for the worker (`manage.py db_worker`). Thin: the logic lives in notifications.services."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

HANDLE_COMMENT_ATTEMPTS = 6


@task()
def handle_comment(comment_id: int, attempt: int = 1) -> None:
    """Build the emails a new or approved comment causes; on any error, try again later.

    django-tasks has no retries of its own: the next attempt is a new job, enqueued before this one
    is marked failed (the worker runs jobs in autocommit, so the new job is stored at once).
    """
    from notifications import services

    try:
        services.handle_comment(comment_id)
    except Exception:
        if attempt < HANDLE_COMMENT_ATTEMPTS:
            delay = timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS * 2 ** (attempt - 1))
            handle_comment.using(run_after=timezone.now() + delay).enqueue(comment_id, attempt + 1)
        raise


@task()
def deliver_email(email_id: int) -> str:
    from notifications import services

    return services.deliver(email_id)


@task()
def send_moderation_digest(scheduled_for: str) -> int:
    from notifications import services

    return services.send_moderation_digest(scheduled_for)
