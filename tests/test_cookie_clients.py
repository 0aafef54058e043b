"""Every cookie the site sets comes back intact from clients built on Python's http.cookiejar.

Browsers and curl return a cookie's value as they got it; http.cookiejar (under requests,
httpx and many crawlers) drops the backslashes of a quoted value. A cookie holding JSON was
sent quoted and escaped, came back altered, and its signature failed: the guest lost sight of
their held comment and their Edit link (issue 14). Values are cookie-octets now (RFC 6265 §4.1.1).
"""

import re
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
import requests

from comments.models import Comment, ModerationRules
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

COOKIE_OCTETS = re.compile(r"^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$")


def form_fields(html: str) -> dict:
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    return {"csrfmiddlewaretoken": csrf, "token": token}


@pytest.fixture
def article(settings):
    settings.ALLOWED_HOSTS = ["*"]
    return ArticleFactory()


def test_a_requests_session_sees_its_held_comment_and_edits_its_own(live_server, article):
    session = requests.Session()
    url = live_server.url + article.get_absolute_url()
    post_url = f"{live_server.url}/comments/post/{article.slug}/"
    guest = {"name": "Quinn", "email": "quinn@example.org", "parent": ""}

    shown = session.post(
        post_url,
        {**form_fields(session.get(url).text), **guest, "body": "First, shown"},
        headers={"Referer": url},
    )
    ModerationRules.objects.update_or_create(
        pk=1, defaults={"hold_first_comments": True, "hold_link_count": 0}
    )
    Comment.objects.filter(body="First, shown").update(author_email="quinn.first@example.org")
    held = session.post(
        post_url,
        {**form_fields(session.get(url).text), **guest, "body": "Second, held for review"},
        headers={"Referer": url},
    )
    page = session.get(url).text
    first = Comment.objects.get(body="First, shown")
    edit_url = f"{live_server.url}/comments/{first.pk}/edit/"
    edit_form = session.get(edit_url)
    edited = session.post(
        edit_url,
        {
            "csrfmiddlewaretoken": re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', edit_form.text
            ).group(1),
            "body": "First, edited",
        },  # fmt: skip
        headers={"Referer": edit_url},
    )

    assert shown.status_code == held.status_code == 200  # both redirects followed
    assert Comment.objects.get(body="Second, held for review").status == Comment.Status.PENDING
    assert "Second, held for review" in page and "Awaiting moderation" in page
    assert f'href="/comments/{first.pk}/edit/"' in page
    assert edit_form.status_code == 200 and edited.status_code == 200
    assert Comment.objects.get(pk=first.pk).body == "First, edited"
    assert all(COOKIE_OCTETS.match(cookie.value) for cookie in session.cookies), list(session.cookies)


def test_a_plain_cookiejar_client_keeps_the_own_comments_cookie_valid(live_server, article):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = live_server.url + article.get_absolute_url()
    fields = form_fields(opener.open(url).read().decode())
    data = {**fields, "name": "Jo", "email": "jo@example.org", "parent": "", "body": "Through the jar"}
    request = urllib.request.Request(
        f"{live_server.url}/comments/post/{article.slug}/",
        data=urllib.parse.urlencode(data).encode(),
        headers={"Referer": url},
    )

    page = opener.open(request).read().decode()  # the redirect to the comment, followed
    comment = Comment.objects.get(body="Through the jar")

    assert f'href="/comments/{comment.pk}/edit/"' in page
    assert opener.open(f"{live_server.url}/comments/{comment.pk}/edit/").status == 200
    assert {cookie.name for cookie in jar} >= {"tl_own", "csrftoken"}
    assert all(COOKIE_OCTETS.match(cookie.value) for cookie in jar), [(c.name, c.value) for c in jar]
