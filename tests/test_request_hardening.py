"""Odd requests get a 4xx, never a 500; sizes, series and caches stay bounded (issue 16)."""

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse
from prometheus_client import REGISTRY

from comments.models import Comment
from tests.factories import UserFactory
from tests.test_deployment import ROOT

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(("url", "status"), [("/search/?q=a%00b", 400), ("/people/ann%00/", 404)])
def test_a_nul_byte_in_a_search_or_a_profile_address_is_a_4xx(client, url, status):
    response = client.get(url)

    assert response.status_code == status and b"NUL" in response.content


@pytest.mark.parametrize(
    "next_url", ["a%00b", "%ff", "profile", "articles:list", "/x%01y", "http://[", "//evil.example"]
)
def test_sign_up_with_an_odd_next_lands_on_the_profile(client, next_url):
    data = {"username": "newbie", "email": "n@example.org", "password1": PASSWORD, "password2": PASSWORD}

    response = client.post(f"/accounts/signup/?next={next_url}", data)

    assert response.status_code == 302 and response["Location"] == reverse("profile", args=["newbie"])


def request_count(method: str) -> float:
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == "threadline_http_requests"
        for sample in metric.samples
        if sample.name.endswith("_total") and sample.labels.get("method") == method
    )


def test_made_up_methods_share_one_metrics_series(client):
    before = request_count("other")

    for n in range(3):
        client.generic(f"MADEUP{n}", "/")

    assert request_count("other") == before + 3
    assert request_count("MADEUP0") == 0


def test_the_preview_is_rate_limited(client, abuse_protection):
    abuse_protection.RATE_LIMITS = {**abuse_protection.RATE_LIMITS, "preview": {"ip": "3/m"}}

    answers = [client.post(reverse("comments:preview"), {"body": "*hi*"}).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]


def test_a_body_over_the_cap_is_refused_before_the_csrf_check(settings):
    settings.REQUEST_MAX_BYTES = 1000
    strict = Client(enforce_csrf_checks=True)

    big = strict.post("/accounts/login/", {"username": "x" * 2000})
    small = strict.post("/accounts/login/", {"username": "x"})

    assert big.status_code == 413
    assert small.status_code == 403  # what the CSRF check says, once the size is fine


def test_a_file_part_is_refused_with_a_400_and_nothing_stored(client, article, tmp_path):
    upload = tmp_path / "x.txt"
    upload.write_text("spool me")

    with upload.open("rb") as file:
        data = {"body": "Hi", "name": "Ann", "email": "ann@example.org", "file": file}
        response = client.post(reverse("comments:add", args=[article.slug]), data)

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_pages_for_a_signed_in_reader_are_private(client, article):
    client.force_login(UserFactory())

    pages = [
        client.get(url)
        for url in ["/", article.get_absolute_url(), "/search/?q=night", "/accounts/notifications/"]
    ]

    assert all("private" in page["Cache-Control"] for page in pages), [
        page.get("Cache-Control") for page in pages
    ]


def test_debug_technical_pages_only_for_loopback_clients(client, settings):
    settings.DEBUG = True

    local = client.get("/no-such-page/")
    remote = client.get("/no-such-page/", REMOTE_ADDR="203.0.113.5")
    proxied = client.get("/no-such-page/", HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert local.status_code == remote.status_code == proxied.status_code == 404
    assert b"URLconf" in local.content
    assert b"URLconf" not in remote.content and b"Page not found" in remote.content
    assert b"URLconf" not in proxied.content


def development_key(var_dir) -> str:
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME"}}
    env.update(DEBUG="1", THREADLINE_VAR_DIR=str(var_dir), DATABASE_URL="postgres://u@127.0.0.1:1/x")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_development_runs_on_a_key_of_this_checkouts_own(tmp_path):
    from config.dev_secret import development_secret

    first, again = development_key(tmp_path / "a"), development_key(tmp_path / "a")
    other = development_secret(tmp_path / "b")

    assert first == again and first != other and len(first) >= 50
    assert "insecure" not in first
    assert oct((tmp_path / "a" / "dev-secret-key").stat().st_mode & 0o777) == "0o600"


def test_make_run_says_it_is_not_for_production():
    assert "NOT FOR PRODUCTION" in (ROOT / "Makefile").read_text()
