"""Personal data: IP addresses and user agents expire, authors can be anonymised, pages never leak."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.services.privacy import FORMER_READER, anonymise_author
from protection.models import RefusalLog
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
IPV4_RE = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6_RE = re.compile(r"(?<![:\w])(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}(?![:\w])", re.I)


def aged(comment, days):
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(days=days))
    return comment


def test_purge_erases_ip_addresses_and_user_agents_older_than_90_days(capsys):
    old = aged(CommentFactory(ip_address="198.51.100.7", user_agent="OldBrowser/1"), 91)
    recent = aged(CommentFactory(ip_address="198.51.100.8", user_agent="NewBrowser/2"), 89)
    old_log = RefusalLog.objects.create(
        reason="honeypot",
        path="/x/",
        ip_address="198.51.100.9",
        created_at=timezone.now() - timedelta(days=91),
    )

    call_command("purge_personal_data")

    old.refresh_from_db()
    recent.refresh_from_db()
    old_log.refresh_from_db()
    assert (old.ip_address, old.user_agent) == (None, "")
    assert (recent.ip_address, recent.user_agent) == ("198.51.100.8", "NewBrowser/2")
    assert old_log.ip_address is None
    assert old.body and old.author_name  # the comment itself stays
    assert "1 comments, 1 refusal log entries" in capsys.readouterr().out


def test_purge_keeps_the_days_it_is_told(settings):
    comment = aged(CommentFactory(ip_address="198.51.100.7"), 10)
    settings.PERSONAL_DATA_RETENTION_DAYS = 30

    call_command("purge_personal_data")
    kept = Comment.objects.get(pk=comment.pk).ip_address
    call_command("purge_personal_data", "--days", "7")

    assert kept == "198.51.100.7"
    assert Comment.objects.get(pk=comment.pk).ip_address is None


def test_purge_twice_changes_nothing_more(capsys):
    aged(CommentFactory(ip_address="198.51.100.7"), 100)
    call_command("purge_personal_data")

    call_command("purge_personal_data")

    assert "0 comments" in capsys.readouterr().out.splitlines()[-1]


def test_admin_action_anonymises_a_guest_everywhere_and_keeps_the_comments(staff_client):
    first = CommentFactory(author_name="Gina", author_email="gina@example.org", ip_address="192.0.2.1")
    reply = CommentFactory(parent=first, author_name="Hal", author_email="hal@example.org")
    elsewhere = CommentFactory(author_name="Gina G.", author_email="GINA@example.org", ip_address="192.0.2.2")

    response = staff_client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "anonymise_authors", "_selected_action": [first.pk]},
        follow=True,
    )

    assert "Authors anonymised: 2 comments" in response.text
    for comment in (first, elsewhere):
        comment.refresh_from_db()
        assert (comment.author_name, comment.author_email, comment.ip_address, comment.user_agent) == (
            FORMER_READER,
            "",
            None,
            "",
        )
    reply.refresh_from_db()
    assert (reply.author_name, reply.author_email) == ("Hal", "hal@example.org")
    assert Comment.objects.count() == 3 and reply.parent_id == first.pk
    assert LogEntry.objects.filter(
        object_id=str(first.pk), change_message="Author anonymised on request."
    ).exists()
    page = staff_client.get(first.article.get_absolute_url()).text
    assert FORMER_READER in page and "Gina" not in page


def test_anonymising_a_member_erases_the_account_email_and_names_too():
    user = UserFactory(first_name="Carla", last_name="Diaz", email="carla@example.org")
    comment = CommentFactory(user=user, ip_address="192.0.2.3")
    guest_before_sign_up = CommentFactory(author_email="carla@example.org")
    RefusalLog.objects.create(
        reason="rate_limit", path="/x/", user=user, ip_address="192.0.2.3", excerpt="hi"
    )

    count = anonymise_author(comment)

    user.refresh_from_db()
    assert count == 2
    assert (user.email, user.first_name, user.last_name) == ("", "", "")
    assert Comment.objects.get(pk=guest_before_sign_up.pk).author_name == FORMER_READER
    assert RefusalLog.objects.get().ip_address is None


def test_anonymising_a_guest_without_email_touches_only_that_comment():
    lone = CommentFactory(author_email="")
    other = CommentFactory(author_email="")

    assert anonymise_author(lone) == 1
    assert Comment.objects.get(pk=other.pk).author_name != FORMER_READER


# Every public page; feeds (another branch) go in here as they arrive: one line each.
PUBLIC_PAGES = [
    lambda data: "/",
    lambda data: data["article"].get_absolute_url(),
    lambda data: data["article"].get_absolute_url() + "?sort=newest",
    lambda data: data["article"].get_absolute_url() + "?sort=replies&page=1",
    lambda data: data["other"].get_absolute_url(),
    lambda data: reverse("comments:thread", args=[data["root"].pk]),
    lambda data: reverse("comments:thread", args=[data["reply"].pk]),
    lambda data: reverse("comments:reply", args=[data["root"].pk]),
    lambda data: reverse("comments:reply", args=[data["reply"].pk]),
    lambda data: reverse("login"),
    lambda data: reverse("login") + "?next=/articles/",
]


@pytest.fixture
def discussion():
    article = ArticleFactory()
    member = UserFactory(username="memberx", email="member.secret@example.org")
    root = CommentFactory(
        article=article,
        author_name="Gina",
        author_email="gina.secret@example.org",
        ip_address="203.0.113.77",
        user_agent="Mozilla/5.0 SecretAgent",
    )
    reply = CommentFactory(parent=root, user=member, ip_address="2001:db8::1234")
    CommentFactory(parent=reply, author_email="deep.secret@example.org", ip_address="198.51.100.200")
    other = ArticleFactory()
    CommentFactory(article=other, author_email="other.secret@example.org", ip_address="192.0.2.250")
    return {"article": article, "other": other, "root": root, "reply": reply}


@pytest.mark.parametrize("page", range(len(PUBLIC_PAGES)))
def test_no_public_page_shows_an_email_or_ip_address(client, discussion, page):
    url = PUBLIC_PAGES[page](discussion)

    response = client.get(url)

    assert response.status_code == 200, url
    html = response.content.decode()
    assert not EMAIL_RE.findall(html), url
    assert not IPV4_RE.findall(html), url
    assert not IPV6_RE.findall(html), url
    assert "secret" not in html.lower(), url  # no address, no user agent, in any form


def every_table_dumped() -> str:
    """Every row of every table of the database, as text (what a backup would hold)."""
    from django.db import connection

    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.append(f"{table}: {cursor.fetchall()!r}")
    return "\n".join(dump).lower()


def cache_dumped() -> str:
    """Every key and value of this process's caches (local memory in the tests), as text."""
    import pickle

    from django.core.cache import caches

    dump = []
    for backend in caches.all():
        for key, value in getattr(backend, "_cache", {}).items():
            value = pickle.loads(value) if isinstance(value, bytes) else value
            dump.append(f"{key}: {value!r}")
    return "\n".join(dump).lower()


@pytest.fixture
def guest_who_left_traces(staff_client, abuse_protection, settings):
    """A guest with everything the site keeps about them: comments, a refusal, a subscription,
    mail in the outbox, a moderator's history about them, rate limits and cached pages."""
    from django.test import Client

    from comments import services

    settings.COMMENT_MIN_FILL_SECONDS = 0
    client = Client()  # the guest's browser (staff_client is the moderator's)
    article = ArticleFactory()
    identity = {"name": "Tracy Trace", "email": "tracy.trace@example.org", "REMOTE_ADDR": "203.0.113.45"}
    form = {"body": "I was here", "name": identity["name"], "email": identity["email"]}
    form["notify_replies"] = "on"
    response = client.post(
        reverse("comments:add", args=[article.slug]), form, REMOTE_ADDR=identity["REMOTE_ADDR"]
    )
    assert response.status_code == 302, response.text
    mine = Comment.objects.get(author_email=identity["email"])
    refused = client.post(
        reverse("comments:add", args=[article.slug]),
        {**form, "body": "Again and again"},
        REMOTE_ADDR=identity["REMOTE_ADDR"],
    )
    assert refused.status_code == 429  # the rate limit: a refusal logged with the address
    services.approve_comment(mine, moderator=None)
    staff_client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "approve_comments", "_selected_action": [mine.pk]},
    )
    reply = services.post_comment(article=article, parent=mine, body="Reply", author_name="Rob", trusted=True)
    client.get(article.get_absolute_url())  # pages cached with the name
    from notifications.models import OutboundEmail, ReplySubscription

    assert ReplySubscription.objects.filter(email=identity["email"]).exists()
    assert OutboundEmail.objects.filter(to=identity["email"]).exists()
    assert RefusalLog.objects.filter(ip_address=identity["REMOTE_ADDR"]).exists()
    assert LogEntry.objects.filter(object_id=str(mine.pk)).exists()
    dump = every_table_dumped()
    assert identity["email"] in dump and identity["REMOTE_ADDR"] in dump and "tracy trace" in dump
    return {"article": article, "comment": mine, "reply": reply, **identity}


def test_after_anonymising_no_table_holds_the_email_or_the_ip_address(guest_who_left_traces):
    traces = guest_who_left_traces

    anonymise_author(traces["comment"])

    dump = every_table_dumped()
    assert traces["email"] not in dump
    assert traces["REMOTE_ADDR"] not in dump
    assert "tracy trace" not in dump
    assert traces["email"] not in cache_dumped() and traces["REMOTE_ADDR"] not in cache_dumped()
    assert Comment.objects.get(pk=traces["reply"].pk).parent_id == traces["comment"].pk  # the thread stays


def test_after_the_purge_no_table_holds_the_ip_address_or_mail_to_the_address(guest_who_left_traces):
    from notifications.models import OutboundEmail

    traces = guest_who_left_traces
    OutboundEmail.objects.update(status=OutboundEmail.Status.SENT)

    call_command("purge_personal_data", "--days", "0")

    dump = every_table_dumped()
    assert traces["REMOTE_ADDR"] not in dump
    assert not OutboundEmail.objects.filter(to=traces["email"]).exists()
    assert traces["REMOTE_ADDR"] not in cache_dumped()


def test_the_purge_keeps_mail_still_to_be_sent_and_live_subscriptions(guest_who_left_traces):
    from notifications.models import OutboundEmail, ReplySubscription

    ReplySubscription.objects.update(confirmed_at=timezone.now())

    call_command("purge_personal_data", "--days", "0")

    assert OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).exists()
    assert ReplySubscription.objects.active().exists()


def test_the_purge_erases_addresses_from_the_history_but_not_times():
    from comments.services.privacy import _erase_ip

    erased = _erase_ip("Author banned (IP 203.0.113.0/24) until 10:30:00")
    assert erased == "Author banned (IP [erased]) until 10:30:00"
    assert _erase_ip("from 2001:db8::1 at 12:00") == "from [erased] at 12:00"
