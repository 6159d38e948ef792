"""Search snippets: the text of an article's body around its first matches, the matches marked.

Made in the server from the body the search already returns, rather than by `ts_headline` in
PostgreSQL: a headline parses and fragments a window of every result's body, and for a page of
ten results that was more of the database's work than finding and ranking the matches. What is
marked is the same: every word whose accent-folded, lower-case form starts with one of the
query's lexemes (its stems: `configur` marks `configurações`).

The work is a handful of C-level string operations per result: the body is folded once into
bytes that line up with it character for character, and the lexemes are found with `find`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

# Private-use characters marking matches; replaced by <mark> after the rest of the text is
# HTML-escaped. Stripped from the body first, so that a body can never forge a mark.
MATCH_START = "\ue000"
MATCH_END = "\ue001"
FRAGMENT_DELIMITER = " … "
# At most this many fragments, each about FRAGMENT_CHARS long (some 30 words), opening LEAD_CHARS
# before its first match; a body without a match (the title or tags matched) shows its first
# OPENING_CHARS.
MAX_FRAGMENTS = 2
FRAGMENT_CHARS = 200
LEAD_CHARS = 40
OPENING_CHARS = 120


def _fold_table() -> bytes:
    # Latin-1 to lower case, and its accented letters to their unaccented ASCII letter (Ç, ç -> c).
    table = bytearray(range(256))
    for code in range(0x41, 0x100):
        lowered = chr(code).lower()
        base = "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii():
            table[code] = ord(base)
        elif len(lowered) == 1 and ord(lowered) < 0x100:
            table[code] = ord(lowered)
    return bytes(table)


_FOLD = _fold_table()
# Bytes of a folded text that belong to a word: ASCII letters and digits, the underscore, and the
# Latin-1 letters without an ASCII base (ß, æ, ø...). Anything outside Latin-1 folds to "?".
_WORD_BYTES = frozenset([*b"0123456789_abcdefghijklmnopqrstuvwxyz", *(c for c in range(0xDF, 0x100) if c != 0xF7)])
_WORD_REST = re.compile(rb"[0-9_a-z\xdf-\xf6\xf8-\xff]*")


def fold(text: str) -> bytes:
    """`text` lower-cased and unaccented, one byte per character (the same positions as `text`).

    Characters outside Latin-1 (which no Portuguese or English lexeme holds) become "?".
    """
    return text.encode("latin-1", "replace").translate(_FOLD)


def snippet(body: str, lexemes: Sequence[str]) -> str:
    """The body around its first matches of `lexemes` (folded query stems), each match between the markers.

    Up to MAX_FRAGMENTS fragments joined by FRAGMENT_DELIMITER, cut at whitespace; a body
    without a match gives its opening. Only the fragments' stretch of the body is searched.
    """
    text = body.replace(MATCH_START, "").replace(MATCH_END, "")
    folded = fold(text)
    prefixes = _prefixes(tuple(lexemes))
    fragments: list[str] = []
    covered = 0
    while len(fragments) < MAX_FRAGMENTS:
        hit = _next_match(folded, prefixes, covered, len(folded))
        if hit is None:
            break
        first = max(covered, _word_start(text, hit[0] - LEAD_CHARS))
        last = _word_end(text, max(hit[1], first + FRAGMENT_CHARS))
        hits = []
        while hit is not None and hit[1] <= last:
            hits.append(hit)
            hit = _next_match(folded, prefixes, hit[1], last)
        fragments.append(_marked(text, first, last, hits))
        covered = last
    if not fragments:
        return text[: _word_end(text, OPENING_CHARS)].strip()
    return FRAGMENT_DELIMITER.join(fragments)


@functools.lru_cache(maxsize=256)
def _prefixes(lexemes: tuple[str, ...]) -> tuple[bytes, ...]:
    """The lexemes folded, without those another one is a prefix of (it marks their words already)."""
    folded = sorted({fold(lexeme) for lexeme in lexemes} - {b""})
    kept: list[bytes] = []
    for prefix in folded:  # sorted: a prefix comes before the words it starts
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return tuple(kept)


def _next_match(folded: bytes, prefixes: Sequence[bytes], start: int, stop: int) -> tuple[int, int] | None:
    """(start, end) of the first word in `folded[start:stop]` that starts with a prefix, if any."""
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


def _word_start(text: str, position: int) -> int:
    """The start of the word at `position` (0 at or before the text's start)."""
    if position <= 0:
        return 0
    return max(text.rfind(" ", 0, position), text.rfind("\n", 0, position)) + 1


def _word_end(text: str, position: int) -> int:
    """The end of the word at `position` (the text's end at or past it)."""
    space, newline = text.find(" ", position), text.find("\n", position)
    if space == -1 or newline == -1:
        return len(text) if space == newline else max(space, newline)
    return min(space, newline)


def _marked(text: str, first: int, last: int, hits: list[tuple[int, int]]) -> str:
    """`text[first:last]`, trimmed, with every hit between the markers."""
    parts: list[str] = []
    position = first
    for start, end in hits:
        parts += (text[position:start], MATCH_START, text[start:end], MATCH_END)
        position = end
    parts.append(text[position:last])
    return "".join(parts).strip()
