"""Reader text that looks like something else: invisible characters and direction overrides."""

import unicodedata

# Embeddings, overrides and isolates: they reorder the text after them ("‮gpj.exe").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Zs", "Zl", "Zp"}


def has_visible_text(text: str) -> bool:
    """True when something a reader can see is left once controls, format and marks are gone."""
    return any(unicodedata.category(char) not in INVISIBLE_CATEGORIES for char in text)


def has_bidi_controls_or_controls(text: str) -> bool:
    """Direction overrides or control characters: a name must not carry them."""
    return any(char in BIDI_CONTROLS or unicodedata.category(char) == "Cc" for char in text)
