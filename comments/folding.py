"""Issue 20: a long comment folds behind "Read more", without JavaScript.

Only bodies past FOLD_CHARS get anything extra: an empty <details> after the body. While it is
closed, CSS (`.comment-body:has(+ .read-more:not([open]))`, static/css/site.css) clamps the body
to a few phone screens' worth; its <summary> is a real button for keyboards and screen readers,
and opening it shows the whole text. The text is all in the page either way (find in page,
screen readers, feeds). What this returns is the same for every reader: it is cached HTML.
"""

FOLD_CHARS = 1500  # about one phone screen of text

READ_MORE = (
    '<details class="read-more"><summary><span class="more">Read more</span>'
    '<span class="less">Show less</span></summary></details>'
)


def folded_body(body_html: str) -> str:
    """The comment's body element, with "Read more" after it when the text is long."""
    if len(body_html) <= FOLD_CHARS:
        return f'<div class="comment-body">{body_html}</div>'
    return f'<div class="comment-body">{body_html}</div>{READ_MORE}'
