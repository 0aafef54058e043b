"""The stored payloads in headless Chromium: nothing runs, and the CSP is never violated.

Every XSS payload sets window.__xss when it runs. Pages load with the CSP bypassed, so that
escaping alone is tested, not the policy; a second pass loads public and admin pages with the
policy on and records every violation the browser reports.
"""

import re
from urllib.parse import quote

import pytest

from comments.models import Comment
from tests.adversarial import CORPUS, store_payloads
from tests.factories import ArticleFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSPECT = """() => ({
  xss: typeof window.__xss,
  handlers: [...document.querySelectorAll('*')].flatMap(el =>
    [...el.attributes].filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name)),
  scriptLinks: [...document.querySelectorAll('[href],[src],[action],[formaction]')].filter(el =>
    ['href', 'src', 'action', 'formaction'].some(name =>
      /^\\s*(javascript|vbscript|data):/i.test(el.getAttribute(name) || ''))
  ).map(el => el.outerHTML.slice(0, 120)),
  inlineScripts: [...document.querySelectorAll('script:not([src]):not([type="application/ld+json"])')].length,
  violations: window.__cspViolations || [],
})"""

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def inspect(page, url):
    response = page.goto(url, wait_until="load")
    page.wait_for_timeout(0)  # let queued event handlers (onerror, onload) run
    return response.status, page.evaluate(INSPECT)


@pytest.fixture
def bypass_page(browser):
    context = browser.new_context(bypass_csp=True, java_script_enabled=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def csp_page(browser):
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    yield page
    context.close()


def test_no_stored_payload_runs_on_the_discussion_page(live_server, bypass_page, settings):
    """One load, every payload: the discussion shows them all, as bodies and as names."""
    settings.THREADS_PER_PAGE = 100
    article = ArticleFactory()
    comments = store_payloads(article)

    status, found = inspect(bypass_page, live_server.url + article.get_absolute_url())

    assert status == 200
    assert bypass_page.locator(".comment-body").count() == len(comments)
    assert (found["xss"], found["handlers"], found["scriptLinks"], found["inlineScripts"]) == (
        "undefined",
        [],
        [],
        0,
    )


BATCH = 25


def test_no_payload_runs_on_the_pages_that_show_a_few_each(client, bypass_page):
    """Thread pages, reply pages (the name in the title) and reflected query parameters.

    The server's HTML for 25 pages at a time goes into one document: the HTML parser treats
    each page's elements as it would alone (title and meta still parse as in a head), so one
    load checks 25 pages; tests/test_adversarial.py checks each page's markup on its own.
    """
    article = ArticleFactory()
    comments = store_payloads(article)
    urls = [f"/comments/{c.pk}/" for c in comments if c.get_children().count() == 0]
    urls += [f"/comments/{c.pk}/reply/" for c in comments]
    quiet = ArticleFactory()  # reflected parameters on a page without the 68 comments: cheaper
    for payload in CORPUS["xss"]:
        urls.append(f"/accounts/login/?next={quote(payload, safe='')}")
        urls.append(f"{quiet.get_absolute_url()}?sort={quote(payload, safe='')}")
        urls.append(f"/articles/{quote(payload, safe='')}/")
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        pages[url] = response.content.decode()

    failures = {}
    for start in range(0, len(urls), BATCH):
        batch = urls[start : start + BATCH]
        bypass_page.set_content("\n".join(pages[url] for url in batch), wait_until="load")
        found = bypass_page.evaluate(INSPECT)
        if found["xss"] != "undefined" or found["handlers"] or found["scriptLinks"] or found["inlineScripts"]:
            failures[batch[0]] = found

    assert len(urls) > 180
    assert failures == {}


def test_a_payload_that_escaped_would_be_caught(bypass_page):
    """The detector itself works: unescaped payloads in a batch do set the global."""
    for payload in ['<img src=x onerror="window.__xss=1">', "<title>t</title><svg onload=window.__xss=1>"]:
        bypass_page.set_content(
            "<!doctype html><title>a</title><p>page one</p>\n" + payload, wait_until="load"
        )
        bypass_page.wait_for_function("window.__xss === 1")


def log_in_to_admin(page, base):
    StaffFactory(username="desk")
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")


def test_public_and_admin_pages_and_actions_work_without_csp_violations(live_server, csp_page):
    article = ArticleFactory()
    comments = store_payloads(article)
    first = comments[0]
    public = [
        "/",
        article.get_absolute_url(),
        f"/comments/{first.pk}/",
        f"/comments/{first.pk}/reply/",
        "/accounts/login/",
        "/articles/no-such-article/",
    ]
    admin = [
        "/admin/",
        "/admin/comments/comment/",
        "/admin/comments/comment/desk/",
        f"/admin/comments/comment/{first.pk}/thread/",
        "/admin/comments/comment/?status__exact=approved&q=script",
        f"/admin/comments/comment/{first.pk}/change/",
        "/admin/protection/refusallog/",
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
    ]

    results = {}
    for url in public:
        results[url] = inspect(csp_page, live_server.url + url)
    log_in_to_admin(csp_page, live_server.url)
    for url in admin:
        results[url] = inspect(csp_page, live_server.url + url)

    # An admin action runs under the policy too (its select and button need the admin's scripts).
    csp_page.goto(f"{live_server.url}/admin/comments/comment/?queue=all")
    csp_page.locator(f'input[name="_selected_action"][value="{first.pk}"]').check()
    csp_page.locator('select[name="action"]').select_option("anonymise_authors")
    with csp_page.expect_navigation():
        csp_page.get_by_role("button", name=re.compile("^(Go|Run)$")).click()

    for url, (status, found) in results.items():
        assert status in (200, 404), url
        assert found["violations"] == [], url
        assert found["xss"] == "undefined" and found["inlineScripts"] == 0 or url.startswith("/admin"), url
    assert "Authors anonymised" in csp_page.content()
    assert csp_page.evaluate("window.__cspViolations") == []
    assert Comment.objects.get(pk=first.pk).author_name == "Former reader"


def test_reader_posts_then_is_told_to_wait_with_the_text_kept(live_server, csp_page, abuse_protection):
    page = csp_page
    abuse_protection.COMMENT_MIN_FILL_SECONDS = 0.5
    article = ArticleFactory()
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert page.locator('input[name="website"]').bounding_box()["x"] < 0  # the honeypot is off-screen
    page.get_by_label("Comment", exact=True).fill("My first thought.")
    page.get_by_label("Name").fill("Rita")
    page.get_by_label("Email").fill("rita@example.org")
    page.wait_for_timeout(600)  # a person takes longer than the minimum fill time
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))

    page.get_by_label("Comment", exact=True).fill("My second thought, right away.")
    page.get_by_label("Name").fill("Rita")
    page.get_by_label("Email").fill("rita@example.org")
    page.wait_for_timeout(600)
    # The form posts with fetch (issue 20): the refusal shows in place, the page stays.
    with page.expect_response(lambda r: r.request.method == "POST" and "/comments/post/" in r.url) as posted:
        page.get_by_role("button", name="Post comment").click()
    page.locator(".form-errors").wait_for()

    assert posted.value.status == 429
    assert int(posted.value.headers["retry-after"]) > 0
    assert "You are posting too often. Please wait" in page.locator(".form-errors").inner_text()
    assert page.evaluate("window.__cspViolations") == []
    assert page.get_by_label("Comment", exact=True).input_value() == "My second thought, right away."
    assert Comment.objects.count() == 1
