"""Issue 20: a writer in headless Chromium, with and without JavaScript, on a desktop and a phone.

Every refusal lands them at the form (its error summary focused and in view, their text kept);
every confirmation shows next to the comment it is about; holds are explained and the held
comment can still be edited; long comments fold. Each new state passes axe-core.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from comments.models import Comment
from comments.moderation import current_rules
from comments.services import approve_comment, reject_comment
from notifications.models import NotificationSettings, OutboundEmail
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.test_reading_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
LONG_BODY = "\n\n".join(f"Paragraph {n}: " + "The night train crossed the plain. " * 12 for n in range(40))


@dataclass
class Writer:
    page: object
    js: bool
    device: str


@pytest.fixture(params=[(js, device) for js in (True, False) for device in DEVICES])
def writer(request, browser, live_server):
    js, device = request.param
    # bypass_csp: axe-core is injected as an inline script, which the site's policy refuses.
    context = browser.new_context(java_script_enabled=js, bypass_csp=True, **DEVICES[device])
    page = context.new_page()
    page.base = live_server.url
    yield Writer(page, js, device)
    context.close()


def long_article(**kwargs):
    """An article long enough that its comment form is thousands of pixels below the top."""
    article = ArticleFactory(body=LONG_BODY, **kwargs)
    for n in range(6):
        CommentFactory(article=article, body=f"Earlier comment {n}.\n\n" + "Trains and more trains. " * 30)
    return article


def in_view(page, selector: str) -> bool:
    """The element's top is inside the viewport (the reader sees it without scrolling)."""
    return page.evaluate(
        """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
             return box.top >= -1 && box.top < window.innerHeight; }""",
        selector,
    )


IS_FOCUSED = "(selector) => document.activeElement === document.querySelector(selector)"


def focused(page, selector: str) -> bool:
    return page.evaluate(IS_FOCUSED, selector)


def assert_notice_where_the_reader_is(writer: Writer, notice: str) -> None:
    """In view, announced (role=status) and, with JavaScript, focused. Without it the page lands
    on the comment's #fragment (which stops autofocus): the notice is the target's first child,
    where a screen reader starts reading."""
    page = writer.page
    page.wait_for_load_state("load")  # the deferred script has run
    assert in_view(page, notice)
    assert page.locator(notice).get_attribute("role") == "status"
    if writer.js:  # focused by the script once the page has loaded
        page.wait_for_function(IS_FOCUSED, arg=notice)
        assert focused(page, notice)
    else:
        target = page.evaluate("location.hash")
        assert page.evaluate(
            "([hash, notice]) => document.querySelector(hash).firstElementChild"
            " === document.querySelector(notice)",
            [target, notice],
        )


def axe_check(writer: Writer) -> None:
    """axe-core needs scripts: checked in the JavaScript runs (the no-JS page is the same HTML)."""
    if writer.js:
        assert axe_violations(writer.page) == []


def open_article(writer: Writer, article) -> None:
    writer.page.goto(f"{writer.page.base}{article.get_absolute_url()}")


def fill_guest(form, *, body: str, name: str = "Rita", email: str = "rita@example.org") -> None:
    form.get_by_label("Comment", exact=True).fill(body)
    if name:
        form.get_by_label("Name").fill(name)
    form.get_by_label("Email", exact=True).fill(email)


def wait_for_errors(page) -> None:
    page.locator(".form-errors").wait_for()


# 1. Every refusal lands the writer at the form, the error focused and announced, text kept.


def test_refused_top_level_comment_lands_at_the_form_with_the_error_focused(writer):
    article = long_article()
    page = writer.page
    open_article(writer, article)
    form = page.locator("form.comment-form").last
    fill_guest(form, body="My carefully written thoughts.", name="")

    form.get_by_role("button", name="Post comment").click()
    wait_for_errors(page)

    assert focused(page, ".form-errors") and in_view(page, ".form-errors")
    assert page.locator(".form-errors").get_attribute("role") == "alert"
    assert "Please give a name" in page.locator(".form-errors").inner_text()
    assert page.get_by_label("Comment", exact=True).input_value() == "My carefully written thoughts."
    if writer.js:  # the form under the long discussion, posted with fetch: the page stays where it was
        assert page.evaluate("window.scrollY") > 2000
    else:  # a short page of its own, the form first
        assert page.get_by_role("heading", level=1).inner_text().startswith("Your comment on")
    assert Comment.objects.count() == 6
    axe_check(writer)


def test_duplicate_comment_refusal_lands_at_the_form_and_its_link_works(writer):
    article = long_article()
    page = writer.page
    open_article(writer, article)
    fill_guest(page.locator("form.comment-form").last, body="Same words twice.")
    page.get_by_role("button", name="Post comment").last.click()
    page.wait_for_url("**#comment-*")
    open_article(writer, article)

    fill_guest(page.locator("form.comment-form").last, body="Same words twice.")
    page.get_by_role("button", name="Post comment").last.click()
    wait_for_errors(page)

    assert focused(page, ".form-errors") and in_view(page, ".form-errors")
    assert "You posted this same comment" in page.locator(".form-errors").inner_text()
    page.locator(".form-errors").get_by_role("link", name="see your comment").click()
    assert page.locator(".comment-body", has_text="Same words twice.").count() == 1


def test_refused_reply_stays_on_the_reply_form_with_the_error_focused(writer):
    article = long_article()
    parent = Comment.objects.filter(article=article).first()
    page = writer.page
    open_article(writer, article)
    page.locator(f"#comment-{parent.pk}").get_by_role("link", name="Reply").click()
    form = page.locator("form.comment-form").first if writer.js else page.locator("form.comment-form")
    if writer.js:
        form = page.locator(f"#comment-{parent.pk} .inline-reply form")
    fill_guest(form, body="A reply I do not want to lose.", email="not an address")

    form.get_by_role("button", name="Post comment").click()
    wait_for_errors(page)

    errors = f"#comment-{parent.pk} .form-errors" if writer.js else ".form-errors"
    assert focused(page, errors) and in_view(page, errors)
    assert "does not look right" in page.locator(errors).inner_text()
    if not writer.js:  # the reply page again, the parent quoted: not the article's bottom form
        assert page.get_by_role("heading", level=1).inner_text().startswith("Reply to")
    assert page.locator(errors).locator("xpath=..").get_by_label("Comment", exact=True).input_value() == (
        "A reply I do not want to lose."
    )
    assert not Comment.objects.filter(parent=parent).exists()
    axe_check(writer)


# 4 (length). The limit shows while typing and is enforced with a clear error, never a silent cut.


def test_a_paste_over_the_limit_is_kept_whole_and_refused_with_a_clear_error(writer, settings):
    article = long_article()
    page = writer.page
    open_article(writer, article)
    text = "x" * (settings.COMMENT_MAX_LENGTH + 50)
    form = page.locator("form.comment-form").last
    fill_guest(form, body=text)

    assert len(form.get_by_label("Comment", exact=True).input_value()) == len(text)  # no silent cut
    assert f"{settings.COMMENT_MAX_LENGTH:,}" in form.locator(".field-body").inner_text()
    if writer.js:
        assert "50 characters over the limit" in form.locator("[data-counter]").inner_text()
    form.get_by_role("button", name="Post comment").click()
    wait_for_errors(page)

    assert focused(page, ".form-errors") and in_view(page, ".form-errors")
    assert "too long" in page.locator(".form-errors").inner_text()
    assert len(page.get_by_label("Comment", exact=True).input_value()) == len(text)
    assert not Comment.objects.filter(body__startswith="xxx").exists()


# 2. Every confirmation is shown where the reader is, announced; counts only what is public.


def test_edit_confirmation_shows_next_to_the_comment_focused(writer):
    article = long_article()
    page = writer.page
    open_article(writer, article)
    fill_guest(page.locator("form.comment-form").last, body="First version.")
    page.get_by_role("button", name="Post comment").last.click()
    page.wait_for_url("**#comment-*")
    comment = Comment.objects.get(body="First version.")

    page.goto(f"{page.base}{reverse('comments:edit', args=[comment.pk])}")
    page.get_by_label("Comment", exact=True).fill("Second version.")
    page.get_by_role("button", name="Save changes").click()
    notice = f"#comment-{comment.pk} > .placed-notice"
    page.locator(notice).wait_for()

    assert page.locator(notice).inner_text() == "Your comment was updated."
    assert_notice_where_the_reader_is(writer, notice)
    assert page.locator(".messages").count() == 0  # not also thousands of pixels above
    axe_check(writer)


def test_delete_and_report_confirmations_show_where_the_reader_is(writer):
    article = long_article()
    target = Comment.objects.filter(article=article).last()
    page = writer.page
    page.goto(f"{page.base}{reverse('comments:report', args=[target.pk])}")
    page.get_by_label("Spam").check()
    page.get_by_role("button", name="Send report").click()
    notice = f"#comment-{target.pk} > .placed-notice"
    page.locator(notice).wait_for()
    assert "a moderator will look" in page.locator(notice).inner_text()
    assert_notice_where_the_reader_is(writer, notice)

    page.goto(f"{page.base}{reverse('comments:reply', args=[target.pk])}")
    fill_guest(page.locator("form.comment-form"), body="A reply I will take back.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url("**#comment-*")
    reply = Comment.objects.get(parent=target)
    page.goto(f"{page.base}{reverse('comments:delete', args=[reply.pk])}")
    page.get_by_role("button", name="Delete comment").click()
    notice = f"#comment-{target.pk} > .placed-notice"  # at the comment it replied to
    page.locator(notice).wait_for()

    assert page.locator(notice).inner_text() == "Your comment was deleted."
    assert_notice_where_the_reader_is(writer, notice)
    assert not Comment.objects.filter(pk=reply.pk).exists()
    axe_check(writer)


def test_inline_reply_asking_for_emails_is_told_next_to_it(writer):
    article = long_article()
    parent = Comment.objects.filter(article=article).first()
    page = writer.page
    open_article(writer, article)
    page.locator(f"#comment-{parent.pk}").get_by_role("link", name="Reply").click()
    form = page.locator(f"#comment-{parent.pk} .inline-reply form") if writer.js else page.locator("form")
    fill_guest(form, body="Tell me when they answer.")
    form.get_by_label("Notify me when someone replies").check()

    form.get_by_role("button", name="Post comment").click()
    reply_li = page.locator(f"#comment-{parent.pk} .replies > li").last
    reply_li.locator(".placed-notice").wait_for()

    reply = Comment.objects.get(parent=parent)
    assert reply_li.get_attribute("id") == f"comment-{reply.pk}"
    assert "Check your inbox" in reply_li.locator(".placed-notice").inner_text()
    assert in_view(page, f"#comment-{reply.pk} .placed-notice")
    assert OutboundEmail.objects.filter(to="rita@example.org", key__startswith="confirm:").count() == 1
    axe_check(writer)


# 3. Holds explained before and after; the held comment stays the author's; decisions emailed.


@pytest.mark.moderation
def test_held_comment_is_explained_editable_and_its_approval_emailed(writer, settings):
    article = long_article()
    current_rules()  # the form's note reads the rules this process last read (no query per page)
    page = writer.page
    open_article(writer, article)
    form = page.locator("form.comment-form").last
    assert "First comments are reviewed by a moderator" in form.locator(".hold-note").inner_text()
    assert f"within {settings.COMMENT_REVIEW_TIME}" in form.locator(".hold-note").inner_text()
    count_before = page.locator("#discussion-title").inner_text()
    fill_guest(form, body="My very first comment here.", email="new@example.org")

    form.get_by_role("button", name="Post comment").click()
    comment_li = page.locator("li.comment", has_text="My very first comment here.")
    comment_li.locator(".held-note").wait_for()

    comment = Comment.objects.get(body="My very first comment here.")
    assert comment.status == Comment.Status.PENDING
    note = comment_li.locator(".held-note").inner_text()
    assert "first comment" in note and "email you" in note and settings.COMMENT_REVIEW_TIME in note
    assert page.locator("#discussion-title").inner_text() == count_before  # the public count
    assert in_view(page, f"#comment-{comment.pk}")
    axe_check(writer)

    comment_li.get_by_role("link", name="Edit").click()
    page.get_by_label("Comment", exact=True).fill("My very first comment here, fixed.")
    page.get_by_role("button", name="Save changes").click()
    page.locator(f"#comment-{comment.pk} > .placed-notice").wait_for()
    assert Comment.objects.get(pk=comment.pk).body == "My very first comment here, fixed."

    approve_comment(comment, moderator=None)

    email = OutboundEmail.objects.get(key=f"decision:{comment.pk}")
    assert email.to == "new@example.org" and "is published" in email.subject
    assert f"#comment-{comment.pk}" in email.body
    page.reload()
    assert page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Edit").count() == 1


@pytest.mark.moderation
def test_member_sees_held_comment_on_profile_and_hears_of_rejection(browser, live_server):
    member = UserFactory(username="nell", email="nell@example.org")
    from notifications.models import VerifiedEmail

    VerifiedEmail.objects.create(user=member, email=member.email)
    article = long_article()
    context = browser.new_context(bypass_csp=True, **DEVICES["phone"])
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label("Username").fill("nell")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    form = page.locator("form.comment-form").last
    form.get_by_label("Comment", exact=True).fill("A member's first word.")
    form.get_by_label("Email me when someone replies to my comments").check()
    form.get_by_role("button", name="Post comment").click()
    page.locator("li.comment .held-note").wait_for()
    comment = Comment.objects.get(body="A member's first word.")

    assert NotificationSettings.objects.get(user=member).reply_emails
    page.goto(f"{live_server.url}{reverse('profile', args=['nell'])}")
    assert "A member's first word." in page.locator(".profile-comments").inner_text()
    assert "Awaiting moderation" in page.locator(".profile-comments").inner_text()
    assert axe_violations(page) == []

    reject_comment(comment, moderator=None)

    email = OutboundEmail.objects.get(key=f"decision:{comment.pk}")
    assert email.to == "nell@example.org" and "not published" in email.subject
    assert "A member's first word." in email.body and email.headers["List-Unsubscribe"]
    context.close()


# 4 (fold). A long comment folds behind "Read more", without JavaScript too.


def test_a_long_comment_folds_and_unfolds(writer, settings):
    article = ArticleFactory()
    long_comment = CommentFactory(article=article, body=("A long thought about trains. " * 400)[:10_000])
    page = writer.page
    open_article(writer, article)
    body = page.locator(f"#comment-{long_comment.pk} > .comment-body")
    screen = DEVICES[writer.device]["viewport"]["height"]

    folded = body.bounding_box()["height"]
    page.locator(f"#comment-{long_comment.pk} > .read-more > summary").click()
    unfolded = body.bounding_box()["height"]

    assert folded < screen and unfolded > 2 * folded
    assert page.locator(f"#comment-{long_comment.pk} .read-more summary").inner_text() == "Show less"
    axe_check(writer)


@pytest.mark.moderation
def test_held_inline_reply_moves_no_public_count(browser, live_server):
    article = long_article()
    current_rules()
    parent = Comment.objects.filter(article=article).first()
    CommentFactory(parent=parent)  # the parent shows "1 reply"
    context = browser.new_context(bypass_csp=True, **DEVICES["phone"])
    page = context.new_page()
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    title = page.locator("#discussion-title").inner_text()
    summary = page.locator(f"#comment-{parent.pk} > .thread-toggle > summary")
    assert summary.text_content() == "1 reply"

    page.locator(f"#comment-{parent.pk}").get_by_role("link", name="Reply").first.click()
    form = page.locator(f"#comment-{parent.pk} .inline-reply form")
    fill_guest(form, body="A first reply, held.", email="held@example.org")
    form.get_by_role("button", name="Post comment").click()
    held = page.locator("li.comment.just-posted")
    held.locator(".held-note").wait_for()

    assert Comment.objects.get(body="A first reply, held.").status == Comment.Status.PENDING
    assert page.locator("#discussion-title").inner_text() == title
    assert summary.text_content() == "1 reply"
    assert in_view(page, f"#{held.get_attribute('id')}")
    assert axe_violations(page) == []
    context.close()
