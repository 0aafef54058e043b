"""Shared helpers for the benchmarks: a bench database, gunicorn, wrk, a bounded writer."""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def bench_database_url(name: str = "threadline_bench") -> str:
    """DATABASE_URL from the environment, else a bench database on the embedded server."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    sys.path.insert(0, str(ROOT))
    from config import embedded_db

    url = embedded_db.start()
    server = embedded_db._server()
    if name not in server.psql("SELECT datname FROM pg_database;"):
        server.psql(f"CREATE DATABASE {name};")
    return url.rsplit("/", 1)[0] + "/" + name


def production_env(database_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TESTING"}}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="bench-only-" + "x" * 50,
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        GUNICORN_ACCESSLOG="",
        LOG_LEVEL="WARNING",
        # The writer posts every 100 ms from one address: no abuse limits in the bench.
        RATE_LIMITS_ENABLED="0",
        COMMENT_MIN_FILL_SECONDS="0",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class Gunicorn:
    """gunicorn with the production config on 127.0.0.1:port, stopped on exit."""

    def __init__(self, env: dict, port: int, *extra_args: str):
        self.port = port
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "config.wsgi", "--config", "config/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", *extra_args],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not start in 30 s")

    def worker_rss_mb(self) -> list[float]:
        import psutil

        return [round(c.memory_info().rss / 2**20, 1) for c in psutil.Process(self.process.pid).children()]

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("Installing wrk from Debian's packages…", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk")


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


# What a browser sends: readers' pages travel compressed.
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def run_wrk(
    url: str, *, seconds: int = 5, connections: int = 8, threads: int = 2, headers: dict | None = None
) -> dict:
    """wrk's requests/s, p50 and p99 (ms), and non-2xx count for one URL."""
    header_args = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    output = subprocess.run(
        [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *header_args, url],
        capture_output=True, text=True, timeout=seconds + 30,
    ).stdout  # fmt: skip
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    p50, p99 = (re.match(r"([\d.]+)(\w+)", latency[k]).groups() for k in ("50", "99"))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _ms(*p50),
        "p99": _ms(*p99),
        "errors": int(errors.group(1)) if errors else 0,
    }


class FormFields(HTMLParser):
    """The first comment form on a page: its action and its inputs."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "comment-form" in (attrs.get("class") or "") and self.action is None:
            self.action = attrs.get("action")
        elif tag == "input" and self.action and attrs.get("name") and attrs["name"] not in self.fields:
            self.fields[attrs["name"]] = attrs.get("value") or ""


class FormClient:
    """A browser-like client: cookies, the page's CSRF token and form token, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), self._NoRedirect
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def post_reply(self, article_slug: str, parent_pk: int | None, body: str, name: str = "Bench") -> int:
        """Fetch the form, post it; return the HTTP status (302 = stored)."""
        page = self.get(f"/comments/{parent_pk}/reply/" if parent_pk else f"/articles/{article_slug}/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        token = re.search(r'name="token" value="([^"]+)"', page)
        data = {"csrfmiddlewaretoken": csrf, "body": body, "name": name, "email": "bench@example.org",
                "parent": parent_pk or "", "token": token.group(1) if token else ""}  # fmt: skip
        request = urllib.request.Request(
            f"{self.base}/comments/post/{article_slug}/",
            data=urllib.parse.urlencode(data).encode(),
            headers={"Referer": self.base + "/"},
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class Writer(threading.Thread):
    """Posts a reply every `interval` seconds until stopped; records each POST's round trip."""

    def __init__(self, base: str, slug: str, parent_pks: list[int], interval: float = 0.1):
        super().__init__(daemon=True)
        self.client = FormClient(base)
        self.slug, self.parent_pks, self.interval = slug, parent_pks, interval
        self.stopped = threading.Event()
        self.timings: list[float] = []
        self.statuses: list[int] = []

    def run(self):
        import uuid

        run = uuid.uuid4().hex[:8]  # bodies differ from every earlier run's (duplicate check)
        index = 0
        while not self.stopped.is_set():
            started = time.perf_counter()
            parent = self.parent_pks[index % len(self.parent_pks)]
            try:
                page = self.client.get(f"/comments/{parent}/reply/")
            except OSError:
                self.statuses.append(0)
                index += 1
                continue
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            token = re.search(r'name="token" value="([^"]+)"', page).group(1)
            data = {"csrfmiddlewaretoken": csrf, "body": f"Live reply {run}-{index}", "name": "Writer",
                    "email": "writer@example.org", "parent": parent, "token": token}  # fmt: skip
            request = urllib.request.Request(
                f"{self.client.base}/comments/post/{self.slug}/",
                data=urllib.parse.urlencode(data).encode(),
                headers={"Referer": self.client.base + "/"},
            )
            post_started = time.perf_counter()
            try:
                with self.client.opener.open(request, timeout=30) as response:
                    self.statuses.append(response.status)
            except urllib.error.HTTPError as error:
                self.statuses.append(error.code)
            except OSError:  # a time-out: counted as a failed post, the run goes on
                self.statuses.append(0)
            self.timings.append((time.perf_counter() - post_started) * 1000)
            index += 1
            self.stopped.wait(max(0.0, self.interval - (time.perf_counter() - started)))

    def stop(self):
        self.stopped.set()
        self.join(15)
