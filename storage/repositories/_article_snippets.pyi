"""Search snippets made in C (`_article_snippets.c`); `article_snippets.snippet_html` is the interface."""

def snippet(
    text: str,
    prefixes: tuple[bytes, ...],
    fold: bytes,
    delimiter: str,
    max_fragments: int,
    fragment_chars: int,
    lead_chars: int,
    opening_chars: int,
    /,
) -> str:
    """The snippet of `text` (NUL-free) for the folded, non-empty `prefixes`, as HTML (see `snippet_html`)."""
