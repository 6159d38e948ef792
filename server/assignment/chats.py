"""Automatic assignment of chats: the longest-waiting chat to the ONLINE agent whose turn it is."""

from __future__ import annotations

import uuid
from typing import Protocol

from helpdesk.v1 import chat_pb2
from server.assignment.online import OnlineAgents
from server.assignment.round_robin import drain, drain_after_commit, next_in_turn, room_left, took
from storage.db import Database
from storage.unit_of_work import UnitOfWork

# Chats handed out per transaction when draining the queue.
BATCH = 50


class ChatAcceptor(Protocol):
    """Accepts a waiting chat on an agent's behalf, as `AcceptChat` does (live chat's sessions)."""

    async def accept_in(self, uow: UnitOfWork, *, chat_id: uuid.UUID, agent_id: uuid.UUID) -> chat_pb2.Chat | None:
        """The chat, now ACTIVE with the agent; None if it was no longer waiting."""
        ...


class ChatAssigner:
    """Gives waiting chats, longest-waiting first, to ONLINE agents below their chat limit, round robin."""

    def __init__(self, *, database: Database, online: OnlineAgents) -> None:
        self._database = database
        self._online = online
        self._acceptor: ChatAcceptor | None = None

    def connect(self, *, acceptor: ChatAcceptor) -> None:
        """How chats are accepted (live chat's sessions, which tell the streams)."""
        self._acceptor = acceptor

    async def chats_freed(self) -> None:
        """Hands out waiting chats; a failure is logged (the periodic sweep tries again)."""
        await drain_after_commit(self._drain_batch, what="chats")

    async def drain(self) -> int:
        """Gives waiting chats to agents while someone ONLINE is below their limit; how many were given."""
        return await drain(self._drain_batch, what="chats")

    async def _drain_batch(self) -> tuple[int, bool]:
        if self._acceptor is None:
            return 0, False
        async with self._database.unit_of_work() as uow:
            settings = await uow.assignment.settings()
            if not settings.chats_enabled:
                return 0, False
            online = await self._online.among(await uow.assignment.staff_ids())
            if not online:
                return 0, False
            # From here every automatic chat assignment, on any replica, waits for this one to commit.
            await uow.assignment.lock_chats()
            candidates = await uow.assignment.chat_candidates(
                user_ids=online, default_limit=settings.default_chat_limit
            )
            room = room_left(candidates)
            if room == 0:
                return 0, False
            waiting = await uow.assignment.waiting_chat_ids(limit=min(room, BATCH))
            assigned = 0
            for chat_id in waiting:
                agent = next_in_turn(candidates)
                if agent is None:
                    break
                # The same conditional update as AcceptChat: if an agent accepted it meanwhile, they keep it.
                if await self._acceptor.accept_in(uow, chat_id=chat_id, agent_id=agent.user_id) is None:
                    continue
                took(agent, turn=await uow.assignment.take_chat_turn(user_id=agent.user_id))
                assigned += 1
            return assigned, len(waiting) == BATCH and assigned > 0
