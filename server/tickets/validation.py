"""Checks of ticket input: text lengths, tags, ids. Each raises InvalidArgument naming the API field."""

from __future__ import annotations

import uuid

from server.core.errors import InvalidArgument
from server.core.validation import MAX_TITLE_LENGTH, check_tags, reject_nul
from server.core.validation import check_category as check_category_length

MAX_TEXT = 20_000
MAX_COMMENT = 1_000
MAX_QUERY = 200


def check_subject(value: str, *, field: str = "ticket.subject") -> str:
    """A subject, trimmed: 1 to 200 characters on one line."""
    value = value.strip()
    if not value:
        raise InvalidArgument.field(field, "is required")
    if len(value) > MAX_TITLE_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_TITLE_LENGTH} characters")
    if "\n" in value or "\r" in value:
        raise InvalidArgument.field(field, "must be a single line")
    reject_nul(value, field=field)
    return value


def check_text(value: str, *, field: str) -> str:
    """A description or message body: 1 to 20,000 characters, not only spaces."""
    if not value.strip():
        raise InvalidArgument.field(field, "is required")
    if len(value) > MAX_TEXT:
        raise InvalidArgument.field(field, f"must be at most {MAX_TEXT} characters")
    reject_nul(value, field=field)
    return value


def check_category(value: str, *, field: str = "ticket.category") -> str:
    """A category, trimmed: the shared length limit, no NUL (empty = uncategorised)."""
    value = check_category_length(value, field=field)
    reject_nul(value, field=field)
    return value


def check_tag_filter(value: str, *, field: str = "tag") -> str | None:
    """A tag filter in its stored form, None when empty."""
    if not value.strip():
        return None
    return check_tags([value], field=field)[0]


def check_comment(value: str, *, field: str = "comment") -> str:
    """A free-text reason: at most 1,000 characters."""
    value = value.strip()
    if len(value) > MAX_COMMENT:
        raise InvalidArgument.field(field, f"must be at most {MAX_COMMENT} characters")
    reject_nul(value, field=field)
    return value


def check_request_id(value: str, *, field: str = "request_id") -> str | None:
    """An AIP-155 request id in canonical form, None when empty."""
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidArgument.field(field, "must be a UUID (AIP-155)") from None


def parse_ticket_id(value: str, *, field: str = "id") -> uuid.UUID:
    """A ticket id; InvalidArgument on `field` if it is missing or not a UUID."""
    if not value:
        raise InvalidArgument.field(field, "is required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid ticket id (a UUID)") from None


def parse_user_id(value: str, *, field: str) -> uuid.UUID:
    """A user id; InvalidArgument on `field` if it is not a UUID."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid user id (a UUID)") from None
