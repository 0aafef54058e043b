"""Every change to comments: posting, replying and moderation.

Tree writes happen only here, each inside a transaction holding its thread's lock
(`lock_thread`), so concurrent writers to one thread take turns and writers to
different threads never wait for each other. Readers never wait: PostgreSQL's
MVCC serves them the last committed tree.
"""

import datetime
import ipaddress
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Func, IntegerField, OuterRef, Subquery, When
from django.utils import timezone

from articles.models import Article
from comments import moderation
from comments.models import Ban, Comment, ModerationRules, Report
from config.prepared import PreparedUpdate, PreparedValues
from notifications.services import comment_saved, replies_are_watched

# First key of the two-key advisory lock: "which kind of lock" (the thread's
# tree_id is the second), so other advisory locks in the database cannot collide.
THREAD_LOCK_NAMESPACE = 0x7EAD


# What a reply needs of its parent, read under the thread's lock: the checks and the tree numbers
# (in the model's field order, as Model.from_db() takes them).
INSERT_FIELDS = tuple(
    field.attname
    for field in Comment._meta.concrete_fields
    if field.attname in {"id", "article_id", "parent_id", "status", "tree_id", "lft", "rght", "level"}
)
PARENT_EXTRAS = ("roots_before", "continue_anchor", "watched")
# The parent under the lock, with what the redirect needs: where the reply is shown. Within the
# display depth, on its article's page: the count of threads before its own (NULL past the
# depth, so PostgreSQL counts only when the count is used). Past it, on the continue page of an
# ancestor (comments.threads.comment_location), read here under the lock: numbers read after
# the commit could already be moved on by the next reply. And whether anyone watches the
# parent's replies (notifications.services.comment_saved). Compiled once (config.prepared):
# through the ORM, building and compiling this read cost more CPU than PostgreSQL spends on it.
_parent_under_lock = PreparedValues(
    lambda pk, last_level: (
        Comment.objects.filter(pk=pk)
        .annotate(
            roots_before=Case(
                When(
                    level__lt=last_level,
                    then=Subquery(
                        Comment.objects.roots()
                        .filter(article_id=OuterRef("article_id"), tree_id__lt=OuterRef("tree_id"))
                        .order_by()
                        .annotate(count=Func(F("pk"), function="COUNT"))
                        .values("count")
                    ),
                ),
                default=None,
                output_field=IntegerField(),
            ),
            continue_anchor=Case(
                When(
                    level__gte=last_level,
                    then=Subquery(
                        Comment.objects.filter(
                            tree_id=OuterRef("tree_id"),
                            lft__lte=OuterRef("lft"),
                            rght__gte=OuterRef("rght"),
                            level=OuterRef("level") / last_level * last_level,
                        ).values("pk")[:1]
                    ),
                ),
                default=None,
                output_field=IntegerField(),
            ),
            watched=replies_are_watched(),  # whether the reply needs a notification job
        )
        .order_by()
        .values_list(*INSERT_FIELDS, *PARENT_EXTRAS)
    ),
    pk=-THREAD_LOCK_NAMESPACE,
    last_level=THREAD_LOCK_NAMESPACE,  # positive: Django drops a level below 0 as never true
)


class CommentRefused(ValidationError):
    """The comment cannot be stored; the message says why, for the reader."""


class ParentRefused(CommentRefused):
    """The comment replied to is not there, or cannot take replies: the form's input is wrong (a 400)."""


def lock_thread(tree_id: int) -> None:
    """Hold the thread's lock until the current transaction ends."""
    assert connection.in_atomic_block, "lock_thread() needs a transaction"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [THREAD_LOCK_NAMESPACE, tree_id])


def lock_thread_of(comment_pk: int) -> bool:
    """Hold the lock of the comment's thread until the transaction ends; False if there is no such comment.

    One statement: a comment's tree_id never changes, so reading it and locking go together.
    """
    assert connection.in_atomic_block, "lock_thread_of() needs a transaction"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_advisory_xact_lock(%s, tree_id) FROM {Comment._meta.db_table} WHERE id = %s",
            [THREAD_LOCK_NAMESPACE, comment_pk],
        )
        return cursor.fetchone() is not None


# The two UPDATEs every write runs, compiled once (config.prepared): through the ORM, building
# them cost more of a post's CPU than PostgreSQL spends running them.
_bump_thread_version = PreparedUpdate(
    lambda tree_id: (
        Comment.objects.filter(tree_id=tree_id, parent__isnull=True),
        {"thread_version": F("thread_version") + 1, "thread_replies": (F("rght") - F("lft") - 1) / 2},
    ),
    tree_id=THREAD_LOCK_NAMESPACE,  # positive: Django drops a tree_id below 0 as never true
)
_count_discussion = PreparedUpdate(
    lambda article_id, comments, threads, now: (
        Article.objects.filter(pk=article_id),
        {
            "comment_count": F("comment_count") + comments,
            "thread_count": F("thread_count") + threads,
            "discussion_version": F("discussion_version") + 1,
            "discussion_updated_at": now,
        },
    ),
    article_id=-THREAD_LOCK_NAMESPACE,
    comments=-0x7EA1,
    threads=-0x7EA2,
    now=datetime.datetime(1901, 2, 3, tzinfo=datetime.UTC),
)


def _thread_changed(tree_id: int) -> None:
    """Bump the thread's version (its cached HTML is stale from this commit on) and recount its replies."""
    _bump_thread_version.run(tree_id=tree_id)


def discussion_changed(article_id: int, *, comments: int = 0, threads: int = 0) -> None:
    """Adjust the article's counters and its Last-Modified.

    Called last in each transaction: the article row stays locked from here to the
    commit, so writers to different threads of one article wait only for a commit.
    """
    _count_discussion.run(article_id=article_id, comments=comments, threads=threads, now=timezone.now())


def _locked(comment: Comment) -> Comment:
    """Lock the comment's thread and return the comment as committed now.

    Raises Comment.DoesNotExist when the comment was deleted meanwhile.
    """
    lock_thread(comment.tree_id)
    # A plain read after the lock: READ COMMITTED gives this statement a fresh snapshot,
    # so it sees every change committed by the writer that held the lock before us.
    return Comment.objects.get(pk=comment.pk)


def post_comment(
    *,
    article: Article,
    body: str,
    parent: Comment | None = None,
    user: AbstractBaseUser | None = None,
    author_name: str = "",
    author_email: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    submission_token: uuid.UUID | None = None,
    trusted: bool = False,
) -> Comment:
    """Store a top-level comment or a reply (as its parent's last child) and return it.

    The moderation rules (comments.moderation) decide whether it is approved or held
    (pending); trusted=True skips them, for the site's own content (demo, fixtures).
    A repeated submission_token returns the comment first stored with it.
    Raises CommentRefused when the discussion is closed, the parent cannot take replies,
    the author is banned or the text is refused as spam: nothing is stored then.

    Atomic, in the caller's transaction when there is one (no savepoint of its own, issue 9):
    refusals come before the first write and leave that transaction usable; from the first
    write on, any error dooms it, a repeated submission_token included (IntegrityError: the
    caller rolls back and finds the first comment with comment_stored_with()). Without a
    transaction it opens one and does that itself.
    """
    if user is not None and user.is_authenticated:
        author_name = author_name or user.get_full_name() or user.get_username()
        author_email = author_email or user.email
    else:
        user = None
    # The rules are read before the thread's lock is taken: they need nothing from the thread.
    verdict = moderation.Verdict(Comment.Status.APPROVED)
    if not trusted:
        verdict = moderation.judge(body=body, user=user, email=author_email, ip_address=ip_address)
        if verdict.refused:
            raise CommentRefused(verdict.refused)
    comment = Comment(
        article=article,
        user=user,
        author_name=author_name,
        author_email=author_email,
        body=body,
        ip_address=ip_address,
        user_agent=user_agent[:300],
        submission_token=submission_token,
        status=verdict.status,
        hold_reason=verdict.reason,
    )
    if connection.in_atomic_block:
        return _store(comment, parent=parent)
    try:
        with transaction.atomic():
            return _store(comment, parent=parent)
    except IntegrityError:
        existing = comment_stored_with(comment.submission_token)
        if existing is None:
            raise
        return existing


def _store(comment: Comment, *, parent: Comment | None) -> Comment:
    """post_comment() inside a transaction: check under the thread's lock, insert, count, enqueue."""
    try:
        parent = _locked_parent(comment, parent)
    except CommentRefused:
        # A retry of a form that was stored before the thread changed still lands on its comment.
        existing = comment_stored_with(comment.submission_token)
        if existing is None:
            raise
        return existing
    with transaction.atomic(savepoint=False):  # the writes: any error from here dooms the transaction
        if parent is not None:
            # The parent's numbers were read under the lock: no need for mptt to read them again.
            comment.insert_at(parent, position="last-child", refresh_target=False)
        # The same form sent twice: the unique submission_token refuses the second row (a
        # concurrent twin waits on the index until the first commits) with an IntegrityError.
        # No savepoint to survive it (two round trips on every post): the transaction is
        # doomed and whoever opened it looks the first comment up after the rollback.
        comment.save()
        if parent is not None:
            # For the redirect (comments.threads.comment_location): where the reply is shown.
            comment.roots_before, comment.continue_anchor = parent.roots_before, parent.continue_anchor
            _thread_changed(comment.tree_id)
        discussion_changed(comment.article_id, comments=int(comment.is_approved), threads=int(parent is None))
        # The notification job, committed with the comment (if anyone is to hear of it).
        comment_saved(comment, parent_watched=parent is not None and parent.watched)
    return comment


def _locked_parent(comment: Comment, parent: Comment | None) -> Comment | None:
    """Check the comment may be stored; for a reply, lock the thread and return the parent as committed.

    The parent is read once, under the lock (with what the redirect needs: threads before its
    own); a new thread takes its tree_id from the sequence and needs no lock.
    """
    article = comment.article
    if not article.is_accepting_comments:
        raise CommentRefused("Comments are closed on this article.")
    if parent is None:
        return None
    if not lock_thread_of(parent.pk):
        raise ParentRefused("The comment you are replying to cannot be found.")
    # A plain read after the lock: READ COMMITTED gives this statement a fresh snapshot,
    # so it sees every change committed by the writer that held the lock before us.
    row = _parent_under_lock.first(pk=parent.pk, last_level=settings.COMMENT_DISPLAY_DEPTH - 1)
    if row is None:
        raise ParentRefused("The comment you are replying to cannot be found.")
    parent = Comment.from_db(connection.alias, INSERT_FIELDS, row[: len(INSERT_FIELDS)])
    parent.roots_before, parent.continue_anchor, parent.watched = row[len(INSERT_FIELDS) :]
    if parent.article_id != article.pk:
        raise ParentRefused("The comment you are replying to cannot be found.")
    if not parent.is_approved:
        raise ParentRefused("That comment is no longer open for replies.")
    parent.article = article
    return parent


def comment_stored_with(submission_token: uuid.UUID | None) -> Comment | None:
    """The comment stored with this form's token, if any."""
    if submission_token is None:
        return None
    return Comment.objects.select_related("article").filter(submission_token=submission_token).first()


def _moderate(comment: Comment, status: str, moderator: AbstractBaseUser | None) -> Comment:
    """Set the status under the thread's lock; a moderator's decision settles the open reports."""
    comment = _locked(comment)
    was_approved = comment.is_approved
    comment.status = status
    comment.moderated_by = moderator
    comment.moderated_at = timezone.now()
    comment.report_count = 0
    comment.save(update_fields=["status", "moderated_by", "moderated_at", "report_count"])
    comment.reports.filter(resolved_at__isnull=True).update(resolved_at=comment.moderated_at)
    _thread_changed(comment.tree_id)
    discussion_changed(comment.article_id, comments=int(comment.is_approved) - int(was_approved))
    return comment


@transaction.atomic
def approve_comment(comment: Comment, *, moderator: AbstractBaseUser | None) -> Comment:
    """Show the comment to every reader."""
    comment = _moderate(comment, Comment.Status.APPROVED, moderator)
    comment_saved(comment)  # a held reply notifies once it is approved
    return comment


@transaction.atomic
def reject_comment(comment: Comment, *, moderator: AbstractBaseUser | None) -> Comment:
    """Hide the comment; its replies stay, under a placeholder."""
    return _moderate(comment, Comment.Status.REJECTED, moderator)


@transaction.atomic
def mark_spam(comment: Comment, *, moderator: AbstractBaseUser | None) -> Comment:
    """Hide the comment as spam; its replies stay, under a placeholder."""
    return _moderate(comment, Comment.Status.SPAM, moderator)


@transaction.atomic
def remove_comment(comment: Comment, *, moderator: AbstractBaseUser | None) -> Comment:
    """Leave a placeholder in the thread; the replies stay."""
    return _moderate(comment, Comment.Status.REMOVED, moderator)


@transaction.atomic
def delete_comment(comment: Comment) -> int:
    """Delete the comment and all its replies for good; return how many rows went.

    A comment already gone (deleted with an ancestor, or by another moderator) counts 0.
    """
    try:
        comment = _locked(comment)
    except Comment.DoesNotExist:
        return 0
    subtree = comment.get_descendants(include_self=True)
    approved = subtree.filter(status=Comment.Status.APPROVED).count()
    count = comment.get_descendant_count() + 1
    comment.delete()  # django-mptt closes the gap in this thread only
    if not comment.is_root_node():
        _thread_changed(comment.tree_id)
    discussion_changed(comment.article_id, comments=-approved, threads=-int(comment.is_root_node()))
    return count


@transaction.atomic
def edit_comment(
    comment: Comment, *, body: str, author_name: str | None = None, by_moderator: bool = False
) -> Comment:
    """Replace the comment's text (re-rendered on save) and mark it edited.

    Its author may edit only while it is shown; a moderator (the admin) may fix any comment.
    """
    comment = _locked(comment)
    if not by_moderator and not comment.is_approved:
        raise CommentRefused("This comment can no longer be edited.")
    comment.body = body
    comment.author_name = author_name or comment.author_name
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "author_name", "edited_at"])
    _thread_changed(comment.tree_id)
    discussion_changed(comment.article_id)
    return comment


@transaction.atomic
def restore_comment(comment: Comment, *, moderator: AbstractBaseUser | None) -> Comment:
    """Put a removed, rejected or spam comment back in the thread, approved."""
    return _moderate(comment, Comment.Status.APPROVED, moderator)


@transaction.atomic
def remove_thread(comment: Comment, *, moderator: AbstractBaseUser | None) -> int:
    """Remove the comment and every reply below it (rows kept, hidden); return how many changed."""
    comment = _locked(comment)
    now = timezone.now()
    below = Comment.objects.filter(tree_id=comment.tree_id, lft__gte=comment.lft, rght__lte=comment.rght)
    Report.objects.filter(comment__in=below, resolved_at__isnull=True).update(resolved_at=now)
    approved = below.filter(status=Comment.Status.APPROVED).count()
    # Status only: the nested-set numbers do not change, so a plain UPDATE is safe under the lock.
    changed = below.exclude(status=Comment.Status.REMOVED).update(
        status=Comment.Status.REMOVED, moderated_by=moderator, moderated_at=now, report_count=0
    )
    _thread_changed(comment.tree_id)
    discussion_changed(comment.article_id, comments=-approved)
    return changed


class AlreadyReported(CommentRefused):
    """This reader has reported this comment before."""


@transaction.atomic
def report_comment(
    comment: Comment,
    *,
    reporter_key: str,
    reason: str,
    text: str = "",
    user: AbstractBaseUser | None = None,
) -> tuple[Report, bool]:
    """Record one reader's report; return it and whether the comment is now hidden for review.

    reporter_key identifies the reader ("user:<id>" or "session:<key>"): one report each.
    At the rules' report_threshold of open reports, an approved comment goes back to pending.
    """
    comment = _locked(comment)
    if not comment.is_approved:
        raise CommentRefused("This comment is already waiting for a moderator.")
    try:
        with transaction.atomic():
            report = Report.objects.create(
                comment=comment,
                reporter_key=reporter_key,
                user=user if user is not None and user.is_authenticated else None,
                reason=reason,
                text=text[:500],
            )
    except IntegrityError:
        raise AlreadyReported(
            "You have already reported this comment; a moderator will look at it."
        ) from None
    Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
    comment.refresh_from_db(fields=["report_count"])
    threshold = ModerationRules.load().report_threshold
    hidden = bool(threshold) and comment.report_count >= threshold
    if hidden:
        comment.status = Comment.Status.PENDING
        comment.hold_reason = f"Hidden after {comment.report_count} reports"
        comment.save(update_fields=["status", "hold_reason"])
        _thread_changed(comment.tree_id)
        discussion_changed(comment.article_id, comments=-1)
    return report, hidden


def ban_author(
    comment: Comment,
    *,
    moderator: AbstractBaseUser | None,
    kinds: set[str],
    reason: str = "",
    expires_at: datetime.datetime | None = None,
) -> tuple[list[Ban], list[Comment]]:
    """Ban the comment's author by account, email and/or IP address; remove their pending comments.

    Returns the bans made and the pending comments removed. Kinds the author has nothing
    for (an account for a guest, an IP address never recorded) are skipped.
    """
    targets = {
        Ban.Kind.USER: {"user_id": comment.user_id} if comment.user_id else None,
        Ban.Kind.EMAIL: {"email": comment.author_email.strip().lower()} if comment.author_email else None,
        Ban.Kind.IP: {"network": str(ipaddress.ip_network(comment.ip_address))}
        if comment.ip_address
        else None,
    }
    bans = []
    with transaction.atomic():
        for kind in sorted(kinds):
            if targets.get(kind) is None:
                continue
            if Ban.objects.active().filter(kind=kind, **targets[kind]).exists():
                continue  # banned already (two of the selected comments had the same author)
            ban = Ban(kind=kind, reason=reason, expires_at=expires_at, created_by=moderator, **targets[kind])
            ban.full_clean()
            ban.save()
            bans.append(ban)
    return bans, enforce_bans(bans, moderator=moderator)


def enforce_bans(bans: list[Ban], *, moderator: AbstractBaseUser | None) -> list[Comment]:
    """Remove the pending comments the bans cover; return them.

    Each comment is removed in its own transaction under its thread's lock, so a ban
    never holds many threads' locks at once.
    """
    removed = []
    for pending in Comment.objects.pending().order_by("tree_id", "lft"):
        if any(
            ban.covers(user_id=pending.user_id, email=pending.author_email, ip_address=pending.ip_address)
            for ban in bans
        ):
            removed.append(remove_comment(pending, moderator=moderator))
    return removed


@transaction.atomic
def delete_own_comment(comment: Comment) -> Comment | None:
    """The author takes the comment back: gone for good, or a placeholder if it has replies.

    Returns the placeholder, or None when the row was deleted.
    """
    comment = _locked(comment)
    was_approved = int(comment.is_approved)
    if comment.rght - comment.lft > 1:
        comment.status = Comment.Status.DELETED
        comment.body = ""
        comment.edited_at = timezone.now()
        comment.save(update_fields=["status", "body", "body_html", "edited_at"])
        _thread_changed(comment.tree_id)
        discussion_changed(comment.article_id, comments=-was_approved)
        return comment
    comment.delete()  # a leaf: django-mptt closes the gap in this thread only
    if not comment.is_root_node():
        _thread_changed(comment.tree_id)
    discussion_changed(comment.article_id, comments=-was_approved, threads=-int(comment.is_root_node()))
    return None
