"""Demo chats for `helpdesk dev`: one ended and rated conversation, and one chat waiting in the queue."""

from __future__ import annotations

import logging
import uuid

from storage.db import Database

_log = logging.getLogger(__name__)

DEMO_AGENT_EMAIL = "agent1@example.com"
ENDED_CHAT_CUSTOMER_EMAIL = "customer1@example.com"
WAITING_CHAT_CUSTOMER_EMAIL = "customer2@example.com"

_ENDED_CONVERSATION = (
    ("customer", "Hi! My invoice for November shows two charges."),
    ("agent", "Hello Casey, sorry about that. Let me look at your account."),
    ("agent", "I see a duplicate charge from a retried payment; I have refunded it. It takes 3-5 business days."),
    ("customer", "Great, thank you for the quick help!"),
)


async def seed_demo_chats(database: Database) -> int:
    """Creates the demo chats (skipping customers who already have chats); returns how many it created."""
    created = 0
    async with database.unit_of_work() as uow:
        agent = await uow.users.get_by_email(email=DEMO_AGENT_EMAIL)
        ended_customer = await uow.users.get_by_email(email=ENDED_CHAT_CUSTOMER_EMAIL)
        waiting_customer = await uow.users.get_by_email(email=WAITING_CHAT_CUSTOMER_EMAIL)
        if agent is None or ended_customer is None or waiting_customer is None:
            _log.warning("demo users missing: no demo chats")
            return 0

        if not await uow.chats.list_page(limit=1, customer_id=ended_customer.id):
            chat = await uow.chats.add(chat_id=uuid.uuid4(), customer_id=ended_customer.id, topic="Double charge")
            assert chat is not None
            await uow.chats.accept(chat_id=chat.id, agent_id=agent.id)
            for who, body in _ENDED_CONVERSATION:
                sender = ended_customer if who == "customer" else agent
                seq = await uow.chats.next_seq(chat_id=chat.id)
                await uow.chats.add_message(chat_id=chat.id, seq=seq, sender_id=sender.id, body=body, request_id=None)
            last = len(_ENDED_CONVERSATION)
            await uow.chats.mark_read(chat_id=chat.id, as_customer=True, seq=last)
            await uow.chats.mark_read(chat_id=chat.id, as_customer=False, seq=last)
            await uow.chats.end(chat_id=chat.id, ended_by_id=ended_customer.id)
            await uow.chats.rate(chat_id=chat.id, rating=5, feedback="Solved in two minutes.")
            created += 1

        if not await uow.chats.list_page(limit=1, customer_id=waiting_customer.id):
            chat = await uow.chats.add(chat_id=uuid.uuid4(), customer_id=waiting_customer.id, topic="Password reset")
            assert chat is not None
            seq = await uow.chats.next_seq(chat_id=chat.id)
            await uow.chats.add_message(
                chat_id=chat.id,
                seq=seq,
                sender_id=waiting_customer.id,
                body="Hello, I cannot reset my password: the email never arrives.",
                request_id=None,
            )
            created += 1
    return created
