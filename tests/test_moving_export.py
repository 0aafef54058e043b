"""Moving out: export_wordpress reads back to the same site; export_json is the documented shape."""

import json

import pytest

from articles.models import Article
from comments.checks import find_counter_problems, find_tree_problems
from comments.models import Comment
from comments.services import delete_own_comment, reject_comment
from tests.factories import ArticleFactory, CommentFactory, StaffFactory
from tests.moving_helpers import import_file, run, site_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    """Imported articles and one written here, with every status and Markdown of its own."""
    import_file("wordpress-1.2.xml")
    import_file("wordpress-1.1-https.xml")
    article = ArticleFactory(slug="home-grown", title="Home grown", body="# Title\n\nA *body* with `code`.")
    root = CommentFactory(article=article, body="A **bold** start\n\n> quoted", author_name="Una")
    reply = CommentFactory(parent=root, body="Second ]]> tricky text <script>", author_name="Vic")
    CommentFactory(parent=reply, body="third level", author_name="Wes")
    reject_comment(CommentFactory(article=article, body="Rude", author_name="Xi"), moderator=StaffFactory())
    taken_back = CommentFactory(article=article, body="Oops", author_name="Yan")
    CommentFactory(parent=taken_back, body="Answering the oops", author_name="Zed")
    delete_own_comment(taken_back)  # a placeholder: it has a reply
    CommentFactory(article=article, body="Held for review", author_name="Ann", status=Comment.Status.PENDING)
    return article


def test_export_wordpress_reads_back_to_the_same_site(site, tmp_path):
    before = site_snapshot()
    statuses = sorted(Comment.objects.values_list("status", flat=True))
    times = sorted((c.author_name, c.created_at.replace(microsecond=0)) for c in Comment.objects.all())
    path = tmp_path / "site.xml"
    run("export_wordpress", "--output", str(path))
    Article.objects.all().delete()

    output = run("import_wordpress", str(path))

    assert site_snapshot() == before
    assert sorted(Comment.objects.values_list("status", flat=True)) == statuses
    assert sorted((c.author_name, c.created_at) for c in Comment.objects.all()) == times
    assert "Orphans re-attached: 0" in output
    assert find_tree_problems() == [] and find_counter_problems() == []


def test_export_json_has_every_article_and_comment_tree(site, tmp_path):
    path = tmp_path / "site.json"

    run("export_json", "--output", str(path))

    document = json.loads(path.read_text())
    assert document["format"] == "threadline-export" and document["version"] == 1
    by_slug = {article["slug"]: article for article in document["articles"]}
    assert set(by_slug) == set(Article.objects.values_list("slug", flat=True))
    comments = by_slug["home-grown"]["comments"]
    assert [c["author_name"] for c in comments][:3] == ["Una", "Vic", "Wes"]
    assert comments[1]["parent_id"] == comments[0]["id"] and comments[2]["parent_id"] == comments[1]["id"]
    assert comments[0]["body"] == "A **bold** start\n\n> quoted"
    assert "author_email" in comments[0]


def test_export_json_can_leave_out_private_data(site, tmp_path):
    path = tmp_path / "site.json"

    run("export_json", "--output", str(path), "--no-private")

    text = path.read_text()
    assert "author_email" not in text and "ip_address" not in text and "@example.org" not in text


def test_every_status_survives_the_round_trip(site, tmp_path):
    path = tmp_path / "site.xml"
    run("export_wordpress", "--output", str(path))
    Article.objects.all().delete()

    run("import_wordpress", str(path))

    assert set(Comment.objects.values_list("status", flat=True)) == {
        "approved", "pending", "spam", "removed", "rejected", "deleted"
    }  # fmt: skip
