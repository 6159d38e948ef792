"""What valid article content is: title, body, category and tags (field names follow the API)."""

from __future__ import annotations

import re

from server.core.errors import InvalidArgument
from server.core.validation import reject_nul

MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 100_000
MAX_CATEGORY_LENGTH = 64
MAX_TAGS = 20
MAX_TAG_LENGTH = 32
MAX_QUERY_LENGTH = 500
_TAG = re.compile(r"[a-z0-9_-]{1,32}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_title(title: str, *, field: str = "article.title") -> str:
    """The trimmed title, 1 to 200 characters, no control characters."""
    trimmed = title.strip()
    if not trimmed:
        raise InvalidArgument.field(field, "is required")
    if len(trimmed) > MAX_TITLE_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_TITLE_LENGTH} characters")
    if _CONTROL.search(trimmed) or "\n" in trimmed or "\r" in trimmed or "\t" in trimmed:
        raise InvalidArgument.field(field, "must be one line without control characters")
    return trimmed


def check_body(body: str, *, field: str = "article.body") -> str:
    """The body (Markdown), 1 to 100,000 characters, not only whitespace."""
    if not body.strip():
        raise InvalidArgument.field(field, "is required")
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_BODY_LENGTH} characters")
    reject_nul(body, field=field)
    return body


def check_category(category: str, *, field: str = "article.category") -> str:
    """The trimmed category ("" = uncategorised), at most 64 characters."""
    trimmed = category.strip()
    if len(trimmed) > MAX_CATEGORY_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_CATEGORY_LENGTH} characters")
    if _CONTROL.search(trimmed):
        raise InvalidArgument.field(field, "must not contain control characters")
    return trimmed


def normalize_tags(tags: list[str] | tuple[str, ...], *, field: str = "article.tags") -> tuple[str, ...]:
    """Tags lower-cased, sorted, deduplicated; each 1 to 32 of `a-z 0-9 - _`, at most 20."""
    normalized = sorted({tag.strip().lower() for tag in tags})
    bad = [tag for tag in normalized if not _TAG.fullmatch(tag)]
    if bad:
        raise InvalidArgument.field(
            field, f"each tag must be 1 to {MAX_TAG_LENGTH} of a-z, 0-9, '-' or '_': {bad[0]!r}"
        )
    if len(normalized) > MAX_TAGS:
        raise InvalidArgument.field(field, f"at most {MAX_TAGS} tags")
    return tuple(normalized)


def check_query(query: str, *, field: str = "query") -> str:
    """The trimmed search query, 1 to 500 characters."""
    trimmed = query.strip()
    if not trimmed:
        raise InvalidArgument.field(field, "is required: give at least one word to search for")
    if len(trimmed) > MAX_QUERY_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_QUERY_LENGTH} characters")
    reject_nul(trimmed, field=field)
    return trimmed
