"""Issue 21: slow mode, branch locks, the speed limit in reported chains and newcomer rules, with
a frozen clock (every rule takes `now`) and through the reader's form."""

import datetime
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments import cooling
from comments.cooling import CoolingRefused
from comments.models import Comment
from comments.services import CommentRefused, edit_comment, remove_comment, report_comment
from comments.services.cooling import (
    lift_slow_mode,
    lock_branch,
    set_newcomer_rule,
    set_slow_mode,
    set_thread_slow_mode,
    unlock_branch,
)
from comments.services.posting import _locked_parent
from notifications.models import OutboundEmail, ReplySubscription
from tests.factories import ArticleFactory, CommentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)


def post(client, article, **data):
    data.setdefault("name", "Ann")
    data.setdefault("email", "ann@example.org")
    return client.post(reverse("comments:add", args=[article.slug]), data)


def check_at(now, *, article, email="ann@example.org", parent=None, user=None) -> Comment:
    """Run the cooling rules at `now` for a new comment as the posting path does (thread lock, chain)."""
    comment = Comment(
        article=article, user=user, author_name="Ann", author_email=email, body="Hot take", status="approved"
    )
    with transaction.atomic():
        cooling.check_new_comment(comment, _locked_parent(comment, parent), now=now)
    return comment


def written_at(comment: Comment, moment: datetime.datetime) -> Comment:
    Comment.objects.filter(pk=comment.pk).update(created_at=moment)
    comment.refresh_from_db()
    return comment


# Slow mode, article-wide


def test_slow_mode_refuses_a_second_comment_before_the_interval_and_admits_it_at_and_after():
    article = ArticleFactory()
    set_slow_mode(article, seconds=300, reason="Heated", actor=StaffFactory(), now=NOON)
    article.refresh_from_db()
    written_at(CommentFactory(article=article, author_name="Ann"), NOON)

    with pytest.raises(CoolingRefused) as before:
        check_at(NOON + datetime.timedelta(seconds=299), article=article)
    check_at(NOON + datetime.timedelta(seconds=300), article=article)
    check_at(NOON + datetime.timedelta(seconds=301), article=article)

    assert before.value.retry_after == 1
    assert "one comment every 5 minutes here" in before.value.message and "Heated" in before.value.message


def test_slow_mode_ends_by_itself_at_its_end_time():
    article = ArticleFactory()
    until = NOON + datetime.timedelta(hours=1)
    set_slow_mode(article, seconds=600, until=until, actor=StaffFactory(), now=NOON)
    article.refresh_from_db()
    written_at(CommentFactory(article=article, author_name="Ann"), until - datetime.timedelta(seconds=10))

    with pytest.raises(CoolingRefused):
        check_at(until - datetime.timedelta(seconds=1), article=article)
    check_at(until, article=article)  # at the end time: off
    check_at(until + datetime.timedelta(seconds=1), article=article)

    assert article.slow_mode_on(until - datetime.timedelta(seconds=1))
    assert not article.slow_mode_on(until)


def test_slow_mode_counts_per_author_and_exempts_staff():
    article = ArticleFactory()
    staff = StaffFactory()
    set_slow_mode(article, seconds=300, actor=staff, now=NOON)
    article.refresh_from_db()
    written_at(CommentFactory(article=article, author_name="Ann"), NOON)
    written_at(CommentFactory(article=article, author_name="Mod", user=staff), NOON)

    check_at(NOON + datetime.timedelta(seconds=5), article=article, email="bo@example.org")
    check_at(NOON + datetime.timedelta(seconds=5), article=article, user=staff, email=staff.email)


def test_lifting_slow_mode_admits_at_once_and_both_changes_are_in_the_admin_history():
    article = ArticleFactory()
    staff = StaffFactory()
    set_slow_mode(article, seconds=300, reason="Heated", actor=staff, now=NOON)
    written_at(CommentFactory(article=article, author_name="Ann"), NOON)

    article = lift_slow_mode(article, actor=staff, reason="Calm again")

    check_at(NOON + datetime.timedelta(seconds=5), article=article)
    history = list(LogEntry.objects.filter(object_id=str(article.pk)).order_by("pk"))
    assert [entry.user_id for entry in history] == [staff.pk, staff.pk]
    assert '"seconds": 0' in history[0].change_message and '"seconds": 300' in history[0].change_message
    assert "Reason: Heated" in history[0].change_message
    assert history[1].change_message.startswith("Slow mode lifted")
    assert "Calm again" in history[1].change_message


def test_slow_mode_refuses_bad_intervals_and_past_end_times():
    article = ArticleFactory()

    with pytest.raises(CommentRefused):
        set_slow_mode(article, seconds=0, actor=StaffFactory(), now=NOON)
    with pytest.raises(CommentRefused):
        set_slow_mode(article, seconds=60, until=NOON, actor=StaffFactory(), now=NOON)


def test_slow_mode_through_the_form_keeps_the_text_and_says_when_with_429(client):
    article = ArticleFactory()
    set_slow_mode(article, seconds=300, reason="Tempers are high", actor=StaffFactory())
    assert post(client, article, body="First thought").status_code == 302

    response = post(client, article, body="Second thought, kept")

    assert response.status_code == 429
    assert 290 <= int(response["Retry-After"]) <= 300
    assert "Second thought, kept" in response.text
    assert "You may post again at" in response.text and "Tempers are high" in response.text
    assert Comment.objects.count() == 1


def test_slow_mode_notice_is_shown_above_the_form_before_typing_and_goes_when_lifted(client):
    article = ArticleFactory()
    staff = StaffFactory()
    set_slow_mode(
        article, seconds=300, until=timezone.now() + datetime.timedelta(hours=2), reason="Heated", actor=staff
    )

    page = client.get(article.get_absolute_url()).text
    lift_slow_mode(article, actor=staff)
    after = client.get(article.get_absolute_url()).text

    assert "Slow mode: one comment every 5 minutes here until" in page and "— Heated" in page
    assert page.index("cooling-notices") < page.index('class="comment-form"')
    assert "Slow mode" not in after


def test_editing_is_never_blocked_by_slow_mode(client):
    article = ArticleFactory()
    set_slow_mode(article, seconds=3600, actor=StaffFactory())
    post(client, article, body="Typo hre")
    comment = Comment.objects.get()

    response = client.post(reverse("comments:edit", args=[comment.pk]), {"body": "Typo here"})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Typo here"


# Slow mode in one thread


def test_thread_slow_mode_applies_inside_the_thread_only():
    article = ArticleFactory()
    root = CommentFactory(article=article, body="Hot thread")
    other = CommentFactory(article=article, body="Calm thread")
    set_thread_slow_mode(root, seconds=120, reason="Cool it", actor=StaffFactory(), now=NOON)
    written_at(CommentFactory(parent=root, author_name="Ann"), NOON)

    with pytest.raises(CoolingRefused) as refused:
        check_at(NOON + datetime.timedelta(seconds=60), article=article, parent=root)
    check_at(NOON + datetime.timedelta(seconds=60), article=article, parent=other)
    check_at(NOON + datetime.timedelta(seconds=60), article=article)  # a new thread
    check_at(NOON + datetime.timedelta(seconds=120), article=article, parent=root)

    assert "in this thread" in refused.value.message and "Cool it" in refused.value.message


# Locks


def test_a_locked_branch_refuses_replies_to_it_and_below_it_but_not_beside_it(client):
    article = ArticleFactory()
    root = CommentFactory(article=article)
    locked = CommentFactory(parent=root)
    below = CommentFactory(parent=CommentFactory(parent=locked))
    beside = CommentFactory(parent=root)
    lock_branch(locked, actor=StaffFactory(), reason="Off topic")

    refused = [post(client, article, body=f"Reply {c.pk}", parent=c.pk) for c in (locked, below)]
    admitted = [post(client, article, body=f"Reply {c.pk}", parent=c.pk) for c in (beside, root)]

    assert [r.status_code for r in refused] == [409, 409]
    assert "locked by a moderator" in refused[0].text and "Off topic" in refused[0].text
    assert "Reply " + str(locked.pk) in refused[0].text  # the text is kept
    assert [r.status_code for r in admitted] == [302, 302]


def test_a_lock_keeps_existing_replies_shows_on_every_affected_comment_and_unlock_restores(client):
    article = ArticleFactory()
    staff = StaffFactory()
    locked = CommentFactory(article=article, body="Locked top")
    child = CommentFactory(parent=locked, body="Existing reply")
    free = CommentFactory(article=article, body="Free thread")
    lock_branch(locked, actor=staff, reason="Heated")

    page = client.get(article.get_absolute_url()).text
    reply_page = client.get(reverse("comments:reply", args=[child.pk]))
    permalink = client.get(reverse("comments:thread", args=[child.pk])).text
    unlock_branch(locked, actor=staff)
    after = client.get(article.get_absolute_url()).text

    assert "Existing reply" in page
    assert page.count("Replies locked") == 2 and "Replies locked: Heated" in page
    assert reverse("comments:reply", args=[locked.pk]) not in page
    assert reverse("comments:reply", args=[child.pk]) not in page
    assert reverse("comments:reply", args=[free.pk]) in page
    assert 'name="body"' not in reply_page.text and "locked by a moderator" in reply_page.text
    assert "Replies locked" in permalink and reverse("comments:reply", args=[child.pk]) not in permalink
    assert "Replies locked" not in after and reverse("comments:reply", args=[child.pk]) in after


def test_the_author_may_still_edit_inside_a_locked_branch(client):
    article = ArticleFactory()
    root = CommentFactory(article=article)
    post(client, article, body="Mine, with a tpyo", parent=root.pk)
    mine = Comment.objects.get(body="Mine, with a tpyo")
    lock_branch(root, actor=StaffFactory())

    response = client.post(reverse("comments:edit", args=[mine.pk]), {"body": "Mine, with a typo fixed"})

    assert response.status_code == 302
    assert Comment.objects.get(pk=mine.pk).body == "Mine, with a typo fixed"


def test_staff_may_reply_in_a_locked_branch(client):
    staff = StaffFactory()
    root = CommentFactory()
    lock_branch(root, actor=staff)
    client.force_login(staff)

    response = post(client, root.article, body="Moderator note", parent=root.pk)

    assert response.status_code == 302


def test_lock_and_unlock_are_in_the_admin_history_with_actor_and_reason():
    staff = StaffFactory()
    comment = CommentFactory()

    lock_branch(comment, actor=staff, reason="Flame war")
    unlock_branch(comment, actor=staff, reason="Settled")

    history = LogEntry.objects.filter(object_id=str(comment.pk)).order_by("pk")
    messages = list(history.values_list("change_message", flat=True))
    assert messages[0].startswith("Branch locked") and "Flame war" in messages[0]
    assert messages[1].startswith("Branch unlocked") and "Settled" in messages[1]


def test_editing_a_comment_below_a_lock_is_allowed_by_the_service():
    root = CommentFactory()
    child = CommentFactory(parent=root)
    lock_branch(root, actor=StaffFactory())

    edited = edit_comment(child, body="Still editable")

    assert edited.body == "Still editable"


# The speed limit in reported chains


@pytest.mark.parametrize("reports", [1, 2, 5])
def test_a_reported_chain_makes_everyone_in_it_wait_two_plus_reports_minutes(reports):
    article = ArticleFactory()
    root = CommentFactory(article=article)
    middle = CommentFactory(parent=root)
    Comment.objects.filter(pk=root.pk).update(report_count=reports - 1)
    Comment.objects.filter(pk=middle.pk).update(report_count=1)
    written_at(CommentFactory(parent=middle, author_name="Ann"), NOON)
    wait = (2 + reports) * 60

    with pytest.raises(CoolingRefused) as refused:
        check_at(NOON + datetime.timedelta(seconds=wait - 1), article=article, parent=middle)
    check_at(NOON + datetime.timedelta(seconds=wait), article=article, parent=middle)

    assert cooling.speed_limit_seconds(reports) == wait
    assert refused.value.retry_after == 1
    assert f"waits {2 + reports} minutes" in refused.value.message


def test_no_speed_limit_without_reports_or_in_a_sibling_branch():
    article = ArticleFactory()
    root = CommentFactory(article=article)
    reported = CommentFactory(parent=root)
    sibling = CommentFactory(parent=root)
    Comment.objects.filter(pk=reported.pk).update(report_count=3)
    written_at(CommentFactory(parent=sibling, author_name="Ann"), NOON)

    check_at(NOON + datetime.timedelta(seconds=1), article=article, parent=sibling)

    assert cooling.speed_limit_seconds(0) == 0


def test_a_report_through_the_service_starts_the_speed_limit_and_the_reply_form_says_so(client):
    article = ArticleFactory()
    root = CommentFactory(article=article)
    report_comment(root, reporter_key="r1", reason="abuse", network="10.0.0.1")
    post(client, article, body="First reply", parent=root.pk)

    reply_page = client.get(reverse("comments:reply", args=[root.pk])).text
    second = post(client, article, body="Second reply", parent=root.pk)

    assert "Speed limit: this part of the discussion has 1 open report" in reply_page
    assert second.status_code == 429 and "Second reply" in second.text


# Newcomers


def test_newcomer_rule_holds_a_first_time_guest_and_lets_a_verified_returning_guest_through():
    article = ArticleFactory()
    set_newcomer_rule(article, rule="hold", actor=StaffFactory())
    article.refresh_from_db()
    earlier = CommentFactory(author_name="Vera", author_email="vera@example.org")
    ReplySubscription.objects.create(comment=earlier, email="VERA@example.org", confirmed_at=timezone.now())
    CommentFactory(author_name="Una", author_email="una@example.org")  # approved, never verified

    newcomer = check_at(NOON, article=article, email="new@example.org")
    returning = check_at(NOON, article=article, email="vera@example.org")
    unverified = check_at(NOON, article=article, email="una@example.org")

    assert newcomer.status == Comment.Status.PENDING and "First-time" in newcomer.hold_reason
    assert returning.status == Comment.Status.APPROVED
    assert unverified.status == Comment.Status.PENDING


def test_newcomer_accounts_are_young_or_without_an_approved_comment():
    article = ArticleFactory()
    set_newcomer_rule(article, rule="collapse", actor=StaffFactory())
    article.refresh_from_db()
    young = UserFactory(date_joined=NOON - datetime.timedelta(days=1))
    CommentFactory(user=young, author_name="Young")
    silent = UserFactory(date_joined=NOON - datetime.timedelta(days=30))
    regular = UserFactory(date_joined=NOON - datetime.timedelta(days=30))
    CommentFactory(user=regular, author_name="Regular")

    folded = [
        check_at(NOON, article=article, user=u, email=u.email).first_time for u in (young, silent, regular)
    ]

    assert folded == [True, True, False]


def test_newcomer_rule_ends_at_its_end_time():
    article = ArticleFactory()
    set_newcomer_rule(article, rule="hold", until=NOON, actor=StaffFactory())
    article.refresh_from_db()

    before = check_at(NOON - datetime.timedelta(seconds=1), article=article, email="new@example.org")
    at = check_at(NOON, article=article, email="new@example.org")

    assert before.status == Comment.Status.PENDING
    assert at.status == Comment.Status.APPROVED


def test_collapsed_newcomer_comments_sit_in_details_labelled_first_time_commenter(client):
    article = ArticleFactory()
    set_newcomer_rule(article, rule="collapse", actor=StaffFactory())

    post(client, article, body="Hello, first time here", name="Nia", email="nia@example.org")

    comment = Comment.objects.get()
    page = client.get(article.get_absolute_url()).text
    assert comment.first_time and comment.status == Comment.Status.APPROVED
    assert '<details class="first-time"><summary>Comment from a first-time commenter</summary>' in page
    assert page.count('<details class="first-time">') == 1


# After removal


def test_a_removed_comment_names_its_category_and_its_subscribed_author_is_told(client):
    article = ArticleFactory()
    comment = CommentFactory(article=article, body="Nasty words", author_email="gus@example.org")
    CommentFactory(parent=comment, body="A reply that stays")
    ReplySubscription.objects.create(comment=comment, email="gus@example.org", confirmed_at=timezone.now())
    report_comment(comment, reporter_key="a", reason="abuse", network="10.0.1.0")
    report_comment(comment, reporter_key="b", reason="abuse", network="10.0.2.0")
    report_comment(comment, reporter_key="c", reason="spam", network="10.0.3.0")

    remove_comment(comment, moderator=StaffFactory())

    page = client.get(article.get_absolute_url()).text
    assert "This comment was removed by a moderator (removed: abuse)." in page
    assert "A reply that stays" in page and "Nasty words" not in page
    email = OutboundEmail.objects.get(to="gus@example.org")
    assert email.key.startswith(f"removed:{comment.pk}:s")
    assert "(removed: abuse)" in email.body and "Nasty words" in email.body
    assert "Stop these emails" in email.body


def test_a_removal_without_reports_keeps_the_plain_placeholder_and_mails_no_one(client):
    comment = CommentFactory(body="Off")
    CommentFactory(parent=comment)

    remove_comment(comment, moderator=StaffFactory(), category="off-topic")
    silent = CommentFactory(body="Other")
    CommentFactory(parent=silent)
    remove_comment(silent, moderator=StaffFactory())

    page = client.get(comment.article.get_absolute_url()).text
    assert "(removed: off-topic)" in page
    assert (
        client.get(silent.article.get_absolute_url()).text.count("This comment was removed by a moderator.")
        == 1
    )
    assert not OutboundEmail.objects.filter(key__startswith="removed:").exists()


def test_the_shared_page_drops_the_slow_mode_notice_when_it_ends_with_no_write(client):
    article = ArticleFactory()
    until = timezone.now() + datetime.timedelta(hours=1)
    set_slow_mode(article, seconds=300, until=until, actor=StaffFactory())
    assert "Slow mode:" in client.get(article.get_absolute_url()).text  # now cached

    # Time passes: the end time is behind us, and nothing was written (updated_at unchanged).
    ended = timezone.now() - datetime.timedelta(seconds=1)
    Article.objects.filter(pk=article.pk).update(slow_mode_until=ended)

    assert "Slow mode:" not in client.get(article.get_absolute_url()).text


def test_the_newcomer_rule_is_said_above_the_form_and_goes_when_it_ends_with_no_write(client):
    article = ArticleFactory()
    until = timezone.now() + datetime.timedelta(hours=1)
    set_newcomer_rule(article, rule="hold", until=until, actor=StaffFactory())

    before = client.get(article.get_absolute_url()).text
    Article.objects.filter(pk=article.pk).update(
        newcomer_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    after = client.get(article.get_absolute_url()).text

    assert "New here? On this article, a first comment waits for a moderator" in before
    assert "New here?" not in after


def test_the_demo_shows_a_heated_article_with_slow_mode_and_a_locked_branch(client):
    call_command("loaddemo", stdout=io.StringIO())

    article = Article.objects.get(slug="harbour-district-goes-car-free")
    page = client.get(article.get_absolute_url()).text
    assert article.is_slow_mode_on and article.slow_mode_seconds == 300
    assert "Slow mode: one comment every 5 minutes here" in page
    assert Comment.objects.filter(article=article, locked_at__isnull=False).count() == 1
    assert "Replies locked: a personal back-and-forth" in page


def test_the_admin_remove_action_takes_a_category_for_the_placeholder(staff_client):
    comment = CommentFactory(body="Way off")
    CommentFactory(parent=comment, body="Reply")

    staff_client.post(
        reverse("admin:comments_comment_changelist"),
        {
            "action": "remove_comments",
            "_selected_action": [comment.pk],
            "category": "off-topic",
            "reason": "",
        },
    )

    assert Comment.objects.get(pk=comment.pk).removal_category == "off-topic"
