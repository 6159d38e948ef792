"""`HelpdeskClient`: one channel to the API (direct or through Envoy), signed in, with typed stubs."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2_grpc

from helpdesk.client.chat import Conversation, ResumableChatStream, ResumePolicy
from helpdesk.client.config import CallPolicy, service_config
from helpdesk.client.session import Session, auth_interceptors
from helpdesk.client.tickets import ResumableTicketWatch
from helpdesk.v1 import (
    assignment_service_pb2_grpc,
    auth_service_pb2,
    auth_service_pb2_grpc,
    canned_response_service_pb2_grpc,
    chat_service_pb2_grpc,
    knowledge_service_pb2_grpc,
    macro_service_pb2_grpc,
    privacy_service_pb2_grpc,
    sla_service_pb2_grpc,
    ticket_service_pb2,
    ticket_service_pb2_grpc,
    user_pb2,
    user_service_pb2_grpc,
)


class HelpdeskClient:
    """An async client of the Helpdesk API.

        async with HelpdeskClient("localhost:8080") as helpdesk:      # Envoy, or a server directly
            await helpdesk.sign_in("ana@example.com", "password")
            me = await helpdesk.auth.GetCurrentUser(GetCurrentUserRequest())
            async for event in helpdesk.stream_chat(chat_id):         # resumes after disconnects
                ...

    Every call carries the signed-in user's access token, refreshed before it expires and once
    when the server rejects it; unary calls have a default deadline and reads are retried on
    UNAVAILABLE (see `CallPolicy`); a failed unary call raises `HelpdeskError`.
    """

    def __init__(
        self,
        address: str,
        *,
        credentials: grpc.ChannelCredentials | None = None,
        policy: CallPolicy | None = None,
        options: Sequence[tuple[str, Any]] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.address = address
        self.policy = policy or CallPolicy()
        self.session = Session(clock=clock)
        channel_options: list[tuple[str, Any]] = [
            ("grpc.service_config", service_config(self.policy)),
            ("grpc.enable_retries", 1),
            # Reconnect quickly after a replica restarts (gRPC's default starts at 1 s, grows to 120 s).
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 2000),
            # Keep long chat streams' connections alive through idle-connection reapers.
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.keepalive_timeout_ms", 10_000),
            *options,
        ]
        interceptors = auth_interceptors(self.session)
        if credentials is None:
            self.channel = grpc.aio.insecure_channel(address, options=channel_options, interceptors=interceptors)
        else:
            self.channel = grpc.aio.secure_channel(
                address, credentials, options=channel_options, interceptors=interceptors
            )
        self.auth = auth_service_pb2_grpc.AuthServiceStub(self.channel)
        self.users = user_service_pb2_grpc.UserServiceStub(self.channel)
        self.tickets = ticket_service_pb2_grpc.TicketServiceStub(self.channel)
        self.chat = chat_service_pb2_grpc.ChatServiceStub(self.channel)
        self.knowledge = knowledge_service_pb2_grpc.KnowledgeServiceStub(self.channel)
        self.assignment = assignment_service_pb2_grpc.AssignmentServiceStub(self.channel)
        self.canned_responses = canned_response_service_pb2_grpc.CannedResponseServiceStub(self.channel)
        self.macros = macro_service_pb2_grpc.MacroServiceStub(self.channel)
        self.privacy = privacy_service_pb2_grpc.PrivacyServiceStub(self.channel)
        self.sla = sla_service_pb2_grpc.SlaServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)
        self.session.bind(self.auth)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self, grace: float | None = None) -> None:
        """Closes the channel (open streams are cancelled after `grace` seconds)."""
        await self.channel.close(grace)

    @property
    def user(self) -> user_pb2.User | None:
        """The signed-in user, None when signed out."""
        return self.session.user

    async def sign_in(self, email: str, password: str) -> user_pb2.User:
        """Signs in with an email and password; later calls carry the tokens."""
        answer = await self.auth.Login(auth_service_pb2.LoginRequest(email=email, password=password))
        self.session.accept(answer)
        return answer.user

    async def register(self, email: str, password: str, display_name: str) -> user_pb2.User:
        """Creates a customer account and signs it in."""
        answer = await self.auth.Register(
            auth_service_pb2.RegisterRequest(email=email, password=password, display_name=display_name)
        )
        self.session.accept(answer)
        return answer.user

    async def change_password(self, current_password: str, new_password: str) -> user_pb2.User:
        """Changes the password; every other session ends and this client continues in a new one."""
        answer = await self.auth.ChangePassword(
            auth_service_pb2.ChangePasswordRequest(current_password=current_password, new_password=new_password)
        )
        self.session.accept(answer)
        return answer.user

    def use_tokens(self, *, access_token: str, refresh_token: str, access_expires_at: float | None = None) -> None:
        """Adopts tokens obtained elsewhere (for example by a web login)."""
        answer = auth_service_pb2.RefreshTokenResponse(access_token=access_token, refresh_token=refresh_token)
        if access_expires_at is not None:
            answer.access_token_expire_time.FromNanoseconds(int(access_expires_at * 1e9))
        self.session.accept(answer)

    async def sign_out(self, *, all_sessions: bool = False) -> None:
        """Ends the session on the server (its refresh token stops working) and forgets the tokens."""
        if self.session.signed_in:
            try:
                await self.auth.Logout(auth_service_pb2.LogoutRequest(all_sessions=all_sessions))
            finally:
                self.session.clear()

    def stream_chat(
        self, chat_id: str, *, after_seq: int = 0, policy: ResumePolicy | None = None
    ) -> ResumableChatStream:
        """The chat's events (`StreamChat`), resumed from the last seen seq after any disconnect."""
        return ResumableChatStream(self.chat, self.session, chat_id, after_seq=after_seq, policy=policy)

    def converse(self, chat_id: str, *, after_seq: int = 0, policy: ResumePolicy | None = None) -> Conversation:
        """A bidirectional conversation (`Converse`) on the chat, resumed after any disconnect."""
        return Conversation(self.chat, self.session, chat_id, after_seq=after_seq, policy=policy)

    def watch_tickets(
        self,
        request: ticket_service_pb2.WatchTicketsRequest | None = None,
        *,
        markers: bool = False,
        policy: ResumePolicy | None = None,
    ) -> ResumableTicketWatch:
        """Ticket changes (`WatchTickets`, filtered by `request`), resumed from the last cursor after any disconnect."""
        return ResumableTicketWatch(
            self.tickets,
            self.session,
            request or ticket_service_pb2.WatchTicketsRequest(),
            markers=markers,
            policy=policy,
        )
