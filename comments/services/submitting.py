"""A comment form sent by a reader: one service from the checks to the stored comment.

The view validates the form and maps the Submission this returns to a response; everything
between (the author's lock, the duplicate check, a form sent twice, the rate limit, the post and
where the writer lands) is here, in one transaction, in this order:

    lock the author (and the thread) -> same form or same text? -> rate limit -> post (insert) -> land

The locks and what is read under them (the duplicate check, the moderation version, the parent)
take two round trips (comments.services.preflight, issue 23). The marks of the post (its
thread's version, the article's counters) are deferred to the COMMIT when this opens the
transaction: the article's row is then locked for the commit alone (common.defer_marks).
"""

import enum
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

from articles.models import Article
from comments.cooling import CoolingRefused, HoldNotice
from comments.duplicates import (
    Repeat,
    author_key,
    duplicate_comment,
    duplicate_message,
    judge_repeat,
    same_author,
)
from comments.locations import comment_location
from comments.models import Comment
from comments.services.common import CommentRefused, ParentRefused
from comments.services.posting import _post, first_with_token_or_raise, judge_early
from comments.services.preflight import lock_and_check
from config.client import client_ip
from protection import ratelimit
from protection.refusals import log_refusal


class Outcome(enum.Enum):
    POSTED = "posted"  # stored now
    SENT_TWICE = "sent twice"  # this very form was stored before: land on that comment
    DUPLICATE = "duplicate"  # the same text again from its author: refused
    TOO_OFTEN = "too often"  # a rate limit: refused, with Retry-After
    BAD_PARENT = "bad parent"  # the comment replied to is gone or closed: the form's input is wrong
    REFUSED = "refused"  # closed discussion, ban, spam: refused with the reason
    WOULD_BE_HELD = "would be held"  # a rule would hold it: said first, stored if sent again


@dataclass(frozen=True)
class Submission:
    """What became of a comment form."""

    outcome: Outcome
    comment: Comment | None = None  # the comment the writer lands on (None when refused)
    landing: str = ""  # its URL, with #comment-<pk>
    mine: bool = False  # the writer is its author: remember it for them (held comment, Edit link)
    message: str = ""  # why it was refused, for the form (may hold a link: safe HTML)
    retry_after: int = 0  # seconds, with TOO_OFTEN

    @property
    def refused(self) -> bool:
        return self.comment is None


def submit_comment(
    request,
    *,
    article: Article,
    body: str,
    parent_pk: int | None = None,
    author_name: str = "",
    author_email: str = "",
    submission_token: uuid.UUID | None = None,
    hold_confirmed: bool = True,
) -> Submission:
    """Check and post a reader's comment form; say what happened and where the writer lands.

    `request` stands for the client: its account, its own-comments cookie and its address (the
    duplicate check, the rate limits, the refusal log, the comment's IP and user agent).
    """
    user = request.user if request.user.is_authenticated else None
    author = author_key(user=request.user, author_email=author_email)
    owns_transaction = not connection.in_atomic_block
    ip_address = client_ip(request)
    # The moderation rules before the locks, so their work (the text rendered, the terms searched)
    # holds no thread's lock; kept if the rules' version read under the locks is the same.
    judged = judge_early(
        body=body, user=user, author_name=author_name, author_email=author_email, ip_address=ip_address
    )
    try:
        with transaction.atomic():
            checked = lock_and_check(  # two round trips (comments.services.preflight)
                author=author,
                parent_pk=parent_pk,
                # nothing here reads a count after the post (issue 23)
                defer_marks=owns_transaction,
                user=request.user,
                author_email=author_email,
                body=body,
                submission_token=submission_token,
            )
            duplicate = duplicate_comment(checked.duplicate_pk)
            repeat = judge_repeat(
                request, duplicate, author_email=author_email, submission_token=submission_token
            )
            if repeat is Repeat.FIRST:  # this very form, sent twice: land on the first
                return Submission(Outcome.SENT_TWICE, duplicate, comment_location(duplicate))
            if repeat is not Repeat.NONE:
                log_refusal(
                    request, reason="duplicate", detail=f"same text as comment {duplicate.pk}", excerpt=body
                )
                return Submission(Outcome.DUPLICATE, message=duplicate_message(duplicate, repeat))
            ratelimit.hit(request, "comment", account=author)
            posted = _post(
                article=article,
                body=body,
                user=user,
                author_name=author_name,
                author_email=author_email,
                ip_address=ip_address,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                submission_token=submission_token,
                hold_confirmed=hold_confirmed,
                rules_version=checked.rules_version,
                judged=judged,
                parent_read=checked.parent_read,  # a reply's parent, read under the locks
            )
    except IntegrityError as error:
        # This form's token is stored already: its twin, sent under another author (an edited
        # email), passed the author's lock and the duplicate check. Land on the first comment
        # for all; only its own author gets its edit rights (a cookie naming the comment).
        comment = first_with_token_or_raise(submission_token, error)
        mine = same_author(comment, user=request.user, author_email=author_email)
        return Submission(Outcome.SENT_TWICE, comment, comment_location(comment), mine=mine)
    except ratelimit.RateLimited as limited:
        log_refusal(request, reason="rate_limit", detail=f"comment: {limited.message}", excerpt=body)
        message = f"You are posting too often. {limited.message} Your text is kept below."
        return Submission(Outcome.TOO_OFTEN, message=message, retry_after=limited.retry_after)
    except HoldNotice as notice:
        return Submission(Outcome.WOULD_BE_HELD, message=notice.message)
    except CoolingRefused as refusal:  # slow mode or a speed limit (issue 21): the text is kept
        return Submission(Outcome.TOO_OFTEN, message=refusal.message, retry_after=refusal.retry_after)
    except ParentRefused as refusal:
        return Submission(Outcome.BAD_PARENT, message=refusal.message)
    except CommentRefused as refusal:
        return Submission(Outcome.REFUSED, message=refusal.message)
    comment = posted.comment
    return Submission(Outcome.POSTED, comment, posted.landing or comment_location(comment), mine=True)
