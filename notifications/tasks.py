"""Jobs for the worker (`manage.py db_worker`). Thin: the logic lives in notifications.services."""

from django_tasks import task


@task()
def handle_comment(comment_id: int) -> None:
    from notifications import services

    services.handle_comment(comment_id)


@task()
def deliver_email(email_id: int) -> str:
    from notifications import services

    return services.deliver(email_id)


@task()
def send_moderation_digest(scheduled_for: str) -> int:
    from notifications import services

    return services.send_moderation_digest(scheduled_for)
