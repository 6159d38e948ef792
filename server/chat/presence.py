"""Agents' presence (Redis keys with a TTL, never PostgreSQL) and load (ACTIVE chats, from PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from helpdesk.v1 import agent_pb2
from server.chat.convert import ROLE_TO_PROTO
from server.chat.hooks import ChatAssignmentHook
from server.core.context import Principal
from server.core.errors import InvalidArgument, NotFound, Unavailable
from storage.db import Database
from storage.pagination import decode_page_token, encode_page_token, resolve_page_size
from storage.redis import RedisUnavailable
from storage.redis.presence import AWAY, ONLINE, PresenceKeys
from storage.repositories.chat import StaffMember

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_STORED = {agent_pb2.AGENT_AVAILABILITY_ONLINE: ONLINE, agent_pb2.AGENT_AVAILABILITY_AWAY: AWAY}
_LOADED = {value: key for key, value in _STORED.items()}
# ONLINE first, then AWAY, then OFFLINE.
_RANK = {agent_pb2.AGENT_AVAILABILITY_ONLINE: 0, agent_pb2.AGENT_AVAILABILITY_AWAY: 1}


class AgentPresence:
    """SetAvailability, ListAgents, and presence renewal by open WatchQueue streams."""

    def __init__(
        self, *, database: Database, redis: Redis, ttl_seconds: float, assignment: ChatAssignmentHook | None = None
    ) -> None:
        self._database = database
        self._keys = PresenceKeys(redis)
        self._ttl_ms = int(ttl_seconds * 1000)
        self._assignment = assignment

    async def set_availability(self, *, principal: Principal, availability: int) -> agent_pb2.Agent:
        """Sets the caller's availability; ONLINE and AWAY lapse to OFFLINE after the TTL unless renewed."""
        if availability not in (*_STORED, agent_pb2.AGENT_AVAILABILITY_OFFLINE):
            raise InvalidArgument.field("availability", "must be ONLINE, AWAY or OFFLINE")
        stored = _STORED.get(agent_pb2.AgentAvailability.ValueType(availability))
        try:
            await self._keys.set(user_id=principal.user_id, availability=stored, ttl_ms=self._ttl_ms)
        except RedisUnavailable as exc:
            # Fail closed: presence lives only in Redis, so the change cannot be kept.
            raise Unavailable("presence cannot be stored right now; retry") from exc
        if stored == ONLINE and self._assignment is not None:
            # Before answering, so that the answer shows the load the agent was just given.
            await self._assignment.agent_online(principal.user_id)
        agents = await self._agents()
        mine = [agent for agent in agents if agent.id == str(principal.user_id)]
        if not mine:
            raise NotFound("the caller is not an active agent")
        return mine[0]

    async def renew(self, *, user_id: uuid.UUID) -> None:
        """Extends the caller's ONLINE/AWAY presence (no-op when OFFLINE or Redis is down)."""
        try:
            await self._keys.renew(user_id=user_id, ttl_ms=self._ttl_ms)
        except RedisUnavailable:
            # Fail open: the stream goes on; presence lapses to OFFLINE until Redis is back.
            return

    async def list_agents(
        self, *, page_size: int, page_token: str, availabilities: list[int]
    ) -> tuple[list[agent_pb2.Agent], str]:
        """Agents and administrators: ONLINE, AWAY, OFFLINE; then fewest active chats; then name."""
        size = resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        filters = {"availabilities": sorted(availabilities)}
        position = decode_page_token(page_token, filters=filters)
        offset = 0
        if position is not None:
            try:
                offset = max(0, int(position[0]))
            except (ValueError, IndexError):
                raise InvalidArgument.field("page_token", "is not a page token returned by this method") from None
        agents = await self._agents()
        if availabilities:
            agents = [agent for agent in agents if agent.availability in availabilities]
        page = agents[offset : offset + size]
        token = ""
        if offset + size < len(agents):
            token = encode_page_token(position=[str(offset + size)], filters=filters)
        return page, token

    async def _agents(self) -> list[agent_pb2.Agent]:
        async with self._database.unit_of_work() as uow:
            staff = await uow.chats.list_staff()
        try:
            stored = await self._keys.read([member.user_id for member in staff])
        except RedisUnavailable as exc:
            # Fail closed: without Redis every agent would wrongly show as OFFLINE.
            raise Unavailable("presence cannot be read right now; retry") from exc
        now = datetime.now(UTC)
        agents = [_agent(member, value, ttl_ms, now) for member, (value, ttl_ms) in zip(staff, stored, strict=True)]
        agents.sort(key=lambda a: (_RANK.get(a.availability, 2), a.active_chat_count, a.display_name.lower(), a.id))
        return agents


def _agent(member: StaffMember, stored: str | None, ttl_ms: int, now: datetime) -> agent_pb2.Agent:
    availability = _LOADED.get(stored or "", agent_pb2.AGENT_AVAILABILITY_OFFLINE)
    agent = agent_pb2.Agent(
        id=str(member.user_id),
        display_name=member.display_name,
        role=ROLE_TO_PROTO[member.role],
        availability=availability,
        active_chat_count=member.active_chat_count,
    )
    if availability != agent_pb2.AGENT_AVAILABILITY_OFFLINE and ttl_ms > 0:
        agent.availability_expire_time.FromDatetime(now + timedelta(milliseconds=ttl_ms))
    return agent
