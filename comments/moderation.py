"""The moderation rules applied to every new comment, called by services.post_comment().

A comment is refused (nothing stored) when its author is banned or its text matches a
"block" term; held for review (status pending) when the rules say a person should read
it first; approved otherwise. Matching is on normalised text, whole words only:

- NFKC normalisation (full-width letters, ligatures and such become plain letters),
- zero-width and other invisible format characters stripped,
- accents dropped and case folded,
- look-alike letters from other scripts folded to Latin (Cyrillic "а" → "a", Greek "ο" → "o"),

so "Scunthorpe" never matches "cunt", and "іdіоt" (Cyrillic і, о) matches "idiot".
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.auth.models import AbstractBaseUser

from comments.models import Ban, Comment, ModerationRules, ModerationTerm

# Look-alikes that NFKC leaves alone: Cyrillic and Greek letters drawn like Latin ones.
CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
        "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ո": "n", "ս": "u",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ς": "c",
    }
)  # fmt: skip
LINK = re.compile(r"(?:https?://|\bwww\.)\S+", re.IGNORECASE)


def normalise(text: str) -> str:
    """Text as the matcher sees it: NFKC, invisible characters out, accents off, folded case and script."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if unicodedata.category(ch) not in {"Cf", "Mn"}
    )
    return unicodedata.normalize("NFKC", text).casefold().translate(CONFUSABLES)


@lru_cache(maxsize=32)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern | None:
    words = [r"\s+".join(re.escape(word) for word in normalise(p).split()) for p in phrases if p.strip()]
    if not words:
        return None
    # Whole words: no letter or digit may touch the phrase on either side ("Scunthorpe" is safe).
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")(?!\w)")


def find_term(text: str, phrases) -> str | None:
    """The first listed phrase found in the text as whole words, or None."""
    pattern = _pattern(tuple(sorted(set(phrases))))
    if pattern is None:
        return None
    match = pattern.search(normalise(text))
    return match.group(0) if match else None


def count_links(text: str) -> int:
    """Web addresses in a comment's source text."""
    return len(LINK.findall(text))


def ban_for(*, user: AbstractBaseUser | None, email: str, ip_address: str | None) -> Ban | None:
    """The active ban covering this account, email or IP address, if any: one query."""
    user_id = user.pk if user is not None else None
    for ban in Ban.objects.active():
        if ban.covers(user_id=user_id, email=email, ip_address=ip_address):
            return ban
    return None


def has_approved_comment(*, user: AbstractBaseUser | None, email: str) -> bool:
    """Whether the author (an account, or a guest's email) has a comment a moderator let through."""
    approved = Comment.objects.approved()
    if user is not None:
        return approved.filter(user=user).exists()
    return bool(email) and approved.filter(user__isnull=True, author_email__iexact=email.strip()).exists()


@dataclass(frozen=True)
class Verdict:
    """What the rules decided for one comment."""

    status: str  # Comment.Status.APPROVED or PENDING
    reason: str = ""  # why it is held, for the moderation queue
    refused: str = ""  # set when the comment must not be stored: the message for the reader


BANNED = "You cannot comment here: this account or address has been banned from commenting."
BLOCKED = "Your comment was refused: it looks like spam or uses words this site does not accept."


def judge(*, body: str, user: AbstractBaseUser | None, email: str, ip_address: str | None) -> Verdict:
    """Apply the moderation rules to a new comment (a few small queries)."""
    if ban_for(user=user, email=email, ip_address=ip_address) is not None:
        return Verdict(Comment.Status.SPAM, "Banned author", refused=BANNED)
    terms = list(ModerationTerm.objects.values_list("action", "phrase"))
    blocked = find_term(body, [phrase for action, phrase in terms if action == ModerationTerm.Action.BLOCK])
    if blocked:
        return Verdict(Comment.Status.SPAM, f"Blocked term: {blocked}", refused=BLOCKED)
    rules = ModerationRules.load()
    held = find_term(body, [phrase for action, phrase in terms if action == ModerationTerm.Action.HOLD])
    if held:
        return Verdict(Comment.Status.PENDING, f"Held term: {held}")
    links = count_links(body)
    if links > rules.max_links:
        return Verdict(Comment.Status.PENDING, f"{links} links (more than {rules.max_links})")
    if rules.hold_first_comments and not has_approved_comment(user=user, email=email):
        return Verdict(Comment.Status.PENDING, "First comment by this author")
    return Verdict(Comment.Status.APPROVED)
