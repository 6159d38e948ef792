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

FRAGMENT_DELIMITER = " … "
# At most this many fragments, each about FRAGMENT_CHARS long (some 30 words), opening LEAD_CHARS
# before its first match; a body without a match (the title or tags matched) shows its first
# OPENING_CHARS.
MAX_FRAGMENTS = 2
FRAGMENT_CHARS = 200
LEAD_CHARS = 40
OPENING_CHARS = 120
# While a snippet is built, its marks and the gaps between its fragments are held by these Latin-1
# stand-ins: the text stays one byte per character (the body's own width, for Portuguese or English),
# so escaping it and putting the `<mark>` elements in are a few byte scans. NUL, their lead, cannot
# be stored in PostgreSQL text and is dropped from any other body, so a body can never forge a mark.
_HOLE = "\x00"
_OPEN = "\x00["
_CLOSE = "\x00]"
_GAP = "\x00|"


def _fold_table() -> bytes:
    # Latin-1 to lower case, and its accented letters to their unaccented ASCII letter (Ç, ç -> c).
    # A newline folds to a space, and nothing else does (the no-break space and the spacing accents,
    # which decompose to one, keep their own bytes): a fragment ends at a space or a newline, and
    # each bound is then one search of the folded text. Neither is a word byte, nor in any lexeme.
    table = bytearray(range(256))
    for code in range(0x41, 0x100):
        lowered = chr(code).lower()
        base = "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii() and base != " ":
            table[code] = ord(base)
        elif len(lowered) == 1 and ord(lowered) < 0x100:
            table[code] = ord(lowered)
    table[ord("\n")] = ord(" ")
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


def snippet_html(body: str, lexemes: Sequence[str]) -> str:
    """The body around its first matches of `lexemes` (folded query stems), as HTML: text escaped, matches `<mark>`ed.

    Up to MAX_FRAGMENTS fragments joined by FRAGMENT_DELIMITER, cut at whitespace; a body
    without a match gives its opening. Only the fragments' stretch of the body is searched.
    """
    text = body
    # The two private-use characters are dropped, as they always were (snippets read as before),
    # and NUL, which leads the stand-ins below.
    if "\ue000" in text or "\ue001" in text or _HOLE in text:
        text = text.replace("\ue000", "").replace("\ue001", "").replace(_HOLE, "")
    # Most bodies hold nothing HTML escapes: their snippets are put together with the `<mark>`
    # elements in place. The others get stand-ins, replaced once the whole snippet is escaped.
    plain = not ("&" in text or "<" in text or ">" in text or '"' in text or "'" in text)
    opening, closing = ("<mark>", "</mark>") if plain else (_OPEN, _CLOSE)
    folded = fold(text)
    # Only the lexemes the body holds are looked for again at every match.
    prefixes = [prefix for prefix in _prefixes(tuple(lexemes)) if prefix in folded]
    fragments: list[str] = []
    covered = 0
    hit = _next_match(folded, prefixes, 0, len(folded)) if prefixes else None
    while hit is not None:
        start, end = hit
        # From the start of the word LEAD_CHARS before the match (not before the last fragment's
        # end) to the end of the word FRAGMENT_CHARS further on, at least past the match.
        first = max(covered, folded.rfind(b" ", 0, start - LEAD_CHARS) + 1 if start > LEAD_CHARS else 0)
        last = folded.find(b" ", max(end, first + FRAGMENT_CHARS))
        if last == -1:
            last = len(folded)
        # Every match up to `last`: none runs past it, which is whitespace or the end.
        parts = [text[first:start], opening, text[start:end], closing]
        hit = _next_match(folded, prefixes, end, last)
        while hit is not None:
            parts += (text[end : hit[0]], opening, text[hit[0] : hit[1]], closing)
            end = hit[1]
            hit = _next_match(folded, prefixes, end, last)
        parts.append(text[end:last])
        fragments.append("".join(parts).strip())
        if len(fragments) == MAX_FRAGMENTS:
            break
        covered = last
        hit = _next_match(folded, prefixes, last, len(folded))
    if not fragments:
        last = folded.find(b" ", OPENING_CHARS)
        shown = (text if last == -1 else text[:last]).strip()
        return shown if plain else _escaped(shown)
    if plain:
        return FRAGMENT_DELIMITER.join(fragments)
    # Escaped while still one byte per character (the delimiter is not: it is put in last).
    marked = _escaped(_GAP.join(fragments)).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
    return marked.replace(_GAP, FRAGMENT_DELIMITER)


def _escaped(text: str) -> str:
    """`html.escape(text)`: each replacement made only where its character occurs (a search is cheaper)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "'" in text:
        text = text.replace("'", "&#x27;")
    return text


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
