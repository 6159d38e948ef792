"""Input checks of live chat: ids, message bodies, request ids, and their limits (field names follow the API)."""

from __future__ import annotations

import uuid

from server.core.errors import InvalidArgument
from server.core.validation import reject_nul

MAX_BODY_LENGTH = 4000
MAX_TOPIC_LENGTH = 200
MAX_FEEDBACK_LENGTH = 2000


def parse_chat_id(value: str, *, field: str) -> uuid.UUID:
    """A chat id from its text form; InvalidArgument on `field` if missing or not a UUID."""
    if not value:
        raise InvalidArgument.field(field, "is required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid chat id (a UUID)") from None


def check_body(body: str, *, field: str) -> str:
    """A message body: 1 to 4,000 characters, not only whitespace, no NUL (kept as written)."""
    if not body.strip():
        raise InvalidArgument.field(field, "must not be empty")
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_BODY_LENGTH} characters")
    reject_nul(body, field=field)
    return body


def check_request_id(request_id: str, *, field: str = "request_id") -> str | None:
    """An idempotency key (AIP-155: a UUID), or None when not given."""
    if not request_id:
        return None
    try:
        uuid.UUID(request_id)
    except ValueError:
        raise InvalidArgument.field(field, "must be a UUID (AIP-155)") from None
    return request_id
