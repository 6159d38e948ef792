"""Checks of macro input; each raises InvalidArgument naming the API field."""

from __future__ import annotations

import uuid

from server.core.errors import InvalidArgument
from server.core.validation import reject_nul
from server.tickets.validation import check_subject

MAX_DESCRIPTION = 1_000


def check_name(value: str, *, field: str = "macro.name") -> str:
    """A name, trimmed: 1 to 200 characters on one line."""
    return check_subject(value, field=field)


def check_description(value: str, *, field: str = "macro.description") -> str:
    """A description, trimmed: at most 1,000 characters."""
    value = value.strip()
    if len(value) > MAX_DESCRIPTION:
        raise InvalidArgument.field(field, f"must be at most {MAX_DESCRIPTION} characters")
    reject_nul(value, field=field)
    return value


def parse_macro_id(value: str, *, field: str = "id") -> uuid.UUID:
    """A macro id; InvalidArgument on `field` if it is missing or not a UUID."""
    if not value:
        raise InvalidArgument.field(field, "is required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid macro id (a UUID)") from None
