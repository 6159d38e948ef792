"""The client's one exception type, `HelpdeskError`, with the google.rpc details of a failed call decoded.

The exception tree (httpx style) — there is exactly one type to catch:

    grpc.RpcError
    └── grpc.aio.AioRpcError
        └── HelpdeskError          every failed call made through `HelpdeskClient`
              .status_code         grpc.StatusCode (INVALID_ARGUMENT, UNAUTHENTICATED, ...); also .code()
              .message             the status message; also .details()
              .error_details       every google.rpc detail message, unpacked
              .field_violations    {field path: description}   from google.rpc.BadRequest
              .reason              ErrorInfo reason (UPPER_SNAKE, e.g. "ETAG_MISMATCH") or None
              .error_reason        the same as a helpdesk.v1.ErrorReason value (ERROR_REASON_UNSPECIFIED
                                   when absent or newer than this client)
              .retry_delay         RetryInfo delay as a timedelta (RESOURCE_EXHAUSTED) or None

`HelpdeskError` subclasses `grpc.aio.AioRpcError`, so code written against raw gRPC stubs
(`except grpc.aio.AioRpcError`, `err.code()`) keeps working; new code branches on `.status_code` and
`.reason` rather than on subclasses. A raw `AioRpcError` (from a stub called on another channel)
converts with `HelpdeskError.from_rpc_error(err)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import grpc
import grpc.aio
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from helpdesk.v1 import error_reason_pb2

# The detail types the server sends (AIP-193); anything else is kept packed (google.protobuf.Any).
_DETAIL_TYPES: tuple[type[Message], ...] = (
    error_details_pb2.BadRequest,
    error_details_pb2.ErrorInfo,
    error_details_pb2.RetryInfo,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.ResourceInfo,
    error_details_pb2.QuotaFailure,
    error_details_pb2.Help,
    error_details_pb2.LocalizedMessage,
    error_details_pb2.DebugInfo,
)


class HelpdeskError(grpc.aio.AioRpcError):
    """A failed Helpdesk call: status code, message and decoded google.rpc details (see the module docstring)."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        details: Sequence[Message] = (),
        initial_metadata: grpc.aio.Metadata | None = None,
        trailing_metadata: grpc.aio.Metadata | None = None,
        debug_error_string: str | None = None,
    ) -> None:
        super().__init__(
            code,
            initial_metadata if initial_metadata is not None else grpc.aio.Metadata(),
            trailing_metadata if trailing_metadata is not None else grpc.aio.Metadata(),
            message,
            debug_error_string,
        )
        self.status_code = code
        self.message = message
        self.error_details: tuple[Message, ...] = tuple(details)

    @classmethod
    def from_rpc_error(cls, error: grpc.aio.AioRpcError) -> HelpdeskError:
        """Converts a raw gRPC error, decoding `grpc-status-details-bin` into google.rpc messages."""
        if isinstance(error, HelpdeskError):
            return error
        return cls(
            error.code(),
            error.details() or "",
            details=_decode_details(error),
            initial_metadata=error.initial_metadata(),
            trailing_metadata=error.trailing_metadata(),
            debug_error_string=error.debug_error_string(),
        )

    def __str__(self) -> str:
        text = f"{self.status_code.name}: {self.message}"
        if self.reason:
            text += f" [{self.reason}]"
        if self.field_violations:
            text += " (" + "; ".join(f"{f}: {d}" for f, d in self.field_violations.items()) + ")"
        return text

    __repr__ = __str__

    def detail(self, kind: type[Any]) -> Any | None:
        """The first detail of type `kind` (e.g. `error_details_pb2.ErrorInfo`), or None."""
        return next((d for d in self.error_details if isinstance(d, kind)), None)

    @property
    def bad_request(self) -> Any | None:
        """The google.rpc.BadRequest detail, or None."""
        return self.detail(error_details_pb2.BadRequest)

    @property
    def error_info(self) -> Any | None:
        """The google.rpc.ErrorInfo detail, or None."""
        return self.detail(error_details_pb2.ErrorInfo)

    @property
    def field_violations(self) -> dict[str, str]:
        """Bad fields of the request: {field path: description}, from BadRequest."""
        bad_request = self.bad_request
        if bad_request is None:
            return {}
        return {str(v.field): str(v.description) for v in bad_request.field_violations}

    @property
    def reason(self) -> str | None:
        """The ErrorInfo reason (UPPER_SNAKE), or None."""
        info = self.error_info
        return str(info.reason) if info is not None and info.reason else None

    @property
    def error_reason(self) -> error_reason_pb2.ErrorReason.ValueType:
        """The reason as an `ErrorReason` to switch on; ERROR_REASON_UNSPECIFIED if absent or unknown."""
        try:
            return error_reason_pb2.ErrorReason.Value(self.reason or "")
        except ValueError:
            return error_reason_pb2.ERROR_REASON_UNSPECIFIED

    @property
    def retry_delay(self) -> timedelta | None:
        """How long to wait before retrying (RetryInfo), or None."""
        info = self.detail(error_details_pb2.RetryInfo)
        if info is None:
            return None
        return timedelta(seconds=info.retry_delay.seconds, microseconds=info.retry_delay.nanos // 1000)


def _decode_details(error: grpc.aio.AioRpcError) -> list[Message]:
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        # grpc-status-details-bin that contradicts the status itself: report the status, no details.
        return []
    if status is None:
        return []
    decoded: list[Message] = []
    for packed in status.details:
        for kind in _DETAIL_TYPES:
            if packed.Is(kind.DESCRIPTOR):
                message = kind()
                packed.Unpack(message)
                decoded.append(message)
                break
        else:
            decoded.append(packed)
    return decoded
