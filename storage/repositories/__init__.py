"""One repository per aggregate. Repositories take the unit of work's session and never commit."""

from storage.repositories.idempotency import IdempotencyRepository
from storage.repositories.refresh_tokens import RefreshTokenRepository
from storage.repositories.sessions import AuthSessionRepository
from storage.repositories.users import UserRepository

__all__ = ["AuthSessionRepository", "IdempotencyRepository", "RefreshTokenRepository", "UserRepository"]
