"""Rate limits through the cache: per account and per IP address, 429 with Retry-After, text kept."""

import os
import time

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from comments.models import Comment
from protection import ratelimit
from protection.forms import STAMP_SALT
from protection.models import RefusalLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class Clock:
    """The limiter's clock, moved by hand: slots free without waiting."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """One clock for the limiter and the local-memory cache, whose entries expire by it."""
    from django.core.cache.backends import base, locmem

    clock = Clock()
    for module in (ratelimit, base, locmem):
        monkeypatch.setattr(module, "time", clock)
    return clock


def form_data(body, **extra):
    stamp = signing.dumps(time.time() - 60, salt=STAMP_SALT)  # the form was shown a minute ago
    return {"body": body, "name": "Gina", "email": "gina@example.org", "form_stamp": stamp, **extra}


def post(client, article, body, **extra):
    return client.post(reverse("comments:add", args=[article.slug]), form_data(body, **extra))


def test_second_comment_within_15_seconds_gets_429_with_retry_after_and_the_text_kept(
    client, article, abuse_protection, clock
):
    post(client, article, "First thought.")
    clock.now += 5

    response = post(client, article, "Second thought, typed with care.")

    assert response.status_code == 429
    assert response["Retry-After"] == "10"
    assert "You are posting too often. Please wait 10 seconds and try again." in response.text
    assert "Second thought, typed with care." in response.text
    assert Comment.objects.count() == 1


def test_comment_goes_through_once_the_window_has_passed(client, article, abuse_protection, clock):
    post(client, article, "First thought.")
    clock.now += 15

    response = post(client, article, "Second thought.")

    assert response.status_code == 302
    assert Comment.objects.count() == 2


def test_two_comments_a_moment_apart_are_limited_even_where_a_fixed_window_would_end(
    client, article, abuse_protection, clock
):
    clock.now -= 1  # a second before 15 s and 1 h boundaries: a fixed window would restart in between
    post(client, article, "Just before the boundary.")
    clock.now += 2

    response = post(client, article, "Just after it.")

    assert response.status_code == 429
    assert response["Retry-After"] == "13"
    assert Comment.objects.count() == 1


def test_page_cache_churn_never_evicts_a_rate_limit_slot(client, article, abuse_protection, clock):
    from django.core.cache import cache

    post(client, article, "First thought.")
    for n in range(1000):  # threads and pages coming and going: the default cache culls past 300
        cache.set(f"thread:{n}", "<li>A thread</li>")

    response = post(client, article, "Second thought.")

    assert response.status_code == 429
    assert Comment.objects.count() == 1


def test_an_hourly_budget_of_ten_refills_one_every_six_minutes(client, article, abuse_protection, clock):
    # GCRA: 10/h is a budget of ten that refills one every 360 s (issue 23).
    for n in range(10):
        assert post(client, article, f"Thought {n}").status_code == 302
        clock.now += 20

    response = post(client, article, "Thought 11")

    assert response.status_code == 429
    assert response["Retry-After"] == str(360 - 200)  # one attempt is back in the budget at 360 s
    assert "Please wait 3 minutes" in response.text
    assert Comment.objects.count() == 10
    clock.now += 360 - 200 - 1
    assert post(client, article, "Thought 11, one second early").status_code == 429
    clock.now += 1
    assert post(client, article, "Thought 11").status_code == 302
    clock.now += 20
    assert post(client, article, "Thought 12, before the next refill").status_code == 429
    assert Comment.objects.count() == 11


def test_a_steady_writer_gets_the_rate_and_no_more(abuse_protection, clock):
    abuse_protection.RATE_LIMITS = {"comment": {"account": "10/h"}}
    factory = RequestFactory()
    admitted = 0
    for _ in range(3 * 60):  # one attempt a minute for three hours
        try:
            ratelimit.hit(_with_user(factory.post("/")), "comment", account="email:steady@example.org")
            admitted += 1
        except ratelimit.RateLimited:
            pass
        clock.now += 60

    assert admitted == 10 + 29  # the first budget, then one every 6 minutes (at 6, 12, ..., 174)


@pytest.mark.parametrize("limit", ["10/h", "1000/h", "100000/h"])
def test_a_check_reads_one_key_per_identity_whatever_the_limit(abuse_protection, limit, monkeypatch):
    from django.core.cache import caches

    abuse_protection.RATE_LIMITS = {"comment": {"account": f"{limit},5/d", "ip": limit}}
    backend = caches["ratelimit"]
    read = []
    get_many = backend.get_many
    monkeypatch.setattr(
        backend, "get_many", lambda keys, **kw: read.append(len(set(keys))) or get_many(keys, **kw)
    )

    ratelimit.hit(_with_user(RequestFactory().post("/")), "comment", account="email:any@example.org")

    assert read == [2]  # the address's key and the account's, each with all of its rates


def test_refused_attempts_do_not_use_up_the_hourly_quota(client, article, abuse_protection, clock):
    post(client, article, "One")
    for n in range(20):
        assert post(client, article, f"Too soon {n}").status_code == 429
    clock.now += 15

    response = post(client, article, "Two")

    assert response.status_code == 302


def test_limit_is_per_author_so_another_guest_on_another_address_may_post(
    client, article, abuse_protection, clock
):
    post(client, article, "Gina's comment")

    response = client.post(
        reverse("comments:add", args=[article.slug]),
        form_data("Hal's comment", name="Hal", email="hal@example.org"),
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 302


def test_a_guest_changing_email_is_still_limited_by_address(client, article, abuse_protection, clock):
    for n in range(4):
        post(client, article, f"Comment {n}", email=f"alias{n}@example.org")

    response = post(client, article, "Comment 5", email="alias5@example.org")

    assert response.status_code == 429
    assert Comment.objects.count() == 4


def test_a_signed_in_reader_is_limited_per_account_across_addresses(client, article, abuse_protection, clock):
    client.force_login(UserFactory())
    client.post(
        reverse("comments:add", args=[article.slug]), form_data("From home"), REMOTE_ADDR="198.51.100.1"
    )

    response = client.post(
        reverse("comments:add", args=[article.slug]), form_data("From work"), REMOTE_ADDR="198.51.100.2"
    )

    assert response.status_code == 429
    assert Comment.objects.count() == 1


def test_rates_come_from_settings(client, article, abuse_protection, clock):
    abuse_protection.RATE_LIMITS = {**abuse_protection.RATE_LIMITS, "comment": {"account": "3/m"}}
    for n in range(3):
        assert post(client, article, f"Quick {n}").status_code == 302

    response = post(client, article, "Quick 4")

    assert response.status_code == 429
    assert response["Retry-After"] == "20"  # 3/m: the budget refills one every 20 s


def test_rate_limit_refusal_is_logged_once_per_minute(client, article, abuse_protection, clock):
    post(client, article, "One")

    post(client, article, "Two")
    post(client, article, "Three")

    log = RefusalLog.objects.get()
    assert log.reason == "rate_limit" and log.path == reverse("comments:add", args=[article.slug])
    assert log.ip_address == "127.0.0.1"
    assert log.excerpt == "Two"


def test_the_same_form_sent_twice_lands_on_the_first_comment_not_on_a_429(client, article, abuse_protection):
    data = form_data("Double click", token="6f1c7a34-5c0a-4c36-9d0e-4e0fe3f6a1b2")
    first = client.post(reverse("comments:add", args=[article.slug]), data)

    second = client.post(reverse("comments:add", args=[article.slug]), data)

    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Comment.objects.count() == 1


def hits_at_once(scope: str, account: str, attempts: int) -> int:
    """`attempts` threads count against one account at the same moment; how many were accepted."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.contrib.auth.models import AnonymousUser

    barrier = Barrier(attempts)

    def attempt(n):
        request = RequestFactory().post("/", REMOTE_ADDR=f"192.0.2.{n}")
        request.user = AnonymousUser()
        barrier.wait()
        try:
            ratelimit.hit(request, scope, account=account)
        except ratelimit.RateLimited:
            return False
        return True

    with ThreadPoolExecutor(attempts) as pool:
        return sum(pool.map(attempt, range(attempts)))


def test_attempts_at_the_same_moment_never_pass_more_than_the_limit(abuse_protection):
    abuse_protection.RATE_LIMITS = {"comment": {"account": "3/m"}}

    accepted = [hits_at_once("comment", f"email:racer{n}@example.org", 8) for n in range(10)]

    assert accepted == [3] * 10


@ratelimit.ratelimit("report")
def report_view(request):
    return HttpResponse("reported")


@pytest.mark.parametrize("scope", ["report", "signup"])
def test_the_decorator_limits_any_view_in_one_line(abuse_protection, clock, scope):
    view = ratelimit.ratelimit(scope)(lambda request: HttpResponse("done"))
    limit = ratelimit.scope_rates(scope)["ip"][0].count
    factory = RequestFactory()

    statuses = [view(_with_user(factory.post("/x/"))).status_code for _ in range(limit + 1)]

    assert statuses == [200] * limit + [429]
    refused = view(_with_user(factory.post("/x/")))
    assert int(refused["Retry-After"]) > 0
    assert "Please wait" in refused.content.decode()
    assert view(_with_user(factory.get("/x/"))).status_code == 200  # reading is never limited


def test_report_limit_counts_per_account(abuse_protection, clock):
    user = UserFactory()
    factory = RequestFactory()
    statuses = []
    for n in range(6):
        request = _with_user(factory.post("/report/", REMOTE_ADDR=f"192.0.2.{n}"), user)
        statuses.append(report_view(request).status_code)

    assert statuses == [200] * 5 + [429]


def _with_user(request, user=None):
    from django.contrib.auth.models import AnonymousUser

    request.user = user or AnonymousUser()
    return request


def test_rates_are_parsed_and_bad_rates_say_how_to_write_them():
    assert ratelimit.parse_rates("1/15s, 10/h,5/2d") == [
        ratelimit.Rate(1, 15),
        ratelimit.Rate(10, 3600),
        ratelimit.Rate(5, 172800),
    ]
    assert ratelimit.parse_rates("") == []
    with pytest.raises(ValueError, match="COUNT/"):
        ratelimit.parse_rates("ten per hour")


def test_disabled_limits_count_nothing(client, article, settings):
    settings.RATE_LIMITS_ENABLED = False

    statuses = {post(client, article, f"Comment {n}").status_code for n in range(12)}

    assert statuses == {302}


def _redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_cache(settings):
    redis = pytest.importorskip("redis")
    server = redis.Redis.from_url(_redis_url(), socket_connect_timeout=0.5)
    try:
        server.ping()
    except redis.exceptions.RedisError:
        pytest.skip("Redis is not reachable")
    prefix = f"threadline-issue6-test-{os.getpid()}"
    redis_cache = {
        "BACKEND": "config.cache.FailoverRedisCache",
        "LOCATION": _redis_url(),
        "KEY_PREFIX": prefix,
    }
    # Django's setting_changed handler rebuilds the cache connections.
    settings.CACHES = {"default": redis_cache, "ratelimit": redis_cache}
    yield server, prefix
    keys = server.keys(f"{prefix}:*")  # only this test's keys: never FLUSHDB a shared server
    if keys:
        server.delete(*keys)


def test_limits_are_shared_through_redis(client, article, abuse_protection, clock, redis_cache):
    post(client, article, "Through Redis")

    response = post(client, article, "Again through Redis")

    assert response.status_code == 429
    server, prefix = redis_cache
    assert server.keys(f"{prefix}:*:rl:comment:account:*")


def test_limits_hold_under_racing_attempts_through_redis(abuse_protection, redis_cache):
    abuse_protection.RATE_LIMITS = {"comment": {"account": "3/m"}}

    accepted = [hits_at_once("comment", f"email:racer{n}@example.org", 8) for n in range(5)]

    assert accepted == [3] * 5


def client_address_seen(rf_request):
    from protection.middleware import ClientAddressMiddleware

    seen = {}
    ClientAddressMiddleware(lambda request: seen.setdefault("ip", request.META["REMOTE_ADDR"]))(rf_request)
    return seen["ip"]


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.1"),  # no proxy trusted: the header is the client's to forge
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # a forged entry on the left is ignored
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (2, "203.0.113.5", "10.0.0.1"),  # fewer hops than proxies: keep the socket's address
        (1, "not-an-address", "10.0.0.1"),
        (1, "2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_address_comes_from_the_trusted_proxies_only(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address_seen(request) == expected


@pytest.mark.parametrize("peer", ["203.0.113.9", "10.0.0.1"])
def test_x_forwarded_for_from_a_peer_that_is_not_a_configured_proxy_is_ignored(settings, peer):
    settings.TRUSTED_PROXY_COUNT = 1  # gunicorn reached directly, not through the proxy
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR="198.51.100.77")

    assert client_address_seen(request) == peer


def test_ipv6_clients_share_their_64s_limits(client, abuse_protection):
    abuse_protection.RATE_LIMITS = {"signup": {"ip": "2/h"}}

    answers = [
        client.post(reverse("signup"), {}, REMOTE_ADDR=f"2001:db8:5:6::{n:x}").status_code
        for n in range(1, 4)
    ]
    elsewhere = client.post(reverse("signup"), {}, REMOTE_ADDR="2001:db8:5:7::1").status_code

    assert answers == [200, 200, 429] and elsewhere == 200
