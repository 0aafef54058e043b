"""Concurrent writers, each on its own database connection: nothing lost, nothing duplicated,
no tree corrupted (DESIGN.md invariants 1, 2 and 6; issue 3).

Every thread drives the real view through Django's test client (form, service, thread lock,
PostgreSQL) and closes its connection when it ends. transactional_db: the writers must see
each other's commits, which the usual test transaction would hide.
"""

import random
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments import moderation, services
from comments.checks import find_tree_problems
from comments.models import Comment
from notifications.models import ReplySubscription
from tests.factories import ArticleFactory, CommentFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 8
POSTS_PER_WRITER = 40


@dataclass
class Post:
    body: str
    parent: int | None
    token: uuid.UUID
    email: str = "stress@example.org"
    status: int = 0
    pk: int | None = None  # set from the redirect when the post was acknowledged


def run_in_threads(work, count: int) -> list[BaseException]:
    """Run work(i) in `count` threads released at the same instant; return what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(i):
        try:
            barrier.wait()
            work(i)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return errors


def send(client: Client, article, post: Post) -> None:
    data = {"body": post.body, "name": "Stress", "email": post.email, "token": str(post.token)}
    if post.parent is not None:
        data["parent"] = str(post.parent)
    response = client.post(reverse("comments:add", args=[article.slug]), data)
    post.status = response.status_code
    if response.status_code == 302:
        post.pk = int(response["Location"].rsplit("#comment-", 1)[1])


def test_concurrent_replies_top_level_posts_and_moderation_lose_and_corrupt_nothing():
    article = ArticleFactory()
    moderator = StaffFactory()
    hot = CommentFactory(article=article, body="The hot thread")
    hot_pool = [hot] + [CommentFactory(parent=hot) for _ in range(5)]
    roots = [CommentFactory(article=article) for _ in range(10)]
    spread_pool = roots + [CommentFactory(parent=root) for root in roots]
    # Moderated while the writers reply around them (and, for the removed ones, to them).
    to_remove = [CommentFactory(parent=hot_pool[i % 3]) for i in range(4)]
    to_remove += [CommentFactory(parent=roots[i]) for i in range(4)]
    to_approve = [CommentFactory(parent=hot_pool[i % 4], status=Comment.Status.PENDING) for i in range(4)]
    to_approve += [CommentFactory(parent=roots[i], status=Comment.Status.PENDING) for i in range(4)]
    # Deleted with their subtrees: inside the hot thread (its numbers close up while replies
    # open them) and whole threads. Nobody replies into them.
    doomed = []
    for i in range(4):
        doomed.append(CommentFactory(parent=hot_pool[i + 1]))
        CommentFactory(parent=CommentFactory(parent=doomed[-1]))
    for _ in range(4):
        doomed.append(CommentFactory(article=article))
        CommentFactory(parent=doomed[-1])
    doomed_pks = set()
    for comment in doomed:
        comment.refresh_from_db()
        doomed_pks |= set(comment.get_descendants(include_self=True).values_list("pk", flat=True))
    kept = set(Comment.objects.values_list("pk", flat=True)) - doomed_pks
    hot_pks = [c.pk for c in hot_pool + to_remove[:4]]
    spread_pks = [c.pk for c in spread_pool + to_remove[4:]]
    moderation = (
        [("remove", c) for c in to_remove]
        + [("approve", c) for c in to_approve]
        + [("delete", c) for c in doomed]
    )
    random.Random(3).shuffle(moderation)
    pools_lock = threading.Lock()
    posts: list[list[Post]] = [[] for _ in range(WRITERS)]

    def writer(i):
        rng = random.Random(i)
        client = Client()
        jobs = moderation[i::WRITERS]
        every = POSTS_PER_WRITER // (len(jobs) + 1)
        for n in range(POSTS_PER_WRITER):
            if jobs and n and n % every == 0:
                action, comment = jobs.pop()
                if action == "remove":
                    services.remove_comment(comment, moderator=moderator)
                elif action == "approve":
                    services.approve_comment(comment, moderator=moderator)
                else:
                    services.delete_comment(comment)
            kind = rng.random()
            with pools_lock:
                pool = hot_pks if kind < 0.4 else spread_pks if kind < 0.75 else None
                parent = rng.choice(pool) if pool else None
            post = Post(body=f"stress {i}-{n}", parent=parent, token=uuid.uuid4())
            posts[i].append(post)
            send(client, article, post)
            if post.pk is not None and pool is not None:
                with pools_lock:
                    pool.append(post.pk)

    errors = run_in_threads(writer, WRITERS)

    assert errors == []
    sent = [post for writer_posts in posts for post in writer_posts]
    acknowledged = [post for post in sent if post.status == 302]
    refused = [post for post in sent if post.status != 302]
    assert len(sent) == WRITERS * POSTS_PER_WRITER
    assert len(acknowledged) > 0.9 * len(sent)
    removed = {c.pk for c in to_remove}
    # The only refusals: replies to a comment a moderator removed first (400 from the form's
    # check, 409 from the check under the lock).
    assert {(post.status in (400, 409), post.parent in removed) for post in refused} <= {(True, True)}
    assert find_tree_problems() == []
    stored = Comment.objects.filter(body__startswith="stress ")
    assert sorted(stored.values_list("pk", "parent_id", "body")) == sorted(
        (post.pk, post.parent, post.body) for post in acknowledged
    )
    assert len({post.pk for post in acknowledged}) == len(acknowledged)
    assert not Comment.objects.filter(submission_token__in=[post.token for post in refused]).exists()
    assert set(Comment.objects.exclude(body__startswith="stress ").values_list("pk", flat=True)) == kept
    statuses = dict(
        Comment.objects.filter(pk__in=removed | {c.pk for c in to_approve}).values_list("pk", "status")
    )
    assert {statuses[c.pk] for c in to_remove} == {Comment.Status.REMOVED}
    assert {statuses[c.pk] for c in to_approve} == {Comment.Status.APPROVED}
    new_threads = [post for post in acknowledged if post.parent is None]
    assert len(set(Comment.objects.filter(pk__in=[p.pk for p in new_threads]).values_list("tree_id"))) == len(
        new_threads
    )


@pytest.mark.parametrize("reply", [False, True], ids=["top-level", "reply"])
@pytest.mark.parametrize(
    "emails",
    # One author: the second waits on the author's lock and finds the first. An email edited in
    # between: two authors, so the unique token refuses the second row and the view rolls back.
    [("stress@example.org",) * 2, ("stress@example.org", "edited@example.org")],
    ids=["same-author", "edited-email"],
)
def test_the_same_form_sent_twice_at_once_stores_one_comment_and_both_land_on_it(reply, emails):
    article = ArticleFactory()
    parent = CommentFactory(article=article) if reply else None

    for attempt in range(4):
        token = uuid.uuid4()
        twins = [
            Post(body=f"twice {attempt}", parent=parent and parent.pk, token=token, email=email)
            for email in emails
        ]
        errors = run_in_threads(lambda i, twins=twins: send(Client(), article, twins[i]), 2)

        assert errors == []
        assert [twin.status for twin in twins] == [302, 302]
        assert twins[0].pk == twins[1].pk
        assert Comment.objects.filter(submission_token=token).count() == 1
    assert Comment.objects.filter(body__startswith="twice").count() == 4
    assert find_tree_problems() == []


@pytest.mark.parametrize("through", ["view", "service"])
def test_a_twin_refused_by_the_unique_token_lands_on_the_first_comment(through):
    """The edited-email twin, made to happen: the second INSERT waits on the token's index entry."""
    article = ArticleFactory()
    token = uuid.uuid4()
    twin = Post(body="Twin", parent=None, token=token, email="edited@example.org")

    def send_the_twin():
        try:
            if through == "view":
                send(Client(), article, twin)
            else:  # the service's own transaction
                twin.pk = services.post_comment(
                    article=article,
                    body="Twin",
                    author_name="B",
                    author_email=twin.email,
                    submission_token=token,
                ).pk
                twin.status = 302
        finally:
            connection.close()

    with first_comment_held_open(article=article, body="Twin", token=token) as first:
        sender = threading.Thread(target=send_the_twin)
        sender.start()
        wait_for_a_lock_wait()  # the twin's INSERT waits for the first transaction
    sender.join(10)

    assert twin.status == 302 and twin.pk == first["comment"].pk
    assert Comment.objects.filter(submission_token=token).count() == 1
    assert find_tree_problems() == []


def test_a_reply_waiting_for_its_threads_lock_reads_the_parent_as_the_lock_holder_left_it():
    """The locks are one round trip and the checks the statement after it (comments.services.
    preflight): PostgreSQL gives that statement its own snapshot, taken once the locks are held,
    so a parent removed by the writer that held the thread's lock is seen removed."""
    article = ArticleFactory()
    parent = CommentFactory(article=article)
    moderator = StaffFactory()
    removed, release = threading.Event(), threading.Event()

    def moderator_holding_the_lock():
        try:
            with transaction.atomic():
                services.remove_comment(parent, moderator=moderator)  # under the thread's lock
                removed.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=moderator_holding_the_lock)
    holder.start()
    assert removed.wait(10)
    reply = Post(body="Too late", parent=parent.pk, token=uuid.uuid4())
    sender = threading.Thread(target=lambda: run_in_threads(lambda _: send(Client(), article, reply), 1))
    sender.start()
    wait_for_a_lock_wait()  # the reply's locks wait for the moderator's transaction
    release.set()
    holder.join(10)
    sender.join(10)

    assert reply.status == 400
    assert not Comment.objects.filter(body="Too late").exists()
    assert find_tree_problems() == []


def test_a_parent_not_there_when_the_locks_were_taken_is_not_found_even_if_committed_just_after():
    """A lock statement that finds no parent takes no lock; the statement after it could see
    the parent committed in between. It then counts as not found: no reply without the lock."""
    from django.contrib.auth.models import AnonymousUser

    from comments.services.posting import ParentRead
    from comments.services.preflight import lock_and_check

    article = ArticleFactory()
    with connection.cursor() as cursor:  # the id the next comment gets
        cursor.execute("SELECT nextval(pg_get_serial_sequence('comments_comment', 'id')) + 1")
        pk = cursor.fetchone()[0]

    def commit_the_parent_after_the_locks(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "pg_advisory_xact_lock" in sql:
            assert run_in_threads(lambda _: CommentFactory(article=article), 1) == []
        return result

    with transaction.atomic(), connection.execute_wrapper(commit_the_parent_after_the_locks):
        checked = lock_and_check(
            author="email:ann@example.org",
            parent_pk=pk,
            defer_marks=False,
            user=AnonymousUser(),
            author_email="ann@example.org",
            body="Into the gap",
            submission_token=None,
        )

    assert Comment.objects.filter(pk=pk).exists()
    assert checked.parent_read == ParentRead(None)


@pytest.mark.parametrize("email", ["ann@example.org", "o'neil@example.org", '"a\\\\b\\"c"@example.org'])
def test_the_locks_sent_as_text_are_the_locks_bound_values_take(email):
    """The author's key is quoted into the locks' round trip (comments.services.preflight): the
    lock it takes is the one AUTHOR_LOCK_SQL takes with the key bound, whatever the email holds."""
    from django.contrib.auth.models import AnonymousUser

    from comments.duplicates import AUTHOR_LOCK_NAMESPACE, author_key
    from comments.services.preflight import lock_and_check

    parent = CommentFactory()
    key = author_key(user=None, author_email=email)
    taken_elsewhere = []

    def try_the_same_lock(_):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [AUTHOR_LOCK_NAMESPACE, key])
            taken_elsewhere.append(cursor.fetchone()[0])

    with transaction.atomic():
        lock_and_check(
            author=key,
            parent_pk=parent.pk,
            defer_marks=True,
            user=AnonymousUser(),
            author_email=email,
            body="Quoted",
            submission_token=None,
        )
        assert run_in_threads(try_the_same_lock, 1) == []

    assert taken_elsewhere == [False]


@contextmanager
def first_comment_held_open(*, article, body: str, token):
    """A comment posted with this form token by another thread, its transaction held open (its
    INSERT done, not committed) until the block ends; then committed. Yields {"comment": …}."""
    inserted, release = threading.Event(), threading.Event()
    first = {}

    def hold_the_first_open():
        try:
            with transaction.atomic():
                first["comment"] = services.post_comment(
                    article=article,
                    body=body,
                    author_name="A",
                    author_email="a@example.org",
                    submission_token=token,
                )
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_first_open)
    holder.start()
    assert inserted.wait(10)
    try:
        yield first
    finally:
        release.set()
        holder.join(10)


def wait_for_a_lock_wait(seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    pytest.fail("no statement waited on a lock")


def thread_row_versions(tree_id: int) -> dict[int, str]:
    """Each row's xmin: PostgreSQL gives a row a new one whenever an UPDATE writes it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, xmin::text FROM comments_comment WHERE tree_id = %s", [tree_id])
        return dict(cursor.fetchall())


def comment_updates_in_this_transaction() -> tuple[int, int]:
    """(rows updated, of which HOT) in comments_comment by the current transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass),"
            " pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            ["comments_comment"] * 2,
        )
        return cursor.fetchone()


@pytest.mark.parametrize("watched", [False, True], ids=["parent-unwatched", "parent-subscribed"])
def test_a_reply_updates_rows_of_its_own_thread_only_in_a_fixed_number_of_queries(client, watched):
    article = ArticleFactory()
    thread_a = CommentFactory(article=article)
    first, parent, last = (CommentFactory(parent=thread_a) for _ in range(3))
    CommentFactory(parent=first)
    if watched:
        ReplySubscription.objects.create(
            comment=parent, email="p@example.org", confirmed_at=parent.created_at
        )
    thread_b = CommentFactory(article=article)
    CommentFactory(parent=CommentFactory(parent=thread_b))
    parent.refresh_from_db()
    # The rows a last-child insert must shift: the parent, its ancestors and what follows it.
    must_shift = Comment.objects.filter(tree_id=parent.tree_id, rght__gte=parent.rght).count()
    b_before = thread_row_versions(thread_b.tree_id)
    a_before = thread_row_versions(thread_a.tree_id)
    data = {"body": "Into A", "parent": parent.pk, "name": "Ann", "email": "ann@example.org"}
    moderation.current_rules()  # this process's copy of the rules, as after any earlier post
    updated_before, hot_before = comment_updates_in_this_transaction()
    with CaptureQueriesContext(connection) as captured:
        response = client.post(reverse("comments:add", args=[article.slug]), data)
    updated_after, hot_after = comment_updates_in_this_transaction()

    assert response.status_code == 302
    # The article (posting fields); BEGIN; in one round trip the marks deferred to the COMMIT
    # (issue 23: the article's row is locked for the commit alone), the author's lock and the
    # thread's (by the parent's id); in one statement under them the duplicate check (this form's
    # token too), the moderation version (rules, terms and bans cached under it) and the parent
    # (with the redirect's count of threads before it, and whether anyone watches its replies)
    # (comments.services.preflight); the shift UPDATE and the INSERT in one statement
    # (comments.mptt_internals; no savepoint: a repeated form token dooms the transaction, the
    # view looks the first comment up after it); the notification job when the parent is
    # watched, COMMIT. The thread's version and the
    # article's counters are the trigger's (migration comments 0011), fired by the INSERT, made
    # at the COMMIT. One commit; no session: the guest's own comments go in a signed cookie.
    assert len(captured.captured_queries) == 6 + watched
    sql = [query["sql"] for query in captured.captured_queries]
    assert sql[1] == "BEGIN" and sql[-1] == "COMMIT" and sql.count("COMMIT") == 1
    assert sql[2].startswith("SET CONSTRAINTS comments_inserted_mark_changed")
    assert [statement.split("(")[0] for statement in sql[2].split("; ")[1:]] == [
        "SELECT pg_advisory_xact_lock",
        "SELECT pg_advisory_xact_lock",
    ]
    assert ('INSERT INTO "django_tasks_database_dbtaskresult"' in sql[-2]) == watched
    assert not any("django_session" in query for query in sql)
    # The shift is the one UPDATE the application sends, in the INSERT's statement (Django's log
    # shows the INSERT as the model sent it; tests/test_mptt_internals.py shows the statement):
    # rows of thread A only.
    assert not any(query.startswith('UPDATE "comments_comment"') for query in sql)
    assert sum(query.startswith('INSERT INTO "comments_comment"') for query in sql) == 1
    assert must_shift == 3
    assert thread_row_versions(thread_b.tree_id) == b_before
    a_after = thread_row_versions(thread_a.tree_id)
    assert sum(a_after.get(pk) != version for pk, version in a_before.items()) == must_shift
    # The renumbering is HOT (no index holds lft or rght): no index entry for any shifted row.
    # The root's version and reply count, which its index covers, are the one other update: the
    # trigger's, after the INSERT (the shift changes lft and rght only, which mark nothing).
    assert (updated_after - updated_before, hot_after - hot_before) == (must_shift + 1, must_shift)
    assert find_tree_problems() == []


def test_readers_and_other_articles_writers_do_not_wait_for_a_thread_being_written(client):
    article = ArticleFactory()
    busy = CommentFactory(article=article, body="Busy thread")
    other = CommentFactory(body="Other article's thread")
    locked, release = threading.Event(), threading.Event()
    timed_out = []

    def writer_holding_the_lock(_):
        with transaction.atomic():
            services.lock_thread(busy.tree_id)
            # A tree write in progress, uncommitted while the lock is held. Its trigger updated the
            # article's counters too: writers to other threads of the same article wait for this
            # COMMIT (a service's write is its transaction's last few statements), never for the
            # thread's lock; writers to other articles do not wait at all.
            Comment.objects.filter(pk=busy.pk).update(status=Comment.Status.REMOVED)
            locked.set()
            timed_out.append(not release.wait(timeout=20))

    holder = threading.Thread(target=lambda: run_in_threads(writer_holding_the_lock, 1))
    holder.start()
    assert locked.wait(timeout=20)

    page = client.get(article.get_absolute_url())
    reply = client.post(
        reverse("comments:add", args=[other.article.slug]),
        {"body": "Elsewhere", "parent": other.pk, "name": "Ann", "email": "ann@example.org"},
    )
    release.set()
    holder.join(timeout=30)

    assert timed_out == [False]  # both answered while the lock was still held
    assert page.status_code == 200 and "Busy thread" in page.text  # the last committed state
    assert reply.status_code == 302
    assert Comment.objects.get(pk=busy.pk).status == Comment.Status.REMOVED
