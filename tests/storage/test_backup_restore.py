"""`helpdesk backup` and `helpdesk restore`: a dump taken under write load restores into a fresh PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import grpc.aio
import pytest
from google.protobuf.message import Message
from sqlalchemy.engine import make_url

from devstack.postgres import EmbeddedPostgres
from helpdesk.v1 import (
    article_pb2,
    auth_service_pb2,
    chat_service_pb2,
    knowledge_service_pb2,
    ticket_pb2,
    ticket_service_pb2,
)
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from storage.backup import BackupError, find_tool
from storage.migrations import upgrade_to_head
from tests.storage.backup_support import Population, Stubs, all_tickets, populate, read_back, run_helpdesk
from tests.support import register, sign_in_as

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
async def stubs(app: HelpdeskApp) -> AsyncIterator[Stubs]:
    """Stubs on the module's (original) server."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        yield Stubs(channel)


@pytest.fixture(scope="module")
async def population(app: HelpdeskApp, stubs: Stubs) -> Population:
    """An admin, an agent and two customers with tickets, notes, chats, articles, votes and sessions."""
    made = Population(
        admin=await sign_in_as(app, stubs.auth, Role.ADMIN),
        agent=await sign_in_as(app, stubs.auth, Role.AGENT),
        customers=[await register(stubs.auth), await register(stubs.auth)],
    )
    await populate(stubs, made)
    return made


@pytest.fixture
def fresh_data_dir() -> Iterator[Path]:
    """A data dir for a brand-new embedded PostgreSQL (under /tmp: PostgreSQL runs as its own user when root)."""
    directory = Path(tempfile.mkdtemp(prefix="helpdesk-restore-", dir="/tmp"))
    yield directory
    EmbeddedPostgres(directory / "postgres").stop()
    shutil.rmtree(directory, ignore_errors=True)


def _without_view_counts(reads: dict[str, Message | list[Message]]) -> dict[str, Message | list[Message]]:
    # Reading an article counts a view (in Redis, flushed later): the one figure reads themselves change.
    for key, value in reads.items():
        if isinstance(value, article_pb2.Article):
            value.ClearField("view_count")
        if key.startswith("search ") and isinstance(value, list):
            for result in value:
                assert isinstance(result, knowledge_service_pb2.SearchArticlesResult)
                result.article.ClearField("view_count")
    return reads


class WriteLoad:
    """A customer opening tickets and replying on them as fast as the server answers."""

    def __init__(self, stubs: Stubs, customer_metadata: tuple[tuple[str, str], ...]) -> None:
        self.stubs = stubs
        self.metadata = customer_metadata
        self.acknowledged: dict[int, str] = {}
        # Set once a few writes went through: the load is running.
        self.warm = asyncio.Event()
        self._stop = asyncio.Event()

    async def run(self) -> None:
        """Writes until stopped; remembers every ticket whose creation was acknowledged."""
        while not self._stop.is_set():
            ticket = await self.stubs.tickets.CreateTicket(
                ticket_service_pb2.CreateTicketRequest(
                    ticket=ticket_pb2.Ticket(subject="Load", description="written during the backup"),
                    request_id=str(uuid.uuid4()),
                ),
                metadata=self.metadata,
            )
            self.acknowledged[ticket.number] = ticket.id
            if len(self.acknowledged) >= 3:
                self.warm.set()
            await self.stubs.tickets.AddTicketMessage(
                ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket.id, body="still there?"),
                metadata=self.metadata,
            )

    def stop(self) -> None:
        """Asks the loop to end after its current write."""
        self._stop.set()


async def test_a_backup_under_write_load_restores_into_a_fresh_postgres_that_answers_the_same(
    app: HelpdeskApp,
    settings: Settings,
    stubs: Stubs,
    population: Population,
    fresh_data_dir: Path,
    tmp_path: Path,
) -> None:
    loader = await register(stubs.auth)
    before = _without_view_counts(await read_back(stubs, population))
    load = WriteLoad(stubs, loader.metadata)
    load_task = asyncio.create_task(load.run())
    await asyncio.wait_for(load.warm.wait(), timeout=60)
    acknowledged_before_backup = dict(load.acknowledged)

    dump = tmp_path / "helpdesk.dump"
    backup = await asyncio.to_thread(run_helpdesk, "backup", "--to", str(dump), database_url=settings.database_url)
    acknowledged_during_backup = len(load.acknowledged) - len(acknowledged_before_backup)
    load.stop()
    await load_task

    assert backup.returncode == 0, backup.stderr
    # Progress: one line per table as pg_dump reaches it.
    assert re.search(r"\[ ?\d+/\d+\] ticket_messages ", backup.stdout), backup.stdout
    assert "backup complete" in backup.stdout
    assert acknowledged_during_backup > 0, "the server took no writes while the backup ran"
    assert not dump.with_name(dump.name + ".partial").exists()

    restore = await asyncio.to_thread(run_helpdesk, "restore", "--from", str(dump), "--data-dir", str(fresh_data_dir))
    assert restore.returncode == 0, restore.stderr
    assert "restore complete" in restore.stdout

    postgres = EmbeddedPostgres(fresh_data_dir / "postgres")
    await asyncio.to_thread(postgres.start)
    # A new deployment starts with an empty Redis: another database number of the test server.
    redis_url = settings.redis_url.rsplit("/", 1)[0] + "/7"
    restored_settings = settings.replace(database_url=postgres.url("helpdesk"), redis_url=redis_url)
    restored_app = await HelpdeskApp.create(restored_settings)
    await restored_app.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{restored_app.port}") as channel:
            restored = Stubs(channel)
            # Field by field: every populated object, read by the same (still signed-in) people.
            after = _without_view_counts(await read_back(restored, population))
            assert after.keys() == before.keys()
            for key in before:
                assert after[key] == before[key], key

            await _load_is_a_consistent_snapshot(restored, population, load, acknowledged_before_backup)
            await _restored_system_takes_new_writes(restored, population)
    finally:
        await restored_app.stop(grace=1.0)


async def _load_is_a_consistent_snapshot(
    restored: Stubs, population: Population, load: WriteLoad, acknowledged_before_backup: dict[int, str]
) -> None:
    """Everything acknowledged before the dump began is there; every ticket is whole; nothing was invented."""
    admin = population.admin.metadata
    for number, ticket_id in acknowledged_before_backup.items():
        ticket = await restored.tickets.GetTicket(ticket_service_pb2.GetTicketRequest(id=ticket_id), metadata=admin)
        assert ticket.number == number
    listed = await all_tickets(restored, ticket_service_pb2.ListTicketsRequest(page_size=100, query="Load"), admin)
    assert listed, "no load ticket in the backup"
    for ticket in listed:
        assert load.acknowledged.get(ticket.number) == ticket.id
        messages = await restored.tickets.ListTicketMessages(
            ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket.id, page_size=100), metadata=admin
        )
        # The ticket row and its messages come from one snapshot: counters and rows agree.
        assert ticket.message_count == len(messages.messages)


async def _restored_system_takes_new_writes(restored: Stubs, population: Population) -> None:
    """Sequences continue: new ticket numbers, message order and chat seqs follow the restored ones."""
    admin = population.admin.metadata
    customer = population.customers[1]
    every = await all_tickets(restored, ticket_service_pb2.ListTicketsRequest(page_size=100), admin)
    numbers = {ticket.number for ticket in every}
    created = await restored.tickets.CreateTicket(
        ticket_service_pb2.CreateTicketRequest(
            ticket=ticket_pb2.Ticket(subject="After the restore", description="new"), request_id=str(uuid.uuid4())
        ),
        metadata=customer.metadata,
    )
    assert created.number > max(numbers)

    ticket_id = population.ticket_ids[-1]
    await restored.tickets.AddTicketMessage(
        ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket_id, body="Restored and answering"),
        metadata=customer.metadata,
    )
    messages = await restored.tickets.ListTicketMessages(
        ticket_service_pb2.ListTicketMessagesRequest(ticket_id=ticket_id, page_size=100), metadata=admin
    )
    assert [message.body for message in messages.messages][-1] == "Restored and answering"

    active_chat = population.chat_ids[1]
    before = await restored.chat.GetChat(chat_service_pb2.GetChatRequest(id=active_chat), metadata=admin)
    sent = await restored.chat.SendChatMessage(
        chat_service_pb2.SendChatMessageRequest(chat_id=active_chat, body="still here", request_id=str(uuid.uuid4())),
        metadata=customer.metadata,
    )
    assert sent.seq == before.last_seq + 1

    # The second device's session survived: its refresh token is exchanged once, as before the backup.
    refreshed = await restored.auth.RefreshToken(
        auth_service_pb2.RefreshTokenRequest(refresh_token=population.spare_refresh_token)
    )
    assert refreshed.access_token
    signed_in = await restored.auth.Login(
        auth_service_pb2.LoginRequest(email=customer.email, password=customer.password)
    )
    assert signed_in.user.id == customer.user_id


async def test_restore_refuses_a_database_that_is_not_empty_and_leaves_it_alone(
    settings: Settings, population: Population, tmp_path: Path
) -> None:
    dump = tmp_path / "helpdesk.dump"
    assert run_helpdesk("backup", "--to", str(dump), database_url=settings.database_url).returncode == 0

    refused = run_helpdesk("restore", "--from", str(dump), database_url=settings.database_url)

    assert refused.returncode == 1
    assert "is not empty" in refused.stderr
    assert "--force" in refused.stderr
    assert "Traceback" not in refused.stderr


async def test_restore_force_replaces_what_a_database_holds(
    settings: Settings, population: Population, empty_database_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "helpdesk.dump"
    assert run_helpdesk("backup", "--to", str(dump), database_url=settings.database_url).returncode == 0
    # A migrated, empty schema is "not empty": it has tables.
    await asyncio.to_thread(upgrade_to_head, empty_database_url)

    forced = await asyncio.to_thread(
        run_helpdesk, "restore", "--from", str(dump), "--force", database_url=empty_database_url
    )

    assert forced.returncode == 0, forced.stderr
    assert "--force: removing everything" in forced.stdout
    url = make_url(empty_database_url)
    connection = await asyncpg.connect(host=url.query["host"], user=url.username, database=url.database)
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM tickets WHERE id = ANY($1::uuid[])", population.ticket_ids
        )
    finally:
        await connection.close()
    assert count == len(population.ticket_ids)


def test_a_backup_of_a_missing_file_or_an_unreachable_database_fails_with_a_clear_message(tmp_path: Path) -> None:
    missing = run_helpdesk(
        "restore", "--from", str(tmp_path / "nope.dump"), database_url="postgresql+asyncpg://x@127.0.0.1:1/db"
    )
    unreachable = run_helpdesk(
        "backup", "--to", str(tmp_path / "x.dump"), database_url="postgresql+asyncpg://x@127.0.0.1:1/db"
    )

    assert missing.returncode == 1
    assert "no backup file at" in missing.stderr
    assert unreachable.returncode == 1
    assert "cannot connect to database 'db'" in unreachable.stderr
    assert not (tmp_path / "x.dump").exists()


def test_client_tools_older_than_the_server_are_refused_naming_what_to_install() -> None:
    with pytest.raises(BackupError, match=r"pg_dump 99 or newer .* postgresql-client-99"):
        find_tool("pg_dump", server_major=99)
