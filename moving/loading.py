"""Writing what the readers found: one transaction per article, comments threaded, re-runs idempotent.

Every imported article and comment leaves its old id in LegacyPost / LegacyComment (unique per
source), so a re-run finds what is already there and adds only what is new ("0 new").
The plan for an article is made from the file and those tables; a dry run counts the plan,
a real run counts it the same way and writes it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from articles.models import Article
from comments.services.importing import ImportedComment, import_comments
from moving.html import article_markdown, plain_text
from moving.models import LegacyComment, LegacyPost, imported_comments
from moving.preparing import prepare_comment
from moving.records import OldComment, OldPost
from moving.report import Report

LEGACY_COLUMNS = ("source", "old_id", "article", "comment")


def relax_commit() -> None:
    """This transaction's commit need not wait for its WAL to reach the disk.

    An import commits once per article, and each wait for the disk is a round trip the next
    article does not need. A crash can lose the last few articles committed, which a re-run
    simply imports again (their old ids were lost with them); nothing else is affected.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


@dataclass(slots=True)
class Planned:
    old: OldComment
    parent: int | None = None  # index in the plan
    parent_pk: int | None = None  # a comment already stored


def plan_comments(
    old_comments: list[OldComment],
    *,
    source: str,
    article_id: int | None,
    skipped_parents: dict[str, str],
    report: Report,
) -> list[Planned]:
    """The comments still to import, parents before replies, each with where it hangs."""
    seen: dict[str, OldComment] = {}
    for old in old_comments:
        if old.old_id in seen:
            report.skipped["comment listed twice under one id (the first kept)"] += 1
            continue
        seen[old.old_id] = old
    stored = set(imported_comments(source, list(seen)))
    parents_stored: dict[str, int] = {}
    if article_id is not None:  # replies to comments imported before: only within the same article
        parent_ids = {o.parent_old_id for o in seen.values() if o.parent_old_id}
        parent_ids = [*parent_ids, *skipped_parents.values()]
        parents_stored = imported_comments(source, parent_ids, article_id=article_id)
    new = {old_id: old for old_id, old in seen.items() if old_id not in stored}
    report.existing_comments += len(seen) - len(new)
    # Where each new comment hangs: a new parent, a stored one, or (parent missing) a new thread.
    parent_of: dict[str, str] = {}
    stored_parent: dict[str, int] = {}
    for old_id, old in new.items():
        parent = old.parent_old_id
        hops = 0
        while parent and parent not in new and parent not in parents_stored and parent in skipped_parents:
            parent, hops = skipped_parents[parent], hops + 1  # a reply to a pingback: up to its parent
            if hops > len(skipped_parents):
                parent = ""
        if parent == old_id:
            parent = ""
        if parent in new:
            parent_of[old_id] = parent
        elif parent in parents_stored:
            stored_parent[old_id] = parents_stored[parent]
        elif parent:
            report.orphans += 1  # the parent is not in the file (or in another article): a thread of its own
    return _ordered(new, parent_of, stored_parent, report)


def _ordered(new, parent_of, stored_parent, report) -> list[Planned]:
    """Parents before replies (files list them in any order); a loop of parents is cut at its oldest."""
    replies: dict[str, list[str]] = defaultdict(list)
    for old_id, parent in parent_of.items():
        replies[parent].append(old_id)
    plan: list[Planned] = []
    index: dict[str, int] = {}

    def add_tree(top: str) -> None:
        stack = [top]
        while stack:
            old_id = stack.pop()
            if old_id in index:  # met again through a loop of parents
                continue
            parent = parent_of.get(old_id)
            index[old_id] = len(plan)
            plan.append(
                Planned(
                    old=new[old_id],
                    parent=index[parent] if parent is not None else None,
                    parent_pk=stored_parent.get(old_id),
                )
            )
            stack.extend(reversed(replies.get(old_id, ())))

    for old_id in new:
        if old_id not in parent_of:
            add_tree(old_id)
    for old_id in sorted((o for o in new if o not in index), key=lambda o: (new[o].created_at, o)):
        if old_id not in index:  # still unplaced: its ancestors form a loop
            report.orphans += 1
            parent_of.pop(old_id)
            add_tree(old_id)
    return plan


def count_plan(plan: Iterable[Planned], report: Report) -> None:
    for item in plan:
        report.comments[item.old.status] += 1


def write_comments(plan: list[Planned], *, article: Article, source: str) -> None:
    """Store the planned comments and their old ids (inside the article's transaction)."""
    if not plan:
        return
    items = [
        ImportedComment(
            author_name=item.old.author_name,
            author_email=item.old.author_email,
            body=item.old.rendered or prepare_comment(item.old),
            status=item.old.status,
            created_at=item.old.created_at,
            parent=item.parent,
            parent_pk=item.parent_pk,
            ip_address=item.old.ip_address,
            user_agent=item.old.user_agent,
        )
        for item in plan
    ]
    pks = import_comments(article=article, comments=items)
    table, quote = LegacyComment._meta.db_table, connection.ops.quote_name
    columns = ", ".join(quote(LegacyComment._meta.get_field(name).column) for name in LEGACY_COLUMNS)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for item, pk in zip(plan, pks, strict=True):
            copy.write_row((source, item.old.old_id, article.pk, pk))


def load_post(post: OldPost, *, source: str, report: Report, dry_run: bool) -> None:
    """One WordPress post: its article (created the first time) and its new comments."""
    for reason, count in post.skipped.items():
        report.skipped[reason] += count
    if post.is_skipped:
        return
    if dry_run:
        _load_post(post, source=source, report=report, write=False)
        return
    with transaction.atomic():
        relax_commit()
        _load_post(post, source=source, report=report, write=True)


def _load_post(post: OldPost, *, source: str, report: Report, write: bool) -> None:
    legacy = LegacyPost.objects.filter(source=source, old_id=post.old_id).select_related("article").first()
    article = legacy.article if legacy else None
    report.articles["existing" if article else "new"] += 1
    plan = plan_comments(
        post.comments,
        source=source,
        article_id=article.pk if article else None,
        skipped_parents=post.skipped_parents,
        report=report,
    )
    count_plan(plan, report)
    if not write:
        return
    if article is None:
        article = create_article(post)
        LegacyPost.objects.create(
            source=source, old_id=post.old_id, old_path=(post.old_paths or [""])[0][:500], article=article
        )
    write_comments(plan, article=article, source=source)


def create_article(post: OldPost, *, draft: bool = False) -> Article:
    """The post as an article: its body in the editors' Markdown (sanitised when rendered on save)."""
    body = post.markdown if post.markdown is not None else article_markdown(post.html)
    published = post.is_published and not draft
    article = Article(
        title=post.title[:200],
        slug=_free_slug(post.slug or f"post-{post.old_id}"),
        summary=plain_text(post.summary),
        body=body,
        byline=post.byline[:200],
        status=Article.Status.PUBLISHED if published else Article.Status.DRAFT,
        published_at=post.published_at if published else None,
    )
    article.save()
    return article


def _free_slug(slug: str) -> str:
    """The slug, or slug-2, slug-3… when an article already has it."""
    slug = slug[:190]
    taken = set(Article.objects.filter(slug__startswith=slug).values_list("slug", flat=True))
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    return candidate
