"""A grpc.aio server whose every handler, however it is added, runs inside the server interceptor.

Wrapping happens once, as a handler is added (registered methods) or looked up (generic handlers),
instead of through grpc's interceptor chain, which costs two extra coroutines on every call.
`ServerInterceptor.around` builds it; the app uses it in place of the bare server everywhere.
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

    def add_registered_method_handlers(self, service_name: str, method_handlers: Mapping[str, Handler]) -> None:
        """Registers `service_name`'s handlers (matched by grpc core: the path calls take)."""
        wrap = self._interceptor.wrapped
        self._server.add_registered_method_handlers(
            service_name, {name: wrap(f"/{service_name}/{name}", h) for name, h in method_handlers.items()}
        )

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


class _WrappedGeneric(grpc.GenericRpcHandler):
    def __init__(self, inner: grpc.GenericRpcHandler, interceptor: HandlerWrapper) -> None:
        self._inner = inner
        self._interceptor = interceptor

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Handler | None:
        handler = self._inner.service(handler_call_details)
        return None if handler is None else self._interceptor.wrapped(handler_call_details.method, handler)
