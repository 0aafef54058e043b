"""The moderation desk (issue 19): whole comments in context, decisions in place, undo, the thread."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.core import mail, signing
from django.urls import reverse

from comments import services
from comments.desk import UNDO_SALT
from comments.models import Comment, Report
from comments.services import report_comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.moderation]

DESK = reverse("admin:comments_comment_desk")
JSON = {"HTTP_ACCEPT": "application/json"}
STATUS_OF = {"approve": "approved", "spam": "spam"}


def decide_url(comment) -> str:
    return reverse("admin:comments_comment_decide", args=[comment.pk])


def decide(client, comment, decision, state=None, **extra):
    state = services.moderation_state(comment) if state is None else state
    return client.post(decide_url(comment), {"decision": decision, "state": state, **extra}, **JSON)


def history(comment) -> list[str]:
    return [e.get_change_message() for e in LogEntry.objects.filter(object_id=str(comment.pk)).order_by("pk")]


def test_desk_shows_each_comment_whole_with_parent_article_history_and_reasons(staff_client):
    article = ArticleFactory(title="Harbour plans")
    parent = CommentFactory(
        article=article, author_name="Ida", body="My daughter starts at the school. " * 20
    )
    for status in ["approved", "approved", "rejected", "spam"]:
        CommentFactory(author_name="Max", author_email="max@example.org", status=status)
    long_tail = "Fine words for a while. " * 12 + "And then the insult comes at the very end."
    held = CommentFactory(
        article=article,
        parent=parent,
        author_name="Max",
        author_email="max@example.org",
        body=long_tail,
        status=Comment.Status.PENDING,
    )
    report_comment(CommentFactory(article=article, body="Reported one"), reporter_key="s:a", reason="abuse")

    page = staff_client.get(DESK).text

    assert "Harbour plans" in page
    assert "And then the insult comes at the very end." in page  # past the old 240-character cut
    assert page.count("My daughter starts at the school.") == 20  # the parent in full
    assert "2 approved · 1 pending · 1 rejected · 1 spam" in page  # Max's history
    assert "Abusive or hateful" in page and "Reported one" in page
    assert f'id="desk-{held.pk}"' in page and 'aria-keyshortcuts="a"' in page


def test_desk_shows_hold_reason_and_folds_only_very_long_comments(staff_client, article):
    short = services.post_comment(
        article=article, body="First words here.", author_name="New", author_email="n@x.org"
    )
    huge = services.post_comment(
        article=article, body="Very long. " * 200, author_name="Newer", author_email="m@x.org"
    )

    page = staff_client.get(DESK).text

    assert short.hold_reason == "First comment by this author" and "First comment by this author" in page
    assert page.count("<details>") == 1 and f"Show the whole comment ({len(huge.body)} characters)" in page
    assert huge.status == Comment.Status.PENDING


@pytest.mark.parametrize("rows", [3, 30])
def test_desk_query_count_does_not_grow_with_its_rows(staff_client, django_assert_num_queries, rows):
    article = ArticleFactory()
    staff_client.get(DESK)
    for n in range(rows):
        parent = CommentFactory(article=article)
        CommentFactory(parent=parent, author_email=f"a{n}@example.org", status="pending")
        report_comment(parent, reporter_key=f"session:{n}", reason="spam")

    # session, user, the rows (with article, parent, user), their open reports, the authors' histories
    with django_assert_num_queries(5):
        response = staff_client.get(DESK)

    assert response.text.count('class="desk-item"') == 2 * rows


def test_a_decision_acts_in_place_and_is_in_the_history_with_its_reason(staff_client, staff):
    comment = CommentFactory(status=Comment.Status.PENDING, author_name="Pia")
    other = CommentFactory(status=Comment.Status.PENDING)

    response = decide(staff_client, comment, "spam", reason="Link farm")

    assert response.status_code == 200
    assert response.json()["message"] == "Comment by Pia marked as spam." and response.json()["waiting"] == 1
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM and comment.moderated_by == staff
    assert history(comment) == ["Comment marked as spam. Reason: Link farm"]
    assert Comment.objects.get(pk=other.pk).status == Comment.Status.PENDING


def test_a_decision_without_the_script_posts_the_form_and_lands_back_on_the_desk(staff_client):
    comment = CommentFactory(status=Comment.Status.PENDING, author_name="Pia")

    response = staff_client.post(
        decide_url(comment), {"decision": "approve", "state": services.moderation_state(comment)}, follow=True
    )

    assert response.redirect_chain == [(DESK, 302)]
    assert "Comment by Pia approved." in response.text
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.APPROVED


def test_a_decision_on_a_comment_changed_meanwhile_is_refused_with_409_and_changes_nothing(
    staff_client, client
):
    comment = CommentFactory(status=Comment.Status.PENDING)
    seen = services.moderation_state(comment)
    services.reject_comment(comment, moderator=None)  # another moderator, first

    as_json = decide(staff_client, comment, "approve", state=seen)
    as_page = staff_client.post(decide_url(comment), {"decision": "approve", "state": seen})

    assert as_json.status_code == 409 and "changed since you saw it" in as_json.json()["error"]
    assert as_page.status_code == 409 and "changed since you saw it" in as_page.text
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REJECTED
    assert history(comment) == []


def test_a_new_report_since_the_desk_was_shown_refuses_the_decision(staff_client):
    comment = CommentFactory()
    # Guests count once per network (issue 16): two readers on two networks.
    report_comment(comment, reporter_key="session:a", reason="spam", network="192.0.2.1")
    comment.refresh_from_db()
    seen = services.moderation_state(comment)
    report_comment(
        comment, reporter_key="session:b", reason="abuse", text="Threatens a reader", network="192.0.2.2"
    )

    response = decide(staff_client, comment, "approve", state=seen)

    assert response.status_code == 409
    assert Report.objects.filter(resolved_at__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("data", "status"),
    [({"decision": "publish", "state": "x"}, 400), ({"decision": "approve"}, 400), ({}, 400)],
)
def test_bad_decisions_get_a_clear_400(staff_client, data, status):
    comment = CommentFactory(status=Comment.Status.PENDING)

    response = staff_client.post(decide_url(comment), data, **JSON)

    assert response.status_code == status and "Choose Approve" in response.json()["error"]
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PENDING


def test_deciding_a_deleted_comment_is_a_404_with_a_message(staff_client):
    comment = CommentFactory(status=Comment.Status.PENDING)
    state = services.moderation_state(comment)
    services.delete_comment(comment)

    response = decide(staff_client, comment, "approve", state=state)

    assert response.status_code == 404 and "deleted meanwhile" in response.json()["error"]


def test_deciding_needs_the_change_permission_and_a_login(client):
    comment = CommentFactory(status=Comment.Status.PENDING)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))

    anonymous = decide(client, comment, "approve")
    client.force_login(viewer)
    page = client.get(DESK)
    refused = decide(client, comment, "approve")

    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert page.status_code == 200 and 'name="decision"' not in page.text
    assert refused.status_code == 403
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PENDING


def test_moderators_group_can_use_the_desk(client):
    from importlib import import_module

    from django.apps import apps

    import_module("comments.migrations.0005_moderators_group").create_groups(apps, None)
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    comment = CommentFactory(status=Comment.Status.PENDING)
    client.force_login(moderator)

    response = decide(client, comment, "reject")

    assert response.status_code == 200
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REJECTED


def test_undo_restores_the_status_the_decider_and_the_reports_and_is_in_the_history(staff_client):
    comment = CommentFactory()
    report_comment(comment, reporter_key="session:a", reason="abuse")
    comment.refresh_from_db()
    before = (comment.status, comment.moderated_by_id, comment.moderated_at, comment.report_count)

    token = decide(staff_client, comment, "remove").json()["undo"]
    response = staff_client.post(reverse("admin:comments_comment_undo"), {"token": token}, **JSON)

    comment.refresh_from_db()
    assert response.status_code == 200 and "approved again" in response.json()["message"]
    assert (comment.status, comment.moderated_by_id, comment.moderated_at, comment.report_count) == before
    assert Report.objects.get().resolved_at is None
    assert response.json()["state"] == services.moderation_state(comment)
    assert history(comment) == ["Comment removed.", "Decision undone: back to Approved."]
    assert comment.article.__class__.objects.get(pk=comment.article_id).comment_count == 1


def test_undo_is_refused_when_the_comment_was_decided_again_or_the_token_is_bad(staff_client):
    comment = CommentFactory(status=Comment.Status.PENDING)
    token = decide(staff_client, comment, "approve").json()["undo"]
    comment.refresh_from_db()
    services.reject_comment(comment, moderator=None)
    undo = reverse("admin:comments_comment_undo")

    again = staff_client.post(undo, {"token": token}, **JSON)
    forged = staff_client.post(undo, {"token": signing.dumps({"pk": comment.pk}, salt="other")}, **JSON)
    empty = staff_client.post(undo, {}, **JSON)

    assert again.status_code == 409 and "decided again" in again.json()["error"]
    assert forged.status_code == 400 and empty.status_code == 400
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REJECTED


def test_undo_token_is_signed_for_the_desk_only(staff_client):
    comment = CommentFactory(status=Comment.Status.PENDING)
    token = decide(staff_client, comment, "approve").json()["undo"]

    assert signing.loads(token, salt=UNDO_SALT)["pk"] == comment.pk


def test_the_change_page_has_the_decisions_and_view_on_site_shows_the_thread(staff_client):
    comment = CommentFactory(status=Comment.Status.PENDING, body="Held words")
    change = reverse("admin:comments_comment_change", args=[comment.pk])

    page = staff_client.get(change).text
    response = staff_client.post(
        decide_url(comment),
        {"decision": "approve", "state": services.moderation_state(comment), "next": change},
        follow=True,
    )

    thread = reverse("admin:comments_comment_thread", args=[comment.pk])
    assert 'name="decision" value="approve"' in page and f'href="{thread}#comment-{comment.pk}"' in page
    assert response.redirect_chain == [(change, 302)] and "approved." in response.text
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.APPROVED


def test_a_next_pointing_elsewhere_returns_to_the_desk(staff_client):
    comment = CommentFactory(status=Comment.Status.PENDING)

    response = staff_client.post(
        decide_url(comment),
        {"decision": "approve", "state": services.moderation_state(comment), "next": "https://evil.example/"},
    )

    assert response["Location"] == DESK


def test_the_thread_view_shows_held_and_removed_comments_marked(staff_client):
    root = CommentFactory(body="The root says hello")
    removed = CommentFactory(parent=root, body="A removed reply")
    held = CommentFactory(parent=removed, body="A held reply below it", status=Comment.Status.PENDING)
    services.remove_comment(removed, moderator=None)
    CommentFactory(body="Another thread entirely")

    page = staff_client.get(reverse("admin:comments_comment_thread", args=[held.pk])).text

    assert "The root says hello" in page and "A removed reply" in page and "A held reply below it" in page
    assert "Another thread entirely" not in page
    assert '<mark class="desk-mark">Removed</mark>' in page
    assert '<mark class="desk-mark">Pending</mark>' in page
    assert f'id="comment-{held.pk}" data-parent="{removed.pk}"' in page and 'aria-current="true"' in page
    assert "Readers do not see this comment: it is pending." in page


def test_ban_from_the_desk_returns_to_the_desk(staff_client):
    comment = CommentFactory(status=Comment.Status.PENDING, author_email="troll@example.org")
    changelist = reverse("admin:comments_comment_changelist")
    data = {"action": "ban_authors", "_selected_action": [comment.pk], "from_desk": "1"}

    form = staff_client.post(changelist, data)
    response = staff_client.post(changelist, {**data, "apply": "1", "kinds": ["email"], "reason": "Trolling"})

    assert 'name="from_desk"' in form.text
    assert response.status_code == 302 and response["Location"] == DESK
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REMOVED


def test_the_admin_index_opens_the_desk(staff_client):
    page = staff_client.get(reverse("admin:index")).text

    assert f'href="{DESK}">Open the queue' in page


def test_the_moderators_digest_links_straight_to_the_desk(
    article, staff, mailoutbox, django_capture_on_commit_callbacks, settings
):
    from tests.queue import run_tasks

    settings.SITE_URL = "https://threadline.example"
    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(
            article=article, body="Please review me", author_name="New", author_email="n@x.org"
        )
    run_tasks()

    [digest] = [m for m in mail.outbox if "waiting for review" in m.subject]
    assert f"Review them all: https://threadline.example{DESK}" in digest.body


@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_one_comment_at_once_one_wins_the_other_is_told(client):
    from django.test import Client

    from tests.factories import StaffFactory
    from tests.test_concurrency import run_in_threads

    comment = CommentFactory(status=Comment.Status.PENDING)
    state = services.moderation_state(comment)
    decisions = ["approve", "spam"] * 3
    answers = {}

    def moderate(i):
        moderator = Client()
        moderator.force_login(StaffFactory())
        answers[i] = moderator.post(
            decide_url(comment), {"decision": decisions[i], "state": state}, **JSON
        ).status_code

    errors = run_in_threads(moderate, len(decisions))

    assert errors == []
    assert sorted(answers.values()) == [200, 409, 409, 409, 409, 409]
    [winner] = [i for i, status in answers.items() if status == 200]
    assert Comment.objects.get(pk=comment.pk).status == STATUS_OF[decisions[winner]]
    assert len(history(comment)) == 1
