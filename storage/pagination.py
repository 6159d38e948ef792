"""Opaque page tokens (AIP-158) for keyset pagination, bound to the filters they were issued for.

A token is URL-safe base64 of JSON holding the keyset position (the sort key of the last row
served) and a digest of the request's filters. It is not signed: a forged position only moves
the caller within results they may see anyway. Reusing a token with other filters is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from domain.errors import InvalidArgument

TOKEN_VERSION = 1
_MAX_TOKEN_LENGTH = 1024


def resolve_page_size(page_size: int, *, default: int = 50, maximum: int = 200, field: str = "page_size") -> int:
    """The page size to serve: 0 means `default`, larger than `maximum` is capped, negative is refused."""
    if page_size < 0:
        raise InvalidArgument.field(field, "must not be negative")
    if page_size == 0:
        return default
    return min(page_size, maximum)


def filters_digest(filters: Mapping[str, object]) -> str:
    """A short stable digest of a request's filters (JSON-serialisable values)."""
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _digest_of(filters: Mapping[str, object] | str) -> str:
    # A caller that keeps the digest of its filters (`filters_digest`) may pass it for them.
    return filters if isinstance(filters, str) else filters_digest(filters)


def encode_page_token(*, position: Sequence[str], filters: Mapping[str, object] | str) -> str:
    """A token for the page after `position` (the sort key of the last row served, as text)."""
    payload = {"v": TOKEN_VERSION, "p": list(position), "f": _digest_of(filters)}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(
    token: str, *, filters: Mapping[str, object] | str, field: str = "page_token"
) -> list[str] | None:
    """The position in `token` (None for an empty token = first page).

    Raises InvalidArgument on `field` for a malformed token or one issued for other filters.
    """
    if not token:
        return None
    if len(token) > _MAX_TOKEN_LENGTH:
        raise InvalidArgument.field(field, "is not a page token returned by this method")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidArgument.field(field, "is not a page token returned by this method") from None
    if (
        not isinstance(payload, dict)
        or payload.get("v") != TOKEN_VERSION
        or not isinstance(payload.get("p"), list)
        or not all(isinstance(item, str) for item in payload["p"])
    ):
        raise InvalidArgument.field(field, "is not a page token returned by this method")
    if payload.get("f") != _digest_of(filters):
        raise InvalidArgument.field(field, "was issued for a request with other filters; start again without it")
    return list(payload["p"])


def time_and_id(position: Sequence[str] | None, *, field: str = "page_token") -> tuple[datetime, uuid.UUID] | None:
    """A `(timestamp, id)` keyset position decoded from a token's position, None for the first page.

    Raises InvalidArgument on `field` when the position is not an aware ISO timestamp and a UUID.
    """
    if position is None:
        return None
    try:
        when, row_id = position
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None:
            raise ValueError("naive timestamp")
        return parsed, uuid.UUID(row_id)
    except ValueError:
        raise InvalidArgument.field(field, "is not a page token returned by this method") from None
