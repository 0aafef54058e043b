"""Editor's picks (issue 22): moderators feature a comment with a note (audited), readers see a
badge and a Picks view, and the author who asked for mail about their comments is told."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from comments.models import Comment, CommentPick
from comments.services import CommentRefused
from comments.services.picking import feature_comment, unfeature_comment
from notifications.models import NotificationSettings, OutboundEmail, VerifiedEmail
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

BADGE = "Editor’s pick</strong>"


def test_a_featured_comment_shows_its_badge_on_the_shared_page_at_once(client, article, staff):
    picked, other = CommentFactory(article=article), CommentFactory(article=article)
    client.get(article.get_absolute_url())  # the page and its threads are cached

    feature_comment(picked, moderator=staff, note="A clear account of the rules.")
    page = client.get(article.get_absolute_url()).text

    assert page.count(BADGE) == 1
    start = page.index(f'id="comment-{picked.pk}"')
    assert BADGE in page[start : page.index(f'id="comment-{other.pk}"')]


def test_taking_a_pick_back_removes_the_badge_and_both_are_audited(client, article, staff):
    comment = CommentFactory(article=article)
    feature_comment(comment, moderator=staff, note="Worth reading")
    client.get(article.get_absolute_url())

    unfeature_comment(comment, moderator=staff)
    page = client.get(article.get_absolute_url()).text

    assert BADGE not in page
    messages = list(
        LogEntry.objects.filter(object_id=str(comment.pk))
        .order_by("pk")
        .values_list("change_message", "user")
    )
    assert messages == [
        ("Featured as an editor's pick: Worth reading", staff.pk),
        ("No longer an editor's pick", staff.pk),
    ]


def test_the_picks_view_lists_the_featured_comments_with_their_notes(client, article, staff):
    picked = CommentFactory(article=article, body="The **best** one")
    CommentFactory(article=article, body="Not featured")
    feature_comment(picked, moderator=staff, note="<b>Sharp</b> reading")

    response = client.get(reverse("comments:picks", args=[article.slug]))

    assert response.status_code == 200
    assert f'id="comment-{picked.pk}"' in response.text
    assert "&lt;b&gt;Sharp&lt;/b&gt; reading" in response.text
    assert "Not featured" not in response.text
    assert reverse("comments:picks", args=[article.slug]) in client.get(article.get_absolute_url()).text


def test_only_a_shown_comment_can_be_featured(article, staff):
    held = CommentFactory(article=article, status=Comment.Status.PENDING)

    with pytest.raises(CommentRefused):
        feature_comment(held, moderator=staff)

    assert not CommentPick.objects.exists()


def test_the_author_who_asked_for_mail_is_told_once(article, staff):
    author = UserFactory(email="ada@example.org")
    NotificationSettings.objects.create(user=author, reply_emails=True)
    VerifiedEmail.objects.create(user=author, email=author.email)
    comment = CommentFactory(article=article, user=author)

    feature_comment(comment, moderator=staff, note="Thank you")
    feature_comment(comment, moderator=staff, note="A new note")

    email = OutboundEmail.objects.get(key=f"pick:{comment.pk}")
    assert email.to == "ada@example.org"
    assert "Thank you" in email.body and "Stop these emails:" in email.body


def test_an_author_who_did_not_ask_gets_no_mail(article, staff):
    author = UserFactory(email="bea@example.org")
    VerifiedEmail.objects.create(user=author, email=author.email)
    guest_comment = CommentFactory(article=article, author_email="gus@example.org")

    feature_comment(CommentFactory(article=article, user=author), moderator=staff)
    feature_comment(guest_comment, moderator=staff)

    assert not OutboundEmail.objects.filter(key__startswith="pick:").exists()


def test_a_moderator_features_a_comment_in_the_admin_with_a_note(client, article, staff):
    comment = CommentFactory(article=article)
    held = CommentFactory(article=article, status=Comment.Status.PENDING)
    client.force_login(staff)
    add = reverse("admin:comments_commentpick_add")

    refused = client.post(add, {"comment": held.pk, "note": "no"})
    added = client.post(add, {"comment": comment.pk, "note": "Insightful"})

    assert refused.status_code == 200 and "Only a comment readers can see" in refused.text
    assert added.status_code == 302
    pick = CommentPick.objects.get()
    assert (pick.comment, pick.note, pick.picked_by, pick.article) == (comment, "Insightful", staff, article)


def test_readers_cannot_feature_comments(client, article):
    comment = CommentFactory(article=article)
    client.force_login(UserFactory())

    response = client.post(reverse("admin:comments_commentpick_add"), {"comment": comment.pk, "note": "x"})

    assert response.status_code == 302 and "login" in response["Location"]
    assert not CommentPick.objects.exists()
