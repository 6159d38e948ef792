"""Checks of canned-response input; each raises InvalidArgument naming the API field."""

from __future__ import annotations

import uuid

from server.core.errors import InvalidArgument
from server.core.validation import reject_nul
from server.responses.placeholders import check_placeholders
from server.tickets.validation import check_subject, check_text

MAX_QUERY = 200


def check_title(value: str, *, field: str = "canned_response.title") -> str:
    """A title, trimmed: 1 to 200 characters on one line."""
    return check_subject(value, field=field)


def check_body(value: str, *, field: str = "canned_response.body") -> str:
    """A body: 1 to 20,000 characters whose placeholders are all known."""
    return check_placeholders(check_text(value, field=field), field=field)


def check_query(value: str, *, field: str = "query") -> str | None:
    """A search text, trimmed (None when empty): at most 200 characters."""
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_QUERY:
        raise InvalidArgument.field(field, f"must be at most {MAX_QUERY} characters")
    reject_nul(value, field=field)
    return value


def parse_response_id(value: str, *, field: str = "id") -> uuid.UUID:
    """A canned-response id; InvalidArgument on `field` if it is missing or not a UUID."""
    if not value:
        raise InvalidArgument.field(field, "is required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid canned response id (a UUID)") from None
