"""UserService over gRPC: protobuf in, domain call, protobuf out. No SQL, no Redis, no rules here."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import timestamp_pb2

from helpdesk.v1 import user_pb2, user_service_pb2, user_service_pb2_grpc
from server.core.context import Role, require_principal
from server.core.errors import InvalidArgument
from server.core.update_mask import effective_update_mask
from server.users.domain import UPDATABLE_FIELDS, UserAdmin
from storage.models import User

_ROLE_TO_PROTO = {
    Role.CUSTOMER: user_pb2.ROLE_CUSTOMER,
    Role.AGENT: user_pb2.ROLE_AGENT,
    Role.ADMIN: user_pb2.ROLE_ADMIN,
}
_ROLE_FROM_PROTO = {value: key for key, value in _ROLE_TO_PROTO.items()}


def role_from_proto(value: int, *, field: str, required: bool) -> Role | None:
    """The domain role for a protobuf enum value; unknown values are a bad `field`."""
    if value == user_pb2.ROLE_UNSPECIFIED:
        if required:
            raise InvalidArgument.field(field, "a role is required")
        return None
    role: Role | None = _ROLE_FROM_PROTO.get(user_pb2.Role.ValueType(value))
    if role is None:
        raise InvalidArgument.field(field, f"unknown role {value}")
    return role


def timestamp(value: Any) -> timestamp_pb2.Timestamp | None:
    """A protobuf Timestamp for an aware datetime, None for None."""
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def user_to_proto(user: User) -> user_pb2.User:
    """The public view of a user (never the password hash)."""
    message = user_pb2.User(
        id=str(user.id),
        email=user.email,
        display_name=user.display_name,
        role=_ROLE_TO_PROTO[Role(user.role)],
        active=user.active,
        etag=user.etag,
    )
    message.create_time.FromDatetime(user.create_time)
    message.update_time.FromDatetime(user.update_time)
    if user.last_login_time is not None:
        message.last_login_time.FromDatetime(user.last_login_time)
    return message


class UserServicer(user_service_pb2_grpc.UserServiceServicer):
    """Transport for user administration."""

    def __init__(self, *, users: UserAdmin) -> None:
        self._users = users

    async def CreateUser(
        self, request: user_service_pb2.CreateUserRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.User:
        """Creates a user of any role (admins)."""
        role = role_from_proto(request.user.role, field="user.role", required=True)
        assert role is not None
        user = await self._users.create_user(
            email=request.user.email,
            password=request.password,
            display_name=request.user.display_name,
            role=role,
            # `active` is a plain bool in proto3: a new user is active unless an admin says otherwise,
            # which they do by deactivating after creation.
            active=True,
            request_id=request.request_id or None,
        )
        return user_to_proto(user)

    async def ListUsers(
        self, request: user_service_pb2.ListUsersRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_service_pb2.ListUsersResponse:
        """Lists users (admins; agents only agents)."""
        users, next_page_token = await self._users.list_users(
            principal=require_principal(),
            page_size=request.page_size,
            page_token=request.page_token,
            role=role_from_proto(request.role, field="role", required=False),
            query=request.query,
            show_inactive=request.show_inactive,
        )
        return user_service_pb2.ListUsersResponse(
            users=[user_to_proto(u) for u in users], next_page_token=next_page_token
        )

    async def GetUser(
        self, request: user_service_pb2.GetUserRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.User:
        """Returns one user (admins)."""
        return user_to_proto(await self._users.get_user(user_id=request.id))

    async def UpdateUser(
        self, request: user_service_pb2.UpdateUserRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> user_pb2.User:
        """Updates display name, role or active flag (admins)."""
        paths = effective_update_mask(request.update_mask, request.user, UPDATABLE_FIELDS)
        role = None
        if "role" in paths:
            role = role_from_proto(request.user.role, field="user.role", required=True)
        user = await self._users.update_user(
            user_id=request.user.id,
            display_name=request.user.display_name,
            role=role,
            active=request.user.active,
            update_mask_paths=paths,
            etag=request.user.etag or None,
        )
        return user_to_proto(user)
