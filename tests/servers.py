"""Real gunicorn (and nginx) processes for the deployment tests, in production settings.

Ports come from issue 7's range (8700-8899); every process is stopped by its own pid.
"""

import contextlib
import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def current_database_url() -> str:
    """A URL for the database this test run uses (the embedded server's test database)."""
    settings = connection.settings_dict
    host = quote(settings["HOST"] or "", safe="")
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgresql://{quote(settings['USER'] or '')}@{host}{port}/{settings['NAME']}"


def production_env(**extra: str) -> dict:
    """Environment for manage.py or gunicorn with DEBUG off, as on a production host (no TLS)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="INFO",
        # Test clients post at machine speed from one address; a test that is about the
        # limits switches them back on.
        RATE_LIMITS_ENABLED="0",
        COMMENT_MIN_FILL_SECONDS="0",
    )
    env.update(extra)
    return env


def redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class Response:
    status: int
    headers: dict
    text: str


def request(url: str, *, data: bytes | None = None, headers: dict | None = None) -> Response:
    """One HTTP request, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(req, timeout=15) as response:
            return Response(response.status, dict(response.headers), response.read().decode(errors="replace"))
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers), error.read().decode(errors="replace"))


def _die_with_parent() -> None:
    """Linux: SIGTERM this child when the test process dies, so no server outlives a killed run."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    """A background process answering HTTP on 127.0.0.1:port."""

    def __init__(self, command: list[str], *, port: int, env: dict, log: Path, health: str = "/healthz"):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self._wait(health)

    def _wait(self, health: str, seconds: float = 40) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server on {self.port} exited:\n{self.log.read_text()[-3000:]}")
            try:
                if request(self.base + health).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"server on {self.port} did not answer in {seconds} s:\n{self.log.read_text()[-3000:]}"
        )

    def log_lines(self, seconds: float = 5) -> list[str]:
        """The log so far (gunicorn flushes each line; allow a moment for the last one)."""
        time.sleep(0.2)
        return self.log.read_text().splitlines()

    def get(self, path: str, **kwargs) -> Response:
        return request(self.base + path, **kwargs)

    def stop(self) -> None:
        if self.process.poll() is None:
            # The master stops its own workers (quick shutdown) and runs its exit hooks.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # a straggler of our own process group, if any


def gunicorn(port: int, env: dict, log: Path) -> Server:
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    env.setdefault("WEB_CONCURRENCY", "2")
    return Server(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "config/gunicorn.conf.py"],
        port=port,
        env=env,
        log=log,
    )


def collectstatic(static_root: Path) -> None:
    """collectstatic under production settings (hashed, compressed names) into static_root."""
    env = production_env(STATIC_ROOT=str(static_root), DATABASE_URL="postgres://unused@127.0.0.1:1/unused")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stdout + result.stderr)
