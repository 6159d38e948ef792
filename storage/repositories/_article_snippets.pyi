"""Search snippets made in C (`_article_snippets.c`); `article_snippets.snippet_html` is the interface."""

def snippet(
    text: str,
    prefixes: tuple[bytes, ...],
    fold: bytes,
    delimiter: bytes,
    max_fragments: int,
    fragment_chars: int,
    lead_chars: int,
    opening_chars: int,
    /,
) -> bytes:
    """The snippet of `text` (NUL-free) for the folded, non-empty `prefixes`, as HTML in UTF-8 (see `snippet_html`)."""
