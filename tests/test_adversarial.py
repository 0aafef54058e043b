"""The adversarial corpus (tests/data/adversarial_corpus.json) against the real site.

Every case ends in a 4xx with a clear message or in a safe rendering: never a 500, never a
half-written row, never markup that could run script. tests/test_adversarial_browser.py loads
the stored payloads in headless Chromium as well.
"""

import secrets
from functools import cached_property
from urllib.parse import quote

import pytest
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

from articles.models import Article
from comments.models import Comment
from tests.adversarial import CORPUS, payload_pages, store_payloads
from tests.factories import ArticleFactory, CommentFactory, StaffFactory
from tests.safety import markup_problems

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]

GUEST = {"body": "A fine comment.", "name": "Gina", "email": "gina@example.org"}


class World:
    """The rows a case may point at, made on first use only."""

    @cached_property
    def article(self):
        return ArticleFactory()

    @cached_property
    def same(self):
        return CommentFactory(article=self.article)

    @cached_property
    def other_article(self):
        return CommentFactory()

    @cached_property
    def removed(self):
        return CommentFactory(article=self.article, status=Comment.Status.REMOVED)

    @cached_property
    def pending(self):
        return CommentFactory(article=self.article, status=Comment.Status.PENDING)

    @cached_property
    def draft_article(self):
        draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
        return draft

    @cached_property
    def draft(self):
        return CommentFactory(article=self.draft_article)

    @cached_property
    def deleted(self):
        comment = CommentFactory(article=self.article)
        from comments.services import delete_comment

        delete_comment(comment)
        return comment

    def resolve(self, text: str) -> str:
        """Fill in "@name" values and "{name}" placeholders."""
        for name in ("same", "other_article", "removed", "pending", "draft", "deleted"):
            if f"@{name}" in text:
                text = text.replace(f"@{name}", str(getattr(self, name).pk))
            if f"{{{name}}}" in text:
                text = text.replace(f"{{{name}}}", str(getattr(self, name).pk))
        if "{draft_slug}" in text:
            text = text.replace("{draft_slug}", self.draft_article.slug)
        return text.replace("{slug}", self.article.slug)


@pytest.fixture
def world(db):
    return World()


def assert_safe(response, *, context=""):
    """Not a 500, and no markup that could run script (HTML responses)."""
    assert response.status_code < 500, context
    if response.get("Content-Type", "").startswith("text/html") and response.content:
        problems = markup_problems(response.content.decode())
        assert not problems, f"{context}: {problems}"


def assert_stored_safely(client, comment, expected_body=None):
    assert not markup_problems(comment.body_html), comment.body_html
    if expected_body is not None:
        assert comment.body == expected_body
    for url in (
        comment.article.get_absolute_url(),
        f"/comments/{comment.pk}/",
        f"/comments/{comment.pk}/reply/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_safe(response, context=url)
        assert comment.author_email not in response.text or not comment.author_email


def post_comment_case(client, world, overrides, *, raw_field=None, raw_value=None):
    """POST the comment form; return (response, the new comment or None). Checks all-or-nothing."""
    url = f"/comments/post/{world.article.slug}/"
    before = set(Comment.objects.values_list("pk", flat=True))
    data = {**GUEST, **overrides}
    if raw_field:
        data.pop(raw_field, None)
        encoded = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in data.items())
        encoded += f"&{raw_field}={raw_value.replace(' ', '+')}"
        response = client.post(url, encoded, content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(url, data)
    new = list(Comment.objects.exclude(pk__in=before))
    if response.status_code == 302:
        assert len(new) == 1, "one acknowledged comment, stored exactly once"
        assert response["Location"].endswith(f"#comment-{new[0].pk}")
        return response, new[0]
    assert new == [], "a refused comment stores nothing"
    return response, None


def check_outcome(response, case):
    assert response.status_code in case["status"], (response.status_code, case["id"])
    if response.status_code >= 400 and case.get("message"):
        assert case["message"] in response.text, case["id"]
    assert_safe(response, context=case["id"])


# --- stored XSS in every field ---------------------------------------------------------------

XSS_CASES = [(field, payload) for field in CORPUS["xss_fields"] for payload in CORPUS["xss"]]


@pytest.mark.parametrize(
    ("field", "payload"),
    XSS_CASES,
    ids=[f"{field}-{n % len(CORPUS['xss'])}" for n, (field, _) in enumerate(XSS_CASES)],
)
def test_xss_payload_is_refused_or_rendered_inert(client, world, field, payload):
    if field in {"body", "name", "email"}:
        response, comment = post_comment_case(client, world, {field: payload})
        assert response.status_code in (302, 400), response.status_code
        assert_safe(response, context=field)
        if comment is not None:
            assert_stored_safely(client, comment, payload.strip() if field == "body" else None)
        elif field == "body":
            assert payload.strip()[:20] in response.content.decode() or "&lt;" in response.text
        return
    if field == "slug":
        for method, url in (
            ("get", f"/articles/{quote(payload, safe='')}/"),
            ("post", f"/comments/post/{quote(payload, safe='')}/"),
        ):
            response = getattr(client, method)(url)
            assert response.status_code == 404, url
            assert_safe(response, context=url)
        return
    url = {
        "sort": f"{world.article.get_absolute_url()}?sort={quote(payload, safe='')}",
        "page": f"/?page={quote(payload, safe='')}",
        "next": f"/accounts/login/?next={quote(payload, safe='')}",
    }[field]
    response = client.get(url)
    assert response.status_code == 200
    assert_safe(response, context=url)


def test_all_stored_payloads_render_inert_on_every_page_that_shows_them(client, article, settings):
    settings.THREADS_PER_PAGE = 100
    comments = store_payloads(article)

    # Reply pages are checked one by one above and in the browser; here the gathering pages.
    for url in [u for u in payload_pages(article, comments) if not u.endswith("/reply/")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_safe(response, context=url)


def test_admin_shows_stored_payloads_inert(staff_client, article):
    comments = store_payloads(article)

    for url in ["/admin/comments/comment/", f"/admin/comments/comment/{comments[0].pk}/change/"]:
        response = staff_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        for payload in CORPUS["xss"]:
            if "<" in payload:
                assert payload not in html, url


# --- Markdown and autolink tricks in the body ------------------------------------------------


@pytest.mark.parametrize("payload", CORPUS["markdown"], ids=range(len(CORPUS["markdown"])))
def test_markdown_trick_never_yields_a_script_link(client, world, payload):
    response, comment = post_comment_case(client, world, {"body": payload})

    assert response.status_code == 302
    assert_stored_safely(client, comment, payload.strip())


# --- Unicode ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CORPUS["unicode"], ids=[c["id"] for c in CORPUS["unicode"]])
def test_unicode_is_stored_faithfully_or_refused_clearly(client, world, case):
    value = world.resolve(case["value"]) if case["field"] == "parent" else case["value"]
    if case.get("raw"):
        response, comment = post_comment_case(client, world, {}, raw_field=case["field"], raw_value=value)
    else:
        response, comment = post_comment_case(client, world, {case["field"]: value})

    check_outcome(response, case)
    if comment is not None:
        stored = getattr(
            comment, {"body": "body", "name": "author_name", "email": "author_email"}[case["field"]]
        )
        if case.get("raw"):
            assert "\ufffd" in stored  # undecodable bytes become U+FFFD, nothing worse
        else:
            assert stored == value.strip()
        assert_stored_safely(client, comment)


# --- huge and empty inputs -------------------------------------------------------------------


@pytest.mark.parametrize("case", CORPUS["sizes"], ids=[c["id"] for c in CORPUS["sizes"]])
def test_huge_and_empty_inputs_end_cleanly(client, world, case):
    value = case["char"] * case["times"]
    value = value + case.get("prefix", "") if case["field"] == "email" else case.get("prefix", "") + value

    response, comment = post_comment_case(client, world, {case["field"]: value})

    check_outcome(response, case)
    if comment is not None:
        assert_stored_safely(client, comment)


def test_too_many_fields_is_a_clear_400(client, world):
    data = {**GUEST, **{f"field{n}": "x" for n in range(1100)}}

    response, comment = post_comment_case(client, world, data)

    assert response.status_code == 400 and comment is None
    assert "too large or malformed" in response.text


def test_a_large_file_upload_with_a_comment_is_ignored_not_a_500(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("big.bin", b"\0" * 3_000_000)  # past the in-memory upload size

    response, comment = post_comment_case(client, world, {"attachment": upload})

    assert response.status_code in (302, 400, 413)  # 413: over REQUEST_MAX_BYTES (issue 16)
    if comment is not None:
        assert_stored_safely(client, comment, GUEST["body"])


# --- malformed and foreign ids ---------------------------------------------------------------


@pytest.mark.parametrize("case", CORPUS["parents"], ids=[c["id"] for c in CORPUS["parents"]])
def test_malformed_parent_ids_are_refused(client, world, case):
    response, comment = post_comment_case(client, world, {"parent": world.resolve(case["value"])})

    check_outcome(response, case)
    if comment is not None:
        assert_stored_safely(client, comment)


@pytest.mark.parametrize("case", CORPUS["requests"], ids=[c["id"] for c in CORPUS["requests"]])
def test_malformed_urls_and_wrong_methods_get_the_right_4xx(client, world, case):
    path = world.resolve(case["path"])
    before = Comment.objects.count()

    response = client.generic(
        case["method"],
        path,
        "body=x&name=y&email=z%40example.org",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == case["status"], (case["id"], response.status_code)
    assert_safe(response, context=case["id"])
    assert Comment.objects.count() == before
    if case["status"] == 405:
        assert "Allow" in response


# --- CSRF ------------------------------------------------------------------------------------


def csrf_target(world, target):
    if target == "comment":
        return f"/comments/post/{world.article.slug}/", dict(GUEST)
    if target == "login":
        return "/accounts/login/", {"username": "mod", "password": "correct horse battery staple"}
    if target == "admin_login":
        return "/admin/login/", {"username": "mod", "password": "correct horse battery staple"}
    return "/accounts/logout/", {}


@pytest.mark.parametrize("case", CORPUS["csrf"], ids=[c["id"] for c in CORPUS["csrf"]])
def test_missing_or_forged_csrf_tokens_are_403_with_a_clear_page(world, case):
    StaffFactory(username="mod")
    url, data = csrf_target(world, case["target"])
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # a CSRF cookie, as a real browser would have
    cookie = client.cookies["csrftoken"].value
    other = get_token(RequestFactory().get("/"))
    headers = {}
    if case["token"] == "forged":
        data["csrfmiddlewaretoken"] = secrets.token_urlsafe(48)[:64]
    elif case["token"] == "other_session":
        data["csrfmiddlewaretoken"] = other
    elif case["token"] == "no_cookie":
        data["csrfmiddlewaretoken"] = cookie
        del client.cookies["csrftoken"]
    elif case["token"] == "short":
        data["csrfmiddlewaretoken"] = "abc"
    elif case["token"] == "forged_header":
        headers["HTTP_X_CSRFTOKEN"] = other
    before = Comment.objects.count()

    response = client.post(url, data, **headers)

    assert response.status_code == case["status"]
    assert "This form has expired" in response.text
    assert "_auth_user_id" not in client.session
    assert Comment.objects.count() == before
    assert_safe(response, context=case["id"])


def test_corpus_has_at_least_200_cases():
    sizes = {
        "xss": len(XSS_CASES),
        "markdown": len(CORPUS["markdown"]),
        "unicode": len(CORPUS["unicode"]),
        "sizes": len(CORPUS["sizes"]) + 1,
        "parents": len(CORPUS["parents"]),
        "requests": len(CORPUS["requests"]),
        "csrf": len(CORPUS["csrf"]),
    }

    assert sum(sizes.values()) >= 200, sizes
