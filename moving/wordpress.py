"""WordPress eXtended RSS (WXR 1.0 to 1.2, http and https namespaces), read one item at a time.

Each <item> is turned into an OldPost as soon as it ends, and nothing else is kept, so memory
stays flat however long the file is. Authors (<wp:author>) come before the items in every WXR version.
"""

import datetime
from collections import deque
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from functools import cache
from urllib.parse import unquote, urlsplit
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser
from django.utils.text import slugify

from comments.models import Comment
from moving.records import OldComment, OldPost, clean_email, clean_ip
from moving.source import CHUNK, CleanReader, ImportFileError, local, refusal

POST_TYPES = {"post"}
COMMENT_STATUS = {
    "1": Comment.Status.APPROVED,
    "approve": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REMOVED,
    "post-trashed": Comment.Status.REMOVED,
}
# Not reader comments: link notifications, and WordPress 6.9's private editorial notes.
SKIPPED_TYPES = {"pingback", "trackback", "note"}
READER_TYPES = {"", "comment"}
THREADLINE_STATUSES = set(Comment.Status.values)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def read_wxr(reader: CleanReader, *, pages: bool = False) -> Iterator[OldPost]:
    """Every item of the export that could become an article, in file order.

    Items of other types (attachments, menus…) and trashed posts come out with is_skipped
    set, so the report can count them. A SAX parse (defusedxml's expat reader) that keeps
    only the current item's fields: no element tree is built, memory stays flat.
    """
    collector = _Collector(POST_TYPES | ({"page"} if pages else set()))
    parser = make_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(collector)
    try:
        while chunk := reader.read(CHUNK):
            parser.feed(chunk)
            while collector.posts:
                yield collector.posts.popleft()
        parser.close()
    except SAXParseException as error:
        raise ImportFileError(
            f"line {error.getLineNumber()}: the file is not well-formed XML ({error.getMessage()})"
        ) from None
    except DefusedXmlException as error:
        raise ImportFileError(f"line {parser.getLineNumber()}: refused: {refusal(error)}") from None
    yield from collector.posts
    if not collector.has_channel:
        raise ImportFileError("the file has no <channel>: not a WordPress export")


@cache
def _name(uri: str | None, name: str) -> str:
    return local(f"{{{uri}}}{name}") if uri else name


class _Collector(ContentHandler):
    """SAX events to OldPost records: each leaf's text under its prefixed name, first one kept."""

    def __init__(self, post_types: set[str]):
        super().__init__()
        self.post_types = post_types
        self.posts: deque[OldPost] = deque()
        self.authors: dict[str, str] = {}
        self.names: list[str] = []
        self.text: list[str] = []
        self.has_channel = False
        self.item: dict[str, str] | None = None
        # Each comment becomes a record as soon as it ends, so a long discussion is held once.
        self.parsed = OldPost(old_id="", title="")
        self.comment_count = 0
        self.comment: dict[str, str] | None = None
        self.author: dict[str, str] | None = None

    def startElementNS(self, name, qname, attributes):
        tag = _name(*name)
        if not self.names and tag != "rss":
            raise ImportFileError(f"not a WordPress export: the document is <{tag}>, not <rss>")
        if tag == "channel":
            self.has_channel = True
        elif tag == "item":
            self.item, self.parsed, self.comment_count = {}, OldPost(old_id="", title=""), 0
        elif tag == "wp:comment" and self.item is not None:
            self.comment = {}
        elif tag == "wp:author" and self.item is None:
            self.author = {}
        self.names.append(tag)
        self.text = []

    def characters(self, content):
        self.text.append(content)

    def endElementNS(self, name, qname):
        tag = self.names.pop()
        value, self.text = "".join(self.text), []
        if self.comment is not None:
            if tag == "wp:comment":
                _comment(self.comment, self.parsed)
                self.comment_count += 1
                self.comment = None
            else:
                self.comment.setdefault(tag, value)
        elif self.item is not None:
            if tag == "item":
                self.posts.append(
                    _post(
                        self.item,
                        self.parsed,
                        self.comment_count,
                        authors=self.authors,
                        post_types=self.post_types,
                    )
                )
                self.item = None
            else:
                self.item.setdefault(tag, value)
        elif self.author is not None:
            if tag == "wp:author":
                login = self.author.get("wp:author_login", "").strip()
                self.authors[login] = self.author.get("wp:author_display_name", "").strip() or login
                self.author = None
            else:
                self.author.setdefault(tag, value)


def _first(found: dict, name: str) -> str:
    return found.get(name, "").strip()


def _raw(found: dict, name: str) -> str:
    """Unstripped text (content keeps its own leading whitespace and line breaks)."""
    return found.get(name, "")


def _post(
    found: dict[str, str], parsed: OldPost, comment_count: int, *, authors: dict, post_types: set[str]
) -> OldPost:
    old_id = _first(found, "wp:post_id")
    post = OldPost(old_id=old_id, title=_first(found, "title") or "(untitled)")
    post_type = _first(found, "wp:post_type") or "post"
    status = _first(found, "wp:status") or "publish"
    if not old_id:
        return _skip(post, "item without wp:post_id", comments=comment_count)
    if post_type not in post_types:
        return _skip(post, f"item of type {post_type}", comments=comment_count)
    if status in {"trash", "auto-draft", "inherit"}:
        return _skip(post, f"post with status {status}", comments=comment_count)
    post.html = _raw(found, "content:encoded")
    post.markdown = _raw(found, "tl:markdown") if "tl:markdown" in found else None
    post.summary = _raw(found, "excerpt:encoded")
    creator = _first(found, "dc:creator")
    post.byline = authors.get(creator, creator)
    post.is_published = status in {"publish", "future"}
    post.published_at = _date(_first(found, "wp:post_date_gmt"), _first(found, "wp:post_date"))
    if post.published_at is None:
        post.published_at = _rfc822(_first(found, "pubDate"))
    name = unquote(_first(found, "wp:post_name"))
    post.slug = (slugify(name) or slugify(post.title) or f"post-{old_id}")[:190]
    post.link = _first(found, "link")
    post.old_paths = _paths(post.link, name)
    post.comments, post.skipped_parents = parsed.comments, parsed.skipped_parents
    post.skipped.update(parsed.skipped)
    for comment in post.comments:
        if comment.created_at is None:  # no date of its own: the post's
            comment.created_at = post.published_at or EPOCH
    return post


def _skip(post: OldPost, reason: str, *, comments: int) -> OldPost:
    post.skipped[reason] += 1
    if comments:
        post.skipped["comment on an item not imported"] += comments
    post.is_skipped = True
    return post


def _paths(link: str, name: str) -> list[str]:
    """The old permalink's path (what /?p= links and search engines know)."""
    paths = []
    parts = urlsplit(link)
    if parts.path and parts.path != "/":
        paths.append(unquote(parts.path))
    return paths


def _comment(found: dict[str, str], post: OldPost) -> None:
    old_id = _first(found, "wp:comment_id")
    parent = _first(found, "wp:comment_parent")
    parent = "" if parent in {"", "0"} else parent
    kind = _first(found, "wp:comment_type")
    if not old_id:
        post.skipped["comment without wp:comment_id"] += 1
        return
    if kind in SKIPPED_TYPES or kind not in READER_TYPES:
        post.skipped[f"{kind or 'unknown'} (not a reader comment)"] += 1
        post.skipped_parents[old_id] = parent
        return
    approved = _first(found, "wp:comment_approved")
    status = COMMENT_STATUS.get(approved)
    own_status = _first(found, "tl:status")
    if own_status in THREADLINE_STATUSES:
        status = own_status  # a Threadline export: its own statuses survive the round trip
    if status is None:
        status = Comment.Status.PENDING  # a status this reader does not know: held for a moderator
    ip = _first(found, "wp:comment_author_IP") or None
    post.comments.append(
        OldComment(
            old_id=old_id,
            parent_old_id=parent,
            author_name=(_first(found, "wp:comment_author") or "Anonymous")[:80],
            author_email=clean_email(_first(found, "wp:comment_author_email")),
            created_at=_date(_first(found, "wp:comment_date_gmt"), _first(found, "wp:comment_date")),
            status=status,
            html=_raw(found, "wp:comment_content"),
            markdown=_raw(found, "tl:markdown") if "tl:markdown" in found else None,
            ip_address=clean_ip(ip),
        )
    )


def _date(gmt: str, local_time: str) -> datetime.datetime | None:
    """WordPress writes '0000-00-00 00:00:00' for never: then the local time is the best there is."""
    for value in (gmt, local_time):
        if value and not value.startswith("0000"):
            try:
                return datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.UTC)
            except ValueError:
                continue
    return None


def _rfc822(value: str) -> datetime.datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def progress_callback(total: int, show: Callable[[int], None]) -> Callable[[int], None]:
    """Percent read, reported each time it moves."""
    last = [-1]

    def on_progress(done: int) -> None:
        percent = min(100, done * 100 // total) if total else 100
        if percent != last[0]:
            last[0] = percent
            show(percent)

    return on_progress
