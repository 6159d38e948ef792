"""Input checks of the assignment settings and agents' limits, named by their request field paths."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from server.core.errors import InvalidArgument
from server.core.validation import check_category, reject_nul

MAX_CATEGORIES = 50
MAX_TICKET_CAPACITY = 1000
MAX_CHAT_LIMIT = 50


def check_categories(values: Iterable[str], *, field: str) -> list[str]:
    """Categories trimmed, sorted, deduplicated: at most MAX_CATEGORIES, none empty."""
    categories = set()
    for value in values:
        reject_nul(value, field=field)
        category = check_category(value, field=field)
        if not category:
            raise InvalidArgument.field(field, "must not contain an empty category")
        categories.add(category)
    if len(categories) > MAX_CATEGORIES:
        raise InvalidArgument.field(field, f"at most {MAX_CATEGORIES} categories")
    return sorted(categories)


def check_range(value: int, *, field: str, low: int, high: int) -> int:
    """`value` if low <= value <= high."""
    if not low <= value <= high:
        raise InvalidArgument.field(field, f"must be between {low} and {high}")
    return value


def parse_agent_id(value: str, *, field: str) -> uuid.UUID:
    """A user id (a UUID)."""
    if not value:
        raise InvalidArgument.field(field, "is required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid id (a UUID)") from None
