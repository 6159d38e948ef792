"""Per-call state kept in a contextvar: the call's facts (request id, client address...) and who is calling.

The interceptor sets it before a handler runs; domain code reads it through the accessors below
instead of threading it through every signature.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from domain.errors import Unauthenticated
from domain.roles import Role

__all__ = [
    "CallInfo",
    "Principal",
    "Role",
    "call_or_none",
    "current_call",
    "current_principal",
    "require_principal",
    "set_call",
    "set_principal",
]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the user, their current role and the session the token belongs to."""

    user_id: uuid.UUID
    role: Role
    session_id: uuid.UUID
    # `str(user_id)`, made once: every call's log line names the caller, and a UUID's text is built
    # anew each time it is asked for. A principal is made once per session per few seconds (cached).
    user_id_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_id_text", str(self.user_id))

    @property
    def is_staff(self) -> bool:
        """Agents and administrators."""
        return self.role in (Role.AGENT, Role.ADMIN)


class CallInfo:
    """Transport facts about the current call that domain code may need (rate limits, audit), and its caller.

    One object per call, in one contextvar, made by the interceptor (a subclass holds its own
    per-call bookkeeping): a named tuple and a second contextvar for the caller cost a fifth more
    per call. Domain code reads it; only the interceptor sets `principal`, once authenticated.
    """

    __slots__ = ("client_ip", "method", "principal", "request_id", "user_agent")

    method: str
    request_id: str
    client_ip: str
    user_agent: str
    # The authenticated caller, or None for an anonymous call.
    principal: Principal | None

    def __init__(
        self, *, method: str, request_id: str, client_ip: str, user_agent: str, principal: Principal | None = None
    ) -> None:
        self.method = method
        self.request_id = request_id
        self.client_ip = client_ip
        self.user_agent = user_agent
        self.principal = principal


_call: ContextVar[CallInfo | None] = ContextVar("helpdesk_call", default=None)


def current_principal() -> Principal | None:
    """The authenticated caller, or None for an anonymous call."""
    call = _call.get()
    return None if call is None else call.principal


def require_principal() -> Principal:
    """The authenticated caller; raises Unauthenticated for an anonymous call."""
    call = _call.get()
    principal = None if call is None else call.principal
    if principal is None:
        raise Unauthenticated("authentication required")
    return principal


def current_call() -> CallInfo:
    """Facts about the current call; a placeholder outside of an RPC (scripts, tests)."""
    return _call.get() or CallInfo(method="", request_id="", client_ip="", user_agent="")


def set_principal(principal: Principal | None) -> None:
    """Sets the caller for the rest of this call (interceptors only); outside of a call, starts a placeholder call."""
    call = _call.get()
    if call is None:
        call = CallInfo(method="", request_id="", client_ip="", user_agent="")
        _call.set(call)
    call.principal = principal


# The current call, or None outside of one (no placeholder, unlike `current_call`).
call_or_none: Callable[[], CallInfo | None] = _call.get

# Makes a call (with its caller, if any) the current one for the rest of the call (interceptors
# only): the contextvar's own method, without a function around it (every call runs it).
set_call: Callable[[CallInfo], object] = _call.set
