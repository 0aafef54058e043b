"""Issue 20 through the client: where refusals and confirmations go, what a held comment's author
may do and is told, the decision emails and their rules, reply emails for members, the limit."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from comments.folding import FOLD_CHARS
from comments.models import Comment
from comments.services import approve_comment, mark_spam, reject_comment
from notifications import tokens
from notifications.models import NotificationSettings, OutboundEmail, VerifiedEmail
from notifications.services import DECISIONS_PER_DAY
from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.moderation]  # first comments held, as in production

FRAGMENT = {"HTTP_ACCEPT": "text/html+fragment", "HTTP_X_REQUESTED_WITH": "fetch"}


def post(client, article, fragment=False, **data):
    return client.post(reverse("comments:add", args=[article.slug]), data, **(FRAGMENT if fragment else {}))


def held_guest_comment(client, article, body="My first words.", email="ann@example.org"):
    response = post(client, article, body=body, name="Ann", email=email)
    assert response.status_code == 302
    comment = Comment.objects.get(body=body)
    assert comment.status == Comment.Status.PENDING
    return comment


def verified_member(username="nell"):
    member = UserFactory(username=username)
    VerifiedEmail.objects.create(user=member, email=member.email)
    return member


def test_refused_reply_without_script_comes_back_on_the_reply_page(client, article):
    parent = CommentFactory(article=article)

    response = post(client, article, body="Kept text", parent=parent.pk, name="Ann", email="nope")

    assert response.status_code == 400
    assert "<h1>Reply to" in response.text and "Kept text" in response.text
    assert 'class="form-errors" role="alert" tabindex="-1" autofocus' in response.text


def test_refused_comment_without_script_comes_back_on_a_page_of_its_own(client, article):
    response = post(client, article, body="Kept text", name="", email="ann@example.org")

    assert response.status_code == 400
    assert "<h1>Your comment on" in response.text and "Kept text" in response.text
    assert "autofocus" in response.text and "Please give a name" in response.text


def test_no_maxlength_on_the_textarea_and_an_overlong_text_is_refused_clearly(client, article, settings):
    page = client.get(article.get_absolute_url()).text
    too_long = "y" * (settings.COMMENT_MAX_LENGTH + 1)
    response = post(client, article, body=too_long, name="A", email="a@example.org")

    assert " maxlength=" not in page.split('name="body"')[1].split(">")[0]
    assert f"Up to {settings.COMMENT_MAX_LENGTH:,} characters." in page
    assert response.status_code == 400 and "too long" in response.text
    assert not Comment.objects.exists()


def test_form_explains_first_comment_reviews_before_posting(client, article, settings):
    from comments.moderation import current_rules

    current_rules()  # this process has read the rules (the note costs no query of its own)

    page = client.get(article.get_absolute_url()).text

    assert "First comments are reviewed by a moderator" in page
    assert f"usually within {settings.COMMENT_REVIEW_TIME}" in page


def test_held_comment_explains_itself_and_its_author_may_edit_and_delete_it(client, article):
    comment = held_guest_comment(client, article)

    page = client.get(article.get_absolute_url()).text
    edited = client.post(reverse("comments:edit", args=[comment.pk]), {"body": "Better first words."})

    assert "a moderator reads first comments before they appear" in page
    assert "email you at the address you gave" in page
    assert reverse("comments:edit", args=[comment.pk]) in page
    assert edited.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Better first words." and comment.status == Comment.Status.PENDING
    assert client.post(reverse("comments:delete", args=[comment.pk])).status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_hold_reason_words_are_never_shown_to_the_author(client, article):
    from comments.models import ModerationTerm

    ModerationTerm.objects.create(phrase="watches", action=ModerationTerm.Action.HOLD)
    CommentFactory(article=article, author_email="ann@example.org")  # not a first comment

    post(client, article, body="Cheap watches here", name="Ann", email="ann@example.org")
    page = client.get(article.get_absolute_url()).text

    assert "uses words a moderator checks" in page
    assert "Held term" not in page


def test_edit_window_starts_when_the_held_comment_is_approved(client, article, settings):
    comment = held_guest_comment(client, article)
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=settings.COMMENT_EDIT_MINUTES * 3)
    )

    approve_comment(comment, moderator=None)
    response = client.post(reverse("comments:edit", args=[comment.pk]), {"body": "Still in time."})

    comment.refresh_from_db()
    assert response.status_code == 302 and comment.body == "Still in time."
    assert comment.approved_at > comment.created_at


def test_approval_of_a_held_guest_comment_is_emailed_once(client, article):
    comment = held_guest_comment(client, article)

    approve_comment(comment, moderator=None)
    reject_comment(comment, moderator=None)  # a later decision on a shown comment: no email
    approve_comment(comment, moderator=None)

    emails = OutboundEmail.objects.filter(key__startswith="decision:")
    assert [(e.to, e.subject) for e in emails] == [
        ("ann@example.org", f"Your comment on “{article.title}” is published")
    ]
    assert f"#comment-{comment.pk}" in emails[0].body


def test_rejection_is_emailed_with_the_text_and_spam_is_not(client, article):
    rejected = held_guest_comment(client, article, body="Words a moderator declines.")
    spam = held_guest_comment(client, article, body="Buy now.", email="bot@example.org")

    reject_comment(rejected, moderator=None)
    mark_spam(spam, moderator=None)

    email = OutboundEmail.objects.get(key__startswith="decision:")
    assert email.to == "ann@example.org" and "not published" in email.subject
    assert "Words a moderator declines." in email.body


def test_guest_decision_emails_are_capped_per_mailbox(client, article):
    comments = [
        held_guest_comment(client, article, body=f"Text {n}", email=f"ann+{n}@example.org")
        for n in range(DECISIONS_PER_DAY + 1)
    ]

    for comment in comments:
        reject_comment(comment, moderator=None)

    assert OutboundEmail.objects.filter(key__startswith="decision:").count() == DECISIONS_PER_DAY


def test_member_decision_email_has_one_click_unsubscribe_that_stops_them(client, article):
    member = verified_member()
    client.force_login(member)
    post(client, article, body="Member's first.")
    first = Comment.objects.get(body="Member's first.")

    approve_comment(first, moderator=None)
    email = OutboundEmail.objects.get(key=f"decision:{first.pk}")
    token = email.headers["List-Unsubscribe"].strip("<>").rstrip("/").rsplit("/", 1)[1]
    client.post(reverse("notifications:unsubscribe", args=[token]), {"List-Unsubscribe": "One-Click"})
    second = CommentFactory(article=article, user=member, status=Comment.Status.PENDING)
    approve_comment(second, moderator=None)

    assert email.to == member.email
    assert NotificationSettings.objects.get(user=member).decision_emails is False
    assert not OutboundEmail.objects.filter(key=f"decision:{second.pk}").exists()
    assert tokens.read_unsubscribe_token(token)["k"] == "decisions"


def test_unverified_member_gets_no_decision_email(article):
    comment = CommentFactory(article=article, user=UserFactory(), status=Comment.Status.PENDING)

    approve_comment(comment, moderator=None)

    assert not OutboundEmail.objects.exists()


def test_members_own_profile_and_duplicate_link_show_their_held_comment(client, article):
    member = verified_member()
    client.force_login(member)
    post(client, article, body="Held member words.")
    comment = Comment.objects.get(body="Held member words.")
    other = UserFactory()

    refused = post(client, article, body="Held member words.")
    client.cookies.clear()
    client.force_login(member)  # another browser: no own-comments cookie
    link_target = client.get(reverse("comments:thread", args=[comment.pk]))
    own_profile = client.get(reverse("profile", args=[member.username])).text
    client.force_login(other)
    their_view = client.get(reverse("profile", args=[member.username])).text

    assert refused.status_code == 409 and reverse("comments:thread", args=[comment.pk]) in refused.text
    assert link_target.status_code == 200 and "Held member words." in link_target.text
    assert "Held member words." in own_profile and "Awaiting moderation" in own_profile
    assert "Held member words." not in their_view
    assert client.get(reverse("comments:thread", args=[comment.pk])).status_code == 404


def test_member_ticks_reply_emails_on_the_form(client, article):
    member = verified_member()
    client.force_login(member)

    page = client.get(article.get_absolute_url()).text
    response = post(client, article, fragment=True, body="Tell me of replies.", notify_replies="on")

    assert "Email me when someone replies to my comments" in page
    assert response.status_code == 201 and "Reply emails are on" in response.text
    assert NotificationSettings.objects.get(user=member).reply_emails


def test_script_post_carries_the_notice_and_the_landing(client, article):
    parent = CommentFactory(article=article)

    response = post(
        client, article, fragment=True, body="Hi", parent=parent.pk, name="Ann", email="ann@example.org",
        notify_replies="on",
    )  # fmt: skip

    reply = Comment.objects.get(parent=parent)
    assert response.status_code == 201
    assert response["X-Comment-Location"].endswith(f"#comment-{reply.pk}")
    assert '<p class="placed-notice" role="status">Check your inbox' in response.text
    assert 'class="awaiting"' in response.text  # held: the script leaves the public counts alone


def test_edit_confirmation_is_placed_in_the_comment_not_at_the_top(client, article):
    CommentFactory(article=article, author_email="ann@example.org")  # Ann is trusted
    post(client, article, body="Before", name="Ann", email="ann@example.org")
    comment = Comment.objects.get(body="Before")

    response = client.post(reverse("comments:edit", args=[comment.pk]), {"body": "After"}, follow=True)

    html = response.content.decode()
    start = html.index(f'id="comment-{comment.pk}"')
    assert html.index("Your comment was updated.") > start
    assert 'class="messages"' not in html


def test_a_long_comment_folds_and_a_short_one_does_not(client, article):
    long = CommentFactory(article=article, body="word " * (FOLD_CHARS // 4))
    short = CommentFactory(article=article, body="Short.")

    html = client.get(article.get_absolute_url()).text

    long_part = html[html.index(f'id="comment-{long.pk}"') : html.index(f'id="comment-{short.pk}"')]
    assert '<details class="read-more">' in long_part
    assert html.count('class="read-more"') == 1
