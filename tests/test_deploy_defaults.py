"""Deployment defaults that keep the app behind its proxy and its caches bounded (issue 16)."""

import os
import re
import runpy

from tests.test_deployment import ROOT, compose_config


def gunicorn_settings(**env) -> dict:
    saved = dict(os.environ)
    try:
        for name in ("GUNICORN_BIND", "PORT"):
            os.environ.pop(name, None)
        os.environ.update(env, PROMETHEUS_MULTIPROC_DIR=saved.get("PROMETHEUS_MULTIPROC_DIR", "/tmp"))
        return runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_gunicorn_binds_loopback_unless_told():
    assert gunicorn_settings()["bind"] == "127.0.0.1:8000"
    assert gunicorn_settings(PORT="9001")["bind"] == "127.0.0.1:9001"
    assert gunicorn_settings(GUNICORN_BIND="0.0.0.0:8000")["bind"] == "0.0.0.0:8000"


def test_compose_binds_web_explicitly_and_bounds_redis():
    services = compose_config()["services"]

    assert services["web"]["environment"]["GUNICORN_BIND"] == "0.0.0.0:8000"
    assert services["web"]["environment"]["TRUSTED_PROXIES"]
    command = services["redis"]["command"]
    assert command[command.index("--maxmemory") + 1] and "allkeys-lru" in command


def test_compose_nginx_passes_the_host_without_the_clients_port():
    conf = (ROOT / "docker" / "nginx.conf").read_text()

    assert re.search(r"proxy_set_header Host \$host;", conf)
    assert "$http_host" not in conf
