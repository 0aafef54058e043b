"""Every change to comments: posting, replying and moderation.

Tree writes happen only here, each inside a transaction holding its thread's lock
(`lock_thread`), so concurrent writers to one thread take turns and writers to
different threads never wait for each other. Readers never wait: PostgreSQL's
MVCC serves them the last committed tree.

common: the refusals and the thread's lock (versions and counters: PostgreSQL's triggers);
posting: a new comment or reply; moderating: everything done to a comment once stored.
"""

from comments.services.common import (
    THREAD_LOCK_NAMESPACE,
    CommentRefused,
    ParentRefused,
    lock_thread,
    lock_thread_of,
)
from comments.services.moderating import (
    AlreadyReported,
    CommentChanged,
    approve_comment,
    ban_author,
    delete_comment,
    delete_own_comment,
    edit_comment,
    enforce_bans,
    mark_spam,
    moderation_state,
    reject_comment,
    remove_comment,
    remove_thread,
    report_comment,
    restore_comment,
    undo_decision,
)
from comments.services.posting import first_with_token_or_raise, post_comment
from comments.services.privacy import anonymise_author, purge_personal_data

__all__ = [
    "THREAD_LOCK_NAMESPACE",
    "AlreadyReported",
    "CommentChanged",
    "anonymise_author",
    "purge_personal_data",
    "CommentRefused",
    "ParentRefused",
    "approve_comment",
    "ban_author",
    "delete_comment",
    "delete_own_comment",
    "edit_comment",
    "enforce_bans",
    "first_with_token_or_raise",
    "lock_thread",
    "lock_thread_of",
    "mark_spam",
    "moderation_state",
    "post_comment",
    "reject_comment",
    "remove_comment",
    "remove_thread",
    "report_comment",
    "restore_comment",
    "undo_decision",
]
