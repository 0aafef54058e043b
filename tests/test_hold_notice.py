"""Issue 21: a comment a rule would hold is not stored at once from the form: the form comes
back once with the rule's reason and the text; posted again, it is stored as held. Nothing lost."""

import re

import pytest
from django.urls import reverse

from comments.models import Comment, ModerationTerm
from tests.factories import CommentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.moderation]

GUEST = {"name": "Nora", "email": "nora@example.org"}


def form_fields(html: str) -> dict:
    """The comment form's fields as the browser would send them back."""
    form = html[html.index('class="comment-form"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)"(?: value="([^"]*)")?', form))
    body = re.search(r'<textarea name="body"[^>]*>\n?(.*?)</textarea>', form, re.S)
    return {**fields, "body": body.group(1), **GUEST}


def test_a_held_word_is_told_first_and_posting_again_stores_the_comment_as_held(client, article):
    CommentFactory(article=article, author_email=GUEST["email"])
    ModerationTerm.objects.create(phrase="traitor", action=ModerationTerm.Action.HOLD)
    page = client.get(article.get_absolute_url()).text
    first_form = {**form_fields(page), "body": "You are a traitor to the harbour."}

    told = client.post(reverse("comments:add", args=[article.slug]), first_form)
    stored_after_first = Comment.objects.filter(body__contains="traitor").count()
    again = client.post(reverse("comments:add", args=[article.slug]), form_fields(told.text))

    assert told.status_code == 409
    assert "a moderator will read this comment before others see it" in told.text
    assert "it uses “traitor”, a word the moderators read first" in told.text
    assert "You are a traitor to the harbour." in told.text  # the text is kept
    assert stored_after_first == 0
    assert again.status_code == 302
    held = Comment.objects.get(body="You are a traitor to the harbour.")
    assert held.status == Comment.Status.PENDING and held.hold_reason == "Held term: traitor"


def test_too_many_links_are_told_first_with_the_limit(client, article):
    CommentFactory(article=article, author_email=GUEST["email"])
    form = {**form_fields(client.get(article.get_absolute_url()).text)}
    form["body"] = "Three: https://a.example https://b.example https://c.example"

    told = client.post(reverse("comments:add", args=[article.slug]), form)

    assert told.status_code == 409
    assert "it has 3 links, and comments with more than 2 are read first" in told.text
    assert not Comment.objects.filter(body__startswith="Three").exists()


def test_a_form_without_the_check_stores_a_held_comment_at_once_as_before(client, article):
    CommentFactory(article=article, author_email=GUEST["email"])
    ModerationTerm.objects.create(phrase="traitor", action=ModerationTerm.Action.HOLD)

    response = client.post(reverse("comments:add", args=[article.slug]), {"body": "Traitor!", **GUEST})

    assert response.status_code == 302
    assert Comment.objects.get(body="Traitor!").status == Comment.Status.PENDING


def test_an_approved_comment_is_never_held_back_by_the_check(client, article):
    CommentFactory(article=article, author_email=GUEST["email"])
    form = {**form_fields(client.get(article.get_absolute_url()).text), "body": "A calm remark."}

    response = client.post(reverse("comments:add", args=[article.slug]), form)

    assert response.status_code == 302
    assert Comment.objects.get(body="A calm remark.").status == Comment.Status.APPROVED
