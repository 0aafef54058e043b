"""import_disqus: threads matched to articles, deleted parents keep their replies, spam, odd posts."""

import pytest
from django.core.management import CommandError

from articles.models import Article
from comments.checks import find_counter_problems, find_tree_problems
from comments.models import Comment
from tests.factories import ArticleFactory
from tests.moving_helpers import import_file, run, site_snapshot, thread_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    """The WordPress post the Disqus threads were on, and an article of this site."""
    import_file("wordpress-1.1-https.xml")  # unrelated: one more article that must stay untouched
    import_file("wordpress-1.2.xml")
    return Article.objects.get(slug="night-trains"), ArticleFactory(slug="disqus-target")


def import_disqus(*args: str) -> str:
    return import_file("disqus.xml", *args, command="import_disqus")


def test_threads_find_their_articles_by_wordpress_id_and_by_link(articles):
    night_trains, target = articles
    wordpress_thread = thread_text(night_trains)

    output = import_disqus()

    assert thread_text(night_trains) == "\n".join(
        [
            wordpress_thread,  # untouched, then the Disqus threads after it
            "approved Ada: Great **piece**.\n\nx",
            "deleted Cy: I regret this.",
            "  approved Bea: A reply listed before its parent.",
            "spam Pills: Cheap pills",
            "approved quiet_reader: No id, no name, no email.",
            "approved Dee: My parent is not in the file.",
            "approved Guest: Anonymous guest.",
        ]
    )
    assert thread_text(target) == "approved Eve: On the Threadline article."
    assert "1 matched by WordPress id" in output and "1 matched by article link" in output
    assert "Comments: 8 new (6 approved, 1 deleted, 1 spam) imported" in output
    assert "Orphans re-attached: 1" in output
    assert "Skipped: 1 comment in a thread matching no article." in output
    assert "Skipped: 1 post naming no thread of the file." in output
    assert "https://old.example.org/never-imported/" in output
    assert find_tree_problems() == [] and find_counter_problems() == []


def test_a_deleted_comment_is_a_placeholder_and_its_reply_stays(articles, client):
    night_trains, _ = articles
    import_disqus()

    page = client.get(night_trains.get_absolute_url()).text

    assert "I regret this." not in page
    assert "A reply listed before its parent." in page
    assert "Cheap pills" not in page


def test_posts_without_email_or_name_are_kept_and_disqus_html_is_sanitised(articles):
    import_disqus()

    quiet = Comment.objects.get(author_name="quiet_reader")
    ada = Comment.objects.get(author_name="Ada", body__startswith="Great")

    assert quiet.author_email == ""
    assert "<script" not in ada.body_html and "javascript:" not in ada.body_html and "alert" not in ada.body


def test_unmatched_threads_become_drafts_when_asked(articles):
    output = import_disqus("--create-drafts")

    draft = Article.objects.get(title="Lost thread")
    assert draft.status == Article.Status.DRAFT
    assert thread_text(draft) == "approved Fay: On a post that never came over."
    assert "1 drafts for unmatched threads" in output
    assert not Article.objects.filter(title="A thread nobody wrote in").exists()


def test_a_second_run_adds_nothing(articles):
    import_disqus("--create-drafts")
    before = site_snapshot()

    output = import_disqus("--create-drafts")

    assert "Comments: 0 new (none) imported; 9 already imported." in output
    assert "matched before" in output
    assert site_snapshot() == before


def test_a_dry_run_writes_nothing(articles):
    before = site_snapshot()

    output = import_disqus("--dry-run")

    assert "Comments: 8 new (6 approved, 1 deleted, 1 spam) would import" in output
    assert site_snapshot() == before


@pytest.mark.parametrize("name", ["billion-laughs.xml", "external-entity.xml", "wordpress-1.2.xml"])
def test_a_hostile_or_wrong_file_is_refused(articles, name):
    before = site_snapshot()

    with pytest.raises(CommandError, match="nothing was imported"):
        import_file(name, command="import_disqus")

    assert site_snapshot() == before


def test_a_thread_without_identifier_is_matched_by_the_old_post_path(articles, tmp_path):
    night_trains, _ = articles
    export = tmp_path / "by-path.xml"
    export.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
        '<thread dsq:id="77"><id/><link>http://old.example.org/2019/05/night-trains</link></thread>\n'
        '<post dsq:id="7701"><message><![CDATA[<p>Found by my path.</p>]]></message>'
        "<createdAt>2019-06-01T00:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
        '<author><name>Hal</name></author><thread dsq:id="77"/></post>\n'
        "</disqus>\n"
    )

    output = run("import_disqus", str(export))

    assert "1 matched by old link" in output
    assert thread_text(night_trains).endswith("approved Hal: Found by my path.")
