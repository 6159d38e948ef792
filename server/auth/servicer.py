"""AuthService over gRPC: protobuf in, domain call, protobuf out."""

from __future__ import annotations

import uuid
from typing import Any

import grpc

from helpdesk.v1 import auth_service_pb2, auth_service_pb2_grpc, user_pb2
from server.auth.domain import AuthDomain, AuthResult
from server.core.context import current_call, require_principal
from server.core.encoded_answers import EncodedAnswer
from server.users.convert import role_from_proto, user_to_proto
from storage.repositories.users import UserRecord

# Callers whose encoded record is kept; past it the memo starts over (one entry per active caller).
_MAX_ENCODED_USERS = 50_000

# The sign-in answers share their fields; build them in one place.
_SignedIn = (
    auth_service_pb2.RegisterResponse
    | auth_service_pb2.LoginResponse
    | auth_service_pb2.RefreshTokenResponse
    | auth_service_pb2.ChangePasswordResponse
)


def _signed_in(response: _SignedIn, result: AuthResult) -> _SignedIn:
    response.user.CopyFrom(user_to_proto(result.user))
    response.access_token = result.access_token
    response.access_token_expire_time.FromDatetime(result.access_token_expire_time)
    response.refresh_token = result.refresh_token
    response.refresh_token_expire_time.FromDatetime(result.refresh_token_expire_time)
    response.token_type = "Bearer"  # noqa: S105 - the token scheme, not a secret
    return response


class AuthServicer(auth_service_pb2_grpc.AuthServiceServicer):
    """Transport for sign-up, sign-in and sessions."""

    def __init__(self, *, auth: AuthDomain) -> None:
        self._auth = auth
        # GetCurrentUser's reply, encoded, beside the very record it was encoded from: the domain
        # hands out the same record object until a write makes it read a new one, so the bytes
        # are reused exactly as long as they are what encoding the record would give.
        self._encoded: dict[uuid.UUID, tuple[UserRecord, bytes]] = {}

    def encoded_answers(self) -> dict[str, EncodedAnswer]:
        """The methods the server answers in bytes (`server.core.encoded_answers`), by name."""
        return {"GetCurrentUser": self.get_current_user_encoded}

    async def get_current_user_encoded(
        self, request: auth_service_pb2.GetCurrentUserRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bytes:
        """GetCurrentUser's reply in bytes: the caller's record encoded once per record read."""
        user = await self._auth.current_user(principal=require_principal())
        kept = self._encoded.get(user.id)
        if kept is not None and kept[0] is user:
            return kept[1]
        encoded = user_to_proto(user).SerializeToString()
        if len(self._encoded) >= _MAX_ENCODED_USERS:
            self._encoded.clear()
        self._encoded[user.id] = (user, encoded)
        return encoded

    async def Register(
        self, request: auth_service_pb2.RegisterRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_service_pb2.RegisterResponse:
        """Creates a customer account and signs it in."""
        call = current_call()
        result = await self._auth.register(
            email=request.email,
            password=request.password,
            display_name=request.display_name,
            role_requested=role_from_proto(request.role, field="role", required=False),
            client_ip=call.client_ip,
            user_agent=call.user_agent,
        )
        return _signed_in(auth_service_pb2.RegisterResponse(), result)  # type: ignore[return-value]

    async def Login(
        self, request: auth_service_pb2.LoginRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_service_pb2.LoginResponse:
        """Signs in with email and password."""
        call = current_call()
        result = await self._auth.login(
            email=request.email, password=request.password, client_ip=call.client_ip, user_agent=call.user_agent
        )
        return _signed_in(auth_service_pb2.LoginResponse(), result)  # type: ignore[return-value]

    async def RefreshToken(
        self, request: auth_service_pb2.RefreshTokenRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_service_pb2.RefreshTokenResponse:
        """Rotates a refresh token into a new token pair."""
        call = current_call()
        result = await self._auth.refresh(
            refresh_token=request.refresh_token, client_ip=call.client_ip, user_agent=call.user_agent
        )
        return _signed_in(auth_service_pb2.RefreshTokenResponse(), result)  # type: ignore[return-value]

    async def Logout(
        self, request: auth_service_pb2.LogoutRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_service_pb2.LogoutResponse:
        """Ends the caller's session (or all of them)."""
        await self._auth.logout(principal=require_principal(), all_sessions=request.all_sessions)
        return auth_service_pb2.LogoutResponse()

    async def ChangePassword(
        self, request: auth_service_pb2.ChangePasswordRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> auth_service_pb2.ChangePasswordResponse:
        """Changes the caller's password; every old session ends, a new one starts."""
        call = current_call()
        result = await self._auth.change_password(
            principal=require_principal(),
            current_password=request.current_password,
            new_password=request.new_password,
            client_ip=call.client_ip,
            user_agent=call.user_agent,
        )
        return _signed_in(auth_service_pb2.ChangePasswordResponse(), result)  # type: ignore[return-value]

    async def GetCurrentUser(
        self, request: auth_service_pb2.GetCurrentUserRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.User:
        """Returns the caller."""
        return user_to_proto(await self._auth.current_user(principal=require_principal()))
