"""The Best order (issue 22): Wilson lower bounds from the vote rows, stable ties, scores hidden
on young comments, and votes that reach the pages on a bounded schedule, not at every click."""

import math
from statistics import NormalDist

import pytest
from django.core.cache import cache

from comments import best, discussion
from comments.generator import generate_discussion
from comments.models import Comment
from comments.services import remove_comment, report_comment
from comments.services.voting import toggle_helpful
from comments.votes import Voter
from pagecache.store import recent_pages
from tests.factories import ArticleFactory, CommentFactory, StaffFactory
from tests.helpers import comment_elements

pytestmark = pytest.mark.django_db


@pytest.fixture
def epoch(monkeypatch, settings):
    """The Best snapshot's clock, moved by hand: epoch.advance() is the next refresh (the votes
    made so far count from it on)."""
    settings.HELPFUL_SCORE_HIDDEN_SECONDS = 0

    class Clock:
        now = best.current_epoch()

        def advance(self):
            self.now += 1

    clock = Clock()
    monkeypatch.setattr(best, "current_epoch", lambda: clock.now)
    return clock


def helpful(comment, votes: int) -> None:
    """`votes` distinct voters mark the comment helpful, through the service."""
    for n in range(votes):
        toggle_helpful(comment=comment, voter=Voter(key=f"test:{comment.pk}:{n}"))


def best_page(client, article) -> str:
    return client.get(article.get_absolute_url(), {"sort": "best"}).text


def order(html: str) -> list[int]:
    return [pk for pk, _, _ in comment_elements(html)]


def reply(parent, **kwargs):
    return CommentFactory(article=parent.article, parent=parent, **kwargs)


def closed_form_lower_bound(positive: int, negative: int, z: float) -> float:
    """The lower root of (p̂ - p)² n = z² p (1 - p): the Wilson score interval's published quadratic,
    solved here with the textbook root formula (not the rearranged one comments.best uses)."""
    n = positive + negative
    if n == 0:
        return 0.0
    p_hat = positive / n
    a, b, c = n + z * z, -(2 * n * p_hat + z * z), n * p_hat * p_hat
    return (-b - math.sqrt(b * b - 4 * a * c)) / (2 * a)


def test_z_is_the_80_percent_two_sided_quantile():
    assert pytest.approx(NormalDist().inv_cdf(0.9), abs=1e-12) == best.Z_80


def test_wilson_lower_bound_matches_the_published_formula_on_a_grid():
    for positive in range(0, 41):
        for negative in range(0, 41):
            expected = closed_form_lower_bound(positive, negative, best.Z_80)
            assert best.wilson_lower_bound(positive, negative) == pytest.approx(expected, abs=1e-12)
    assert best.wilson_lower_bound(1, 0) == pytest.approx(1 / (1 + best.Z_80**2))  # p̂ = 1, n = 1
    assert best.wilson_lower_bound(10, 0) > best.wilson_lower_bound(1, 0)  # more evidence ranks higher
    assert best.wilson_lower_bound(100, 10) > best.wilson_lower_bound(5, 0)


def test_threads_and_their_replies_come_best_first(client, article, epoch):
    first, second, third = (CommentFactory(article=article) for _ in range(3))
    old_reply, good_reply = reply(first), reply(first)
    helpful(third, 5)
    helpful(second, 2)
    helpful(good_reply, 3)
    epoch.advance()

    page = best_page(client, article)

    assert order(page) == [third.pk, second.pk, first.pk, good_reply.pk, old_reply.pk]
    assert f'value="{third.pk}">Helpful (5)</button>' in page
    oldest = client.get(article.get_absolute_url()).text
    assert order(oldest) == [first.pk, old_reply.pk, good_reply.pk, second.pk, third.pk]
    assert "Helpful (" not in oldest  # counts show in the Best order only


def test_upheld_reports_lower_a_score(article, epoch):
    kept, reported = CommentFactory(article=article), CommentFactory(article=article)
    reply(reported)  # so the removed comment stays as a placeholder in its thread
    helpful(kept, 3)
    helpful(reported, 3)
    for n in range(2):
        report_comment(reported, reporter_key=f"user:{n}", reason="abuse", network=f"10.0.0.{n}")
    remove_comment(reported, moderator=StaffFactory())
    epoch.advance()

    scores = best.best_snapshot(article).scores

    assert scores[kept.pk] == pytest.approx(best.wilson_lower_bound(3, 0))
    assert scores[reported.pk] == pytest.approx(best.wilson_lower_bound(3, 2))
    assert scores[reported.pk] < scores[kept.pk]


def test_best_order_is_the_same_over_100_reloads_with_ties(client, article, epoch):
    threads = [CommentFactory(article=article) for _ in range(8)]
    replies = [reply(threads[0]) for _ in range(4)]
    for comment in threads[2:6] + replies[1:3]:
        helpful(comment, 2)  # ties among voted comments, and among the unvoted ones
    epoch.advance()
    orders = set()

    for _ in range(100):
        cache.clear()  # every reload computes the snapshot and renders the page again
        recent_pages.clear()
        orders.add(tuple(order(best_page(client, article))))

    assert len(orders) == 1
    expected_roots = [t.pk for t in threads[2:6]] + [
        threads[0].pk,
        threads[1].pk,
        threads[6].pk,
        threads[7].pk,
    ]
    only_roots = [pk for pk in orders.pop() if pk in {t.pk for t in threads}]
    assert only_roots == expected_roots


def test_a_vote_reaches_the_best_page_at_the_next_snapshot_not_at_the_click(
    client, article, epoch, django_assert_num_queries
):
    low, high = CommentFactory(article=article), CommentFactory(article=article)
    url = article.get_absolute_url() + "?sort=best"
    client.get(url)  # the CSRF cookie (part of the ETag) is set
    before = client.get(url)
    helpful(high, 4)

    with django_assert_num_queries(1):  # the article's state: the page and its snapshot are cached
        within = client.get(url)
    epoch.advance()
    after = client.get(url)

    assert within["ETag"] == before["ETag"] and order(within.text) == [low.pk, high.pk]
    assert after["ETag"] != before["ETag"] and order(after.text) == [high.pk, low.pk]


def test_a_new_snapshot_renders_again_only_the_threads_whose_scores_moved(
    client, article, epoch, monkeypatch
):
    threads = [CommentFactory(article=article) for _ in range(5)]
    best_page(client, article)
    rendered = []
    real = discussion.render_threads
    monkeypatch.setattr(
        discussion,
        "render_threads",
        lambda article, ids, **kw: rendered.extend(ids) or real(article, ids, **kw),
    )
    helpful(threads[3], 1)
    epoch.advance()

    best_page(client, article)
    epoch.advance()  # a snapshot with the same scores: nothing to render
    best_page(client, article)

    assert rendered == [threads[3].tree_id]


def test_counts_are_hidden_while_a_comment_is_young(client, article, epoch, settings):
    settings.HELPFUL_SCORE_HIDDEN_SECONDS = 3600
    young = CommentFactory(article=article)
    helpful(young, 3)
    epoch.advance()

    page = best_page(client, article)

    assert f'value="{young.pk}">Helpful</button>' in page
    assert "Helpful (3)" not in page
    assert best.best_snapshot(article).scores[young.pk] > 0  # it still ranks


def test_the_sort_control_offers_best(client, article):
    CommentFactory(article=article)

    page = client.get(article.get_absolute_url()).text

    assert '<option value="best">Best</option>' in page


@pytest.mark.parametrize("size", [10, 2000])
def test_best_page_query_count_does_not_grow_with_the_discussion(
    client, django_assert_num_queries, size, epoch
):
    article = ArticleFactory()
    generate_discussion(article, comments=size, seed=size)
    article.refresh_from_db()
    voted = list(Comment.objects.filter(article=article).order_by("-pk")[:20])
    for n, comment in enumerate(voted):
        helpful(comment, 1 + n % 4)
    epoch.advance()
    cache.clear()
    url = article.get_absolute_url() + "?sort=best"

    # the article, the snapshot of its votes (once per refresh); in the page's snapshot the article
    # again, the page's top-level comments and the replies of its threads
    with django_assert_num_queries(5):
        cold = client.get(url)
    with django_assert_num_queries(1):
        warm = client.get(url)
    # page 2: the article, and in the page's snapshot the article, the page's roots and replies; a
    # discussion of one page shows page 1 again, from the cache
    with django_assert_num_queries(4 if article.thread_count > 50 else 1):
        later = client.get(url + "&page=2")

    assert cold.status_code == warm.status_code == later.status_code == 200
    assert order(warm.text) == order(cold.text)
