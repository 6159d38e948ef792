"""AssignmentService: the desk's settings and agents' limits, their checks and who sees what."""

from __future__ import annotations

import grpc
import grpc.aio
import pytest
from google.protobuf import field_mask_pb2

from helpdesk.v1 import agent_pb2, assignment_pb2, assignment_service_pb2
from server.core.context import Role
from tests.server.assignment.desk_support import Desk
from tests.server.tickets.helpers import error_info
from tests.support import bad_fields


async def test_the_defaults_are_off_with_ten_tickets_and_three_chats(desk: Desk) -> None:
    agent = await desk.agent()
    settings = await desk.first.assignment.GetAssignmentSettings(
        assignment_service_pb2.GetAssignmentSettingsRequest(), metadata=agent.metadata
    )
    assert (settings.tickets_enabled, list(settings.ticket_categories), settings.chats_enabled) == (False, [], False)
    assert (settings.default_ticket_capacity, settings.default_chat_limit) == (10, 3)
    assert settings.etag


async def test_a_change_names_its_fields_and_a_stale_etag_is_refused(desk: Desk) -> None:
    before = await desk.configure(default_chat_limit=5)
    assert before.default_chat_limit == 5
    # Without a mask, the fields set are changed; the others keep their values.
    request = assignment_service_pb2.UpdateAssignmentSettingsRequest(
        settings=assignment_pb2.AssignmentSettings(default_ticket_capacity=7, etag=before.etag)
    )
    after = await desk.first.assignment.UpdateAssignmentSettings(request, metadata=desk.admin.metadata)
    assert (after.default_ticket_capacity, after.default_chat_limit) == (7, 5)
    assert after.etag != before.etag

    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await desk.first.assignment.UpdateAssignmentSettings(request, metadata=desk.admin.metadata)
    assert stale.value.code() is grpc.StatusCode.ABORTED
    assert error_info(stale.value).reason == "ETAG_MISMATCH"


async def test_bad_values_are_refused_by_field(desk: Desk) -> None:
    request = assignment_service_pb2.UpdateAssignmentSettingsRequest(
        settings=assignment_pb2.AssignmentSettings(
            default_ticket_capacity=0, default_chat_limit=51, ticket_categories=["ok", "x" * 65]
        ),
        update_mask=field_mask_pb2.FieldMask(
            paths=["default_ticket_capacity", "default_chat_limit", "ticket_categories"]
        ),
    )
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await desk.first.assignment.UpdateAssignmentSettings(request, metadata=desk.admin.metadata)
    assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(bad.value) == {
        "settings.default_ticket_capacity",
        "settings.default_chat_limit",
        "settings.ticket_categories",
    }

    unknown = assignment_service_pb2.UpdateAssignmentSettingsRequest(
        settings=assignment_pb2.AssignmentSettings(), update_mask=field_mask_pb2.FieldMask(paths=["etag"])
    )
    with pytest.raises(grpc.aio.AioRpcError) as masked:
        await desk.first.assignment.UpdateAssignmentSettings(unknown, metadata=desk.admin.metadata)
    assert bad_fields(masked.value) == {"update_mask"}


async def test_capacities_show_limits_load_and_presence(desk: Desk) -> None:
    agent, admin_agent = await desk.agent(), await desk.agent(role=Role.ADMIN)
    await desk.online(agent)
    await desk.configure(default_ticket_capacity=4)
    set_limit = await desk.limit(admin_agent, ticket_capacity=0, chat_limit=2)
    assert (set_limit.ticket_capacity, set_limit.chat_limit) == (0, 2)

    listed: dict[str, assignment_pb2.AgentCapacity] = {}
    token = ""
    while True:
        page = await desk.first.assignment.ListAgentCapacities(
            assignment_service_pb2.ListAgentCapacitiesRequest(page_size=2, page_token=token), metadata=agent.metadata
        )
        listed |= {capacity.agent_id: capacity for capacity in page.capacities}
        token = page.next_page_token
        if not token:
            break
    mine, theirs = listed[agent.user_id], listed[admin_agent.user_id]
    assert (mine.ticket_capacity, mine.chat_limit, mine.availability) == (4, 3, agent_pb2.AGENT_AVAILABILITY_ONLINE)
    assert (theirs.ticket_capacity, theirs.chat_limit) == (0, 2)
    assert theirs.availability == agent_pb2.AGENT_AVAILABILITY_OFFLINE
    assert (mine.open_ticket_count, mine.active_chat_count) == (0, 0)


async def test_limits_of_someone_who_is_not_staff_are_not_found(desk: Desk) -> None:
    customer = await desk.customer()
    request = assignment_service_pb2.UpdateAgentCapacityRequest(
        capacity=assignment_pb2.AgentCapacity(agent_id=customer.user_id, ticket_capacity=3)
    )
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await desk.first.assignment.UpdateAgentCapacity(request, metadata=desk.admin.metadata)
    assert missing.value.code() is grpc.StatusCode.NOT_FOUND

    agent = await desk.agent()
    too_many = assignment_service_pb2.UpdateAgentCapacityRequest(
        capacity=assignment_pb2.AgentCapacity(agent_id=agent.user_id, ticket_capacity=1001, chat_limit=-1),
    )
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await desk.first.assignment.UpdateAgentCapacity(too_many, metadata=desk.admin.metadata)
    assert bad_fields(bad.value) == {"capacity.ticket_capacity", "capacity.chat_limit"}
