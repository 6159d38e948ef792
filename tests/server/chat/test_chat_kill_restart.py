"""No loss, no duplicates, in order: 20 chats x 200 messages while the streams' server is SIGKILLed and restarted.

Senders talk to the in-process server; every customer streams from a separate `helpdesk serve`
process on the same PostgreSQL and Redis. Mid-way that process is killed with SIGKILL and started
again on the same port; the readers resume with `after_seq`. A checker then asserts that every
acknowledged message was received exactly once, in seq order, per chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import grpc
import grpc.aio
import pytest

from helpdesk.v1 import auth_service_pb2_grpc, chat_service_pb2, chat_service_pb2_grpc
from server.app import HelpdeskApp
from server.core.context import Role
from server.settings import Settings
from tests.serve_process import ServeProcess
from tests.server.chat.chat_support import send_request
from tests.support import SignedIn, register, sign_in_as

CHATS = 20
MESSAGES = 200
SENDERS_PER_CHAT = 2

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture
def serve_process(settings: Settings, tmp_path: Path) -> Iterator[ServeProcess]:
    """A `helpdesk serve` child on the module's stores; killed at the end whatever happens."""
    process = ServeProcess(
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        log_path=tmp_path / "serve.log",
        extra_env={"HELPDESK_CHAT_HEARTBEAT_SECONDS": "1"},
    )
    try:
        yield process
    finally:
        process.kill()


async def _reader(
    port_holder: ServeProcess, chat_id: str, customer: SignedIn, received: list[int], done: asyncio.Event
) -> None:
    """Follows a chat on the child process, reconnecting with after_seq whenever the stream breaks."""
    while not done.is_set():
        after = received[-1] if received else 0
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port_holder.port}") as channel:
                stub = chat_service_pb2_grpc.ChatServiceStub(channel)
                stream = stub.StreamChat(
                    chat_service_pb2.StreamChatRequest(chat_id=chat_id, after_seq=after), metadata=customer.metadata
                )
                async for event in stream:
                    if event.WhichOneof("event") == "message":
                        received.append(event.message.seq)
                        if event.message.seq >= MESSAGES:
                            done.set()
                            return
        except grpc.aio.AioRpcError as exc:
            # A broken stream is resumed; any other error is a failure of the test.
            if exc.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
                raise
        await asyncio.sleep(0.2)


async def test_kill_and_restart_loses_and_duplicates_nothing(
    app: HelpdeskApp, auth_stub: auth_service_pb2_grpc.AuthServiceAsyncStub, serve_process: ServeProcess
) -> None:
    serve_process.start()
    await serve_process.wait_serving()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as send_channel:
        sender_stub = chat_service_pb2_grpc.ChatServiceStub(send_channel)
        chats: list[tuple[str, SignedIn, SignedIn]] = []
        agent = await sign_in_as(app, auth_stub, Role.AGENT)
        for _ in range(CHATS):
            customer = await register(auth_stub)
            chat = (await sender_stub.StartChat(chat_service_pb2.StartChatRequest(), metadata=customer.metadata)).chat
            await sender_stub.AcceptChat(chat_service_pb2.AcceptChatRequest(id=chat.id), metadata=agent.metadata)
            chats.append((chat.id, customer, agent))

        received: dict[str, list[int]] = {chat_id: [] for chat_id, _, _ in chats}
        finished = {chat_id: asyncio.Event() for chat_id, _, _ in chats}
        readers = [
            asyncio.create_task(_reader(serve_process, chat_id, customer, received[chat_id], finished[chat_id]))
            for chat_id, customer, _ in chats
        ]
        acknowledged: dict[str, list[int]] = {chat_id: [] for chat_id, _, _ in chats}
        progress = 0
        halfway = asyncio.Event()

        async def send_all(chat_id: str, sender: SignedIn, count: int) -> None:
            nonlocal progress
            for i in range(count):
                request = send_request(chat_id, f"message {i}")
                for attempt in range(20):
                    try:
                        message = await sender_stub.SendChatMessage(request, metadata=sender.metadata, timeout=10)
                        break
                    except grpc.aio.AioRpcError as exc:
                        # A retry with the same request_id is safe: it never sends twice.
                        if attempt == 19 or exc.code() not in (
                            grpc.StatusCode.UNAVAILABLE,
                            grpc.StatusCode.ABORTED,
                            grpc.StatusCode.DEADLINE_EXCEEDED,
                        ):
                            raise
                        await asyncio.sleep(0.1)
                acknowledged[chat_id].append(message.seq)
                progress += 1
                if progress >= CHATS * MESSAGES // 2:
                    halfway.set()

        await asyncio.sleep(0.5)
        senders = [
            asyncio.create_task(send_all(chat_id, sender, MESSAGES // SENDERS_PER_CHAT))
            for chat_id, _, sender in chats
            for _ in range(SENDERS_PER_CHAT)
        ]
        async with asyncio.timeout(120):
            await halfway.wait()
        serve_process.kill()
        await asyncio.sleep(1.0)
        serve_process.start()
        await serve_process.wait_serving()
        await asyncio.gather(*senders)
        try:
            async with asyncio.timeout(60):
                await asyncio.gather(*(event.wait() for event in finished.values()))
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)

    for chat_id, seqs in received.items():
        assert seqs == list(range(1, MESSAGES + 1)), (
            f"chat {chat_id}: received {len(seqs)}, first bad at {_first_bad(seqs)}"
        )
        assert sorted(acknowledged[chat_id]) == list(range(1, MESSAGES + 1))


def _first_bad(seqs: list[int]) -> int:
    for index, seq in enumerate(seqs):
        if seq != index + 1:
            return index
    return -1
