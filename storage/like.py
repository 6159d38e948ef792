"""LIKE patterns built from user input, with the wildcards in that input escaped."""

from __future__ import annotations

# The escape character passed to `ilike(..., escape=LIKE_ESCAPE)`.
LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A pattern matching any value containing `text` literally (`%` and `_` are not wildcards)."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"
