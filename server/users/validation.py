"""The one place that decides what a valid email and display name are, and how emails are normalised."""

from __future__ import annotations

import re
import unicodedata

from server.core.errors import InvalidArgument

MAX_EMAIL_LENGTH = 254
MAX_EMAIL_LOCAL_PART_LENGTH = 64
MAX_DISPLAY_NAME_LENGTH = 100

# Deliberately basic: one @, something before it, a dotted domain after it, no spaces. Whether
# the address works is only ever proven by mail reaching it.
_EMAIL = re.compile(r"[^\s@]+@[^\s@.]+(\.[^\s@.]+)+")


def normalize_email(email: str) -> str:
    """An email as stored and compared: surrounding whitespace removed, lower-cased.

    Applied before every lookup, so uniqueness and sign-in are case-insensitive.
    """
    return email.strip().lower()


def check_email(email: str, *, field: str) -> str:
    """The normalised `email`; raises InvalidArgument on `field` if it is not a plausible address."""
    normalized = normalize_email(email)
    if not normalized:
        raise InvalidArgument.field(field, "is required")
    if len(normalized) > MAX_EMAIL_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_EMAIL_LENGTH} characters")
    if not _EMAIL.fullmatch(normalized) or _has_characters_of(normalized, ("Cc", "Cf")):
        raise InvalidArgument.field(field, "is not a valid email address")
    if len(normalized.partition("@")[0]) > MAX_EMAIL_LOCAL_PART_LENGTH:
        raise InvalidArgument.field(
            field, f"the part before @ must be at most {MAX_EMAIL_LOCAL_PART_LENGTH} characters"
        )
    return normalized


def check_display_name(display_name: str, *, field: str) -> str:
    """The trimmed display name; raises InvalidArgument on `field` unless it is 1 to 100 characters."""
    trimmed = display_name.strip()
    if not trimmed:
        raise InvalidArgument.field(field, "is required")
    if len(trimmed) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_DISPLAY_NAME_LENGTH} characters")
    # Control characters only: format characters (zero-width joiners) are part of emoji names.
    if _has_characters_of(trimmed, ("Cc",)):
        raise InvalidArgument.field(field, "must not contain control characters")
    return trimmed


def _has_characters_of(text: str, categories: tuple[str, ...]) -> bool:
    return any(unicodedata.category(char) in categories for char in text)
