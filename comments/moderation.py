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

import contextlib
import html
import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from comments.markup import render_markdown
from comments.models import Ban, Comment, ModerationRules, ModerationTerm, ModerationVersion

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
# A web address in the text: a scheme's "//" (or a protocol-relative "//", "/\\", as browsers
# read them) before a host, or "www.". Entities and full-width forms are decoded first, so
# "http&#58;//" and "ｈｔｔｐ：／／" count too.
LINK = re.compile(r"(?:[/\\]{2,}[^\s/\\]|\bwww\.)\S*", re.IGNORECASE)
HREF = re.compile(r'<a\b[^>]*\bhref="([^"]*)"')


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
    """Web addresses in a comment: the more of those written in its text and those its rendered
    HTML links to (Markdown links, bare domains the renderer links, escaped or entity-coded
    addresses all end up as an href there; the rendering is cached for the save that follows)."""
    written = len(LINK.findall(html.unescape(unicodedata.normalize("NFKC", text))))
    linked = sum(1 for href in HREF.findall(render_markdown(text)) if _leaves_the_site(html.unescape(href)))
    return max(written, linked)


def _leaves_the_site(href: str) -> bool:
    return not href.startswith("#") and not (href.startswith("/") and not href.startswith("//"))


def ban_for(*, user: AbstractBaseUser | None, email: str, ip_address: str | None) -> Ban | None:
    """The active ban covering this account, email or IP address, if any (see current_rules())."""
    user_id = user.pk if user is not None else None
    return current_rules().ban_for(user_id=user_id, email=email, ip_address=ip_address)


@dataclass(frozen=True)
class Rules:
    """The rules, terms and active bans as of one moderation version, ready to apply in Python."""

    version: int | None
    hold_first_comments: bool
    max_links: int
    block: re.Pattern | None
    hold: re.Pattern | None
    bans_by_user: dict = field(default_factory=dict)  # user id -> [Ban]
    bans_by_email: dict = field(default_factory=dict)  # lower-case email -> [Ban]
    bans_by_network: list = field(default_factory=list)  # [(ip_network, Ban)]

    def ban_for(self, *, user_id: int | None, email: str, ip_address: str | None) -> Ban | None:
        """The active ban covering this author, if any: dictionary lookups, no query."""
        candidates = [*self.bans_by_user.get(user_id, ()), *self.bans_by_email.get(email.strip().lower(), ())]
        if ip_address and self.bans_by_network:
            try:
                address = ipaddress.ip_address(ip_address)
            except ValueError:
                address = None
            if address is not None:
                candidates += [ban for network, ban in self.bans_by_network if address in network]
        now = timezone.now()
        # Active when loaded; an expiry may have passed since (no write, so no new version).
        return next((ban for ban in candidates if ban.expires_at is None or ban.expires_at > now), None)


_cached: Rules | None = None  # this process's copy, for one version


class UNREAD:
    """current_rules(version=UNREAD): the caller has not read the version; read it here."""


# The version for a query that reads it with its own (comments.services.preflight).
VERSION = ModerationVersion.objects.filter(pk=1).values("version")


def current_rules(version: int | None | type[UNREAD] = UNREAD) -> Rules:
    """The moderation rules, terms and bans in force now: one small query while they are unchanged
    (none when the caller read the version in a query of its own, e.g. with a post's other checks).

    Each process keeps one copy keyed by ModerationVersion, which PostgreSQL changes in the same
    transaction as any change to them: a moderator's ban, term or rule applies from the next
    comment on, in every process. The copy is loaded after the version is read, so it is never
    older than the version it is stored under.
    """
    global _cached
    if version is UNREAD:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT version FROM {ModerationVersion._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        version = row[0] if row else None
    rules = _cached
    if rules is None or rules.version != version:
        rules = _cached = _load_rules(version)
    return rules


def cached_rules() -> Rules | None:
    """This process's copy of the rules as last read, with no query (None before the first read):
    a verdict made with it stands if its version is still the current one."""
    return _cached


def _load_rules(version: int | None) -> Rules:
    row = ModerationRules.load()
    terms = list(ModerationTerm.objects.values_list("action", "phrase"))
    rules = Rules(
        version=version,
        hold_first_comments=row.hold_first_comments,
        max_links=row.max_links,
        block=_pattern(tuple(sorted({p for action, p in terms if action == ModerationTerm.Action.BLOCK}))),
        hold=_pattern(tuple(sorted({p for action, p in terms if action == ModerationTerm.Action.HOLD}))),
    )
    for ban in Ban.objects.active():
        if ban.kind == Ban.Kind.USER and ban.user_id is not None:
            rules.bans_by_user.setdefault(ban.user_id, []).append(ban)
        elif ban.kind == Ban.Kind.EMAIL and ban.email:
            rules.bans_by_email.setdefault(ban.email.strip().lower(), []).append(ban)
        elif ban.kind == Ban.Kind.IP:
            with contextlib.suppress(ValueError):  # not an address: Ban.covers() ignores it too
                rules.bans_by_network.append((ipaddress.ip_network(ban.network, strict=False), ban))
    return rules


def _search(pattern: re.Pattern | None, normalised: str) -> str | None:
    match = pattern.search(normalised) if pattern is not None else None
    return match.group(0) if match else None


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
    notice: str = ""  # held by a rule the writer can act on: told before it is stored (issue 21)


BANNED = "You cannot comment here: this account or address has been banned from commenting."
BLOCKED = "Your comment was refused: it looks like spam or uses words this site does not accept."


def judge(
    *,
    body: str,
    user: AbstractBaseUser | None,
    email: str,
    ip_address: str | None,
    version: int | None | type[UNREAD] = UNREAD,
    rules: Rules | None = None,
) -> Verdict:
    """Apply the moderation rules to a new comment: one small query (two with hold_first_comments;
    one less when the caller read the rules' version or passes the rules)."""
    rules = rules or current_rules(version)
    user_id = user.pk if user is not None else None
    if rules.ban_for(user_id=user_id, email=email, ip_address=ip_address) is not None:
        return Verdict(Comment.Status.SPAM, "Banned author", refused=BANNED)
    text = normalise(body) if rules.block is not None or rules.hold is not None else ""
    blocked = _search(rules.block, text)
    if blocked:
        return Verdict(Comment.Status.SPAM, f"Blocked term: {blocked}", refused=BLOCKED)
    held = _search(rules.hold, text)
    if held:
        return Verdict(
            Comment.Status.PENDING,
            f"Held term: {held}",
            notice=f"it uses “{held}”, a word the moderators read first",
        )
    links = count_links(body)
    if links > rules.max_links:
        return Verdict(
            Comment.Status.PENDING,
            f"{links} links (more than {rules.max_links})",
            notice=f"it has {links} links, and comments with more than {rules.max_links} are read first",
        )
    if rules.hold_first_comments and not has_approved_comment(user=user, email=email):
        return Verdict(Comment.Status.PENDING, "First comment by this author")
    return Verdict(Comment.Status.APPROVED)
