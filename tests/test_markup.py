"""The comment Markdown subset: what renders, and what never does."""

import pytest

from comments.forms import CommentForm
from comments.markup import render_comment_body


def test_subset_renders_paragraphs_emphasis_quotes_code_and_lists():
    html = render_comment_body(
        "*em* **strong** `x<y`\n\n> quoted\n\n- one\n- two\n\n1. first\n\n```\n<b>code</b>\n```"
    )

    assert "<em>em</em> <strong>strong</strong> <code>x&lt;y</code>" in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n</ol>" in html
    assert "<pre><code>&lt;b&gt;code&lt;/b&gt;\n</code></pre>" in html


def test_single_newlines_are_line_breaks():
    assert render_comment_body("one\ntwo") == "<p>one<br>\ntwo</p>"


def test_links_and_bare_urls_get_nofollow_ugc_noopener():
    html = render_comment_body("[docs](https://example.org/a) and www.example.com")

    assert '<a href="https://example.org/a" rel="nofollow ugc noopener">docs</a>' in html
    assert '<a href="http://www.example.com" rel="nofollow ugc noopener">www.example.com</a>' in html


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](data:image/png;base64,AAAA)",
        "[x](vbscript:msgbox)",
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_dangerous_urls_never_become_links(text):
    html = render_comment_body(text)

    assert "<a " not in html
    assert "href" not in html or "&lt;a href" in html


@pytest.mark.parametrize(
    "text",
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<iframe src=//e>", "<b onclick=x>hi</b>"],
)
def test_raw_html_is_shown_as_text_never_as_markup(text):
    html = render_comment_body(text)

    assert "<script" not in html and "<img" not in html and "<iframe" not in html and "<b " not in html
    assert "&lt;" in html


def test_images_and_headings_are_not_in_the_subset():
    html = render_comment_body("# Big\n\n![alt](https://example.org/i.png)\n\n---")

    assert "<h1>" not in html and "<img" not in html and "<hr" not in html
    assert "# Big" in html


def test_empty_text_renders_nothing():
    assert render_comment_body("  \n ") == ""


@pytest.mark.django_db
def test_form_counts_a_line_break_as_one_character_like_the_browser(article):
    settings_limit = CommentForm.base_fields["body"].max_length
    text = ("x" * 9 + "\r\n") * (settings_limit // 10)

    form = CommentForm({"body": text, "name": "A", "email": "a@example.org"}, article=article)

    assert form.is_valid(), form.errors
    assert "\r" not in form.cleaned_data["body"]
