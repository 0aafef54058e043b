"""comments.plaintext gives exactly what the real renderer gives, or steps aside."""

import random

import pytest

from comments.markup import render_markdown
from comments.plaintext import plain_html

WORDS = ["Hello", "world", "don't", "(yes)", "no-one", "Zoë", "über", "x", "ok,", "fine.", "why?", "yes!",
         "a;", "b:", "-", "(", ")", "'", "日本", "ß", "A1", "i.e", "e.g.", "1.", "*", "_", "#", ">", "www",
         "example.org", "<b>", "&amp;", "`", "[x]", "~", "    ", "\t", '"', "http://x.org"]  # fmt: skip
SPACES = [" ", " ", " ", "\n", "\n\n", "\n\n\n", "  ", " \n", "\n "]


def texts(seed: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(WORDS) + rng.choice(SPACES) for _ in range(rng.randint(1, 12)))


@pytest.mark.parametrize("seed", range(4))
def test_the_shortcut_renders_exactly_like_the_renderer_or_not_at_all(seed):
    taken = 0

    for text in texts(seed, 5000):
        html = plain_html(text)
        if html is not None:
            taken += 1
            assert html == render_markdown(text), text

    assert taken > 200  # the shortcut is taken often enough to be tested


@pytest.mark.parametrize(
    "text",
    ["- a list", "1. a list", "    code", "see example.org", "a *b*", "mail me@example.org", "x &amp; y",
     "a <b>", "line  \nbreak", "Title\n===", "> quote", "a_b", "trailing "],
)  # fmt: skip
def test_anything_with_syntax_takes_the_real_renderer(text):
    assert plain_html(text) is None or plain_html(text) == render_markdown(text)
