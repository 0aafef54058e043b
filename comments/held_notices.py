"""Issue 20: what the writer of a held comment is told, before posting and after.

The moderators' hold reasons ("Held term: …", "3 links (more than 2)") are theirs: the author is
told the kind of reason in plain words, never the term that matched.
"""

from django.conf import settings
from django.utils.html import escape


def review_time() -> str:
    return settings.COMMENT_REVIEW_TIME


def author_reason(hold_reason: str) -> str:
    """Why this comment waits, for its author (plain text)."""
    if hold_reason.startswith("First comment"):
        return "This is your first comment here, and a moderator reads first comments before they appear."
    if "links" in hold_reason:
        return "It has more links than we publish without a moderator's look."
    if hold_reason.startswith("Held term"):
        return "It uses words a moderator checks before they appear."
    if hold_reason.startswith("Hidden after"):
        return "Readers reported it, so it is hidden until a moderator reviews it."
    return "A moderator reviews it before it appears."


def held_note_html(comment) -> str:
    """The explanation under a held comment, for its author alone (never in shared HTML)."""
    if comment.user_id is not None:
        told = "We will email you when it is decided (you can turn that off in Email settings)."
    else:  # guests always give an address (the form requires it); the row's email is not read here
        told = "We will email you at the address you gave when it is decided."
    return (
        f'<p class="held-note">{escape(author_reason(comment.hold_reason))} '
        f"Reviews usually take less than {escape(review_time())}. {told} "
        "Until then you can still edit or delete it.</p>"
    )


def first_comments_held() -> bool:
    """Whether the rules hold first comments, as this process last read them, without a query:
    the form is on every page, and a help text may lag a rule change until the next comment is
    posted here (which reads the rules afresh). A process that has read no rules yet assumes the
    default (held)."""
    from comments import moderation
    from comments.models import ModerationRules

    rules = moderation._cached
    if rules is None:
        return ModerationRules._meta.get_field("hold_first_comments").default
    return rules.hold_first_comments


def before_posting_note() -> str:
    """Shown with the comment form while the rules hold first comments (plain text)."""
    return (
        f"First comments are reviewed by a moderator before they appear, usually within {review_time()}; "
        "you can edit or delete yours while it waits, and we email you when it is decided."
    )
