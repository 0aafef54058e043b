"""Disqus exports: <thread dsq:id> elements, then <post> elements pointing at their thread and parent.

Posts come after all threads and in no useful order (a reply may precede its parent), so the
posts are gathered per thread before anything is written: memory grows with the file here,
unlike WXR; a Disqus export of a few hundred thousand comments fits comfortably.
"""

import datetime
import hashlib
from dataclasses import dataclass, field

from comments.models import Comment
from moving.records import OldComment, clean_email, clean_ip
from moving.source import CleanReader, ImportFileError, iterparse, local, text

DSQ_ID = "dsq:id"


@dataclass
class Thread:
    dsq_id: str
    identifier: str = ""
    link: str = ""
    title: str = ""
    created_at: datetime.datetime | None = None
    comments: list[OldComment] = field(default_factory=list)


def read_disqus(reader: CleanReader) -> tuple[dict[str, Thread], int]:
    """The export's threads by dsq:id, each with its posts; and how many posts name no known thread."""
    threads: dict[str, Thread] = {}
    homeless = 0
    root = None
    depth = 0
    for event, element in iterparse(reader):
        name = local(element.tag)
        if event == "start":
            depth += 1
            if root is None:
                root = element
                if name != "disqus":
                    raise ImportFileError(f"not a Disqus export: the document is <{name}>, not <disqus>")
            continue
        depth -= 1
        if depth != 1:
            continue  # only the root's own children: a <thread dsq:id/> inside a <post> is a reference
        if name == "thread":
            thread = _thread(element)
            if thread.dsq_id:
                threads[thread.dsq_id] = thread
        elif name == "post":
            thread_id, comment = _post(element)
            if thread_id in threads:
                threads[thread_id].comments.append(comment)
            else:
                homeless += 1
        root.clear()  # what was read is in the records now (the parser's read-ahead keeps its own)
    return threads, homeless


def _attribute_id(element) -> str:
    if element is None:
        return ""
    for key, value in element.attrib.items():
        if local(key) == DSQ_ID:
            return value.strip()
    return ""


def _child(element, name: str):
    for child in element:
        if local(child.tag) == name:
            return child
    return None


def _thread(element) -> Thread:
    return Thread(
        dsq_id=_attribute_id(element),
        identifier=text(_child(element, "id")),
        link=text(_child(element, "link")),
        title=text(_child(element, "title")),
        created_at=_date(text(_child(element, "createdAt"))),
    )


def _post(element) -> tuple[str, OldComment]:
    author = _child(element, "author")
    name = text(_child(author, "name")) if author is not None else ""
    username = text(_child(author, "username")) if author is not None else ""
    email = text(_child(author, "email")) if author is not None else ""
    message = _child(element, "message")
    html = (message.text or "") if message is not None else ""
    created_at = _date(text(_child(element, "createdAt"))) or datetime.datetime(
        1970, 1, 1, tzinfo=datetime.UTC
    )
    thread_id = _attribute_id(_child(element, "thread"))
    old_id = _attribute_id(element)
    if not old_id:
        # No id: one made from what the post says, the same on every run of the same file.
        digest = hashlib.sha256(f"{thread_id}\0{created_at}\0{email}\0{name}\0{html}".encode()).hexdigest()
        old_id = f"sha256:{digest[:40]}"
    if text(_child(element, "isSpam")) == "true":
        status = Comment.Status.SPAM
    elif text(_child(element, "isDeleted")) == "true":
        status = Comment.Status.DELETED
    else:
        status = Comment.Status.APPROVED
    comment = OldComment(
        old_id=old_id,
        parent_old_id=_attribute_id(_child(element, "parent")),
        author_name=(name or username or "Anonymous")[:80],
        author_email=clean_email(email),
        created_at=created_at,
        status=status,
        html=html,
        ip_address=clean_ip(text(_child(element, "ipAddress")) or None),
    )
    return thread_id, comment


def _date(value: str) -> datetime.datetime | None:
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed
