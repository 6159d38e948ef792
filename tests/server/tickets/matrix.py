"""The TicketService access matrix: what each of the cast gets for every RPC on customer A's ticket.

Shared by the gRPC test and the gateway (JSON) test. Outcomes are gRPC code names. Where a role
may not call an RPC at all (the access rule), every ticket, even a missing one, answers the same.
"""

from __future__ import annotations

ACTORS = ("customer_a", "customer_b", "agent_a", "agent_b", "admin")

_OWNER_AND_STAFF = {
    "customer_a": "OK",
    "customer_b": "NOT_FOUND",
    "agent_a": "OK",
    "agent_b": "OK",
    "admin": "OK",
}
_STAFF_ONLY = {
    "customer_a": "PERMISSION_DENIED",
    "customer_b": "PERMISSION_DENIED",
    "agent_a": "OK",
    "agent_b": "OK",
    "admin": "OK",
}

EXPECTED: dict[str, dict[str, str]] = {
    "CreateTicket": dict.fromkeys(ACTORS, "OK"),
    "GetTicket": _OWNER_AND_STAFF,
    "ListTickets": dict.fromkeys(ACTORS, "OK"),
    "UpdateTicket": _OWNER_AND_STAFF,
    "AssignTicket": _STAFF_ONLY,
    "ChangeTicketStatus": _OWNER_AND_STAFF,
    "DeleteTicket": {**dict.fromkeys(ACTORS, "PERMISSION_DENIED"), "admin": "OK"},
    "AddTicketMessage": _OWNER_AND_STAFF,
    "ListTicketMessages": _OWNER_AND_STAFF,
    "ListTicketEvents": _STAFF_ONLY,
    # The owner is told the open ticket cannot be rated yet; staff may never rate.
    "RateTicket": {
        "customer_a": "FAILED_PRECONDITION",
        "customer_b": "NOT_FOUND",
        "agent_a": "PERMISSION_DENIED",
        "agent_b": "PERMISSION_DENIED",
        "admin": "PERMISSION_DENIED",
    },
}

# Server streams, checked by their first element (through the JSON gateway a stream only answers
# once it ends). Watching a ticket one may not see is allowed and shows nothing: no existence leaks.
# The same with `sla_breached`: customers may ask, and their stream carries no change at all
# (tests/server/sla/test_breach_watch.py follows one through a breach of their own ticket).
STREAMS: dict[str, dict[str, str]] = {
    "WatchTickets": dict.fromkeys(ACTORS, "OK"),
}

# gRPC code name -> the HTTP status Envoy's JSON transcoder answers with.
HTTP_STATUS = {
    "OK": 200,
    "NOT_FOUND": 404,
    "PERMISSION_DENIED": 403,
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
}

CELLS = [(rpc, actor) for rpc in EXPECTED for actor in ACTORS]
