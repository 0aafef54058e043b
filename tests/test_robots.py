"""robots.txt keeps crawlers out of each comment's form pages, in place of rel="nofollow" on every
comment's links (issue 23: bytes a comment), and those pages say noindex themselves."""

import re

import pytest
from django.urls import reverse

from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def disallowed_patterns(client) -> list[re.Pattern]:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    # RFC 9309: "*" matches any run of characters; a rule is a prefix of the paths it covers.
    return [
        re.compile(re.escape(line.removeprefix("Disallow: ")).replace(r"\*", ".*"))
        for line in lines[1:]
        if line.startswith("Disallow: ")
    ]


def test_the_form_pages_of_a_comment_are_disallowed_and_the_discussion_is_not(client, article):
    comment = CommentFactory(article=article)
    patterns = disallowed_patterns(client)

    def disallowed(path):
        return any(pattern.match(path) for pattern in patterns)

    for name in ("comments:reply", "comments:report", "comments:edit", "comments:delete"):
        assert disallowed(reverse(name, args=[comment.pk])), name
    for path in (article.get_absolute_url(), reverse("comments:thread", args=[comment.pk]), "/"):
        assert not disallowed(path), path


def test_report_links_carry_no_nofollow_and_the_form_pages_say_noindex(client, article):
    comment = CommentFactory(article=article)

    page = client.get(article.get_absolute_url()).text
    report_url = reverse("comments:report", args=[comment.pk])
    report_link = re.search(rf'<a href="{report_url}"[^>]*>', page).group(0)

    assert "nofollow" not in report_link
    for name in ("comments:reply", "comments:report"):
        form_page = client.get(reverse(name, args=[comment.pk]))
        assert form_page.status_code == 200
        assert '<meta name="robots" content="noindex">' in form_page.text, name
