"""docker/nginx.conf: valid for `nginx -t`, and in front of gunicorn it never caches private pages.

nginx comes from PATH or, failing that, from Debian's package unpacked into var/nginx
(`apt-get download` + `dpkg -x`: no service is installed or started). Without either the
tests skip, saying why. The compose upstream (web:8000) and paths are rewritten for a
loopback run on issue 7's ports.
"""

import os
import re
import shutil
import subprocess
import uuid

import pytest

from comments.models import Comment
from tests.factories import ArticleFactory
from tests.servers import ROOT, Server
from tests.test_production_stack import HASHED_CSS, post_comment

NGINX_DIR = ROOT / "var" / "nginx"
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def find_nginx() -> str | None:
    found = shutil.which("nginx") or (NGINX_DIR / "usr/sbin/nginx")
    if found and os.access(found, os.X_OK):
        return str(found)
    if not (shutil.which("apt-get") and shutil.which("dpkg")):
        return None
    NGINX_DIR.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            ["apt-get", "download", "-qq", "nginx"],
            cwd=NGINX_DIR,
            check=True,
            capture_output=True,
            timeout=90,
        )
        package = next(NGINX_DIR.glob("nginx_*.deb"))
        subprocess.run(
            ["dpkg", "-x", str(package), str(NGINX_DIR)], check=True, capture_output=True, timeout=60
        )
    except (subprocess.SubprocessError, StopIteration, OSError):
        return None
    binary = NGINX_DIR / "usr/sbin/nginx"
    return str(binary) if binary.exists() else None


@pytest.fixture(scope="module")
def nginx_binary():
    binary = find_nginx()
    if binary is None:
        pytest.skip("nginx is not installed and Debian's package could not be fetched with apt-get download")
    return binary


def loopback_config(tmp_path, *, listen: int, upstream: int) -> str:
    """docker/nginx.conf inside a minimal main config, pointed at loopback ports and tmp_path."""
    site = (ROOT / "docker" / "nginx.conf").read_text()
    site = site.replace("server web:8000;", f"server 127.0.0.1:{upstream};")
    site = site.replace("listen 8000;", f"listen 127.0.0.1:{listen};")
    site = site.replace("/var/cache/nginx/threadline", str(tmp_path / "cache"))
    site = site.replace("access_log /dev/stdout threadline;", f"access_log {tmp_path}/access.log threadline;")
    (tmp_path / "site.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach tmp_path (mode 0700)
    # Debian's build writes request bodies under /var/lib/nginx: keep everything in tmp_path.
    temp_paths = "".join(f"  {kind}_temp_path {tmp_path}/{kind}_temp;\n" for kind in TEMP_KINDS)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n{temp_paths}  include {tmp_path}/site.conf;\n}}\n"
    )
    return str(main)


def test_nginx_accepts_the_config(nginx_binary, tmp_path):
    config = loopback_config(tmp_path, listen=8705, upstream=8710)

    result = subprocess.run(
        [nginx_binary, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", config],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@pytest.fixture(scope="module")
def proxied(nginx_binary, production_web, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("nginx")
    config = loopback_config(tmp_path, listen=8705, upstream=production_web.port)
    proxy = Server(
        [nginx_binary, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", config],
        port=8705,
        env=dict(os.environ),
        log=tmp_path / "nginx.out",
    )
    yield proxy, production_web
    proxy.stop()


@pytest.mark.django_db(transaction=True)
def test_nginx_caches_hashed_static_files_but_never_private_or_cookie_setting_pages(proxied):
    proxy, _ = proxied
    article = ArticleFactory()

    pages = [proxy.get(article.get_absolute_url()) for _ in range(2)]
    css = [proxy.get(HASHED_CSS.search(pages[0].text).group(0)) for _ in range(2)]
    healthz = [proxy.get("/healthz") for _ in range(2)]
    signed_in = proxy.get(article.get_absolute_url(), headers={"Cookie": "sessionid=abc"})

    assert [r.headers["X-Cache-Status"] for r in css] == ["MISS", "HIT"]
    assert [r.headers["X-Cache-Status"] for r in pages] == ["MISS", "MISS"]  # sets csrftoken, Vary: Cookie
    assert [r.headers["X-Cache-Status"] for r in healthz] == ["MISS", "MISS"]  # Cache-Control: private
    assert "private" in healthz[0].headers["Cache-Control"]
    assert signed_in.headers["X-Cache-Status"] == "BYPASS"


@pytest.mark.django_db(transaction=True)
def test_nginx_passes_the_client_address_and_a_request_id_and_hides_metrics(proxied):
    proxy, web = proxied
    article = ArticleFactory()
    body = f"Via+nginx+{uuid.uuid4().hex[:6]}"

    posted = post_comment(proxy, article, body)
    forged = proxy.get("/healthz", headers={"X-Forwarded-For": "198.51.100.1"})

    assert posted.status == 302
    # nginx appends the real peer (127.0.0.1) to whatever the client claimed; only that one counts.
    assert Comment.objects.get(body=body.replace("+", " ")).ip_address == "127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])
    assert proxy.get("/metrics").status == 404
    assert web.get("/metrics").status == 200  # internal scrape, straight to gunicorn
