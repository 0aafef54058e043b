"""import_wordpress: every WXR version and namespace, every status and type, safe to repeat."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from comments.checks import find_counter_problems, find_tree_problems
from comments.models import Comment
from moving.models import LegacyComment, LegacyPost, imported_comments
from tests.moving_helpers import import_file, site_snapshot, thread_text

pytestmark = pytest.mark.django_db


def test_posts_become_articles_with_their_threads_and_statuses():
    output = import_file("wordpress-1.2.xml")

    article = Article.objects.get(slug="night-trains")
    assert article.title == "Why the night train came back"
    assert article.status == Article.Status.PUBLISHED
    assert article.byline == "Mara Okafor"
    assert article.summary == "Sleeper trains are back & busy."
    assert article.published_at.isoformat() == "2019-05-01T08:00:00+00:00"
    assert (
        article.body
        == "Sleeper trains are *back*.\n\n## The numbers\n\n- Vienna to Paris\n- Brussels to Berlin"
    )
    assert thread_text(article) == "\n".join(
        [
            "approved Ada Byrne: I took the **Nightjet** last winter.\n"
            "click and [the report](https://example.org/report)\n\nSecond paragraph.",
            "  approved Bram Chen: Agreed, \\*mostly\\*.",
            "    pending Held Reader: Waiting for a moderator.",
            "  removed Trashed Reader: Binned by the editor.",
            "spam Cheap Watches: Buy watches",
            "removed Post Trashed: Trashed with its post once.",
            "approved Replies To Pingback: Answering the pingback.",
            "approved Lost Parent: My parent was never exported.",
            "approved Late Parent: I come after my reply in the file.",
            "  approved Early Reply: Listed before the comment it answers.",
        ]
    )
    assert (article.comment_count, article.thread_count) == (6, 6)
    assert "Comments: 10 new (6 approved, 1 pending, 2 removed, 1 spam) imported" in output
    assert "Orphans re-attached: 1" in output
    for reason in ["1 pingback", "1 trackback", "1 note", "1 item of type page", "1 item of type attachment",
                   "1 post with status trash", "1 comment on an item not imported"]:  # fmt: skip
        assert f"Skipped: {reason}" in output
    assert find_tree_problems() == [] and find_counter_problems() == []


def test_an_import_sends_no_email_and_queues_no_job(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_file("wordpress-1.2.xml")

    assert mailoutbox == [] and callbacks == []
    assert not DBTaskResult.objects.exists()


def test_the_command_exits_non_zero_with_one_line_on_a_bad_file():
    result = subprocess.run(
        [sys.executable, "manage.py", "import_wordpress", str(DATA_DIR / "malformed.xml")],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "CommandError: malformed.xml: line 11: the file is not well-formed XML (mismatched tag); "
        "nothing was imported"
    )


def test_drafts_stay_drafts_and_get_a_slug_from_their_title():
    import_file("wordpress-1.2.xml")

    draft = Article.objects.get(slug="a-draft-about-buses")

    assert draft.status == Article.Status.DRAFT
    assert draft.body == "Buses are  \nunderrated.\n\nReally."


def test_pages_are_imported_only_when_asked():
    import_file("wordpress-1.2.xml", "--pages")

    assert Article.objects.filter(slug="about", title="About").exists()


def test_nothing_a_reader_could_not_write_runs_or_renders():
    import_file("wordpress-1.2.xml")

    html = "".join(Comment.objects.values_list("body_html", flat=True))
    article = Article.objects.get(slug="night-trains")

    assert (
        "<script" not in html and "javascript:" not in html and "<img" not in html and "onerror" not in html
    )
    assert 'href="https://example.org/report" rel="nofollow ugc noopener"' in html
    assert "<script" not in article.body_html and "alert" not in article.body_html


def test_private_notes_pingbacks_and_trackbacks_are_not_imported():
    import_file("wordpress-1.2.xml")

    names = set(Comment.objects.values_list("author_name", flat=True))

    assert not names & {"Another Blog", "Third Blog", "mara"}
    assert not Comment.objects.filter(body__contains="editorial note").exists()


def test_emails_and_addresses_that_are_not_valid_are_dropped():
    import_file("wordpress-1.2.xml")

    ada, bram = Comment.objects.get(author_name="Ada Byrne"), Comment.objects.get(author_name="Bram Chen")

    assert (ada.author_email, ada.ip_address) == ("ada@example.org", "192.0.2.1")
    assert (bram.author_email, bram.ip_address) == ("", None)


@pytest.mark.parametrize(
    ("name", "slug", "thread"),
    [
        (
            "wordpress-1.1-https.xml",
            "ferries-in-winter",
            "approved Kiri: Took one last week.\n  approved Lars: Which route?",
        ),
        ("wordpress-1.0.xml", "trams", "approved Old Timer: About time."),
    ],
)
def test_older_versions_and_https_namespaces_are_read(name, slug, thread):
    import_file(name)

    article = Article.objects.get(slug=slug)

    assert thread_text(article) == thread
    assert article.status == Article.Status.PUBLISHED


def test_https_export_keeps_its_author_and_markup():
    import_file("wordpress-1.1-https.xml")

    article = Article.objects.get(slug="ferries-in-winter")

    assert article.byline == "Jo Lind"
    assert article.body == "Ferries run all year.\n\nEven in **January**."


def test_control_characters_and_broken_utf8_are_cleaned_and_counted():
    output = import_file("wordpress-dirty-bytes.xml")

    comment = Comment.objects.get(author_name="Old Timer")

    assert comment.body == "About time. Caf\ufffd \ufffd\ufffd ok"
    assert "undecodable byte sequence(s) replaced" in output and "2 control character(s) dropped" in output


def test_a_second_run_of_the_same_file_adds_nothing():
    import_file("wordpress-1.2.xml")
    before = site_snapshot()

    output = import_file("wordpress-1.2.xml")

    assert "Comments: 0 new (none) imported; 10 already imported." in output
    assert "Articles: 2 existing." in output
    assert site_snapshot() == before
    assert Comment.objects.count() == 10 and LegacyComment.objects.count() == 10


def test_a_dry_run_reports_the_same_and_writes_nothing():
    output = import_file("wordpress-1.2.xml", "--dry-run")

    assert "Comments: 10 new (6 approved, 1 pending, 2 removed, 1 spam) would import" in output
    assert "Dry run: nothing was written." in output
    assert not Article.objects.exists() and not Comment.objects.exists() and not LegacyPost.objects.exists()


def test_new_comments_in_a_later_export_join_their_threads():
    import_file("wordpress-1.1-https.xml")
    later = (
        (DATA_DIR / "wordpress-1.1-https.xml")
        .read_text()
        .replace(
            "\t</item>",
            "\t\t<wp:comment><wp:comment_id>303</wp:comment_id><wp:comment_author>Mina</wp:comment_author>"
            "<wp:comment_date_gmt>2018-01-11 09:00:00</wp:comment_date_gmt>"
            "<wp:comment_content>The northern one.</wp:comment_content>"
            "<wp:comment_approved>1</wp:comment_approved>"
            "<wp:comment_parent>302</wp:comment_parent></wp:comment>\n\t</item>",
        )
    )
    path = DATA_DIR.parent / "tmp-later.xml"

    try:
        path.write_text(later)
        output = call_command_output("import_wordpress", str(path))
    finally:
        path.unlink()

    article = Article.objects.get(slug="ferries-in-winter")
    assert "Comments: 1 new (1 approved) imported; 2 already imported." in output
    assert thread_text(article).splitlines()[-1] == "    approved Mina: The northern one."
    assert article.comment_count == 3
    assert find_tree_problems() == [] and find_counter_problems() == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.xml", "malformed.xml: line 11: the file is not well-formed XML (mismatched tag)"),
        ("billion-laughs.xml", "billion-laughs.xml: line 3: refused: the file declares XML entities"),
        ("external-entity.xml", "external-entity.xml: line 3: refused: the file declares XML entities"),
        ("not-an-export.xml", "not a WordPress export: the document is <html>, not <rss>"),
        ("disqus.xml", "not a WordPress export: the document is <disqus>, not <rss>"),
    ],
)
@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_a_bad_or_hostile_file_is_refused_in_one_line_and_nothing_is_written(name, message, dry_run):
    with pytest.raises(CommandError) as refused:
        import_file(name, *dry_run)

    text = str(refused.value)
    assert "\n" not in text and "nothing was imported" in text
    assert message.split(": ", 1)[-1] in text
    assert not Article.objects.exists() and not Comment.objects.exists()


def test_a_missing_file_is_refused():
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_wordpress", "/nonexistent/export.xml")


from tests.moving_helpers import DATA as DATA_DIR  # noqa: E402
from tests.moving_helpers import run as call_command_output  # noqa: E402


def test_looking_up_more_old_ids_than_a_query_takes_parameters_works():
    import_file("wordpress-1.1-https.xml")
    ids = [str(number) for number in range(70_000)]  # one article of 70,000 comments

    found = imported_comments("wordpress", ids)

    assert set(found) == {"301", "302"}
