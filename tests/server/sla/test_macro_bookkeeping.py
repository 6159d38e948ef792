"""A macro keeps the SLA books exactly as the single-purpose methods do: new targets on a new
priority, the first response on a public reply, the clock stopped while waiting on the customer."""

from __future__ import annotations

import uuid
from datetime import timedelta

import grpc.aio
import pytest

from helpdesk.v1 import macro_pb2, macro_service_pb2, macro_service_pb2_grpc, ticket_pb2
from tests.server.sla.sla_support import HOUR, FakeClock, SlaStub, make_policy, new_category
from tests.server.sla.test_due_times import due, staff_view
from tests.server.tickets.helpers import Cast, TicketStub, open_ticket


@pytest.fixture(scope="module")
def macro_stub(channel: grpc.aio.Channel) -> macro_service_pb2_grpc.MacroServiceAsyncStub:
    """MacroService client."""
    return macro_service_pb2_grpc.MacroServiceStub(channel)


async def test_a_macro_retargets_answers_and_pauses_like_the_desk(
    ticket_stub: TicketStub,
    sla_stub: SlaStub,
    macro_stub: macro_service_pb2_grpc.MacroServiceAsyncStub,
    cast: Cast,
    clock: FakeClock,
) -> None:
    category = new_category()
    await make_policy(sla_stub, cast.admin, category=category, first_response=HOUR)
    await make_policy(
        sla_stub, cast.admin, category=category, priority=ticket_pb2.TICKET_PRIORITY_URGENT, first_response=HOUR / 4
    )
    opened_at = clock.now
    ticket = await open_ticket(ticket_stub, cast.customer_a, category=category)
    assert due(await staff_view(ticket_stub, ticket.id, cast), "first_response_due_time") == opened_at + HOUR

    macro = await macro_stub.CreateMacro(
        macro_service_pb2.CreateMacroRequest(
            macro=macro_pb2.Macro(
                name=f"Urgent ask {uuid.uuid4().hex[:6]}",
                actions=[
                    macro_pb2.MacroAction(set_priority=ticket_pb2.TICKET_PRIORITY_URGENT),
                    macro_pb2.MacroAction(add_message=macro_pb2.MacroMessage(body="Which card was it?")),
                    macro_pb2.MacroAction(set_status=ticket_pb2.TICKET_STATUS_WAITING_ON_CUSTOMER),
                ],
            )
        ),
        metadata=cast.admin.metadata,
    )
    clock.advance(timedelta(minutes=5))
    await macro_stub.ApplyMacro(
        macro_service_pb2.ApplyMacroRequest(id=macro.id, ticket_id=ticket.id), metadata=cast.agent_a.metadata
    )

    after = await staff_view(ticket_stub, ticket.id, cast)
    assert due(after, "first_response_due_time") == opened_at + HOUR / 4
    assert due(after, "first_response_time") == opened_at + timedelta(minutes=5)
    assert after.sla_paused
