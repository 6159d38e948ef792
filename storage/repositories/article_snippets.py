"""Search snippets: the text of an article's body around its first matches, the matches marked.

Made in the server from the body the search already returns, rather than by `ts_headline` in
PostgreSQL: a headline parses and fragments a window of every result's body, and for a page of
ten results that was more of the database's work than finding and ranking the matches. What is
marked is the same: every word whose accent-folded, lower-case form starts with one of the
query's lexemes (its stems: `configur` marks `configurações`).

The work is done in C (`_article_snippets.c`, built by `pip install`): the body is folded into
bytes lining up with it character for character, the lexemes are found with memmem and the snippet
is written escaped with its marks in place. Only as much of the body is folded and searched as the
snippet reads (its first matches and their fragments, a few hundred characters of a body of
thousands): folding and searching all of it was most of a snippet's cost. Written as Python string operations it was
about half of what an uncached search cost the server (a few dozen interpreted steps per result).
This module keeps what the C code is given: the folding table, the lexemes folded, the bounds.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence

from storage.repositories._article_snippets import snippet

FRAGMENT_DELIMITER = " … "
_DELIMITER = FRAGMENT_DELIMITER.encode()
# At most this many fragments, each about FRAGMENT_CHARS long (some 30 words), opening LEAD_CHARS
# before its first match; a body without a match (the title or tags matched) shows its first
# OPENING_CHARS.
MAX_FRAGMENTS = 2
FRAGMENT_CHARS = 200
LEAD_CHARS = 40
OPENING_CHARS = 120


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
    return snippet_html_utf8(body, lexemes).decode()


def snippet_html_utf8(body: str, lexemes: Sequence[str]) -> bytes:
    """`snippet_html(body, lexemes)` encoded as UTF-8, as an answer carries it (made so, not encoded after)."""
    text = body
    # The two private-use characters are dropped, as they always were (snippets read as before), and NUL.
    if "\ue000" in text or "\ue001" in text or "\x00" in text:
        text = text.replace("\ue000", "").replace("\ue001", "").replace("\x00", "")
    return snippet(
        text, _prefixes(tuple(lexemes)), _FOLD, _DELIMITER, MAX_FRAGMENTS, FRAGMENT_CHARS, LEAD_CHARS, OPENING_CHARS
    )


@functools.lru_cache(maxsize=256)
def _prefixes(lexemes: tuple[str, ...]) -> tuple[bytes, ...]:
    """The lexemes folded, without those another one is a prefix of (it marks their words already)."""
    folded = sorted({fold(lexeme) for lexeme in lexemes} - {b""})
    kept: list[bytes] = []
    for prefix in folded:  # sorted: a prefix comes before the words it starts
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return tuple(kept)
