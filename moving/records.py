"""What the readers of export files yield: articles and comments, whatever the source."""

import datetime
import ipaddress
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email


@dataclass(slots=True)  # slots: a long discussion holds 100,000 of them
class OldComment:
    old_id: str
    parent_old_id: str  # '' for a top-level comment
    author_name: str
    author_email: str
    created_at: datetime.datetime | None  # None: the post's date (filled in when the post ends)
    status: str  # a comments.models.Comment.Status value
    html: str  # as the source stored it; converted to Markdown when written
    markdown: str | None = None  # Threadline's own exports carry the source text itself
    rendered: object = None  # comments.services.importing.RenderedBody, once prepared
    ip_address: str | None = None
    user_agent: str = ""


@dataclass
class OldPost:
    old_id: str
    title: str
    html: str = ""
    markdown: str | None = None
    slug: str = ""
    summary: str = ""
    byline: str = ""
    published_at: datetime.datetime | None = None
    is_published: bool = False
    old_paths: list[str] = field(default_factory=list)
    link: str = ""
    comments: list[OldComment] = field(default_factory=list)
    # Comments that are not reader comments (pingbacks, notes…): old id -> parent's old id,
    # so that a reader's reply to one still finds a place in the thread.
    skipped_parents: dict[str, str] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    is_skipped: bool = False  # not an article: counted in skipped, and its comments with it


def clean_email(value: str) -> str:
    """The address if it is one, else '' (exports carry junk here)."""
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value[:254]


def clean_ip(value: str | None) -> str | None:
    """The IP address if it is one, else None."""
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None
