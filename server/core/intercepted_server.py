"""A grpc.aio server whose every handler, however it is added, runs inside the server interceptor.

Wrapping happens once, as a handler is added (registered methods) or looked up (generic handlers),
instead of through grpc's interceptor chain, which costs two extra coroutines on every call.
`ServerInterceptor.around` builds it; the app uses it in place of the bare server everywhere.

Methods added as "registered" (what generated `add_*Servicer_to_server` code does) are NOT
registered with grpc: they are answered by one generic handler holding a dict of every method.
grpc.aio keeps one pending "next call" request per registered method and, for every call it
accepts, runs `asyncio.wait` over all of them (see `_server_main_loop` in grpc's aio
server.pyx.pxi): with the API's ~80 methods that was a fifth of the instructions of a whole
GetCurrentUser call. A generic handler has a single pending request, whatever the method count,
and its lookup here is one dict access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeAlias

import grpc
import grpc.aio

# grpc.RpcMethodHandler is generic only in the type stubs, hence the string.
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"


class HandlerWrapper(Protocol):
    """What wraps a handler for its method path (the server interceptor)."""

    def wrapped(self, path: str, handler: Handler) -> Handler:
        """`handler` for `path`, running inside the wrapper."""


class InterceptedServer(grpc.aio.Server):
    """A grpc.aio server whose every handler, however it is added, runs inside the interceptor."""

    def __init__(self, server: grpc.aio.Server, interceptor: HandlerWrapper) -> None:
        self._server = server
        self._interceptor = interceptor
        # Every registered method, wrapped, by path; consulted before any generic handler.
        self._routes = _Routes()
        server.add_generic_rpc_handlers((self._routes,))

    def add_registered_method_handlers(self, service_name: str, method_handlers: Mapping[str, Handler]) -> None:
        """Adds `service_name`'s handlers to the server's method table (see the module docstring)."""
        wrap = self._interceptor.wrapped
        for name, handler in method_handlers.items():
            path = f"/{service_name}/{name}"
            self._routes.handlers[path] = wrap(path, handler)

    def add_generic_rpc_handlers(self, generic_rpc_handlers: Iterable[grpc.GenericRpcHandler]) -> None:
        """Registers generic handlers (looked up per call; the fallback for unregistered paths)."""
        self._server.add_generic_rpc_handlers([_WrappedGeneric(h, self._interceptor) for h in generic_rpc_handlers])

    def add_insecure_port(self, address: str) -> int:
        """Binds `address` without TLS; returns the port."""
        return self._server.add_insecure_port(address)

    def add_secure_port(self, address: str, server_credentials: grpc.ServerCredentials) -> int:
        """Binds `address` with TLS; returns the port."""
        return self._server.add_secure_port(address, server_credentials)

    async def start(self) -> None:
        """Starts serving."""
        await self._server.start()

    async def stop(self, grace: float | None) -> None:
        """Stops serving, letting calls in progress finish within `grace` seconds."""
        await self._server.stop(grace)

    async def wait_for_termination(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109 - grpc's API
        """Blocks until the server stops (or `timeout` passes)."""
        return await self._server.wait_for_termination(timeout)


class _Routes(grpc.GenericRpcHandler):
    """The registered methods' wrapped handlers, found by path with one dict lookup per call."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Handler | None:
        return self.handlers.get(handler_call_details.method)


class _WrappedGeneric(grpc.GenericRpcHandler):
    def __init__(self, inner: grpc.GenericRpcHandler, interceptor: HandlerWrapper) -> None:
        self._inner = inner
        self._interceptor = interceptor

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Handler | None:
        handler = self._inner.service(handler_call_details)
        return None if handler is None else self._interceptor.wrapped(handler_call_details.method, handler)
