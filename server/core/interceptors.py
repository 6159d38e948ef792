"""The server interceptor: call context, logging, metrics, errors, authentication, rate limits, access, deadline.

One interceptor does all of it, in this order, around every handler:

    request context   request id (echoed as `x-request-id`), client address, one log line per call
    metrics           per-RPC count and latency by status, in-flight calls, open streams
    errors            domain errors -> gRPC status with google.rpc details (the only abort)
    authentication    bearer JWT -> Principal in a contextvar
    rate limits       the general budgets (per client address and per user, in Redis), when enabled
    access            the RPC's declared access rule
    deadline          the handler runs within the caller's deadline, if one was set (`deadlines.py`)

Each of these used to be its own interceptor wrapping the handler in an async context manager;
six nested generator-based context managers cost more per call than the fastest handlers
themselves. Here each call runs one plain coroutine, and everything that depends only on the
method (its access rule, labels, whether it streams or is rate limited) is worked out once per
method when its handler is wrapped. Handlers are wrapped when they are added to the server
(`InterceptedServer`), not looked up through grpc's interceptor chain on every call.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import os
import random
from bisect import bisect_left
from collections.abc import AsyncIterator, Callable
from math import floor as _floor
from time import perf_counter
from typing import Any, Protocol, TypeAlias

import grpc
import grpc.aio
from grpc_status import rpc_status

from server.core.access import AccessPolicy, AccessRule
from server.core.call_metadata import ClientAddresses, call_headers
from server.core.context import Principal, set_call
from server.core.deadlines import (
    DeadlinePassed,
    DeadlineTimer,
    DeadlineWatch,
    before,
    call_deadline,
    expired_by_caller,
    task_bound,
)
from server.core.errors import (
    DeadlineExceeded,
    HelpdeskError,
    Internal,
    ResourceExhausted,
    to_rpc_status,
)
from server.core.intercepted_server import Handler, InterceptedServer
from server.core.logging import CallLine
from server.core.metrics import DURATION_BUCKETS, Metrics, RpcSeries
from server.core.rate_limit import RateLimiter
from storage.db import bound_reads_by
from storage.unavailable import as_unavailable

_log = logging.getLogger("helpdesk.rpc")

_Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"


class Authenticator(Protocol):
    """Turns a call's `authorization` header into the caller (the auth domain implements it)."""

    def known_caller(self, authorization: str) -> Principal | None:
        """The caller, if the header is known and still holds without asking anything; else None (not a refusal)."""
        ...

    async def authenticate_header(self, authorization: str) -> Principal:
        """Returns the caller or raises Unauthenticated."""
        ...


def _status_name(context: _Context, error: BaseException | None = None) -> str:
    """The call's final status code name (`OK`, `NOT_FOUND`, `CANCELLED`...)."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    # A client that cancels a server stream ends the response generator with GeneratorExit.
    if isinstance(error, asyncio.CancelledError | GeneratorExit) or context.cancelled():
        return "CANCELLED"
    return "UNKNOWN" if error is not None and not isinstance(error, grpc.aio.AbortError) else "OK"


async def _abort(context: _Context, error: HelpdeskError, request_id: str) -> None:
    status = rpc_status.to_status(to_rpc_status(error))
    trailing_metadata = (*status.trailing_metadata, ("x-request-id", request_id))
    if isinstance(error, ResourceExhausted):
        # A `retry-after` trailer (whole seconds) for gRPC and gRPC-Web clients; Envoy's JSON
        # transcoder drops trailers, so JSON clients read RetryInfo from the body instead.
        seconds = max(1, math.ceil(error.retry_after.total_seconds()))
        trailing_metadata += (("retry-after", str(seconds)),)
    await context.abort(status.code, status.details, trailing_metadata)


# Request ids made ahead, taken one per call that brings none.
_spare_request_ids: list[str] = []
_REQUEST_IDS_MADE_AT_ONCE = 256
# A child process must not hand out the ids its parent made.
os.register_at_fork(after_in_child=_spare_request_ids.clear)


def _new_request_id() -> str:
    """32 random hex digits, like `uuid4().hex`, at a fraction of its cost.

    A request id is for correlating log lines, not a secret (callers choose their own): it needs
    no cryptographic randomness, and uuid4 is a system call plus a UUID object on every call.
    Formatting 128 random bits per call still cost 2.5k instructions; cut from one long run of
    random hex digits, made 256 ids at a time, an id costs a sixth of that.
    """
    spare = _spare_request_ids
    if not spare:
        count = _REQUEST_IDS_MADE_AT_ONCE
        digits = random.randbytes(16 * count).hex()  # noqa: S311 - for correlating lines, as the docstring says
        spare.extend([digits[start : start + 32] for start in range(0, 32 * count, 32)])
    return spare.pop()


class _Lines(dict[str, CallLine]):
    """A method's log line by the status its calls end with, made the first time a call ends with it."""

    __slots__ = ("level", "path")

    def __init__(self, path: str, level: int) -> None:
        super().__init__()
        self.path = path
        # The level of the method's lines, but for the statuses that say the server failed.
        self.level = level

    def __missing__(self, status: str) -> CallLine:
        level = logging.ERROR if status in ("INTERNAL", "UNKNOWN", "DATA_LOSS") else self.level
        line = self[status] = CallLine(_log, level, self.path, status)
        return line


class _Series(dict[str, RpcSeries]):
    """A method's metric figures by the status its calls end with, made the first time a call ends with it."""

    __slots__ = ("label", "metrics")

    def __init__(self, metrics: Metrics, label: str) -> None:
        super().__init__()
        self.metrics = metrics
        self.label = label

    def __missing__(self, status: str) -> RpcSeries:
        series = self[status] = self.metrics.rpc_calls.series(self.label, status)
        return series


class _Method:
    """What the interceptor needs to know about one method, worked out once."""

    __slots__ = (
        "label",
        "lines",
        "path",
        "rate_limited",
        "rule",
        "series",
        "streaming",
    )

    def __init__(self, path: str, metrics: Metrics, *, rule: AccessRule, streaming: bool, rate_limited: bool) -> None:
        self.path = path
        self.label = path.lstrip("/")
        self.rule = rule
        self.streaming = streaming
        self.rate_limited = rate_limited
        # Figures by status name, found with one dict lookup.
        self.series = _Series(metrics, self.label)
        # The log line of a call ending with each status, its fixed parts worked out once. Health
        # probes every few seconds would drown the log: theirs are at DEBUG.
        self.lines = _Lines(path, logging.DEBUG if path.startswith("/grpc.") else logging.INFO)


_new = object.__new__


class _Call(DeadlineTimer):
    """One call, in one object made without `__init__` (`_enter`).

    It holds the facts domain code reads (`CallInfo`, in the call's contextvar), the handler's
    deadline timer (`DeadlineTimer`) and the interceptor's own facts.
    """

    __slots__ = ("authorization", "peer", "plain_request_id", "started")

    # perf_counter() when the call started.
    started: float
    # The request's `authorization` header, if any.
    authorization: str | None
    peer: str
    # Whether the request id is one of ours: hex digits, which need no JSON escapes.
    plain_request_id: bool


class ServerInterceptor:
    """Everything that happens around every handler of the server (see the module docstring).

    It wraps handlers as they are registered (`around`) rather than being one of grpc's
    interceptors: grpc.aio runs an interceptor chain as two extra coroutines on every call, an
    eighth of a bare call's cost, to hand back a wrapped handler that never changes.
    """

    def __init__(
        self,
        *,
        policy: AccessPolicy,
        authenticator: Authenticator,
        metrics: Metrics,
        limiter: RateLimiter | None = None,
        trusted_proxy_hops: int = 0,
    ) -> None:
        self._policy = policy
        self._authenticator = authenticator
        self._metrics = metrics
        self._limiter = limiter
        self._addresses = ClientAddresses(trusted_proxy_hops)
        self._cache: dict[str, tuple[Handler, Handler]] = {}
        self._watch: DeadlineWatch | None = None
        # Hot reads under a call's deadline need no timeout timer of asyncpg's own.
        bound_reads_by(task_bound)

    def around(self, server: grpc.aio.Server) -> InterceptedServer:
        """`server`, with every handler added to it wrapped; use it in place of `server`, everywhere.

        A handler added to the bare server would skip authentication and access checks.
        """
        return InterceptedServer(server, self)

    def wrapped(self, path: str, handler: Handler) -> Handler:
        """`handler` of method `path` inside the interceptor's steps (one wrapper per handler)."""
        cached = self._cache.get(path)
        if cached is not None and cached[0] is handler:
            return cached[1]
        method = _Method(
            path,
            self._metrics,
            rule=self._policy.rule_for(path),
            streaming=bool(handler.request_streaming or handler.response_streaming),
            rate_limited=self._limiter is not None and not self._limiter.is_exempt(path),
        )
        wrapped = self._wrap(handler, method)
        self._cache[path] = (handler, wrapped)
        return wrapped

    # -- one call, in steps --------------------------------------------------------------------

    def _enter(self, method: _Method, context: _Context) -> _Call:
        """Starts the call and makes it the current one (a plain function: a unary call has nothing to await first)."""
        request_id, forwarded_for, user_agent, authorization = call_headers(context.invocation_metadata())
        call: _Call = _new(_Call)
        call.method = method.path
        if request_id:
            call.request_id = request_id[:128]
            call.plain_request_id = False
        else:
            call.request_id = _new_request_id()
            call.plain_request_id = True
        call.peer = peer = context.peer()
        call.client_ip = self._addresses.client_address(peer, forwarded_for)
        # Slicing costs even when there is nothing to cut.
        call.user_agent = "" if not user_agent else user_agent if len(user_agent) <= 256 else user_agent[:256]
        call.principal = None
        call.authorization = authorization
        loop = asyncio.get_running_loop()
        call.deadline = call_deadline(loop, context)
        if call.deadline is not None:
            watch = self._watch
            if watch is None or watch.loop is not loop:
                # One watch per event loop (one loop serves; tests run several in turn).
                watch = self._watch = DeadlineWatch(loop)
        set_call(call)
        call.started = perf_counter()
        return call

    async def _open_stream(self, method: _Method, context: _Context, call: _Call) -> None:
        """Echoes the request id in the stream's headers, counts the stream as open and in flight."""
        # Streams answer with headers at once (before counting the call in flight: if the caller
        # is already gone this raises, and nothing would take the count back). Unary calls carry
        # the id in their trailers instead (see `_unary_behaviour`).
        await context.send_initial_metadata((("x-request-id", call.request_id),))
        self._metrics.rpcs_in_flight += 1
        self._metrics.open_streams.labels(method=method.label).inc()

    async def _limit(self, method: _Method, call: _Call) -> None:
        """Charges the call to the rate limits (raises ResourceExhausted past them)."""
        assert self._limiter is not None
        principal = call.principal
        await self._limiter.check(
            method=method.path,
            client_ip=call.client_ip,
            user_id=principal.user_id if principal is not None else None,
        )

    async def _fail(self, method: _Method, context: _Context, call: _Call, exc: Exception) -> None:
        """Turns an exception escaping the handler into the call's status (always raises)."""
        if isinstance(exc, HelpdeskError):
            await _abort(context, exc, call.request_id)
        if isinstance(exc, grpc.aio.AbortError):
            raise exc
        if isinstance(exc, DeadlinePassed):
            await _abort(context, DeadlineExceeded("deadline exceeded"), call.request_id)
        unavailable = as_unavailable(exc)
        if unavailable is not None:
            _log.warning("%s: dependency unavailable: %s", method.path, exc)
            if unavailable.reason == "REDIS_UNAVAILABLE":
                self._metrics.redis_errors.labels(component="rpc").inc()
            await _abort(context, unavailable, call.request_id)
        _log.error("%s failed", method.path, exc_info=exc, extra={"request_id": call.request_id})
        await _abort(context, Internal(f"internal error (request id {call.request_id})"), call.request_id)

    def _leave(self, method: _Method, context: _Context, call: _Call, error: BaseException | None) -> None:
        """Records the call's outcome: metrics and one log line."""
        seconds = perf_counter() - call.started
        if error is None and context.code() is None and not context.cancelled():
            # What `_status_name` says of a call that ended without an error or a code set: most calls.
            status = "OK"
        else:
            status = _status_name(context, error)
            if status == "CANCELLED" and expired_by_caller(call.deadline):
                # grpc itself cancels a call whose deadline passed (the caller sees DEADLINE_EXCEEDED),
                # racing the handler's own timeout: count it as what the caller saw.
                status = "DEADLINE_EXCEEDED"
        series = method.series[status]
        # RpcSeries.observe, inline (every call).
        series.buckets[bisect_left(DURATION_BUCKETS, seconds)] += 1
        series.seconds += seconds
        metrics = self._metrics
        metrics.rpcs_in_flight -= 1
        if method.streaming:
            metrics.open_streams.labels(method=method.label).dec()
        line = method.lines[status]
        if not _log.isEnabledFor(line.level):
            return
        principal = call.principal
        line.emit(
            # Milliseconds to the hundredth (rounded half up), in whole hundredths: floor is int
            # for a positive number, at a third of the cost.
            _floor(seconds * 100_000 + 0.5),
            call.request_id,
            principal.user_id_text if principal else None,
            call.peer,
            call.client_ip,
            call.plain_request_id,
        )

    # -- the wrapped behaviours ----------------------------------------------------------------

    def _wrap(self, handler: Handler, method: _Method) -> Handler:
        """A copy of `handler` whose behaviour runs inside the interceptor's steps."""
        # grpc's stubs describe the sync API; on grpc.aio the behaviours are coroutine functions.
        if handler.unary_unary or handler.stream_unary:
            inner_unary: Callable[..., Any] = handler.unary_unary or handler.stream_unary  # type: ignore[assignment]
            behaviour: Callable[..., Any] = self._unary_behaviour(method, inner_unary)
            factory = (
                grpc.unary_unary_rpc_method_handler if handler.unary_unary else grpc.stream_unary_rpc_method_handler
            )
            return factory(behaviour, handler.request_deserializer, handler.response_serializer)

        inner_stream: Callable[..., Any] = handler.unary_stream or handler.stream_stream  # type: ignore[assignment]
        if inspect.isasyncgenfunction(inner_stream):
            behaviour = self._stream_behaviour(method, inner_stream)
        else:
            # A streaming handler written as a coroutine that calls `context.write` (like grpc's own
            # health Watch) must stay a coroutine: grpc refuses to mix yield and write.
            behaviour = self._unary_behaviour(method, inner_stream)
        factory = (
            grpc.unary_stream_rpc_method_handler if handler.unary_stream else grpc.stream_stream_rpc_method_handler
        )
        return factory(behaviour, handler.request_deserializer, handler.response_serializer)

    def _unary_behaviour(self, method: _Method, inner: Callable[..., Any]) -> Callable[..., Any]:
        metrics = self._metrics
        known_caller = self._authenticator.known_caller
        authenticate = self._authenticator.authenticate_header
        rule = method.rule
        # Whether the `authorization` header is read (not for methods whose credential is in the request).
        reads_header = not rule.credential_in_request

        async def behaviour(request: Any, context: _Context) -> Any:
            call = self._enter(method, context)
            if method.streaming:
                await self._open_stream(method, context, call)
            else:
                metrics.rpcs_in_flight += 1
            error: BaseException | None = None
            try:
                try:
                    # Admission, inline (a coroutine of its own cost more than the checks): the
                    # caller authenticated, the rate limits charged, the access rule checked.
                    authorization = call.authorization
                    if reads_header and authorization:
                        # The header of a caller seen lately answers without a coroutine of its own.
                        call.principal = known_caller(authorization) or await authenticate(authorization)
                    if method.rate_limited:
                        await self._limit(method, call)
                    rule.check(call.principal)
                    if call.deadline is None:
                        response = await inner(request, context)
                    else:
                        call.start_timer(self._watch)  # type: ignore[arg-type] # set with the deadline
                        try:
                            response = await inner(request, context)
                        except asyncio.CancelledError:
                            call.raise_if_expired()
                            raise
                        finally:
                            call.stop_timer()
                    if not method.streaming:
                        # The id goes in the trailers, which travel in the same write as the
                        # response. Sending headers of our own would cost a write of their own (a
                        # quarter of a bare call's throughput), and a client that has received
                        # headers never retries: a call cut off by a dying replica must stay
                        # retryable on another. Envoy returns the same id as a response header.
                        context.set_trailing_metadata((("x-request-id", call.request_id),))
                    return response
                except Exception as exc:  # noqa: BLE001 - the boundary: every error becomes a status here
                    await self._fail(method, context, call, exc)
            except BaseException as exc:
                error = exc
                raise
            finally:
                self._leave(method, context, call, error)

        return behaviour

    def _stream_behaviour(self, method: _Method, inner: Callable[..., Any]) -> Callable[..., Any]:
        known_caller = self._authenticator.known_caller
        authenticate = self._authenticator.authenticate_header
        rule = method.rule
        reads_header = not rule.credential_in_request

        async def behaviour(request: Any, context: _Context) -> AsyncIterator[Any]:
            call = self._enter(method, context)
            await self._open_stream(method, context, call)
            error: BaseException | None = None
            try:
                try:
                    authorization = call.authorization
                    if reads_header and authorization:
                        call.principal = known_caller(authorization) or await authenticate(authorization)
                    if method.rate_limited:
                        await self._limit(method, call)
                    rule.check(call.principal)
                    deadline = call.deadline
                    responses = inner(request, context)
                    if deadline is None:
                        async for response in responses:
                            yield response
                    else:
                        # Each pull is bounded, never the yield: a timeout armed across a yield
                        # would fire in whatever grpc runs while the response is written.
                        try:
                            while True:
                                try:
                                    response = await before(deadline, anext(responses))
                                except StopAsyncIteration:
                                    break
                                yield response
                        finally:
                            await responses.aclose()
                except Exception as exc:  # noqa: BLE001 - the boundary: every error becomes a status here
                    await self._fail(method, context, call, exc)
            except BaseException as exc:
                error = exc
                raise
            finally:
                self._leave(method, context, call, error)

        return behaviour
