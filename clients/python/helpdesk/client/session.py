"""Tokens of a signed-in user, refreshed before they expire and once when the server rejects them.

`Session` holds the current token pair. `auth_interceptors` (one grpc.aio client interceptor per
call kind) attach `authorization: Bearer <access token>` to every call except the anonymous
sign-in methods, refresh the pair shortly before the access token expires, retry a unary call
once after a refresh when the server answers UNAUTHENTICATED, and turn every failed unary call
into a `HelpdeskError`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import grpc
import grpc.aio
from google.protobuf.timestamp_pb2 import Timestamp

from helpdesk.client.errors import HelpdeskError
from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc, user_pb2

# Calls that carry their credential in the request (and must never trigger a refresh).
ANONYMOUS_METHODS = frozenset(
    {
        "/helpdesk.v1.AuthService/Register",
        "/helpdesk.v1.AuthService/Login",
        "/helpdesk.v1.AuthService/RefreshToken",
    }
)
# An access token is refreshed when less than this share of its lifetime is left (capped below).
REFRESH_FRACTION = 0.2
MAX_REFRESH_MARGIN_SECONDS = 60.0

RefreshReason = Literal["expiring", "rejected"]


class _TokenAnswer(Protocol):
    """What Register, Login, RefreshToken and ChangePassword answer alike."""

    @property
    def user(self) -> user_pb2.User: ...
    @property
    def access_token(self) -> str: ...
    @property
    def refresh_token(self) -> str: ...
    @property
    def access_token_expire_time(self) -> Timestamp: ...
    def HasField(self, field_name: Any) -> bool: ...


@dataclass(frozen=True, slots=True)
class Tokens:
    """One token pair and when its access token expires (seconds since the epoch, None if unknown)."""

    access_token: str
    refresh_token: str
    access_expires_at: float | None
    # When the pair was issued, by the session's clock: the refresh margin is a share of the lifetime.
    issued_at: float

    @property
    def refresh_at(self) -> float | None:
        """When the session starts refreshing the pair (before `access_expires_at`)."""
        if self.access_expires_at is None:
            return None
        lifetime = max(self.access_expires_at - self.issued_at, 0.0)
        return self.access_expires_at - min(lifetime * REFRESH_FRACTION, MAX_REFRESH_MARGIN_SECONDS)


class Session:
    """The signed-in user's tokens; refreshes them with `AuthService.RefreshToken`, one refresh at a time."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._tokens: Tokens | None = None
        self._lock = asyncio.Lock()
        self._auth: auth_service_pb2_grpc.AuthServiceAsyncStub | None = None
        self.user: user_pb2.User | None = None
        self.refresh_count = 0
        # Called after every refresh with its reason: handy for logs, metrics and tests.
        self.on_refresh: Callable[[RefreshReason], None] | None = None

    def bind(self, auth: auth_service_pb2_grpc.AuthServiceAsyncStub) -> None:
        """The AuthService stub used to refresh (set by the client once its channel exists)."""
        self._auth = auth

    @property
    def tokens(self) -> Tokens | None:
        """The current token pair, None when signed out."""
        return self._tokens

    @property
    def signed_in(self) -> bool:
        """Whether the session holds tokens."""
        return self._tokens is not None

    def accept(self, answer: _TokenAnswer) -> None:
        """Stores the token pair of a Register, Login, RefreshToken or ChangePassword answer."""
        expires_at = None
        if answer.HasField("access_token_expire_time"):
            expires_at = answer.access_token_expire_time.ToNanoseconds() / 1e9
        self._tokens = Tokens(
            access_token=answer.access_token,
            refresh_token=answer.refresh_token,
            access_expires_at=expires_at,
            issued_at=self._clock(),
        )
        self.user = answer.user

    def clear(self) -> None:
        """Forgets the tokens (after Logout, or when a refresh is refused)."""
        self._tokens = None
        self.user = None

    async def access_token(self) -> str | None:
        """A usable access token (refreshed first if it is about to expire), None when signed out."""
        tokens = self._tokens
        if tokens is None:
            return None
        refresh_at = tokens.refresh_at
        if refresh_at is not None and self._clock() >= refresh_at:
            await self.refresh(reason="expiring", stale=tokens)
            tokens = self._tokens
        return tokens.access_token if tokens is not None else None

    async def refresh(self, *, reason: RefreshReason, stale: Tokens | None = None) -> None:
        """Exchanges the refresh token for a new pair, unless another caller already replaced `stale`."""
        async with self._lock:
            current = self._tokens
            if current is None:
                raise HelpdeskError(grpc.StatusCode.UNAUTHENTICATED, "not signed in")
            if stale is not None and current is not stale:
                return  # a concurrent caller refreshed while we waited for the lock
            if self._auth is None:
                raise RuntimeError("Session.bind() was not called")
            try:
                answer = await self._auth.RefreshToken(
                    auth_service_pb2.RefreshTokenRequest(refresh_token=current.refresh_token)
                )
            except grpc.aio.AioRpcError as error:
                if error.code() == grpc.StatusCode.UNAUTHENTICATED:
                    # The session is over (revoked, expired, reused token): sign in again.
                    self.clear()
                raise HelpdeskError.from_rpc_error(error) from None
            self.accept(answer)
            self.refresh_count += 1
        if self.on_refresh is not None:
            self.on_refresh(reason)


def _method_name(details: grpc.aio.ClientCallDetails) -> str:
    method: str | bytes = details.method
    return method.decode() if isinstance(method, bytes) else method


class _TokenAttacher:
    """What the four interceptor kinds share: the bearer token on every non-anonymous call."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def _with_token(self, details: grpc.aio.ClientCallDetails) -> tuple[grpc.aio.ClientCallDetails, bool]:
        """The call details with the bearer token; and whether a token was attached."""
        if _method_name(details) in ANONYMOUS_METHODS:
            return details, False
        token = await self._session.access_token()
        if token is None:
            return details, False
        metadata = grpc.aio.Metadata(*[(k, v) for k, v in (details.metadata or ()) if k != "authorization"])
        metadata.add("authorization", f"Bearer {token}")
        return (
            grpc.aio.ClientCallDetails(
                details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
            ),
            True,
        )


class UnaryAuthInterceptor(_TokenAttacher, grpc.aio.UnaryUnaryClientInterceptor):
    """Unary calls: token, one refresh-and-retry on UNAUTHENTICATED, every failure as HelpdeskError."""

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        """Runs the call; see the class docstring."""
        details, authenticated = await self._with_token(client_call_details)
        sent_with = self._session.tokens
        call = await continuation(details, request)
        try:
            await call
        except grpc.aio.AioRpcError as error:
            if not (authenticated and error.code() == grpc.StatusCode.UNAUTHENTICATED):
                raise HelpdeskError.from_rpc_error(error) from None
        else:
            return call
        # The server refused a token we thought valid (expired early, clock skew, revoked): one
        # refresh, one retry; a second refusal is the caller's to handle.
        # `stale`: if a concurrent call already replaced the refused pair, its new pair is used as is.
        await self._session.refresh(reason="rejected", stale=sent_with)
        details, _ = await self._with_token(client_call_details)
        call = await continuation(details, request)
        try:
            await call
        except grpc.aio.AioRpcError as error:
            raise HelpdeskError.from_rpc_error(error) from None
        return call


class ServerStreamAuthInterceptor(_TokenAttacher, grpc.aio.UnaryStreamClientInterceptor):
    """Server streams: token only (the chat helpers refresh and resume on UNAUTHENTICATED)."""

    async def intercept_unary_stream(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        """Starts the call with the token."""
        details, _ = await self._with_token(client_call_details)
        return await continuation(details, request)


class ClientStreamAuthInterceptor(_TokenAttacher, grpc.aio.StreamUnaryClientInterceptor):
    """Client streams: token only."""

    async def intercept_stream_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request_iterator: AsyncIterable[Any] | Iterable[Any],
    ) -> Any:
        """Starts the call with the token."""
        details, _ = await self._with_token(client_call_details)
        return await continuation(details, request_iterator)


class BidiStreamAuthInterceptor(_TokenAttacher, grpc.aio.StreamStreamClientInterceptor):
    """Bidirectional streams: token only (the Conversation helper refreshes and resumes)."""

    async def intercept_stream_stream(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request_iterator: AsyncIterable[Any] | Iterable[Any],
    ) -> Any:
        """Starts the call with the token."""
        details, _ = await self._with_token(client_call_details)
        return await continuation(details, request_iterator)


def auth_interceptors(session: Session) -> list[grpc.aio.ClientInterceptor]:
    """One interceptor per call kind: a grpc.aio channel files each interceptor under ONE kind only."""
    return [
        UnaryAuthInterceptor(session),
        ServerStreamAuthInterceptor(session),
        ClientStreamAuthInterceptor(session),
        BidiStreamAuthInterceptor(session),
    ]
