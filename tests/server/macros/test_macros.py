"""MacroService against the real server: macros are checked when saved and apply all or nothing."""

from __future__ import annotations

import uuid
from typing import TypeAlias

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2

from helpdesk.v1 import (
    macro_pb2,
    macro_service_pb2,
    macro_service_pb2_grpc,
    ticket_event_pb2,
    ticket_pb2,
    ticket_service_pb2,
)
from tests.server.tickets.helpers import Cast, TicketStub, error_info, move_to, open_ticket
from tests.support import SignedIn, bad_fields

MacroStub: TypeAlias = "macro_service_pb2_grpc.MacroServiceAsyncStub"
A = macro_pb2.MacroAction
E = ticket_event_pb2


def reply(body: str, *, internal: bool = False) -> macro_pb2.MacroAction:
    """An add-message action."""
    return A(add_message=macro_pb2.MacroMessage(body=body, internal=internal))


async def make_macro(
    stub: MacroStub, admin: SignedIn, *actions: macro_pb2.MacroAction, name: str = ""
) -> macro_pb2.Macro:
    """A new macro written by the administrator."""
    return await stub.CreateMacro(
        macro_service_pb2.CreateMacroRequest(
            macro=macro_pb2.Macro(name=name or f"Macro {uuid.uuid4().hex[:8]}", actions=actions),
            request_id=str(uuid.uuid4()),
        ),
        metadata=admin.metadata,
    )


async def apply(
    stub: MacroStub, macro: macro_pb2.Macro, ticket_id: str, agent: SignedIn, *, etag: str = "", request_id: str = ""
) -> macro_service_pb2.ApplyMacroResponse:
    """ApplyMacro as `agent`."""
    return await stub.ApplyMacro(
        macro_service_pb2.ApplyMacroRequest(id=macro.id, ticket_id=ticket_id, etag=etag, request_id=request_id),
        metadata=agent.metadata,
    )


async def trail(tickets: TicketStub, ticket_id: str, who: SignedIn) -> list[ticket_event_pb2.TicketEvent]:
    """The ticket's audit trail."""
    response = await tickets.ListTicketEvents(
        ticket_service_pb2.ListTicketEventsRequest(ticket_id=ticket_id, page_size=200), metadata=who.metadata
    )
    return list(response.events)


async def test_a_macro_applies_every_action_with_one_event_each(
    macro_stub: MacroStub, ticket_stub: TicketStub, cast: Cast
) -> None:
    macro = await make_macro(
        macro_stub,
        cast.admin,
        reply("Hi {{customer.first_name}}, refund for #{{ticket.number}} is on its way. {{agent.name}}"),
        A(add_tags=macro_pb2.MacroTags(tags=["Refund", "billing"])),
        A(set_priority=ticket_pb2.TICKET_PRIORITY_LOW),
        A(set_assignee=macro_pb2.MacroAssignee(assignee_id="me")),
        reply("Refunded via the payment console", internal=True),
        A(set_status=ticket_pb2.TICKET_STATUS_RESOLVED),
        name="Refund issued",
    )
    ticket = await open_ticket(ticket_stub, cast.customer_a, tags=("billing",))
    before = len(await trail(ticket_stub, ticket.id, cast.agent_a))

    applied = await apply(macro_stub, macro, ticket.id, cast.agent_a, etag=ticket.etag)

    after = applied.ticket
    assert after.status == ticket_pb2.TICKET_STATUS_RESOLVED
    assert list(after.tags) == ["billing", "refund"]
    assert after.priority == ticket_pb2.TICKET_PRIORITY_LOW
    assert after.assignee_id == cast.agent_a.user_id
    assert after.HasField("resolve_time")
    assert [(m.body, m.internal) for m in applied.messages] == [
        (f"Hi Test, refund for #{ticket.number} is on its way. Test agent", False),
        ("Refunded via the payment console", True),
    ]
    events = (await trail(ticket_stub, ticket.id, cast.agent_a))[before:]
    assert [e.type for e in events] == [
        E.TICKET_EVENT_TYPE_MESSAGE_ADDED,
        E.TICKET_EVENT_TYPE_TAGS_CHANGED,
        E.TICKET_EVENT_TYPE_PRIORITY_CHANGED,
        E.TICKET_EVENT_TYPE_ASSIGNEE_CHANGED,
        E.TICKET_EVENT_TYPE_NOTE_ADDED,
        E.TICKET_EVENT_TYPE_STATUS_CHANGED,
    ]
    assert {e.comment for e in events} == {"Macro: Refund issued"}
    assert {e.actor_id for e in events} == {cast.agent_a.user_id}
    # The customer sees the reply, never the note.
    seen = await ticket_stub.ListTicketMessages(
        ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket.id), metadata=cast.customer_a.metadata
    )
    assert [m.internal for m in seen.messages] == [False]

    # Applied again, the actions that would change nothing are skipped: only the messages are new.
    again = await apply(macro_stub, macro, ticket.id, cast.agent_a)
    newer = (await trail(ticket_stub, ticket.id, cast.agent_a))[before + len(events) :]
    assert [e.type for e in newer] == [E.TICKET_EVENT_TYPE_MESSAGE_ADDED, E.TICKET_EVENT_TYPE_NOTE_ADDED]
    assert again.ticket.status == ticket_pb2.TICKET_STATUS_RESOLVED


@pytest.mark.parametrize(
    ("failing", "code", "reason"),
    [
        # Assigning to a customer: the assignee rule of AssignTicket.
        ("customer", grpc.StatusCode.INVALID_ARGUMENT, "ASSIGNEE_NOT_AGENT"),
        # CLOSED -> IN_PROGRESS after closing: not in the transition table.
        ("transition", grpc.StatusCode.FAILED_PRECONDITION, "INVALID_TRANSITION"),
        # A reply after closing: closed tickets take no messages.
        ("closed", grpc.StatusCode.FAILED_PRECONDITION, "TICKET_CLOSED"),
    ],
)
async def test_one_failing_action_applies_nothing(
    macro_stub: MacroStub, ticket_stub: TicketStub, cast: Cast, failing: str, code: grpc.StatusCode, reason: str
) -> None:
    last = {
        "customer": A(set_assignee=macro_pb2.MacroAssignee(assignee_id=cast.customer_b.user_id)),
        "transition": A(set_status=ticket_pb2.TICKET_STATUS_IN_PROGRESS),
        "closed": reply("Anything else?"),
    }[failing]
    closing = A(set_status=ticket_pb2.TICKET_STATUS_CLOSED)
    macro = await make_macro(
        macro_stub,
        cast.admin,
        reply("We're on it"),
        A(add_tags=macro_pb2.MacroTags(tags=["touched"])),
        A(set_priority=ticket_pb2.TICKET_PRIORITY_URGENT),
        *((closing,) if failing != "customer" else ()),
        last,
    )
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    events_before = await trail(ticket_stub, ticket.id, cast.agent_a)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await apply(macro_stub, macro, ticket.id, cast.agent_a, etag=ticket.etag)

    assert refused.value.code() == code
    info = error_info(refused.value)
    assert info.reason == reason
    assert info.metadata["action_index"] == str(len(macro.actions) - 1)
    now = await ticket_stub.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket.id), metadata=cast.agent_a.metadata)
    assert now == ticket
    assert await trail(ticket_stub, ticket.id, cast.agent_a) == events_before


async def test_the_etag_and_request_id_make_applying_safe(
    macro_stub: MacroStub, ticket_stub: TicketStub, cast: Cast
) -> None:
    macro = await make_macro(macro_stub, cast.admin, reply("Thanks, {{customer.name}}!"))
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    changed = await ticket_stub.UpdateTicket(
        ticket_service_pb2.UpdateTicketRequest(
            ticket=ticket_pb2.Ticket(id=ticket.id, subject="Changed meanwhile"),
            update_mask=field_mask_pb2.FieldMask(paths=["subject"]),
        ),
        metadata=cast.customer_a.metadata,
    )
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await apply(macro_stub, macro, ticket.id, cast.agent_a, etag=ticket.etag)
    assert stale.value.code() == grpc.StatusCode.ABORTED
    assert error_info(stale.value).reason == "ETAG_MISMATCH"

    key = str(uuid.uuid4())
    first = await apply(macro_stub, macro, ticket.id, cast.agent_a, etag=changed.etag, request_id=key)
    # The retry carries the old etag, as a client that never saw the first answer would.
    retry = await apply(macro_stub, macro, ticket.id, cast.agent_a, etag=changed.etag, request_id=key)
    assert [m.id for m in retry.messages] == [m.id for m in first.messages]
    assert retry.ticket.etag == first.ticket.etag
    listed = await ticket_stub.ListTicketMessages(
        ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket.id), metadata=cast.agent_a.metadata
    )
    assert [m.body for m in listed.messages] == ["Thanks, Test Customer!"]

    other = await open_ticket(ticket_stub, cast.customer_a)
    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await apply(macro_stub, macro, other.id, cast.agent_a, request_id=key)
    assert error_info(reused.value).reason == "REQUEST_ID_REUSED"


async def test_macros_are_checked_when_saved(macro_stub: MacroStub, cast: Cast) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await make_macro(
            macro_stub,
            cast.admin,
            A(),
            reply("Hello {{customer.password}}"),
            A(set_status=ticket_pb2.TICKET_STATUS_UNSPECIFIED),
            A(add_tags=macro_pb2.MacroTags(tags=["not a tag"])),
            A(set_assignee=macro_pb2.MacroAssignee(assignee_id="somebody")),
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(refused.value) == {
        "macro.actions[0]",
        "macro.actions[1].add_message.body",
        "macro.actions[2].set_status",
        "macro.actions[3].add_tags.tags",
        "macro.actions[4].set_assignee.assignee_id",
    }
    with pytest.raises(grpc.aio.AioRpcError) as empty:
        await make_macro(macro_stub, cast.admin)
    assert bad_fields(empty.value) == {"macro.actions"}
    with pytest.raises(grpc.aio.AioRpcError) as agent:
        await make_macro(macro_stub, cast.agent_a, reply("Hi"))
    assert agent.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_administrators_edit_list_and_delete_macros(macro_stub: MacroStub, cast: Cast) -> None:
    macro = await make_macro(macro_stub, cast.admin, reply("Hi"), name="Aardvark greeting")
    edited = await macro_stub.UpdateMacro(
        macro_service_pb2.UpdateMacroRequest(
            macro=macro_pb2.Macro(
                id=macro.id, actions=[A(set_status=ticket_pb2.TICKET_STATUS_RESOLVED)], etag=macro.etag
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["actions"]),
        ),
        metadata=cast.admin.metadata,
    )
    assert edited.name == "Aardvark greeting"
    assert list(edited.actions) == [A(set_status=ticket_pb2.TICKET_STATUS_RESOLVED)]
    listed = await macro_stub.ListMacros(
        macro_service_pb2.ListMacrosRequest(page_size=200), metadata=cast.agent_b.metadata
    )
    names = [m.name for m in listed.macros]
    assert names == sorted(names)
    assert "Aardvark greeting" in names
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await macro_stub.DeleteMacro(
            macro_service_pb2.DeleteMacroRequest(id=macro.id, etag=macro.etag), metadata=cast.admin.metadata
        )
    assert stale.value.code() == grpc.StatusCode.ABORTED
    await macro_stub.DeleteMacro(
        macro_service_pb2.DeleteMacroRequest(id=macro.id, etag=edited.etag), metadata=cast.admin.metadata
    )
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await macro_stub.GetMacro(macro_service_pb2.GetMacroRequest(id=macro.id), metadata=cast.agent_b.metadata)
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND


async def test_agents_cannot_apply_to_a_resolved_ticket_what_the_table_forbids(
    macro_stub: MacroStub, ticket_stub: TicketStub, cast: Cast
) -> None:
    macro = await make_macro(macro_stub, cast.admin, A(set_status=ticket_pb2.TICKET_STATUS_WAITING_ON_CUSTOMER))
    ticket = await open_ticket(ticket_stub, cast.customer_a)
    resolved = await move_to(ticket_stub, ticket.id, ticket_pb2.TICKET_STATUS_RESOLVED, cast.agent_a)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await apply(macro_stub, macro, ticket.id, cast.agent_a, etag=resolved.etag)
    assert error_info(refused.value).reason == "INVALID_TRANSITION"
