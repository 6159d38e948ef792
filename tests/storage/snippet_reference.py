"""Search snippets as the server made them in Python before `_article_snippets.c`: the reference its output must equal.

Written for clarity over speed: each step is the description in `article_snippets` taken literally.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from storage.repositories.article_snippets import (
    FRAGMENT_CHARS,
    FRAGMENT_DELIMITER,
    LEAD_CHARS,
    MAX_FRAGMENTS,
    OPENING_CHARS,
    fold,
)

_WORD_BYTES = frozenset(b"0123456789_abcdefghijklmnopqrstuvwxyz" + bytes(c for c in range(0xDF, 0x100) if c != 0xF7))
_WORD_REST = re.compile(rb"[0-9_a-z\xdf-\xf6\xf8-\xff]*")
_OPEN, _CLOSE = "\x00[", "\x00]"


def reference_snippet(body: str, lexemes: Sequence[str]) -> str:
    """What `snippet_html(body, lexemes)` must answer."""
    text = body.replace("\ue000", "").replace("\ue001", "").replace("\x00", "")
    folded = fold(text)
    stems = {fold(lexeme) for lexeme in lexemes} - {b""}
    prefixes = [stem for stem in stems if not any(stem.startswith(other) for other in stems if other != stem)]
    fragments: list[str] = []
    covered = 0
    hit = _next_match(folded, prefixes, 0, len(folded))
    while hit is not None and len(fragments) < MAX_FRAGMENTS:
        start, end = hit
        first = max(covered, folded.rfind(b" ", 0, start - LEAD_CHARS) + 1 if start > LEAD_CHARS else 0)
        last = folded.find(b" ", max(end, first + FRAGMENT_CHARS))
        last = len(folded) if last == -1 else last
        parts = [text[first:start], _OPEN, text[start:end], _CLOSE]
        hit = _next_match(folded, prefixes, end, last)
        while hit is not None:
            parts += (text[end : hit[0]], _OPEN, text[hit[0] : hit[1]], _CLOSE)
            end = hit[1]
            hit = _next_match(folded, prefixes, end, last)
        parts.append(text[end:last])
        fragments.append(_marked(html.escape("".join(parts).strip())))
        covered = last
        hit = _next_match(folded, prefixes, last, len(folded))
    if not fragments:
        last = folded.find(b" ", OPENING_CHARS)
        return html.escape((text if last == -1 else text[:last]).strip())
    return FRAGMENT_DELIMITER.join(fragments)


def _marked(escaped: str) -> str:
    return escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _next_match(folded: bytes, prefixes: Sequence[bytes], start: int, stop: int) -> tuple[int, int] | None:
    """The first word in `folded[start:stop]` starting with a prefix: (start, end), the end past `stop` if need be."""
    best, length = -1, 0
    for prefix in prefixes:
        at = folded.find(prefix, start, stop)
        while at > 0 and folded[at - 1] in _WORD_BYTES:
            at = folded.find(prefix, at + 1, stop)
        if at != -1 and (best == -1 or at < best):
            best, length = at, len(prefix)
    if best == -1:
        return None
    rest = _WORD_REST.match(folded, best + length)
    return best, rest.end() if rest is not None else best + length
