"""Server interceptors: call context + logging, error translation, authentication, access rules.

They run in this order (outermost first) around every handler:

    RequestContextInterceptor  request id, client address, one log line per call
    MetricsInterceptor         per-RPC count and latency by status, in-flight calls, open streams
    ErrorInterceptor           domain errors -> gRPC status with google.rpc details (the only abort)
    AuthenticationInterceptor  bearer JWT -> Principal in a contextvar
    RateLimitInterceptor       the general rate limits (per client address and per user, in Redis)
    AccessInterceptor          the RPC's declared access rule

Each wraps the handler's behaviour in an async context manager, so unary and streaming handlers
are treated alike; the wrapped handlers are cached per method.
"""

from __future__ import annotations

import abc
import asyncio
import inspect
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeAlias

import grpc
import grpc.aio
from grpc_status import rpc_status

from server.core.access import AccessPolicy
from server.core.context import CallInfo, Principal, current_call, current_principal, set_call, set_principal
from server.core.errors import HelpdeskError, ResourceExhausted, Unauthenticated, Unavailable
from server.core.infrastructure import as_unavailable
from server.core.metrics import Metrics
from server.core.rate_limit import RateLimiter

_log = logging.getLogger("helpdesk.rpc")

Metadata = Sequence[tuple[str, str | bytes]]
# grpc.RpcMethodHandler is generic only in the type stubs, hence the string.
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"
Around = Callable[[grpc.aio.ServicerContext[Any, Any]], AbstractAsyncContextManager[None]]


class Authenticator(Protocol):
    """Turns an access token into the caller (the auth domain implements it)."""

    async def authenticate(self, *, access_token: str) -> Principal:
        """Returns the caller or raises Unauthenticated."""
        ...


def _wrap_handler(handler: Handler, around: Around) -> Handler:
    """A copy of `handler` whose behaviour runs inside `around(context)`."""
    # grpc's stubs describe the sync API; on grpc.aio the behaviours are coroutine functions.
    if handler.unary_unary or handler.stream_unary:
        inner_unary: Callable[..., Any] = handler.unary_unary or handler.stream_unary  # type: ignore[assignment]

        async def unary_response(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            async with around(context):
                return await inner_unary(request, context)

        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                unary_response, handler.request_deserializer, handler.response_serializer
            )
        return grpc.stream_unary_rpc_method_handler(
            unary_response, handler.request_deserializer, handler.response_serializer
        )

    inner_stream: Callable[..., Any] = handler.unary_stream or handler.stream_stream  # type: ignore[assignment]

    if inspect.isasyncgenfunction(inner_stream):

        async def stream_response(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            async with around(context):
                async for response in inner_stream(request, context):
                    yield response

        behaviour: Callable[..., Any] = stream_response
    else:
        # A streaming handler written as a coroutine that calls `context.write` (like grpc's own
        # health Watch) must stay a coroutine: grpc refuses to mix yield and write.

        async def stream_via_write(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
            async with around(context):
                await inner_stream(request, context)

        behaviour = stream_via_write

    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            behaviour, handler.request_deserializer, handler.response_serializer
        )
    return grpc.stream_stream_rpc_method_handler(behaviour, handler.request_deserializer, handler.response_serializer)


class _AroundInterceptor(grpc.aio.ServerInterceptor, abc.ABC):
    """Base: runs `around(method, context)` around every handler of the server."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Handler, Handler]] = {}
        self._streaming: dict[str, bool] = {}

    @abc.abstractmethod
    def around(self, method: str, context: grpc.aio.ServicerContext[Any, Any]) -> AbstractAsyncContextManager[None]:
        """The context manager run around one call of `method`."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        """Wraps the handler found by the rest of the chain (cached per method)."""
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        cached = self._cache.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]

        def around(context: grpc.aio.ServicerContext[Any, Any]) -> AbstractAsyncContextManager[None]:
            return self.around(method, context)

        wrapped = _wrap_handler(handler, around)
        self._cache[method] = (handler, wrapped)
        self._streaming[method] = bool(handler.request_streaming or handler.response_streaming)
        return wrapped

    def is_streaming(self, method: str) -> bool:
        """Whether `method` streams requests or responses (known once its handler was wrapped)."""
        return self._streaming.get(method, False)


def metadata_value(metadata: grpc.aio.Metadata | Metadata | None, key: str) -> str | None:
    """The first value of `key` in call metadata, as text."""
    for name, value in metadata or ():
        if name == key:
            return value.decode() if isinstance(value, bytes) else value
    return None


def client_address(peer: str, forwarded_for: str | None, trusted_hops: int) -> str:
    """The caller's IP: from x-forwarded-for behind `trusted_hops` proxies, else the TCP peer.

    Each trusted proxy appends the address it saw, so the client is the `trusted_hops`-th entry
    from the right; anything further left was written by the client and cannot be trusted.
    """
    if trusted_hops > 0 and forwarded_for:
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if len(hops) >= trusted_hops:
            return hops[-trusted_hops]
    # grpc peers look like "ipv4:127.0.0.1:5000" or "ipv6:[::1]:5000".
    kind, _, rest = peer.partition(":")
    if kind == "ipv6":
        return rest.rpartition(":")[0].strip("[]")
    if kind == "ipv4":
        return rest.rpartition(":")[0]
    return peer


class RequestContextInterceptor(_AroundInterceptor):
    """Sets the call facts (request id, client address) and logs one line per call."""

    def __init__(self, *, trusted_proxy_hops: int) -> None:
        super().__init__()
        self._trusted_proxy_hops = trusted_proxy_hops

    @asynccontextmanager
    async def around(self, method: str, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        """Runs the call with its CallInfo set, returns x-request-id, logs the outcome."""
        metadata = context.invocation_metadata()
        request_id = metadata_value(metadata, "x-request-id") or uuid.uuid4().hex
        peer = context.peer()
        set_call(
            CallInfo(
                method=method,
                request_id=request_id[:128],
                client_ip=client_address(peer, metadata_value(metadata, "x-forwarded-for"), self._trusted_proxy_hops),
                user_agent=(metadata_value(metadata, "user-agent") or "")[:256],
            )
        )
        await context.send_initial_metadata((("x-request-id", request_id[:128]),))
        started = time.perf_counter()
        try:
            yield
        finally:
            self._log(method, context, started, peer)

    @staticmethod
    def _log(method: str, context: grpc.aio.ServicerContext[Any, Any], started: float, peer: str) -> None:
        status = _status_name(context)
        principal = current_principal()
        call = current_call()
        if status in ("INTERNAL", "UNKNOWN", "DATA_LOSS"):
            level = logging.ERROR
        elif method.startswith("/grpc."):
            level = logging.DEBUG  # health probes every few seconds would drown the log
        else:
            level = logging.INFO
        _log.log(
            level,
            "%s %s",
            method,
            status,
            extra={
                "rpc_method": method,
                "rpc_status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "request_id": call.request_id,
                "user_id": str(principal.user_id) if principal else None,
                "peer": peer,
                "client_ip": call.client_ip,
            },
        )


def _status_name(context: grpc.aio.ServicerContext[Any, Any], error: BaseException | None = None) -> str:
    """The call's final status code name (`OK`, `NOT_FOUND`, `CANCELLED`...)."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    if isinstance(error, asyncio.CancelledError) or context.cancelled():
        return "CANCELLED"
    return "UNKNOWN" if error is not None and not isinstance(error, grpc.aio.AbortError) else "OK"


class MetricsInterceptor(_AroundInterceptor):
    """Counts every call by method and final status, times it, and tracks in-flight calls and streams."""

    def __init__(self, *, metrics: Metrics) -> None:
        super().__init__()
        self._metrics = metrics

    @asynccontextmanager
    async def around(self, method: str, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        """Records the call; the status is read after the error interceptor has set it."""
        label = method.lstrip("/")
        streaming = self.is_streaming(method)
        metrics = self._metrics
        metrics.rpc_in_flight.inc()
        if streaming:
            metrics.open_streams.labels(method=label).inc()
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            yield
        except BaseException as exc:
            error = exc
            raise
        finally:
            code = _status_name(context, error)
            metrics.rpc_requests.labels(method=label, code=code).inc()
            metrics.rpc_duration.labels(method=label, code=code).observe(time.perf_counter() - started)
            metrics.rpc_in_flight.dec()
            if streaming:
                metrics.open_streams.labels(method=label).dec()


class ErrorInterceptor(_AroundInterceptor):
    """Turns domain errors into gRPC statuses; anything unexpected becomes a logged INTERNAL."""

    def __init__(self, *, metrics: Metrics | None = None) -> None:
        super().__init__()
        self._metrics = metrics

    @asynccontextmanager
    async def around(self, method: str, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        """Translates exceptions escaping the handler."""
        try:
            yield
        except HelpdeskError as error:
            await _abort(context, error)
        except grpc.aio.AbortError:
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary: every error becomes a status here
            unavailable = as_unavailable(exc)
            if unavailable is not None:
                _log.warning("%s: dependency unavailable: %s", method, exc)
                if self._metrics is not None and unavailable.reason == "REDIS_UNAVAILABLE":
                    self._metrics.redis_errors.labels(component="rpc").inc()
                await _abort(context, unavailable)
            _log.exception("%s failed", method, extra={"request_id": current_call().request_id})
            await context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {current_call().request_id})")


async def _abort(context: grpc.aio.ServicerContext[Any, Any], error: HelpdeskError | Unavailable) -> None:
    status = rpc_status.to_status(error.to_rpc_status())
    trailing_metadata = tuple(status.trailing_metadata)
    if isinstance(error, ResourceExhausted):
        # A `retry-after` trailer (whole seconds) for gRPC and gRPC-Web clients; Envoy's JSON
        # transcoder drops trailers, so JSON clients read RetryInfo from the body instead.
        seconds = max(1, math.ceil(error.retry_after.total_seconds()))
        trailing_metadata += (("retry-after", str(seconds)),)
    await context.abort(status.code, status.details, trailing_metadata)


class AuthenticationInterceptor(_AroundInterceptor):
    """Reads `authorization: Bearer <jwt>` and sets the caller for the rest of the call."""

    def __init__(self, *, policy: AccessPolicy, authenticator: Authenticator) -> None:
        super().__init__()
        self._policy = policy
        self._authenticator = authenticator

    @asynccontextmanager
    async def around(self, method: str, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        """Authenticates the bearer token, if any (an invalid one is refused, not ignored)."""
        set_principal(None)
        rule = self._policy.rule_for(method)
        header = metadata_value(context.invocation_metadata(), "authorization")
        if header and not rule.credential_in_request:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("authorization must be 'Bearer <access token>'")
            set_principal(await self._authenticator.authenticate(access_token=token.strip()))
        yield


class RateLimitInterceptor(_AroundInterceptor):
    """Charges the call to its client address's and user's budgets (after authentication)."""

    def __init__(self, *, limiter: RateLimiter) -> None:
        super().__init__()
        self._limiter = limiter

    @asynccontextmanager
    async def around(self, method: str, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        """Refuses the call with RATE_LIMITED before the handler runs if a budget is spent."""
        if not self._limiter.is_exempt(method):
            principal = current_principal()
            await self._limiter.check(
                method=method,
                client_ip=current_call().client_ip,
                user_id=principal.user_id if principal is not None else None,
            )
        yield


class AccessInterceptor(_AroundInterceptor):
    """Enforces the RPC's declared access rule against the authenticated caller."""

    def __init__(self, *, policy: AccessPolicy) -> None:
        super().__init__()
        self._policy = policy

    @asynccontextmanager
    async def around(self, method: str, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        """Refuses the call before the handler runs unless the rule allows the caller."""
        self._policy.rule_for(method).check(current_principal())
        yield
