"""Assignment rows -> protobuf messages."""

from __future__ import annotations

from helpdesk.v1 import agent_pb2, assignment_pb2
from server.chat.convert import stamp
from storage.models import AssignmentSettings
from storage.redis.presence import AWAY, ONLINE
from storage.repositories.assignment import CapacityRow

_AVAILABILITY = {ONLINE: agent_pb2.AGENT_AVAILABILITY_ONLINE, AWAY: agent_pb2.AGENT_AVAILABILITY_AWAY}


def settings_to_proto(settings: AssignmentSettings) -> assignment_pb2.AssignmentSettings:
    """The API view of the desk's settings."""
    return assignment_pb2.AssignmentSettings(
        tickets_enabled=settings.tickets_enabled,
        ticket_categories=settings.ticket_categories,
        chats_enabled=settings.chats_enabled,
        default_ticket_capacity=settings.default_ticket_capacity,
        default_chat_limit=settings.default_chat_limit,
        update_time=stamp(settings.update_time),
        etag=settings.etag,
    )


def capacity_to_proto(
    row: CapacityRow, *, settings: AssignmentSettings, availability: str | None
) -> assignment_pb2.AgentCapacity:
    """The API view of one agent's limits (their own, or the defaults) and load."""
    return assignment_pb2.AgentCapacity(
        agent_id=str(row.user_id),
        display_name=row.display_name,
        ticket_capacity=settings.default_ticket_capacity if row.ticket_capacity is None else row.ticket_capacity,
        chat_limit=settings.default_chat_limit if row.chat_limit is None else row.chat_limit,
        open_ticket_count=row.open_ticket_count,
        active_chat_count=row.active_chat_count,
        availability=_AVAILABILITY.get(availability or "", agent_pb2.AGENT_AVAILABILITY_OFFLINE),
    )
