"""Which columns of a comment the pages show, and so which writes mark its thread and article
changed (the trigger of migration comments 0011, which a test compares with these lists).

Every column of Comment is in exactly one list (tests/test_fresh_pages.py checks it): a new
column must be placed, and if it is shown, the trigger changed by a migration.
"""

# A change to any of these, by any writer, bumps the thread's version and the article's
# discussion_version in the same transaction (and moves the counters).
SHOWN_COLUMNS = [
    "article_id", "parent_id", "tree_id", "level", "user_id", "author_name", "body", "body_html",
    "status", "created_at", "edited_at",
    # Issue 21: a lock hides Reply on its branch; a thread's slow mode; a folded first-time comment.
    "locked_at", "lock_reason", "slow_mode_seconds", "slow_mode_until", "slow_mode_reason", "first_time",
    "removal_category",
]  # fmt: skip

# Why each other column marks nothing.
NOT_SHOWN_COLUMNS = {
    "id": "never changes",
    "lft": "renumbering goes with the INSERT or DELETE that marks (django-mptt)",
    "rght": "renumbering goes with the INSERT or DELETE that marks (django-mptt)",
    "thread_version": "written by the mark itself",
    "thread_replies": "written by the mark itself",
    "author_email": "private: never on a page",
    "ip_address": "private: never on a page",
    "user_agent": "private: never on a page",
    "report_count": "the moderators' (admin pages are not cached)",
    "hold_reason": "the moderators' and the author's (neither page is shared)",
    "moderated_by_id": "the moderators'",
    "moderated_at": "the moderators'",
    "approved_at": "the author's edit window (Edit links are only in threads rendered for their author)",
    "submission_token": "the form's idempotency key",
}
