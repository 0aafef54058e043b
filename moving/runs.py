"""A whole import: check the file to the end (nothing written), then write it article by article.

A malformed or hostile file fails in the first pass, before any row is written (for WXR a
bare expat pass; a dry run reads and plans everything instead, and stops there). The second
pass writes each article in its own transaction, so a run killed halfway leaves whole
articles, and a re-run finds them by their old ids and adds only what is missing.
"""

from collections.abc import Callable
from typing import BinaryIO
from urllib.parse import parse_qs, urlsplit

from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils.text import slugify

from articles.models import Article
from moving.disqus import Thread, read_disqus
from moving.loading import count_plan, create_article, load_post, plan_comments, relax_commit, write_comments
from moving.models import LegacyPost, Source
from moving.preparing import default_workers, prepared
from moving.records import OldPost
from moving.report import Report
from moving.source import CleanReader, check_file
from moving.wordpress import progress_callback, read_wxr

Opener = Callable[[], BinaryIO]
Progress = Callable[[int], None] | None
UNMATCHED_LISTED = 20


def import_wordpress(
    opener: Opener,
    *,
    size: int,
    dry_run: bool = False,
    pages: bool = False,
    progress: Progress = None,
    workers: int | None = None,
) -> Report:
    """Import a WXR file (opened afresh by opener() for each pass); return the report.

    workers: processes rendering comments (moving.preparing); None for one per core, 0 for none.
    """
    if dry_run:
        report = Report(dry_run=True)
        _wordpress_pass(opener, report, size=size, pages=pages, write=False, progress=progress, workers=0)
        return report
    with opener() as raw:
        on_progress = progress_callback(size, _part(progress, 0, 10)) if progress else None
        check_file(CleanReader(raw, on_progress=on_progress), root="rss", kind="WordPress export")
    report = Report()
    workers = default_workers() if workers is None else workers
    _wordpress_pass(
        opener, report, size=size, pages=pages, write=True, progress=_part(progress, 10, 100), workers=workers
    )
    return report


def _wordpress_pass(opener, report, *, size, pages, write, progress, workers) -> None:
    with opener() as raw:
        reader = CleanReader(raw, on_progress=progress_callback(size, progress) if progress else None)
        posts = read_wxr(reader, pages=pages)
        for post in prepared(posts, workers=workers, source=Source.WORDPRESS) if write else posts:
            load_post(post, source=Source.WORDPRESS, report=report, dry_run=not write)
        report.notes.extend(reader.notes())


def import_disqus(
    opener: Opener,
    *,
    size: int,
    dry_run: bool = False,
    create_drafts: bool = False,
    progress: Progress = None,
) -> Report:
    """Import a Disqus export: its threads matched to articles by link or WordPress id; return the report."""
    with opener() as raw:
        reader = CleanReader(
            raw, on_progress=progress_callback(size, _part(progress, 0, 50)) if progress else None
        )
        threads, homeless = read_disqus(reader)
    check = Report(dry_run=True)
    _disqus_pass(
        threads, check, homeless=homeless, notes=reader.notes(), create_drafts=create_drafts, write=False
    )
    if dry_run:
        return check
    report = Report()
    _disqus_pass(
        threads, report, homeless=homeless, notes=reader.notes(), create_drafts=create_drafts, write=True,
        progress=_part(progress, 50, 100),
    )  # fmt: skip
    return report


def _disqus_pass(threads, report, *, homeless, notes, create_drafts, write, progress=None) -> None:
    if homeless:
        report.skipped["post naming no thread of the file"] += homeless
    unmatched = []
    for done, thread in enumerate(threads.values(), start=1):
        if progress:
            progress(done * 100 // len(threads))
        if not thread.comments:
            continue
        with transaction.atomic():
            if write:
                relax_commit()
            article, how = match_thread(thread)
            if article is None and not create_drafts:
                report.articles["threads matching no article"] += 1
                report.skipped["comment in a thread matching no article"] += len(thread.comments)
                unmatched.append(thread.link or thread.dsq_id)
                continue
            report.articles[how if article else "drafts for unmatched threads"] += 1
            plan = plan_comments(
                thread.comments,
                source=Source.DISQUS,
                article_id=article.pk if article else None,
                skipped_parents={},
                report=report,
            )
            count_plan(plan, report)
            if not write:
                continue
            if article is None:
                article = create_article(_draft_post(thread), draft=True)
            if how != "matched before":
                LegacyPost.objects.create(source=Source.DISQUS, old_id=thread.dsq_id, article=article)
            write_comments(plan, article=article, source=Source.DISQUS)
    if unmatched:
        listed = ", ".join(unmatched[:UNMATCHED_LISTED]) + (" …" if len(unmatched) > UNMATCHED_LISTED else "")
        report.notes.append(f"threads matching no article (use --create-drafts to keep them): {listed}")
    report.notes.extend(notes)


def match_thread(thread: Thread) -> tuple[Article | None, str]:
    """The article a Disqus thread belongs to, and how it was found."""
    found = (
        LegacyPost.objects.filter(source=Source.DISQUS, old_id=thread.dsq_id)
        .select_related("article")
        .first()
    )
    if found:
        return found.article, "matched before"
    # WordPress's Disqus plugin writes "<post id> <guid>" as the thread's identifier.
    post_id = thread.identifier.split(" ")[0]
    parts = urlsplit(thread.link)
    query_id = (parse_qs(parts.query).get("p") or [""])[0]
    for old_id in {post_id, query_id} - {""}:
        if old_id.isdigit():
            found = LegacyPost.objects.filter(source=Source.WORDPRESS, old_id=old_id).select_related(
                "article"
            )
            if found.exists():
                return found.first().article, "matched by WordPress id"
    path = parts.path
    if path and path != "/":
        variants = {path, path.rstrip("/"), path.rstrip("/") + "/"}
        found = LegacyPost.objects.filter(source=Source.WORDPRESS, old_path__in=variants).select_related(
            "article"
        )
        if found.exists():
            return found.first().article, "matched by old link"
        try:
            match = resolve(path.rstrip("/") + "/")
        except Resolver404:
            match = None
        if match is not None and match.view_name == "articles:detail":
            article = Article.objects.filter(slug=match.kwargs["slug"]).first()
            if article is not None:
                return article, "matched by article link"
    return None, ""


def _draft_post(thread: Thread) -> OldPost:
    link = thread.link or thread.dsq_id
    return OldPost(
        old_id=thread.dsq_id,
        title=(thread.title or link)[:200],
        slug=slugify(thread.title)[:190] or f"disqus-{slugify(thread.dsq_id)}",
        markdown=f"Discussion imported from Disqus; it was at <{link}>.",
        published_at=thread.created_at,
    )


def _part(progress: Progress, start: int, end: int) -> Progress:
    """A progress callback for one pass: its 0-100 mapped to start-end of the whole."""
    if progress is None:
        return None
    return lambda percent: progress(start + percent * (end - start) // 100)
