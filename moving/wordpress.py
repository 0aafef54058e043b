"""WordPress eXtended RSS (WXR 1.0 to 1.2, http and https namespaces), read one item at a time.

Each <item> is turned into an OldPost and then dropped from the tree, so memory stays flat
however long the file is. Authors (<wp:author>) come before the items in every WXR version.
"""

import datetime
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit

from django.utils.text import slugify

from comments.models import Comment
from moving.records import OldComment, OldPost, clean_email, clean_ip
from moving.source import CleanReader, ImportFileError, iterparse, local, text

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


def read_wxr(reader: CleanReader, *, pages: bool = False) -> Iterator[OldPost]:
    """Every item of the export that could become an article, in file order.

    Items of other types (attachments, menus…) and trashed posts come out with is_skipped
    set through OldPost.skipped, so the report can count them.
    """
    authors: dict[str, str] = {}
    channel = None
    started = False
    post_types = POST_TYPES | ({"page"} if pages else set())
    for event, element in iterparse(reader):
        name = local(element.tag)
        if event == "start":
            if not started:
                started = True
                if name != "rss":
                    raise ImportFileError(f"not a WordPress export: the document is <{name}>, not <rss>")
            elif name == "channel" and channel is None:
                channel = element
            continue
        if name == "wp:author":
            login = text(element.find(_tag(element, "wp:author_login")))
            authors[login] = text(element.find(_tag(element, "wp:author_display_name"))) or login
        elif name == "item":
            yield _post(element, authors=authors, post_types=post_types)
            if channel is not None:
                channel.clear()  # the item and everything read before it: memory stays flat
    if channel is None:
        raise ImportFileError("the file has no <channel>: not a WordPress export")


def _children(element) -> dict[str, list]:
    found: dict[str, list] = {}
    for child in element:
        found.setdefault(local(child.tag), []).append(child)
    return found


def _tag(element, name: str) -> str:
    """The namespaced tag this file uses for 'wp:xxx' among the element's children (any version)."""
    for child in element:
        if local(child.tag) == name:
            return child.tag
    return "\0"  # matches nothing


def _first(found: dict, name: str) -> str:
    elements = found.get(name)
    return text(elements[0]) if elements else ""


def _raw(found: dict, name: str) -> str:
    """Unstripped text (content keeps its own leading whitespace and line breaks)."""
    elements = found.get(name)
    return (elements[0].text or "") if elements else ""


def _post(item, *, authors: dict[str, str], post_types: set[str]) -> OldPost:
    found = _children(item)
    old_id = _first(found, "wp:post_id")
    post = OldPost(old_id=old_id, title=_first(found, "title") or "(untitled)")
    post_type = _first(found, "wp:post_type") or "post"
    status = _first(found, "wp:status") or "publish"
    if not old_id:
        return _skip(post, "item without wp:post_id", comments=len(found.get("wp:comment", [])))
    if post_type not in post_types:
        return _skip(post, f"item of type {post_type}", comments=len(found.get("wp:comment", [])))
    if status in {"trash", "auto-draft", "inherit"}:
        return _skip(post, f"post with status {status}", comments=len(found.get("wp:comment", [])))
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
    for element in found.get("wp:comment", []):
        _comment(element, post)
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


def _comment(element, post: OldPost) -> None:
    found = _children(element)
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
            created_at=_date(_first(found, "wp:comment_date_gmt"), _first(found, "wp:comment_date"))
            or post.published_at
            or datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC),
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
