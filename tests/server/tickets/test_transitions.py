"""The transition table, exhaustively: every (from, to, role) triple through the real server."""

from __future__ import annotations

import itertools
from typing import TypeAlias

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import ticket_pb2
from tests.server.tickets.helpers import Cast, TicketStub, error_info, move_to, open_ticket

S = ticket_pb2
Status: TypeAlias = "ticket_pb2.TicketStatus.ValueType"
OPEN, IN_PROGRESS, WAITING, RESOLVED, CLOSED = (
    S.TICKET_STATUS_OPEN,
    S.TICKET_STATUS_IN_PROGRESS,
    S.TICKET_STATUS_WAITING_ON_CUSTOMER,
    S.TICKET_STATUS_RESOLVED,
    S.TICKET_STATUS_CLOSED,
)
STATUSES = (OPEN, IN_PROGRESS, WAITING, RESOLVED, CLOSED)

# Written out from the proto's comment on ChangeTicketStatus (not imported from the server).
STAFF_MOVES = {
    OPEN: {IN_PROGRESS, WAITING, RESOLVED, CLOSED},
    IN_PROGRESS: {OPEN, WAITING, RESOLVED, CLOSED},
    WAITING: {OPEN, IN_PROGRESS, RESOLVED, CLOSED},
    RESOLVED: {OPEN, IN_PROGRESS, CLOSED},
    CLOSED: {OPEN},
}
CUSTOMER_MOVES = {(source, CLOSED) for source in (OPEN, IN_PROGRESS, WAITING, RESOLVED)} | {(RESOLVED, OPEN)}


def _expected(role: str, source: Status, target: Status) -> str:
    if source == target:
        return "UNCHANGED"
    if target not in STAFF_MOVES[source]:
        return "INVALID_TRANSITION"
    if role == "customer" and (source, target) not in CUSTOMER_MOVES:
        return "TRANSITION_NOT_ALLOWED"
    return "OK"


@pytest.mark.parametrize(("source", "target"), list(itertools.product(STATUSES, STATUSES)))
async def test_every_transition_for_every_role(
    ticket_stub: TicketStub, cast: Cast, source: Status, target: Status
) -> None:
    actors = {"customer": cast.customer_a, "agent": cast.agent_a, "admin": cast.admin}
    for role, actor in actors.items():
        ticket = await open_ticket(ticket_stub, cast.customer_a)
        if source != OPEN:
            ticket = await move_to(ticket_stub, ticket.id, source, cast.agent_b)
        expected = _expected(role, source, target)
        if expected == "UNCHANGED":
            # To the status it already has (a retry): the ticket as it is, for every role.
            assert await move_to(ticket_stub, ticket.id, target, actor) == ticket, (role, source)
            continue
        if expected == "OK":
            moved = await move_to(ticket_stub, ticket.id, target, actor)
            assert moved.status == target, (role, source, target)
            assert moved.HasField("resolve_time") == (
                target == RESOLVED or (target == CLOSED and source == RESOLVED)
            ), (role, source, target)
            assert moved.HasField("close_time") == (target == CLOSED)
            continue
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await move_to(ticket_stub, ticket.id, target, actor)
        info = error_info(raised.value)
        assert info.reason == expected, (role, source, target)
        if expected == "INVALID_TRANSITION":
            assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert dict(info.metadata) == {
                "from": S.TicketStatus.Name(source),
                "to": S.TicketStatus.Name(target),
            }
        else:
            assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_another_customer_gets_not_found_for_any_move(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    for target in STATUSES:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await move_to(ticket_stub, ticket.id, target, cast.customer_b)
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND


async def test_unspecified_status_is_invalid(ticket_stub: TicketStub, cast: Cast) -> None:
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await move_to(ticket_stub, ticket.id, S.TICKET_STATUS_UNSPECIFIED, cast.agent_a)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
