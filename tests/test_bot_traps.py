"""Naive bots and repeated text: honeypot, minimum fill time, duplicates; every refusal logged."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from protection.forms import STAMP_SALT
from protection.models import RefusalLog
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def stamp(seconds_ago: float) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=STAMP_SALT)


def post(client, article, **data):
    fields = {"body": "A real thought.", "name": "Gina", "email": "gina@example.org", "form_stamp": stamp(30)}
    return client.post(reverse("comments:add", args=[article.slug]), {**fields, **data})


def test_article_form_carries_a_signed_stamp_and_a_hidden_honeypot(client, article, abuse_protection):
    page = client.get(article.get_absolute_url()).text

    value = re.search(r'name="form_stamp" value="([^"]+)"', page).group(1)
    assert abs(signing.loads(value, salt=STAMP_SALT) - time.time()) < 5
    assert re.search(r'<div class="trap" aria-hidden="true">.*name="website"', page)
    assert 'tabindex="-1"' in page


def test_person_filling_the_form_normally_posts(client, article, abuse_protection):
    response = post(client, article)

    assert response.status_code == 302
    assert not RefusalLog.objects.exists()


def test_filled_honeypot_is_refused_logged_and_the_text_kept(client, article, abuse_protection):
    response = post(client, article, website="http://cheap-watches.example", body="Buy now")

    assert response.status_code == 400
    assert "Your comment could not be posted" in response.text
    assert "Buy now" in response.text
    assert not Comment.objects.exists()
    log = RefusalLog.objects.get()
    assert (log.reason, log.excerpt, log.ip_address) == ("honeypot", "Buy now", "127.0.0.1")


def test_form_sent_faster_than_anyone_types_is_refused(client, article, abuse_protection):
    response = post(client, article, form_stamp=stamp(0.5))

    assert response.status_code == 400
    assert "quicker than anyone can type" in response.text
    assert not Comment.objects.exists()
    assert RefusalLog.objects.get().reason == "too_fast"


@pytest.mark.parametrize(
    "value", ["", "forged", stamp(30)[:-2] + "xx", signing.dumps(time.time() - 30, salt="another-salt")]
)
def test_missing_or_forged_stamp_is_refused_and_the_form_refreshed(client, article, abuse_protection, value):
    response = post(client, article, form_stamp=value)

    assert response.status_code == 400
    assert "it has been refreshed: please post again" in response.text
    fresh = re.search(r'name="form_stamp" value="([^"]+)"', response.text).group(1)
    assert signing.loads(fresh, salt=STAMP_SALT)
    assert not Comment.objects.exists()
    assert RefusalLog.objects.get().reason == "bad_stamp"


def test_stamp_older_than_the_form_lifetime_is_refused(client, article, abuse_protection):
    response = post(client, article, form_stamp=stamp(8 * 86400))

    assert response.status_code == 400
    assert "open for too long" in response.text


def test_guest_posting_the_same_text_again_is_refused_with_a_link_to_the_first(client, article):
    post(client, article, body="Same words.")  # from this browser: only it is told (issue 16)
    first = Comment.objects.get()

    response = post(client, article, body="Same words.", email="GINA@example.org")

    assert response.status_code == 409
    assert "You posted this same comment" in response.text
    assert f'<a href="/comments/{first.pk}/">see your comment</a>' in response.text
    assert Comment.objects.count() == 1
    assert RefusalLog.objects.get().detail == f"same text as comment {first.pk}"


def test_member_posting_the_same_text_on_another_article_is_refused(client, article):
    user = UserFactory()
    CommentFactory(body="Copy and paste", user=user)
    client.force_login(user)

    response = post(client, article, body="Copy and paste")

    assert response.status_code == 409
    assert Comment.objects.count() == 1


def test_same_text_is_welcome_after_ten_minutes(client, article):
    first = CommentFactory(article=article, body="Same words.", author_email="gina@example.org")
    Comment.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=11))

    response = post(client, article, body="Same words.")

    assert response.status_code == 302


def test_same_text_from_another_author_is_not_a_duplicate(client, article):
    CommentFactory(article=article, body="+1", author_email="other@example.org")

    response = post(client, article, body="+1")

    assert response.status_code == 302


@pytest.mark.parametrize("reply", [False, True], ids=["top-level", "reply"])
def test_duplicate_check_is_one_query_under_the_authors_lock(article, django_assert_num_queries, reply):
    from django.contrib.auth.models import AnonymousUser
    from django.db import transaction

    from comments.services.preflight import lock_and_check

    parent = CommentFactory(article=article) if reply else None
    CommentFactory(article=article, body="x", author_email="Gina@example.org")

    # The locks (the author's; the thread's for a reply), then the checks under them.
    with transaction.atomic(), django_assert_num_queries(2):
        checked = lock_and_check(
            author="email:gina@example.org",
            parent_pk=parent and parent.pk,
            defer_marks=False,
            user=AnonymousUser(),
            author_email="gina@example.org",
            body="x",
            submission_token=None,
        )

    assert checked.duplicate_pk == Comment.objects.get(body="x").pk
    assert (checked.parent_read is not None) == reply


def test_a_post_still_finds_duplicates_without_the_moderation_version_row(client, article):
    from comments.models import ModerationVersion

    ModerationVersion.objects.all().delete()
    post(client, article, body="Same words.")

    response = post(client, article, body="Same words.")

    assert response.status_code == 409
    assert Comment.objects.count() == 1


def test_guest_duplicate_lookup_uses_the_guest_index(article):
    from django.db import connection
    from django.db.models import Q

    from comments.duplicates import STAND_INS, _guest
    from comments.models import Comment

    CommentFactory(article=article, author_email="gina@example.org")
    # Other guests too: with one row every index costs the same, and the plan then hung on the
    # indexes' sizes, which earlier tests leave behind (this test failed now and then).
    for number in range(150):
        CommentFactory(article=article, author_email=f"guest{number}@example.org")
    with connection.cursor() as cursor:  # the test's transaction: SET LOCAL ends with it
        cursor.execute("ANALYZE comments_comment")  # fresh statistics, whatever ran before
        cursor.execute("SET LOCAL enable_seqscan = off")
        # The duplicate query's guest half (comments.duplicates): this author's recent same text.
        query = Comment.objects.filter(
            Q(created_at__gte=STAND_INS["since"], body="x") & _guest("Gina@example.org")
        ).order_by("-created_at")
        plan = query.explain()

    assert "comment_guest_recent_idx" in plan


def test_refusal_log_is_read_only_in_the_admin(staff_client, client, article, abuse_protection):
    post(client, article, website="spam")

    changelist = staff_client.get("/admin/protection/refusallog/")
    detail = staff_client.get(f"/admin/protection/refusallog/{RefusalLog.objects.get().pk}/change/")

    assert changelist.status_code == 200 and "Honeypot field filled" in changelist.text
    assert detail.status_code == 200 and 'type="submit"' not in detail.text.split('id="content-main"')[1]
    assert staff_client.get("/admin/protection/refusallog/add/").status_code == 403
    assert "gina@example.org" not in changelist.text + detail.text  # no email kept at all
