"""What valid article content is: title, body, category and tags (field names follow the API)."""

from __future__ import annotations

import re

from server.core.errors import InvalidArgument
from server.core.validation import MAX_TITLE_LENGTH, reject_nul
from server.core.validation import check_category as check_category_length

MAX_BODY_LENGTH = 100_000
MAX_QUERY_LENGTH = 500
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
    """The trimmed category ("" = uncategorised): the shared length limit, no control characters."""
    trimmed = check_category_length(category, field=field)
    if _CONTROL.search(trimmed):
        raise InvalidArgument.field(field, "must not contain control characters")
    return trimmed


def check_query(query: str, *, field: str = "query") -> str:
    """The trimmed search query, 1 to 500 characters."""
    trimmed = query.strip()
    if not trimmed:
        raise InvalidArgument.field(field, "is required: give at least one word to search for")
    if len(trimmed) > MAX_QUERY_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_QUERY_LENGTH} characters")
    reject_nul(trimmed, field=field)
    return trimmed
