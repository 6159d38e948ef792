"""The demo seed step: one ended, rated chat and one waiting chat, created once."""

from __future__ import annotations

from devstack.seed import DEMO_USERS, create_user
from server.chat.demo import seed_demo_chats
from server.users.passwords import PasswordHasher
from storage.db import Database
from storage.models import ChatState


async def test_seed_demo_chats_once(database: Database, hasher: PasswordHasher) -> None:
    for user in DEMO_USERS:
        await create_user(
            database=database,
            hasher=hasher,
            email=user.email,
            password=user.password,
            role=user.role,
            display_name=user.display_name,
        )
    assert await seed_demo_chats(database) == 2
    assert await seed_demo_chats(database) == 0
    async with database.unit_of_work() as uow:
        chats = await uow.chats.list_page(limit=10)
        by_status = {view.chat.status: view.chat for view in chats}
        assert set(by_status) == {ChatState.ENDED, ChatState.WAITING}
        ended = by_status[ChatState.ENDED]
        assert ended.rating == 5
        assert ended.last_seq == 4
        messages = await uow.chats.list_messages(chat_id=ended.id, limit=10)
        assert [m.message.seq for m in messages] == [1, 2, 3, 4]
        assert by_status[ChatState.WAITING].last_seq == 1
