"""Security headers and cookie flags, in development settings and under production settings."""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest

from tests.factories import CommentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]

CSP_REQUIRED = [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]


def csp_directives(header: str) -> set[str]:
    return {part.strip() for part in header.split(";")}


def public_urls(article):
    comment = CommentFactory(article=article)
    return [
        "/",
        article.get_absolute_url(),
        f"/comments/{comment.pk}/",
        f"/comments/{comment.pk}/reply/",
        "/accounts/login/",
    ]


def test_every_public_page_sends_the_security_headers(client, article):
    for url in public_urls(article):
        response = client.get(url)

        assert response.status_code == 200, url
        assert csp_directives(response["Content-Security-Policy"]) >= set(CSP_REQUIRED), url
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"]


def test_error_pages_send_the_policy_too(client):
    response = client.get("/articles/no-such-article/")

    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_pages_have_no_inline_script_handlers_or_styles(client, article):
    pages = [client.get(url).text for url in public_urls(article)]

    for html in pages:
        # Only scripts from files; a JSON-LD block is data the browser never runs (CSP-exempt).
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", html)
        assert not re.search(r"\son[a-z]+\s*=", html, re.I)
        assert not re.search(r"\sstyle\s*=", html, re.I)
        assert "javascript:" not in html


def test_session_and_csrf_cookies_are_http_only_and_same_site(client):
    UserFactory(username="ann")
    client.get("/accounts/login/")
    csrf = client.cookies["csrftoken"]

    client.post("/accounts/login/", {"username": "ann", "password": "correct horse battery staple"})
    session = client.cookies["sessionid"]

    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    assert session["httponly"] and session["samesite"] == "Lax"


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
plain = client.get("/healthz")
proxied = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "proxied": [proxied.status_code, proxied.get("Strict-Transport-Security"),
                proxied.get("Content-Security-Policy")],
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,
                settings.SESSION_COOKIE_HTTPONLY, settings.CSRF_COOKIE_HTTPONLY],
}))
"""


def test_production_redirects_to_https_and_sends_hsts_behind_a_trusted_proxy():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL="postgres://u@127.0.0.1:1/x",  # headers only: the database may be down
        ALLOWED_HOSTS="testserver",
    )

    result = subprocess.run([sys.executable, "-c", PRODUCTION_PROBE], capture_output=True, text=True, env=env)

    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["plain"] == [301, "https://testserver/healthz"]
    status, hsts, csp = probe["proxied"]
    assert status == 503  # reached the view over "https": no redirect loop behind the proxy
    assert hsts == "max-age=31536000; includeSubDomains"
    assert "frame-ancestors 'none'" in csp
    assert probe["cookies"] == [True, True, True, True]
