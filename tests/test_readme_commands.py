"""The commands README.md and docs/ show work as shown, as on a fresh clone: no DEBUG, no SECRET_KEY.

They run against a fresh embedded PostgreSQL of their own (EMBEDDED_PGDATA under var/), so the
development and test databases are never touched; the server is stopped at the end.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ".venv/bin/python"


def shown_commands() -> list[str]:
    """Every `.venv/bin/python manage.py …` line in a shell block of README.md and docs/*.md."""
    commands = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```sh\n(.*?)```", doc.read_text(), re.S):
            for line in block.splitlines():
                if line.startswith(f"{PYTHON} manage.py "):
                    commands.append(line.split("  #")[0].strip())
    return commands


@pytest.fixture(scope="module")
def fresh_clone_env():
    """The environment of a fresh clone's shell: no DEBUG, SECRET_KEY, DATABASE_URL or TESTING."""
    pgdata = ROOT / "var" / f"test-fresh-clone-{os.getpid()}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "EMBEDDED_PGDATA": str(pgdata),
    }
    yield env
    subprocess.run([PYTHON, "-m", "config.embedded_db", "stop"], cwd=ROOT, env=env, timeout=60)
    shutil.rmtree(pgdata, ignore_errors=True)


def test_the_docs_show_the_usual_management_commands():
    commands = " ".join(shown_commands())

    for name in ("migrate", "loaddemo", "ensure_demo_admin", "generate_discussion", "check_comment_trees"):
        assert f"manage.py {name}" in commands


def test_every_management_command_the_docs_show_works_as_shown(fresh_clone_env):
    failures = []

    for command in shown_commands():
        result = subprocess.run(
            command, shell=True, cwd=ROOT, env=fresh_clone_env, capture_output=True, text=True, timeout=300
        )
        if result.returncode != 0:
            failures.append((command, result.returncode, result.stderr[-800:]))

    assert failures == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_make_run_says_serving_only_once_the_site_answers(fresh_clone_env):
    stamp = ROOT / ".venv" / ".installed-run"
    if not stamp.exists() or stamp.stat().st_mtime < (ROOT / "pyproject.toml").stat().st_mtime:
        pytest.skip("make run would install first (run `make test`, which installs, to include this)")
    port = free_port()
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        env=fresh_clone_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: Ctrl-C goes to make, gunicorn and the worker
    )
    answered, seen = None, []
    try:
        deadline = time.monotonic() + 120
        for line in make.stdout:
            seen.append(line)
            if line.startswith("Serving Threadline on"):
                # The moment it says so, the site answers.
                answered = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).status
                break
            assert time.monotonic() < deadline, "".join(seen[-20:])
    finally:
        os.killpg(make.pid, signal.SIGINT)
        make.communicate(timeout=60)

    assert answered == 200, "".join(seen[-20:])
    assert sum(line.startswith("Serving") for line in seen) == 1
