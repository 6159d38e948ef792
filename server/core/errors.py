"""Domain errors as the server reports them: the one mapping from an error to a gRPC status.

The errors are defined, transport-free, in `domain.errors` and re-exported here for the server's
code. The error interceptor (`server.core.interceptors`) is the only caller of `to_rpc_status`:
nothing else turns an error into a status, and nothing else calls `context.abort`.

    error                 gRPC status          google.rpc details
    HelpdeskError         its `code`           ErrorInfo (reason, domain helpdesk.v1, metadata)
    InvalidArgument       INVALID_ARGUMENT     + BadRequest (one field violation per bad field)
    ResourceExhausted     RESOURCE_EXHAUSTED   + RetryInfo (`retry_after`)
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from domain.errors import (
    ERROR_REASONS,
    Aborted,
    AlreadyExists,
    ConfigurationError,
    DeadlineExceeded,
    FailedPrecondition,
    FieldViolation,
    HelpdeskError,
    Internal,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    Unimplemented,
)

__all__ = [
    "ERROR_DOMAIN",
    "ERROR_REASONS",
    "Aborted",
    "AlreadyExists",
    "ConfigurationError",
    "DeadlineExceeded",
    "FailedPrecondition",
    "FieldViolation",
    "HelpdeskError",
    "Internal",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "status_code",
    "to_rpc_status",
]

# The ErrorInfo domain of every error this service reports (AIP-193).
ERROR_DOMAIN = "helpdesk.v1"

# Domain error codes are the canonical code names, which grpc.StatusCode uses too.
_STATUS_CODES = {code.name: code for code in grpc.StatusCode}


def status_code(error: HelpdeskError) -> grpc.StatusCode:
    """The gRPC status code of `error`."""
    return _STATUS_CODES[error.code]


def _details(error: HelpdeskError) -> list[Message]:
    """The google.rpc detail messages sent with the status, ErrorInfo first."""
    details: list[Message] = [
        error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata)
    ]
    if isinstance(error, InvalidArgument):
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                    for v in error.violations
                ]
            )
        )
    elif isinstance(error, ResourceExhausted):
        delay = duration_pb2.Duration()
        delay.FromTimedelta(error.retry_after)
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))
    return details


def to_rpc_status(error: HelpdeskError) -> status_pb2.Status:
    """The full google.rpc.Status for `error`."""
    packed = []
    for detail in _details(error):
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    return status_pb2.Status(code=status_code(error).value[0], message=error.message, details=packed)
