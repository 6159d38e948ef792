"""Input checks of PrivacyService requests."""

from __future__ import annotations

import uuid

from server.core.errors import InvalidArgument

# The alias of the caller in `ExportMyDataRequest.user_id` (as in GET /v1/users/me).
ME = "me"


def parse_subject(value: str, *, caller: uuid.UUID) -> uuid.UUID:
    """Whose data an export is about: the caller for "" or "me", else the given user id."""
    if value in ("", ME):
        return caller
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field("user_id", "must be `me` or a user id (a UUID)") from None


def parse_customer_id(value: str) -> uuid.UUID:
    """The id of the customer to erase; InvalidArgument on `user_id` if missing or malformed."""
    if not value:
        raise InvalidArgument.field("user_id", "is required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field("user_id", "is not a valid user id (a UUID)") from None


def require_etag(value: str) -> str:
    """The confirmation etag; InvalidArgument on `etag` if missing."""
    if not value.strip():
        raise InvalidArgument.field("etag", "is required: the customer's current etag, from GetUser")
    return value
