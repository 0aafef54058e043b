"""The reply page a writer without JavaScript opens before each reply (issue 23): for readers
without a session it is the article's cached reply frame with the parent put in: one query
(the parent with its article and its branch, for issue 21's locks and limits), no rendering."""

import datetime
import gzip
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from comments import cooling, services
from comments.models import Comment
from comments.readers import OWN_COOKIE
from comments.services.cooling import lock_branch, set_thread_slow_mode
from tests.factories import ArticleFactory, CommentFactory, StaffFactory, UserFactory
from tests.test_shared_page import GZIP, without_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent():
    article = ArticleFactory(title="Night trains & sleepers")
    CommentFactory(article=article, author_name="Ada", body="First thread")
    return CommentFactory(article=article, author_name="Bruno <Ortiz>", body="Sleepers *are* back")


def reply_url(comment) -> str:
    return reverse("comments:reply", args=[comment.pk])


def personal_page(client, comment) -> str:
    """The page as rendered for one reader (a session cookie makes it personal)."""
    client.cookies["sessionid"] = "none-such"
    try:
        return client.get(reply_url(comment)).text
    finally:
        del client.cookies["sessionid"]


def test_shared_reply_page_is_the_page_rendered_for_one_reader(client, parent):
    shared = client.get(reply_url(parent))

    assert shared.status_code == 200
    assert without_tokens(shared.text) == without_tokens(personal_page(client, parent))
    assert "Reply to Bruno &lt;Ortiz&gt;" in shared.text
    assert "Sleepers <em>are</em> back" in shared.text
    assert f'name="parent" value="{parent.pk}"' in shared.text
    assert f"?next={reply_url(parent)}" in shared.text.replace("%2F", "/")  # "Log in" comes back here


def test_each_parent_gets_its_own_page_from_one_frame(client, parent, django_assert_num_queries):
    other = CommentFactory(article=parent.article, author_name="Chen", body="Buses instead")
    client.get(reply_url(parent))  # the article's frame made

    with django_assert_num_queries(1):  # the parent, its article and branch (issue 21's locks, limits)
        response = client.get(reply_url(other))

    assert response.templates == []  # nothing rendered: the frame and the parent's quote joined
    page = response.text
    assert "Reply to Chen" in page and "Buses instead" in page and "Bruno" not in page
    assert f'name="parent" value="{other.pk}"' in page
    assert without_tokens(page) == without_tokens(personal_page(client, other))


def test_every_request_gets_fresh_form_values(client, parent):
    first, second = client.get(reply_url(parent)).text, client.get(reply_url(parent)).text

    def values(html):
        return re.findall(r'name="(?:token|form_stamp|csrfmiddlewaretoken)" value="([^"]+)"', html)

    assert len(values(first)) == 3 and set(values(first)).isdisjoint(values(second))


def test_gzip_answer_is_the_same_page(client, parent):
    plain = client.get(reply_url(parent)).text
    packed = client.get(reply_url(parent), **GZIP)

    assert packed["Content-Encoding"] == "gzip"
    assert without_tokens(gzip.decompress(packed.content).decode()) == without_tokens(plain)


def test_the_page_shows_the_parent_as_it_is_now(client, parent):
    client.get(reply_url(parent))
    services.privacy.anonymise_author(parent)  # the name and text change, nothing else marks it

    page = client.get(reply_url(parent)).text

    parent.refresh_from_db()
    assert "Bruno" not in page and f"Reply to {parent.author_name}" in page


def test_an_article_change_makes_a_new_frame(client, parent):
    client.get(reply_url(parent))
    parent.article.title = "Sleeper trains are back"
    parent.article.save()

    assert "Sleeper trains are back" in client.get(reply_url(parent)).text


def test_a_held_or_closed_parent_takes_no_reply(client, parent):
    parent.status = Comment.Status.PENDING
    parent.save(update_fields=["status"])

    page = client.get(reply_url(parent)).text

    assert "This comment cannot take replies" in page and 'name="body"' not in page


def test_a_guest_who_has_posted_gets_the_shared_page_and_a_member_their_own(client, parent):
    client.cookies[OWN_COOKIE] = "anything"
    shared = client.get(reply_url(parent)).text
    assert 'name="name"' in shared  # the guest's form

    client.force_login(UserFactory(username="maya"))
    member = client.get(reply_url(parent)).text
    assert 'name="name"' not in member and "maya" in member


def test_a_locked_branch_or_a_limit_shows_on_the_shared_page_too(client, parent):
    from comments.services import cooling

    reply = CommentFactory(parent=parent, body="Below the lock")
    client.get(reply_url(reply))  # the frame made
    staff = UserFactory(is_staff=True)
    cooling.lock_branch(parent, actor=staff, reason="Cooling down")
    assert "locked by a moderator" in client.get(reply_url(reply)).text
    assert 'name="body"' not in client.get(reply_url(reply)).text


def test_each_site_origin_gets_its_own_frame(client, parent, settings):
    """Two sites sharing one cache (Redis, one key prefix) never serve each other's reply frame:
    its og:url names the site, as the article page's frame does (keyed by origin too)."""
    settings.SITE_URL, settings.SITE_URL_IS_SET = "https://one.example", True
    assert 'content="https://one.example/comments/' in client.get(reply_url(parent)).text

    settings.SITE_URL = "https://two.example"
    page = client.get(reply_url(parent)).text

    assert f'content="https://two.example{reply_url(parent)}"' in page
    assert "one.example" not in page


def test_the_branch_read_with_the_parent_is_the_branch_read_on_its_own(parent):
    """The shared reply page reads the parent's chain in its own query (cooling.CHAIN_JSON): the
    same links as cooling's query of the chain, times to the microsecond."""
    reply = CommentFactory(parent=CommentFactory(parent=parent))
    until = timezone.now() + datetime.timedelta(hours=2, microseconds=7)
    set_thread_slow_mode(parent, seconds=300, until=until, reason="Hot", actor=StaffFactory())
    services.report_comment(reply.parent, reporter_key="r1", reason="abuse", network="10.0.0.1")
    lock_branch(reply.parent, actor=StaffFactory(), reason="Cool off")
    reply.refresh_from_db()

    in_one_query = Comment.objects.filter(pk=reply.pk).annotate(chain=cooling.CHAIN_JSON)
    chain = cooling.chain_from_json(in_one_query.values_list("chain", flat=True).get())

    assert chain == [
        cooling.ChainLink._make(row)
        for row in cooling._chain.all(tree_id=reply.tree_id, lft=reply.lft, rght=reply.rght)
    ]
    assert [link.level for link in chain] == [2, 1, 0]
    assert chain[-1].slow_mode_until == until and chain[1].locked_at is not None


def test_shared_reply_page_says_the_branchs_limits_as_the_page_for_one_reader(client, parent):
    set_thread_slow_mode(
        parent, seconds=300, until=timezone.now() + datetime.timedelta(hours=2), actor=StaffFactory()
    )
    services.report_comment(parent, reporter_key="r1", reason="abuse", network="10.0.0.1")

    shared = client.get(reply_url(parent)).text

    assert "Slow mode: one comment every 5 minutes in this thread until" in shared
    assert "Speed limit: this part of the discussion has 1 open report" in shared
    assert without_tokens(shared) == without_tokens(personal_page(client, parent))
