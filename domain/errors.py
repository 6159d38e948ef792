"""Domain errors: one class per condition, each carrying its canonical code (the google.rpc.Code name).

Domain and storage code raise these; they know no transport. The server's error interceptor
(`server.core.interceptors`, through `server.core.errors.to_rpc_status`) is the only place that
turns them into a gRPC status with `google.rpc` details.

    HelpdeskError                 (any failure a caller should see)
    ├── InvalidArgument           INVALID_ARGUMENT   + the bad fields (`violations`)
    ├── Unauthenticated           UNAUTHENTICATED
    ├── PermissionDenied          PERMISSION_DENIED
    ├── NotFound                  NOT_FOUND
    ├── AlreadyExists             ALREADY_EXISTS
    ├── FailedPrecondition        FAILED_PRECONDITION
    ├── Aborted                   ABORTED            (stale etag, lost race)
    ├── ResourceExhausted         RESOURCE_EXHAUSTED + when to retry (`retry_after`)
    ├── Unavailable               UNAVAILABLE        (a dependency is down; safe to retry)
    ├── Unimplemented             UNIMPLEMENTED
    ├── DeadlineExceeded          DEADLINE_EXCEEDED  (the caller's deadline passed mid-call)
    └── Internal                  INTERNAL           (a bug; the message names the request id)

Every reason is a value name of the contract's `helpdesk.v1.ErrorReason`
(protos/helpdesk/v1/error_reason.proto): an error built with any other reason raises ValueError,
so the server cannot send one. That enum is vocabulary of the contract, not transport.

`ConfigurationError` is apart: the process cannot start (a missing or unsafe setting).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from helpdesk.v1 import error_reason_pb2

# Every reason the server may send: the names of the contract's ErrorReason values.
ERROR_REASONS = frozenset(error_reason_pb2.ErrorReason.keys()) - {"ERROR_REASON_UNSPECIFIED"}


class ConfigurationError(Exception):
    """The process cannot start: a setting is missing or unsafe."""


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad field of a request: its path (`ticket.subject`) and what is wrong with it."""

    field: str
    description: str


class HelpdeskError(Exception):
    """Base of every error a caller is meant to see."""

    code: ClassVar[str] = "UNKNOWN"
    default_reason: ClassVar[str] = "UNKNOWN"

    def __init__(self, message: str, *, reason: str | None = None, metadata: Mapping[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        if self.reason not in ERROR_REASONS:
            raise ValueError(f"{self.reason!r} is not a helpdesk.v1.ErrorReason: add it to error_reason.proto")
        self.metadata = dict(metadata or {})


class InvalidArgument(HelpdeskError):
    """The request is malformed; `violations` name each bad field."""

    code = "INVALID_ARGUMENT"
    default_reason = "INVALID_ARGUMENT"

    def __init__(
        self,
        violations: Sequence[FieldViolation],
        *,
        message: str | None = None,
        reason: str | None = None,
    ):
        if not violations:
            raise ValueError("InvalidArgument needs at least one field violation")
        self.violations = list(violations)
        summary = "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(message or f"invalid request: {summary}", reason=reason)

    @classmethod
    def field(cls, field: str, description: str, *, reason: str | None = None) -> InvalidArgument:
        """Shorthand for a single bad field."""
        return cls([FieldViolation(field, description)], reason=reason)


class Unauthenticated(HelpdeskError):
    """No valid credentials. The message never says which part was wrong."""

    code = "UNAUTHENTICATED"
    default_reason = "UNAUTHENTICATED"


class PermissionDenied(HelpdeskError):
    """The caller is known but may not do this (never used where it would reveal existence)."""

    code = "PERMISSION_DENIED"
    default_reason = "PERMISSION_DENIED"


class NotFound(HelpdeskError):
    """The object does not exist, or the caller may not know that it does."""

    code = "NOT_FOUND"
    default_reason = "NOT_FOUND"


class AlreadyExists(HelpdeskError):
    """A unique value (an email, a slug) is already taken."""

    code = "ALREADY_EXISTS"
    default_reason = "ALREADY_EXISTS"


class FailedPrecondition(HelpdeskError):
    """The object is not in a state that allows this (an illegal transition, an ended chat)."""

    code = "FAILED_PRECONDITION"
    default_reason = "FAILED_PRECONDITION"


class Aborted(HelpdeskError):
    """A concurrent change won: a stale etag or a lost race. Re-read and retry."""

    code = "ABORTED"
    default_reason = "ABORTED"


class ResourceExhausted(HelpdeskError):
    """A limit was hit; `retry_after` says when trying again can succeed."""

    code = "RESOURCE_EXHAUSTED"
    default_reason = "RESOURCE_EXHAUSTED"

    def __init__(
        self,
        message: str,
        *,
        retry_after: timedelta,
        reason: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ):
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_after = retry_after


class Unavailable(HelpdeskError):
    """A dependency (PostgreSQL, Redis) cannot be reached; the call is safe to retry."""

    code = "UNAVAILABLE"
    default_reason = "UNAVAILABLE"


class Unimplemented(HelpdeskError):
    """The RPC is part of the contract but not served yet."""

    code = "UNIMPLEMENTED"
    default_reason = "UNIMPLEMENTED"


class DeadlineExceeded(HelpdeskError):
    """The caller's deadline passed before the call finished; a change may or may not have been made."""

    code = "DEADLINE_EXCEEDED"
    default_reason = "DEADLINE_EXCEEDED"


class Internal(HelpdeskError):
    """A bug: the caller gets only the request id to report, never the cause."""

    code = "INTERNAL"
    default_reason = "INTERNAL"
