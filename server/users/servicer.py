"""UserService over gRPC: protobuf in, domain call, protobuf out. No SQL, no Redis, no rules here."""

from __future__ import annotations

from typing import Any

import grpc

from helpdesk.v1 import user_pb2, user_service_pb2, user_service_pb2_grpc
from server.core.context import require_principal
from server.core.update_mask import effective_update_mask
from server.users.convert import role_from_proto, user_to_proto
from server.users.domain import UPDATABLE_FIELDS, UserAdmin


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
