"""Imported comments (moving.loading): whole threads at a time, with their nested-set numbers."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Article
from comments.markup import render_comment_body
from comments.models import Comment
from comments.mptt_internals import TREE_ID_SEQUENCE
from comments.plaintext import plain_html
from comments.services.common import lock_thread_of

# Every column of the table (the primary key included: its values are drawn beforehand).
COPY_FIELDS = [field for field in Comment._meta.concrete_fields if not field.generated]


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """A comment's Markdown and its HTML, rendered by the site's own renderer (render_body)."""

    markdown: str
    html: str


def render_body(markdown: str) -> RenderedBody:
    """Render a comment body as posting does (comments.markup), plain sentences the short way.

    A function of the text alone, so importers may call it in worker processes while the
    main process writes (moving.preparing).
    """
    return RenderedBody(markdown, plain_html(markdown) or render_comment_body(markdown))


@dataclass(slots=True)
class ImportedComment:
    author_name: str
    author_email: str
    body: RenderedBody
    status: str
    created_at: datetime.datetime
    parent: int | None = None  # the index of an earlier ImportedComment in the same call…
    parent_pk: int | None = None  # …or a comment already stored in the article
    ip_address: str | None = None
    user_agent: str = ""


def import_comments(*, article: Article, comments: Sequence[ImportedComment]) -> list[int]:
    """Store imported comments, threaded, and return their primary keys in the order given.

    The one bulk insert of comments outside posting, and why it is justified: through
    post_comment() a site's 100,000 comments are 100,000 mptt inserts, each renumbering its
    thread and bumping its counters: at the 46-80 ms a reply costs (bench/README.md, issue 8),
    over an hour; this takes under a minute of CPU. Each whole new thread is numbered in Python,
    its ids drawn from the sequences, and all of them copied in at once (COPY). Each thread
    takes a fresh tree_id from the sequence, so no other writer can reach its rows before the
    commit: the thread lock would guard nothing, and thousands of advisory locks in one
    transaction would exhaust PostgreSQL's lock table. Replies to comments already stored (a
    later export with new comments) go in one by one through mptt, under their thread's lock.
    Bodies come rendered (render_body), so that work can run in other processes.
    The roots' thread_replies are set from the numbers; the article's counters are recounted.
    No moderation rules, emails or rate limits: the comments were moderated where they came from.
    Needs the caller's transaction (one per article).
    """
    assert connection.in_atomic_block, "import_comments() needs a transaction"
    children: dict[int, list[int]] = defaultdict(list)
    roots, attached = [], []
    for index, item in enumerate(comments):
        if item.parent is not None:
            assert item.parent < index, "a parent comes before its replies"
            children[item.parent].append(index)
        elif item.parent_pk is not None:
            attached.append(index)
        else:
            roots.append(index)
    by_age = lambda index: (comments[index].created_at, index)  # noqa: E731
    for replies in children.values():
        replies.sort(key=by_age)  # threads read oldest first: each reply is its parent's last child
    pks: list[int] = [0] * len(comments)
    _insert_threads(article, comments, sorted(roots, key=by_age), children, pks)
    _insert_replies(article, comments, sorted(attached, key=by_age), children, pks)  # marked as they go
    recount_discussion(article.pk)
    return pks


def _new_row(article: Article, item: ImportedComment, **tree) -> Comment:
    return Comment(
        article=article, author_name=item.author_name[:80], author_email=item.author_email,
        body=item.body.markdown, status=item.status,
        created_at=item.created_at, ip_address=item.ip_address, user_agent=item.user_agent[:300], **tree,
    )  # fmt: skip


def _insert_threads(article, comments, roots, children, pks_out) -> None:
    """New threads: numbered here, their ids drawn from the sequences, and copied in (COPY) in one go.

    COPY rather than bulk_create: building 100,000 model instances and their INSERT parameters
    cost more than PostgreSQL's whole work (bench/README.md). Row triggers fire for COPY as for
    INSERT: the marks (migration comments 0011) are held off for the COPY alone and made for the
    whole article by recount_discussion(); the foreign keys are checked at the commit (Django
    creates them deferred).
    """
    if not roots:
        return
    count = sum(1 for _ in _walk(roots, children))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [TREE_ID_SEQUENCE, len(roots)])
        tree_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Comment._meta.db_table, count],
        )
        pks = iter([row[0] for row in cursor.fetchall()])
    defaults = {field.attname: None if field.null else field.get_default() for field in COPY_FIELDS}
    names = [field.attname for field in COPY_FIELDS]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in COPY_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('threadline.bulk_marks', 'on', true)")
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {Comment._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for root, tree_id in zip(roots, tree_ids, strict=True):
            counter = 0
            opened = {}
            stack = [(root, 0, False)]
            while stack:
                index, level, done = stack.pop()
                counter += 1
                if not done:
                    opened[index] = (counter, next(pks))
                    stack.append((index, level, True))
                    stack.extend((child, level + 1, False) for child in reversed(children.get(index, ())))
                    continue
                # Each row is sent as soon as its rght is known: none is kept (memory stays flat).
                item, (lft, pk) = comments[index], opened[index]
                row = {
                    **defaults, "id": pk, "article_id": article.pk,
                    "parent_id": None if item.parent is None else opened[item.parent][1],
                    "author_name": item.author_name[:80], "author_email": item.author_email,
                    "body": item.body.markdown, "body_html": item.body.html, "status": item.status,
                    "created_at": item.created_at, "ip_address": item.ip_address,
                    "user_agent": item.user_agent[:300], "tree_id": tree_id, "lft": lft, "rght": counter,
                    "level": level, "thread_replies": (counter - lft - 1) // 2 if index == root else 0,
                }  # fmt: skip
                pks_out[index] = pk
                copy.write_row([row[name] for name in names])
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('threadline.bulk_marks', 'off', true)")


def _walk(roots, children):
    stack = list(roots)
    while stack:
        index = stack.pop()
        yield index
        stack.extend(children.get(index, ()))


def _insert_replies(article, comments, attached, children, pks_out) -> None:
    """Replies to stored comments, and their own replies: one by one, under the thread's lock."""
    for first in attached:
        stack = [first]
        while stack:
            index = stack.pop()
            item = comments[index]
            parent_pk = item.parent_pk if item.parent is None else pks_out[item.parent]
            if not lock_thread_of(parent_pk):
                raise Comment.DoesNotExist(f"comment {parent_pk} to reply to is gone")
            # Read under the lock: mptt places the reply from the parent's numbers as stored now.
            parent = Comment.objects.get(pk=parent_pk)
            row = _new_row(article, item, parent=parent)
            row.insert_at(parent, position="last-child", refresh_target=False)
            row.save()
            pks_out[index] = row.pk
            stack.extend(reversed(children.get(index, ())))


def recount_discussion(article_id: int) -> None:
    """Set the article's counters from its comments (approved ones; threads) and mark it changed.

    The roots' thread_replies and thread_version need nothing: copied threads come with their
    reply counts and are new (no page cached them), and replies went in with the row marks."""
    comments = Comment.objects.filter(article_id=OuterRef("pk")).order_by().values("article_id")
    approved = comments.filter(status=Comment.Status.APPROVED).annotate(n=Count("pk")).values("n")
    threads = comments.filter(parent__isnull=True).annotate(n=Count("pk")).values("n")
    Article.objects.filter(pk=article_id).update(
        comment_count=Coalesce(Subquery(approved), Value(0)),
        thread_count=Coalesce(Subquery(threads), Value(0)),
        discussion_version=F("discussion_version") + 1,
        discussion_updated_at=timezone.now(),
    )
