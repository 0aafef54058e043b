"""Reply notifications, the moderators' digest and the outbox that delivers them, by topic:
outbox (every email a row, delivered by the worker), replies (subscriptions and reply mail),
digest (the moderators'). The package re-exports every service, so callers are unchanged."""

from notifications.services.decisions import (  # noqa: F401
    DECISIONS_PER_DAY,
    held_comment_decided,
    turn_on_reply_emails,
)
from notifications.services.digest import (  # noqa: F401
    DIGEST_LISTED,
    STALE_DIGEST_SCHEDULE,
    _digest_state,
    moderators,
    schedule_moderation_digest,
    send_moderation_digest,
)
from notifications.services.outbox import (  # noqa: F401
    MAX_RETRY_DELAY,
    absolute_url,
    deliver,
    enqueue_after_commit,
    one_line,
    queue_email,
    requeue_overdue_emails,
    retry_delay,
    retry_email_now,
    unsubscribe_headers,
    unsubscribe_url,
)
from notifications.services.removals import comment_removed  # noqa: F401
from notifications.services.replies import (  # noqa: F401
    CONFIRMATIONS_PER_DAY,
    comment_saved,
    confirm_subscription,
    describe_unsubscribe,
    handle_comment,
    notification_settings,
    notify_reply,
    replies_are_watched,
    request_reply_subscription,
    unsubscribe,
)
