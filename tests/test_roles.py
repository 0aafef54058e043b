"""Moderators run the comment desk and nothing else; editors manage articles."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db
roles_migration = import_module("comments.migrations.0005_moderators_group")


@pytest.fixture(autouse=True)
def groups(db):
    # Browser tests flush the reused test database, data-migration rows included: run the
    # migration's function again (it is idempotent) so each test sees what `migrate` made.
    roles_migration.create_groups(apps, None)


def member_of(client, group_name):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    client.force_login(user)
    return client


def test_data_migration_creates_both_groups():
    moderators = set(Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))

    assert {"change_comment", "change_moderationrules", "add_ban", "add_moderationterm"} <= moderators
    assert not {codename for codename in moderators if codename.endswith(("_article", "_user", "_group"))}
    assert editors == {"view_article", "add_article", "change_article", "delete_article"}


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:comments_comment_changelist"),
        reverse("admin:comments_moderationrules_change", args=[1]),
        reverse("admin:comments_moderationterm_add"),
        reverse("admin:comments_ban_changelist"),
        reverse("admin:comments_ban_add"),
        reverse("admin:comments_report_changelist"),
    ],
)
def test_moderator_can_open_the_moderation_pages(client, url):
    from comments.models import ModerationRules

    ModerationRules.load()

    assert member_of(client, "Moderators").get(url).status_code == 200


def test_moderator_can_moderate_a_comment(client):
    comment = CommentFactory(status="pending")

    member_of(client, "Moderators").post(
        reverse("admin:comments_comment_changelist"),
        {"action": "approve_comments", "_selected_action": [comment.pk]},
    )

    comment.refresh_from_db()
    assert comment.status == "approved"


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:articles_article_add"),
        "article-change",
        reverse("admin:articles_article_changelist"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_group_changelist"),
    ],
)
def test_moderator_cannot_touch_articles_or_users(client, url):
    if url == "article-change":
        url = reverse("admin:articles_article_change", args=[ArticleFactory().pk])

    assert member_of(client, "Moderators").get(url).status_code == 403


def test_moderator_cannot_post_an_article_change(client):
    article = ArticleFactory(title="Original")

    response = member_of(client, "Moderators").post(
        reverse("admin:articles_article_change", args=[article.pk]), {"title": "Hijacked"}
    )

    article.refresh_from_db()
    assert response.status_code == 403 and article.title == "Original"


def test_editor_manages_articles_but_not_comments_or_users(client):
    editor = member_of(client, "Editors")
    article = ArticleFactory()

    assert editor.get(reverse("admin:articles_article_add")).status_code == 200
    assert editor.get(reverse("admin:articles_article_change", args=[article.pk])).status_code == 200
    assert editor.get(reverse("admin:comments_comment_changelist")).status_code == 403
    assert editor.get(reverse("admin:comments_ban_changelist")).status_code == 403
    assert editor.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert "Moderation queue" not in editor.get(reverse("admin:index")).text
