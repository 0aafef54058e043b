"""The rules every new comment meets: hold for review, refuse as spam, or let through."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.models import Ban, Comment, ModerationRules, ModerationTerm
from comments.moderation import count_links, find_term, normalise
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.moderation]

GUEST = {"name": "Nora", "email": "nora@example.org"}


def post(client, article, body, **data):
    return client.post(reverse("comments:add", args=[article.slug]), {"body": body, **GUEST, **data})


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("You IDIOT.", "idiot"),
        ("you іdіоt", "idiot"),  # Cyrillic і and о
        ("you id\u200biot", "idiot"),  # a zero-width space inside
        ("you ｉｄｉｏｔ", "idiot"),  # full-width letters
        ("what an ídiot", "idiot"),  # an accent
        ("buy  CHEAP\nwatches now", "cheap watches"),  # a phrase across spaces and lines
    ],
)
def test_terms_match_whole_words_through_disguises(text, phrase):
    assert normalise(find_term(text, [phrase]) or "").split() == normalise(phrase).split()


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("Scunthorpe United won again", "cunt"),
        ("a classic assessment", "ass"),
        ("idiots", "idiot"),
        ("idiot_proof", "idiot"),
    ],
)
def test_terms_never_match_inside_other_words(text, phrase):
    assert find_term(text, [phrase]) is None


def test_links_are_counted_in_the_source_text():
    assert count_links("see https://a.example/x and http://b.example and www.c.example, not d.example") == 3


def test_rules_start_with_the_defaults():
    rules = ModerationRules.load()

    assert (rules.hold_first_comments, rules.max_links, rules.report_threshold) == (True, 2, 3)


def test_first_comment_by_a_guest_is_held_and_shown_only_to_its_author(client, article):
    stranger = client.__class__()

    response = post(client, article, "Hello, first time here.")

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.hold_reason == "First comment by this author"
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    own_page = client.get(article.get_absolute_url()).text
    assert f'id="comment-{comment.pk}"' in own_page and "Hello, first time here." in own_page
    assert "Awaiting moderation" in own_page
    other_page = stranger.get(article.get_absolute_url()).text
    assert "Hello, first time here." not in other_page and f'id="comment-{comment.pk}"' not in other_page


def test_held_reply_shows_nested_to_its_author_only(client, article):
    parent = CommentFactory(article=article)

    post(client, article, "My held reply", parent=parent.pk)

    reply = Comment.objects.get(body="My held reply")
    assert f'id="comment-{reply.pk}" data-parent="{parent.pk}"' in client.get(article.get_absolute_url()).text
    assert "My held reply" not in client.__class__().get(article.get_absolute_url()).text


def test_guest_with_an_approved_comment_is_trusted_by_email(client, article):
    CommentFactory(article=article, author_email="NORA@example.org")

    post(client, article, "Back again.")

    assert Comment.objects.get(body="Back again.").status == Comment.Status.APPROVED


def test_account_is_trusted_after_one_approved_comment_whatever_email_a_guest_used(client, article):
    user = UserFactory()
    CommentFactory(article=article, author_email=user.email)  # a guest with the same email
    client.force_login(user)

    post(client, article, "From my account.")
    first = Comment.objects.get(body="From my account.")
    services.approve_comment(first, moderator=None)
    post(client, article, "Second from my account.")

    assert first.status == Comment.Status.PENDING
    assert Comment.objects.get(body="Second from my account.").status == Comment.Status.APPROVED


def test_too_many_links_hold_the_comment(client, article):
    CommentFactory(article=article, author_email=GUEST["email"])

    post(client, article, "Two: https://a.example https://b.example")
    post(client, article, "Three: https://a.example https://b.example https://c.example")

    assert Comment.objects.get(body__startswith="Two").status == Comment.Status.APPROVED
    held = Comment.objects.get(body__startswith="Three")
    assert held.status == Comment.Status.PENDING and held.hold_reason == "3 links (more than 2)"


def test_hold_term_holds_and_block_term_refuses_with_nothing_stored(client, article):
    CommentFactory(article=article, author_email=GUEST["email"])
    ModerationTerm.objects.create(phrase="traitor", action=ModerationTerm.Action.HOLD)
    ModerationTerm.objects.create(phrase="cheap watches", action=ModerationTerm.Action.BLOCK)

    held = post(client, article, "You are a TRAITOR.")
    refused = post(client, article, "Buy cheap  watches today")
    fine = post(client, article, "Scunthorpe traitorously cheaper watches")

    assert held.status_code == 302
    assert Comment.objects.get(body="You are a TRAITOR.").status == Comment.Status.PENDING
    assert refused.status_code == 409 and "refused" in refused.text
    assert "Buy cheap  watches today" in refused.text  # the reader's text is kept in the form
    assert not Comment.objects.filter(body__contains="today").exists()
    assert fine.status_code == 302
    assert Comment.objects.get(body__startswith="Scunthorpe").status == Comment.Status.APPROVED


@pytest.mark.parametrize(
    "ban",
    [
        {"kind": Ban.Kind.EMAIL, "email": "nora@example.org"},
        {"kind": Ban.Kind.IP, "network": "127.0.0.1/32"},
        {"kind": Ban.Kind.IP, "network": "127.0.0.0/8"},
    ],
)
def test_banned_email_ip_or_network_is_refused_and_nothing_stored(client, article, ban):
    Ban.objects.create(reason="abuse", **ban)

    response = post(client, article, "Let me back in")

    assert response.status_code == 409 and "banned" in response.text
    assert not Comment.objects.exists()


def test_banned_account_is_refused_and_an_expired_ban_is_not(client, article):
    user = UserFactory()
    client.force_login(user)
    ban = Ban.objects.create(kind=Ban.Kind.USER, user=user)

    refused = post(client, article, "Refused")
    ban.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    ban.save()
    accepted = post(client, article, "Accepted again")

    assert refused.status_code == 409
    assert accepted.status_code == 302
    assert list(Comment.objects.values_list("body", flat=True)) == ["Accepted again"]


def test_a_ban_and_its_lifting_take_effect_on_the_very_next_post(client, article):
    # Issue 9: each process caches the rules, terms and bans under a version PostgreSQL bumps.
    ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": False})
    before = post(client, article, "Before the ban")
    Ban.objects.create(kind=Ban.Kind.EMAIL, email="nora@example.org")
    banned = post(client, article, "During the ban")
    Ban.objects.all().delete()  # a bulk delete, as the admin's "delete selected" does
    after = post(client, article, "After the ban")

    assert (before.status_code, banned.status_code, after.status_code) == (302, 409, 302)
    assert sorted(Comment.objects.values_list("body", flat=True)) == ["After the ban", "Before the ban"]


def test_bans_and_terms_written_by_any_means_apply_to_the_next_post(client, article):
    from django.db import connection

    ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": False})
    ModerationTerm.objects.create(phrase="soap", action=ModerationTerm.Action.HOLD)
    held = post(client, article, "Buy soap")
    ModerationTerm.objects.update(action=ModerationTerm.Action.BLOCK)  # no save(), no signal
    blocked = post(client, article, "Buy soap again")
    with connection.cursor() as cursor:  # another program writing to the database
        cursor.execute("INSERT INTO comments_ban (kind, email, network, reason, created_at) "
                       "VALUES ('ip', '', '127.0.0.0/8', '', now())")  # fmt: skip
    banned = post(client, article, "From the banned network")

    assert held.status_code == 302 and Comment.objects.get().status == Comment.Status.PENDING
    assert blocked.status_code == 409 and "refused" in blocked.text
    assert banned.status_code == 409 and "banned" in banned.text
    assert Comment.objects.count() == 1


def test_unchanged_rules_cost_a_post_one_small_query(client, article, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comments import moderation

    ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": False})
    Ban.objects.create(kind=Ban.Kind.EMAIL, email="someone@example.org")
    moderation.current_rules()  # loaded once for this version

    with CaptureQueriesContext(connection) as captured:
        verdict = moderation.judge(body="Fine", user=None, email="nora@example.org", ip_address="10.0.0.1")

    assert verdict.status == Comment.Status.APPROVED
    assert [q["sql"] for q in captured.captured_queries] == [
        "SELECT version FROM comments_moderationversion WHERE id = 1"
    ]


def test_rules_changed_in_the_admin_apply_to_the_next_comment(staff_client, article):
    rules_page = staff_client.get(reverse("admin:comments_moderationrules_changelist"))["Location"]
    staff_client.post(rules_page, {"max_links": 0, "report_threshold": 3})  # hold_first_comments unticked
    client = staff_client.__class__()

    post(client, article, "No links, first comment")
    post(client, article, "One link: https://a.example")

    assert ModerationRules.load().hold_first_comments is False
    assert Comment.objects.get(body__startswith="No links").status == Comment.Status.APPROVED
    assert Comment.objects.get(body__startswith="One link").status == Comment.Status.PENDING


def test_trusted_callers_skip_the_rules(article):
    ModerationTerm.objects.create(phrase="blocked", action=ModerationTerm.Action.BLOCK)

    comment = services.post_comment(article=article, body="blocked word", author_name="Site", trusted=True)

    assert comment.status == Comment.Status.APPROVED


def test_reader_with_a_held_comment_costs_no_session_query(client, article, django_assert_num_queries):
    post(client, article, "Held for me")

    # The article page's four queries: this reader's held comments come from a signed cookie.
    with django_assert_num_queries(4):
        page = client.get(article.get_absolute_url()).text

    assert "Held for me" in page


@pytest.mark.parametrize(
    "body",
    [
        "[a](//one.example) [b](//two.example) [c](//three.example)",
        "[a](/\\/one.example) [b](/\\/two.example) [c](/\\/three.example)",
        "[a](http&#58;//one.example) [b](http&#58;//two.example) [c](http&#58;//three.example)",
        "one.com two.com three.com",
        "/\\/one.example /\\/two.example http&#58;//three.example",
    ],
)
def test_links_in_disguise_count_toward_the_hold(body):
    assert count_links(body) == 3


def test_links_to_this_site_and_plain_slashes_are_not_counted():
    assert count_links("[see](/articles/x/) and/or 1/2, a // b, #3") == 0


def test_a_verdict_made_before_the_locks_is_made_again_when_the_rules_changed_meanwhile(
    client, article, monkeypatch
):
    """submit_comment judges with this process's copy of the rules before taking its locks
    (comments.services.posting.judge_early); a term added since (a new version, read under the
    locks) still refuses the comment."""
    from comments import moderation
    from comments.services import posting

    ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": False})
    moderation.current_rules()  # this process's copy, as after any earlier post
    made_early = []
    judge_early = posting.judge_early

    def add_a_term_once_judged(**kwargs):
        made_early.append(judge_early(**kwargs))
        ModerationTerm.objects.create(phrase="cheap watches", action=ModerationTerm.Action.BLOCK)
        return made_early[-1]

    monkeypatch.setattr("comments.services.submitting.judge_early", add_a_term_once_judged)

    response = post(client, article, "Buy cheap watches here")

    assert made_early[0].verdict.status == Comment.Status.APPROVED  # the rules it was made with
    assert response.status_code == 409 and "refused" in response.text
    assert not Comment.objects.exists()


def test_a_verdict_made_before_the_locks_stands_while_the_rules_are_unchanged(client, article, monkeypatch):
    from comments import moderation

    ModerationRules.objects.update_or_create(pk=1, defaults={"hold_first_comments": False})
    moderation.current_rules()  # this process's copy, as after any earlier post
    judged = []
    judge = moderation.judge
    monkeypatch.setattr(moderation, "judge", lambda **kwargs: judged.append(kwargs) or judge(**kwargs))

    response = post(client, article, "Fine words")

    assert response.status_code == 302
    assert [call["rules"] is not None for call in judged] == [True]  # once, before the locks
