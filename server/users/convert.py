"""Users: protobuf messages <-> domain values (roles, the public view of a user)."""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidArgument
from domain.roles import Role
from helpdesk.v1 import user_pb2
from server.core.timestamps import timestamp_fields
from storage.models import User
from storage.repositories.users import UserRecord

_ROLE_TO_PROTO = {
    Role.CUSTOMER: user_pb2.ROLE_CUSTOMER,
    Role.AGENT: user_pb2.ROLE_AGENT,
    Role.ADMIN: user_pb2.ROLE_ADMIN,
}
_ROLE_FROM_PROTO = {value: key for key, value in _ROLE_TO_PROTO.items()}
# By stored text, which a Role (a StrEnum) also finds: a record's role needs no Role(...) call.
_ROLE_TEXT_TO_PROTO: dict[str, user_pb2.Role.ValueType] = {role.value: value for role, value in _ROLE_TO_PROTO.items()}


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


def user_to_proto(user: User | UserRecord) -> user_pb2.User:
    """The public view of a user (never the password hash)."""
    fields: dict[str, Any] = dict(
        id=str(user.id),
        email=user.email,
        display_name=user.display_name,
        role=_ROLE_TEXT_TO_PROTO[user.role],
        active=user.active,
        etag=user.etag,
        create_time=timestamp_fields(user.create_time),
        update_time=timestamp_fields(user.update_time),
    )
    if user.last_login_time is not None:
        fields["last_login_time"] = timestamp_fields(user.last_login_time)
    if user.erase_time is not None:
        fields["erase_time"] = timestamp_fields(user.erase_time)
    return user_pb2.User(**fields)
