"""Canned responses: protobuf messages <-> domain values."""

from __future__ import annotations

from helpdesk.v1 import canned_response_pb2
from server.core.errors import InvalidArgument
from server.responses.domain import Scope
from storage.repositories.canned_responses import CannedResponseRecord

_SCOPE_TO_PROTO = {
    Scope.SHARED: canned_response_pb2.CANNED_RESPONSE_SCOPE_SHARED,
    Scope.PERSONAL: canned_response_pb2.CANNED_RESPONSE_SCOPE_PERSONAL,
}
_SCOPE_FROM_PROTO = {value: key for key, value in _SCOPE_TO_PROTO.items()}


def scope_from_proto(value: int, *, field: str) -> Scope | None:
    """The domain scope (None when unspecified); InvalidArgument on `field` for an unknown number."""
    if value == canned_response_pb2.CANNED_RESPONSE_SCOPE_UNSPECIFIED:
        return None
    scope: Scope | None = _SCOPE_FROM_PROTO.get(value)  # type: ignore[call-overload]
    if scope is None:
        raise InvalidArgument.field(field, f"unknown scope {value}")
    return scope


def response_to_proto(record: CannedResponseRecord) -> canned_response_pb2.CannedResponse:
    """The API view of a canned response."""
    message = canned_response_pb2.CannedResponse(
        id=str(record.id),
        title=record.title,
        body=record.body,
        scope=_SCOPE_TO_PROTO[Scope(record.scope)],
        owner_id=str(record.owner_id) if record.owner_id else "",
        author_display_name=record.author_display_name,
        etag=record.etag,
    )
    message.create_time.FromDatetime(record.create_time)
    message.update_time.FromDatetime(record.update_time)
    return message
