"""`SyncHelpdeskClient`: the async client driven from blocking code (scripts, notebooks, Django views).

It runs a private event loop in a daemon thread and submits coroutines to it, so the token
handling, deadlines, retries and errors are exactly those of `HelpdeskClient`:

    with SyncHelpdeskClient("localhost:8080") as helpdesk:
        helpdesk.sign_in("ana@example.com", "password")
        me = helpdesk.call(lambda c: c.auth.GetCurrentUser(GetCurrentUserRequest()))
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

from helpdesk.client.client import HelpdeskClient
from helpdesk.v1 import user_pb2

T = TypeVar("T")


class SyncHelpdeskClient:
    """Blocking facade over `HelpdeskClient`: sign in, sign out, and any unary call through `call()`."""

    def __init__(self, address: str, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="helpdesk-client", daemon=True)
        self._thread.start()

        async def create() -> HelpdeskClient:
            # grpc.aio channels belong to the loop they are created on.
            return HelpdeskClient(address, **kwargs)

        self.client: HelpdeskClient = self._run(create())

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def call(self, operation: Callable[[HelpdeskClient], Awaitable[T]]) -> T:
        """Runs `operation(client)` (e.g. `lambda c: c.tickets.GetTicket(request)`) and returns its result."""

        async def run() -> T:
            return await operation(self.client)

        return self._run(run())

    def sign_in(self, email: str, password: str) -> user_pb2.User:
        """Signs in (see `HelpdeskClient.sign_in`)."""
        return self._run(self.client.sign_in(email, password))

    def register(self, email: str, password: str, display_name: str) -> user_pb2.User:
        """Registers a customer and signs in."""
        return self._run(self.client.register(email, password, display_name))

    def sign_out(self) -> None:
        """Ends the session."""
        self._run(self.client.sign_out())

    def close(self) -> None:
        """Closes the channel and stops the loop thread."""
        if self._loop.is_closed():
            return
        self._run(self.client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
