"""`HelpdeskClient.watch_tickets` against the real TicketService: a replica dies mid-stream, nothing is lost."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterable, AsyncIterator

import grpc
import pytest

from helpdesk.client import HelpdeskClient, HelpdeskError
from helpdesk.v1 import ticket_change_pb2, ticket_pb2, ticket_service_pb2
from server.app import HelpdeskApp
from server.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture
async def replica(settings: Settings) -> AsyncIterator[list[HelpdeskApp]]:
    """A second server over the module's stores; the test may replace it (the list holds the live one)."""
    server = await HelpdeskApp.create(settings)
    await server.start()
    live = [server]
    yield live
    await live[0].stop(grace=0.5)


async def _reply(agent: HelpdeskClient, ticket_id: str, body: str) -> None:
    await agent.tickets.AddTicketMessage(ticket_service_pb2.AddTicketMessageRequest(ticket_id=ticket_id, body=body))


async def test_watch_tickets_resumes_when_its_replica_dies(
    app: HelpdeskApp, replica: list[HelpdeskApp], settings: Settings, agent_account: tuple[str, str]
) -> None:
    port = replica[0].port
    assert port is not None
    async with (
        HelpdeskClient(f"127.0.0.1:{app.port}") as customer,
        HelpdeskClient(f"127.0.0.1:{app.port}") as agent,
        HelpdeskClient(f"127.0.0.1:{port}") as watcher,
    ):
        await customer.register(f"watch-{uuid.uuid4().hex[:10]}@example.com", PASSWORD, "Watched Customer")
        await agent.sign_in(*agent_account)
        await watcher.sign_in(*agent_account)
        ticket = await customer.tickets.CreateTicket(
            ticket_service_pb2.CreateTicketRequest(
                ticket=ticket_pb2.Ticket(subject="Watch me", description="From the Python client")
            )
        )
        stream = watcher.watch_tickets(ticket_service_pb2.WatchTicketsRequest(ticket_id=ticket.id), markers=True)
        bodies: list[str] = []

        async def follow() -> None:
            async for change in stream:
                if change.kind == ticket_change_pb2.TICKET_CHANGE_KIND_CAUGHT_UP and not bodies:
                    bodies.append("")  # caught up: the writer may start
                elif change.kind == ticket_change_pb2.TICKET_CHANGE_KIND_MESSAGE_ADDED:
                    bodies.append(change.message.body)
                    if change.message.body == "first answer":
                        await replica[0].stop(grace=0.2)
                        # Committed while the watcher is cut off: replayed after the reconnect.
                        await _reply(agent, ticket.id, "said while you were away")
                        restarted = await HelpdeskApp.create(settings.replace(grpc_port=port))
                        await restarted.start()
                        replica[0] = restarted
                        await _reply(agent, ticket.id, "welcome back")
                    if len(bodies) == 4:
                        return

        follower = asyncio.create_task(follow())
        async with asyncio.timeout(30):
            while not bodies:  # noqa: ASYNC110 - the stream's own progress, no event to wait on
                await asyncio.sleep(0.05)
            await _reply(agent, ticket.id, "first answer")
            await follower
        stream.close()

    assert bodies == ["", "first answer", "said while you were away", "welcome back"]
    assert stream.reconnects >= 1


async def _drain(stream: AsyncIterable[object]) -> None:
    async for _ in stream:
        pass


async def test_a_cursor_the_server_does_not_know_is_raised(app: HelpdeskApp, agent_account: tuple[str, str]) -> None:
    async with HelpdeskClient(f"127.0.0.1:{app.port}") as agent:
        await agent.sign_in(*agent_account)
        stream = agent.watch_tickets(ticket_service_pb2.WatchTicketsRequest(after_cursor="987654321"))
        with pytest.raises(HelpdeskError) as caught:
            await asyncio.wait_for(_drain(stream), timeout=10)
    assert caught.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.reason == "CURSOR_UNKNOWN"
