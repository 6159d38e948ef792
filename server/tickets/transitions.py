"""Ticket statuses and priorities, and the one transition table with its role checks."""

from __future__ import annotations

import enum

from server.core.context import Role
from server.core.errors import FailedPrecondition, PermissionDenied


class Status(enum.StrEnum):
    """Where a ticket is in its lifecycle; stored as this text."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(enum.IntEnum):
    """How urgent a ticket is; stored as this number, so it sorts LOW < ... < URGENT."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    URGENT = 4


# Every legal move (agents and administrators may make all of them).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.OPEN, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.WAITING_ON_CUSTOMER: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}

# The moves the customer who owns the ticket may make: close it, or reopen it once resolved.
CUSTOMER_TRANSITIONS: frozenset[tuple[Status, Status]] = frozenset(
    {(source, Status.CLOSED) for source in Status if source is not Status.CLOSED} | {(Status.RESOLVED, Status.OPEN)}
)

# A customer reply on a ticket in one of these statuses reopens it.
REOPENED_BY_CUSTOMER_REPLY = frozenset({Status.RESOLVED, Status.WAITING_ON_CUSTOMER})


def is_legal(source: Status, target: Status) -> bool:
    """Whether the table has the move at all (for some role)."""
    return target in TRANSITIONS[source]


def role_may(role: Role, source: Status, target: Status) -> bool:
    """Whether `role` may make a legal move (owning the ticket is checked by the caller)."""
    if role is Role.CUSTOMER:
        return (source, target) in CUSTOMER_TRANSITIONS
    return is_legal(source, target)


def check_transition(role: Role, source: Status, target: Status) -> None:
    """Raises FailedPrecondition (INVALID_TRANSITION) or PermissionDenied (TRANSITION_NOT_ALLOWED)."""
    if not is_legal(source, target):
        raise FailedPrecondition(
            f"a ticket cannot move from {proto_status_name(source)} to {proto_status_name(target)}",
            reason="INVALID_TRANSITION",
            metadata={"from": proto_status_name(source), "to": proto_status_name(target)},
        )
    if not role_may(role, source, target):
        raise PermissionDenied(
            f"a {role.value} may not move a ticket from {proto_status_name(source)} to {proto_status_name(target)}",
            reason="TRANSITION_NOT_ALLOWED",
            metadata={"from": proto_status_name(source), "to": proto_status_name(target)},
        )


def proto_status_name(status: Status) -> str:
    """The status's name in the API (`TICKET_STATUS_OPEN`)."""
    return f"TICKET_STATUS_{status.name}"
