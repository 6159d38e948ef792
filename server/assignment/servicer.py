"""AssignmentService over gRPC: protobuf in, domain call, protobuf out. No SQL, no Redis, no rules here."""

from __future__ import annotations

from typing import Any

import grpc

from helpdesk.v1 import assignment_pb2, assignment_service_pb2, assignment_service_pb2_grpc
from server.assignment.domain import CAPACITY_FIELDS, SETTINGS_FIELDS, AssignmentDesk, SettingsEdit
from server.core.update_mask import effective_update_mask

_Context = grpc.aio.ServicerContext[Any, Any]


class AssignmentServicer(assignment_service_pb2_grpc.AssignmentServiceServicer):
    """Transport for the assignment settings and agents' limits."""

    def __init__(self, *, desk: AssignmentDesk) -> None:
        self._desk = desk

    async def GetAssignmentSettings(
        self, request: assignment_service_pb2.GetAssignmentSettingsRequest, context: _Context
    ) -> assignment_pb2.AssignmentSettings:
        """Returns the desk's settings."""
        return await self._desk.get_settings()

    async def UpdateAssignmentSettings(
        self, request: assignment_service_pb2.UpdateAssignmentSettingsRequest, context: _Context
    ) -> assignment_pb2.AssignmentSettings:
        """Changes the desk's settings."""
        settings = request.settings
        return await self._desk.update_settings(
            paths=effective_update_mask(request.update_mask, settings, SETTINGS_FIELDS),
            edit=SettingsEdit(
                tickets_enabled=settings.tickets_enabled,
                ticket_categories=list(settings.ticket_categories),
                chats_enabled=settings.chats_enabled,
                default_ticket_capacity=settings.default_ticket_capacity,
                default_chat_limit=settings.default_chat_limit,
            ),
            etag=settings.etag,
        )

    async def ListAgentCapacities(
        self, request: assignment_service_pb2.ListAgentCapacitiesRequest, context: _Context
    ) -> assignment_service_pb2.ListAgentCapacitiesResponse:
        """Lists agents' limits and loads."""
        capacities, token = await self._desk.list_capacities(page_size=request.page_size, page_token=request.page_token)
        return assignment_service_pb2.ListAgentCapacitiesResponse(capacities=capacities, next_page_token=token)

    async def UpdateAgentCapacity(
        self, request: assignment_service_pb2.UpdateAgentCapacityRequest, context: _Context
    ) -> assignment_pb2.AgentCapacity:
        """Sets one agent's limits."""
        capacity = request.capacity
        return await self._desk.update_capacity(
            agent_id=capacity.agent_id,
            paths=effective_update_mask(request.update_mask, capacity, CAPACITY_FIELDS),
            ticket_capacity=capacity.ticket_capacity,
            chat_limit=capacity.chat_limit,
        )
