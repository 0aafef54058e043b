"""Failed log-ins are limited on the site and in the admin; the admin URL is configurable."""

import os
import subprocess
import sys

import pytest

from protection.models import RefusalLog
from tests.factories import StaffFactory, UserFactory

# Dozens of log-in attempts: the production hasher costs ~0.5 s a try.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]

PASSWORD = "correct horse battery staple"
NO_DB = "postgres://u@127.0.0.1:1/x"  # settings and URLs only: no database needed
LOGIN_URLS = {"site": "/accounts/login/", "admin": "/admin/login/"}


@pytest.fixture(params=LOGIN_URLS)
def login_url(request):
    return LOGIN_URLS[request.param]


def attempt(client, url, username, password, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def test_fifth_failure_locks_the_account_with_a_clear_message_and_429(client, abuse_protection, login_url):
    StaffFactory(username="mod")
    statuses = [attempt(client, login_url, "mod", f"guess {n}").status_code for n in range(4)]

    locked = attempt(client, login_url, "mod", "guess 5")

    assert statuses == [200] * 4
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 900
    assert "Too many failed log-in attempts" in locked.text and "locked for 15 minutes" in locked.text


def test_locked_account_is_refused_even_with_the_right_password(client, abuse_protection, login_url):
    StaffFactory(username="mod")
    for n in range(5):
        attempt(client, login_url, "mod", f"guess {n}")

    response = attempt(client, login_url, "mod", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert RefusalLog.objects.filter(reason="login_lockout").exists()


def test_failures_from_one_network_never_lock_the_owner_out_from_another(client, abuse_protection):
    UserFactory(username="ann")
    for _ in range(10):
        attempt(client, "/accounts/login/", "ann", "nope", REMOTE_ADDR="192.0.2.66")

    locked_here = attempt(client, "/accounts/login/", "ann", PASSWORD, REMOTE_ADDR="192.0.2.66")
    owner = attempt(client, "/accounts/login/", "ann", PASSWORD, REMOTE_ADDR="198.51.100.20")

    assert locked_here.status_code == 429
    assert owner.status_code == 302 and client.session["_auth_user_id"]


def test_an_ipv6_network_is_locked_as_a_whole_64(client, abuse_protection):
    UserFactory(username="ann")
    for n in range(5):
        attempt(client, "/accounts/login/", "ann", "nope", REMOTE_ADDR=f"2001:db8:7:7::{n + 1}")

    response = attempt(client, "/accounts/login/", "ann", PASSWORD, REMOTE_ADDR="2001:db8:7:7::99")

    assert response.status_code == 429


def test_full_width_and_upper_case_spellings_share_one_lock(client, abuse_protection):
    UserFactory(username="ann")
    for spelling in ["ann", "ＡＮＮ", "Ａnn", "ａｎｎ", "ANN"]:
        attempt(client, "/accounts/login/", spelling, "nope")

    right_password = attempt(client, "/accounts/login/", "ａｎｎ", PASSWORD)

    assert right_password.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_public_form_never_locks_staff_out_of_the_admin(client, abuse_protection):
    StaffFactory(username="mod")
    for n in range(10):
        attempt(client, "/accounts/login/", "mod", f"guess {n}")

    admin = attempt(client, "/admin/login/", "mod", PASSWORD)

    assert admin.status_code == 302 and client.session["_auth_user_id"]


def test_one_address_guessing_many_usernames_is_locked_out(client, abuse_protection):
    statuses = [attempt(client, "/accounts/login/", f"user{n}", "nope").status_code for n in range(31)]

    assert statuses[:29] == [200] * 29
    assert statuses[-1] == 429


def test_a_success_clears_the_failures(client, abuse_protection):
    UserFactory(username="ann")
    for n in range(4):
        attempt(client, "/accounts/login/", "ann", f"typo {n}")

    success = attempt(client, "/accounts/login/", "ann", PASSWORD)
    client.logout()
    statuses = [attempt(client, "/accounts/login/", "ann", f"typo {n}").status_code for n in range(4)]

    assert success.status_code == 302
    assert statuses == [200] * 4


def test_a_few_typos_then_the_right_password_logs_in(client, abuse_protection, login_url):
    StaffFactory(username="mod")
    for n in range(3):
        attempt(client, login_url, "mod", f"typo {n}")

    response = attempt(client, login_url, "mod", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def run_django(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"ADMIN_URL"}}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "DATABASE_URL": NO_DB,
            **env,
        },
        capture_output=True,
        text=True,
    )


def test_admin_url_comes_from_the_environment():
    moved = run_django(
        "from django.urls import reverse, resolve; print(reverse('admin:index'), reverse('admin:login'));"
        "print(resolve('/desk-7f3a/login/').func.__name__)",
        ADMIN_URL="desk-7f3a/",
    )
    default = run_django("from django.urls import reverse; print(reverse('admin:index'))")

    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.split() == ["/desk-7f3a/", "/desk-7f3a/login/", "admin_login"]
    assert default.stdout.strip() == "/admin/"


def test_an_empty_admin_url_stops_start_up_with_a_message():
    result = run_django("", ADMIN_URL="/")

    assert result.returncode != 0
    assert "ADMIN_URL must not be empty" in result.stderr
