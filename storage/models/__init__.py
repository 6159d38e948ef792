"""Every table of the schema; importing this package registers them all on `Base.metadata`."""

from storage.models.auth import AuthSession, RefreshToken
from storage.models.base import Base
from storage.models.idempotency import IdempotencyKey
from storage.models.user import RoleType, User

__all__ = ["AuthSession", "Base", "IdempotencyKey", "RefreshToken", "RoleType", "User"]
