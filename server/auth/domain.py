"""Sign-up, sign-in, token refresh with rotation and reuse detection, sign-out, and per-call authentication.

Transport-free: takes and returns plain values, raises `server.core.errors` types. The gRPC
servicer converts protobuf to these calls and back.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from server.auth.login_limiter import LoginLimiter
from server.auth.principal_cache import CacheVerdict, PrincipalCache
from server.auth.tokens import (
    AccessClaims,
    AccessTokenCodec,
    hash_refresh_token,
    new_refresh_token,
    plausible_refresh_token,
)
from server.core.bounded import remember
from server.core.call_metadata import bearer_token
from server.core.context import Principal, Role
from server.core.errors import (
    Aborted,
    AlreadyExists,
    InvalidArgument,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)
from server.core.metrics import Metrics
from server.core.validation import FieldChecks
from server.settings import Settings
from server.users.passwords import PasswordHasher, check_password_rules
from server.users.validation import check_display_name, check_email, normalize_email
from storage.db import Database
from storage.models import AuthSession, User
from storage.repositories.sessions import read_session_caller
from storage.repositories.users import UserRecord, read_user
from storage.unit_of_work import UnitOfWork

_log = logging.getLogger(__name__)

# One message for every failed sign-in, whatever the reason: no hint of which emails exist.
INVALID_CREDENTIALS = "invalid email or password"
INVALID_REFRESH_TOKEN = "invalid or expired refresh token"  # noqa: S105 - an error message, not a secret
INVALID_SESSION = "invalid or expired access token"

_MAX_EMAIL_INPUT = 254
_MAX_USER_AGENT = 512
_MAX_CLIENT_IP = 64
# Callers remembered by their `authorization` header (`known_caller`): one entry per client seen lately.
_KNOWN_CALLERS = 4096


@dataclass(frozen=True, slots=True)
class AuthResult:
    """A signed-in session: the user and a fresh token pair."""

    user: User
    access_token: str
    access_token_expire_time: datetime
    refresh_token: str
    refresh_token_expire_time: datetime


class AuthDomain:
    """Everything about signing in and proving who the caller is."""

    def __init__(
        self,
        *,
        settings: Settings,
        database: Database,
        redis: Redis,
        hasher: PasswordHasher,
        metrics: Metrics | None = None,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._database = database
        self._hasher = hasher
        self._tokens = AccessTokenCodec.from_settings(settings)
        self._limiter = LoginLimiter.from_settings(settings, redis)
        self._principals = PrincipalCache(redis, revocation_ttl=settings.access_token_ttl)
        # authorization header -> (its caller, the monotonic time the answer holds until, the
        # principal cache's local generation when it was taken): see `known_caller`.
        self._known: dict[str, tuple[Principal, float, int]] = {}

    @property
    def principals(self) -> PrincipalCache:
        """The caches of callers (sessions and user records) this domain answers from."""
        return self._principals

    def start(self) -> None:
        """Starts the in-process principal cache (it follows revocations made on every replica)."""
        self._principals.start()

    async def close(self) -> None:
        """Stops what `start` started."""
        await self._principals.close()

    async def register(
        self,
        *,
        email: str,
        password: str,
        display_name: str,
        role_requested: Role | None,
        client_ip: str,
        user_agent: str,
    ) -> AuthResult:
        """Creates a CUSTOMER account and signs it in.

        Any other requested role is refused (InvalidArgument on `role`): staff accounts are
        created by administrators. An email already in use is AlreadyExists.
        """
        checks = FieldChecks()
        normalized_email = checks.run(lambda: check_email(email, field="email"))
        checks.run(lambda: check_password_rules(password, field="password"))
        name = checks.run(lambda: check_display_name(display_name, field="display_name"))
        if role_requested not in (None, Role.CUSTOMER):
            checks.add("role", "self-registration creates customer accounts only; an admin creates staff accounts")
        checks.raise_if_any()
        assert normalized_email is not None
        assert name is not None

        # Hash before opening the transaction: no connection is held during bcrypt.
        password_hash = await self._hasher.hash(password)
        async with self._database.unit_of_work() as uow:
            user = await uow.users.add(
                email=normalized_email,
                display_name=name,
                role=Role.CUSTOMER,
                active=True,
                password_hash=password_hash,
            )
            if user is None:
                raise AlreadyExists("an account with this email address already exists", reason="EMAIL_TAKEN")
            return await self._start_session(uow, user, client_ip=client_ip, user_agent=user_agent)

    async def login(self, *, email: str, password: str, client_ip: str, user_agent: str) -> AuthResult:
        """Signs in with email and password.

        Unknown email, wrong password and deactivated account all raise the same Unauthenticated
        after the same bcrypt work. Repeated failures raise ResourceExhausted; an unreachable
        Redis raises Unavailable (the limiter fails closed).
        """
        checks = FieldChecks()
        if not email.strip():
            checks.add("email", "is required")
        if not password:
            checks.add("password", "is required")
        checks.raise_if_any()

        normalized_email = normalize_email(email)[:_MAX_EMAIL_INPUT]
        await self._begin_attempt(email=normalized_email, client_ip=client_ip)
        try:
            user = await self._verify_credentials(normalized_email, password)
            if user is None:
                raise Unauthenticated(INVALID_CREDENTIALS, reason="INVALID_CREDENTIALS")
            async with self._database.unit_of_work() as uow:
                # Re-checked in the same statement that stamps the sign-in: an admin may have
                # deactivated the account while its password was being checked.
                stamped = await uow.users.stamp_login(user_id=user.id)
                if stamped is None:
                    raise Unauthenticated(INVALID_CREDENTIALS, reason="INVALID_CREDENTIALS")
                # The record shows the sign-in time: copies of it are stale once this commits. No
                # ticket shows it (only display names): the tickets held naming the user stay.
                self._invalidate_after_commit(uow, [], user_ids=[user.id], records_only=True)
                result = await self._start_session(uow, stamped, client_ip=client_ip, user_agent=user_agent)
        except Unauthenticated:
            # A failed attempt: it stays counted.
            self._count_login_failure("invalid_credentials")
            raise
        except BaseException:
            await self._limiter.attempt_abandoned(email=normalized_email, client_ip=client_ip)
            raise
        await self._limiter.attempt_succeeded(email=normalized_email, client_ip=client_ip)
        return result

    async def _begin_attempt(self, *, email: str, client_ip: str) -> None:
        """Counts a password check against the sign-in limits (metrics on refusal and Redis trouble)."""
        try:
            await self._limiter.begin_attempt(email=email, client_ip=client_ip)
        except ResourceExhausted:
            self._count_login_failure("rate_limited")
            raise
        except Unavailable:
            if self._metrics is not None:
                self._metrics.redis_errors.labels(component="login_limiter").inc()
            raise

    def _count_login_failure(self, reason: str) -> None:
        if self._metrics is not None:
            self._metrics.login_failures.labels(reason=reason).inc()

    async def _verify_credentials(self, email: str, password: str) -> User | None:
        user = None
        # PostgreSQL refuses NUL in text, and no stored email holds one (check_email refuses control
        # characters): such an email is simply unknown, answered after the same bcrypt work.
        if "\x00" not in email:
            # The transaction ends before bcrypt runs: no pooled connection waits on a hash.
            async with self._database.unit_of_work() as uow:
                user = await uow.users.get_by_email(email=email)
        if user is None:
            await self._hasher.verify_dummy()
            return None
        # Checked even for a deactivated account, so that it takes as long as any other.
        matches = await self._hasher.verify(password, user.password_hash)
        return user if matches and user.active else None

    async def refresh(self, *, refresh_token: str, client_ip: str, user_agent: str) -> AuthResult:
        """Exchanges a refresh token for a new pair in the same session (rotation).

        The presented token is spent. Presenting a spent token again is taken as theft: the
        whole session (every token of the family) is revoked, and the call is Unauthenticated.
        Unknown or expired tokens, ended sessions and deactivated users are Unauthenticated.
        """
        if not plausible_refresh_token(refresh_token):
            raise Unauthenticated(INVALID_REFRESH_TOKEN, reason="INVALID_REFRESH_TOKEN")
        token_hash = hash_refresh_token(refresh_token)
        reused_session: uuid.UUID | None = None
        async with self._database.unit_of_work() as uow:
            # Locked: two concurrent exchanges of one token serialise; the second sees it spent.
            token = await uow.refresh_tokens.get_by_hash_for_update(token_hash=token_hash)
            if token is None:
                raise Unauthenticated(INVALID_REFRESH_TOKEN, reason="INVALID_REFRESH_TOKEN")
            found = await uow.sessions.get_with_user(session_id=token.session_id)
            if found is None or found[0].revoked:
                raise Unauthenticated(INVALID_REFRESH_TOKEN, reason="INVALID_REFRESH_TOKEN")
            session, user = found
            if token.use_time is not None:
                # Committed below, then refused: the revocation must survive the error.
                await uow.sessions.revoke(session_id=session.id, reason="refresh_token_reuse")
                self._invalidate_after_commit(uow, [session.id])
                reused_session = session.id
            else:
                if token.expire_time <= datetime.now(UTC) or not user.active:
                    raise Unauthenticated(INVALID_REFRESH_TOKEN, reason="INVALID_REFRESH_TOKEN")
                await uow.refresh_tokens.mark_used(token_id=token.id)
                await uow.sessions.mark_refreshed(
                    session_id=session.id,
                    client_ip=_clip(client_ip, _MAX_CLIENT_IP),
                    user_agent=_clip(user_agent, _MAX_USER_AGENT),
                )
                return await self._issue_tokens(uow, user, session)
        _log.warning(
            "refresh token reuse: revoked session %s of user %s",
            reused_session,
            user.id,
            extra={"client_ip": client_ip},
        )
        raise Unauthenticated(INVALID_REFRESH_TOKEN, reason="REFRESH_TOKEN_REUSED")

    async def logout(self, *, principal: Principal, all_sessions: bool) -> None:
        """Ends the caller's session, or every session of the caller."""
        async with self._database.unit_of_work() as uow:
            if all_sessions:
                ended = await uow.sessions.revoke_all_for_user(user_id=principal.user_id, reason="logout_all")
            else:
                await uow.sessions.revoke(session_id=principal.session_id, reason="logout")
                ended = []
            self._invalidate_after_commit(uow, {principal.session_id, *ended})

    async def change_password(
        self, *, principal: Principal, current_password: str, new_password: str, client_ip: str, user_agent: str
    ) -> AuthResult:
        """Replaces the caller's password and ends every session of theirs; returns a new session.

        The current password is checked like a sign-in: each wrong guess counts against the
        account's failed sign-in limit (a stolen access token must not become a password oracle),
        and is InvalidArgument on `current_password` rather than Unauthenticated, which clients
        take to mean "sign in again".
        """
        checks = FieldChecks()
        if not current_password:
            checks.add("current_password", "is required")
        checks.run(lambda: check_password_rules(new_password, field="new_password"))
        if current_password and new_password == current_password:
            checks.add("new_password", "must differ from the current password")
        checks.raise_if_any()

        async with self._database.unit_of_work() as uow:
            user = await uow.users.get(user_id=principal.user_id)
        if user is None or not user.active:
            raise Unauthenticated(INVALID_SESSION)
        await self._begin_attempt(email=user.email, client_ip=client_ip)
        try:
            matches = await self._hasher.verify(current_password, user.password_hash)
        except BaseException:
            await self._limiter.attempt_abandoned(email=user.email, client_ip=client_ip)
            raise
        if not matches:
            self._count_login_failure("wrong_current_password")
            raise InvalidArgument.field(
                "current_password", "does not match your current password", reason="WRONG_PASSWORD"
            )
        await self._limiter.attempt_succeeded(email=user.email, client_ip=client_ip)

        new_hash = await self._hasher.hash(new_password)
        async with self._database.unit_of_work() as uow:
            updated = await uow.users.replace_password_hash(
                user_id=user.id, old_hash=user.password_hash, new_hash=new_hash
            )
            if updated is None:
                raise Aborted(
                    "the password changed while this request was checked; try again", reason="CONCURRENT_CHANGE"
                )
            ended = await uow.sessions.revoke_all_for_user(user_id=user.id, reason="password_change")
            self._invalidate_after_commit(uow, {principal.session_id, *ended}, user_ids=[user.id])
            result = await self._start_session(uow, updated, client_ip=client_ip, user_agent=user_agent)
        _log.info("password changed; %d session(s) ended", len(ended), extra={"user_id": str(user.id)})
        return result

    def known_caller(self, authorization: str) -> Principal | None:
        """The caller of an `authorization` header that `authenticate_header` accepted lately, or None.

        Every authenticated call sends the same header as the last, and authenticating it anew
        (parsing it, looking its token and then its session up) is a tenth of the cost of the
        fastest calls. The answer is what `authenticate_header` would give, for as long as it
        would give it: until the token expires or this replica's copy of the session does,
        whichever comes first (checked against the clock on every call), and only while this
        replica's principal cache has forgotten nothing since (a revocation made here, or
        announced by another replica, or its subscription dropping): then the header is
        authenticated again. None means "ask `authenticate_header`", never "refused".
        """
        known = self._known.get(authorization)
        if known is not None and known[2] == self._principals.local_generation and time.monotonic() < known[1]:
            return known[0]
        return None

    async def authenticate_header(self, authorization: str) -> Principal:
        """The caller behind an `authorization: Bearer <access token>` header (`authenticate`), then known by it.

        Any other header is refused (Unauthenticated), not ignored.
        """
        claims, token_until = self._tokens.decode_until(bearer_token(authorization))
        principal = await self._caller(claims)
        # Remembered only when this replica holds the session in memory, with what bounds that
        # copy: its freshness and the generation it belongs to (both read at this one moment).
        held = self._principals.held(claims.session_id)
        if held is not None and held[0] is principal:
            known = (principal, min(token_until, held[1]), self._principals.local_generation)
            remember(self._known, authorization, known, bound=_KNOWN_CALLERS)
        return principal

    async def authenticate(self, *, access_token: str) -> Principal:
        """The caller behind an access token, with their CURRENT role.

        The token must be valid, its session not revoked and its user active. The answer comes
        from a 30-second Redis cache, else from one indexed read of PostgreSQL (also when Redis
        is down). Any failure is one generic Unauthenticated.
        """
        return await self._caller(self._tokens.decode(access_token))

    async def _caller(self, claims: AccessClaims) -> Principal:
        cached = await self._principals.get(claims.session_id)
        if cached is CacheVerdict.REVOKED:
            raise Unauthenticated(INVALID_SESSION)
        if isinstance(cached, Principal):
            if cached.user_id != claims.user_id:
                raise Unauthenticated(INVALID_SESSION)
            return cached
        async with self._database.read_connection() as connection:
            caller = await read_session_caller(connection, session_id=claims.session_id)
        if caller is None or caller.revoked or caller.user_id != claims.user_id or not caller.active:
            raise Unauthenticated(INVALID_SESSION)
        principal = Principal(user_id=caller.user_id, role=Role(caller.role), session_id=claims.session_id)
        await self._principals.put(principal)
        return principal

    async def current_user(self, *, principal: Principal) -> UserRecord:
        """The signed-in caller's user record.

        From this replica's memory when it holds the record (no round trip), else from one
        primary-key read of PostgreSQL, then kept. Exactly as fresh as the caller's role (see
        `PrincipalCache`): every write to a user row forgets the record on its replica before
        the write is acknowledged and on the others as soon as its announcement arrives. Only
        records of active users are kept, and a deactivation forgets the record and revokes the
        sessions, so a deactivated user is refused at once as before.
        """
        records = self._principals.user_records
        user = records.get(principal.user_id)
        if user is not None:
            return user
        # Taken before the read: a write committed meanwhile forgets the record, and this read
        # (maybe older than that write) is then not kept.
        generation = records.generation
        # One primary-key read answers it: no transaction, straight on the driver.
        async with self._database.read_connection() as connection:
            user = await read_user(connection, user_id=principal.user_id)
        if user is None or not user.active:
            raise Unauthenticated(INVALID_SESSION)
        records.put(user.id, user, generation=generation)
        return user

    async def _start_session(self, uow: UnitOfWork, user: User, *, client_ip: str, user_agent: str) -> AuthResult:
        session = await uow.sessions.create(
            user_id=user.id, client_ip=_clip(client_ip, _MAX_CLIENT_IP), user_agent=_clip(user_agent, _MAX_USER_AGENT)
        )
        return await self._issue_tokens(uow, user, session)

    async def _issue_tokens(self, uow: UnitOfWork, user: User, session: AuthSession) -> AuthResult:
        refresh_token = new_refresh_token()
        refresh_expire_time = datetime.now(UTC) + self._settings.refresh_token_ttl
        await uow.refresh_tokens.add(
            session_id=session.id, token_hash=hash_refresh_token(refresh_token), expire_time=refresh_expire_time
        )
        access = self._tokens.issue(user_id=user.id, session_id=session.id)
        return AuthResult(
            user=user,
            access_token=access.token,
            access_token_expire_time=access.expire_time,
            refresh_token=refresh_token,
            refresh_token_expire_time=refresh_expire_time,
        )

    def _invalidate_after_commit(
        self,
        uow: UnitOfWork,
        session_ids: set[uuid.UUID] | list[uuid.UUID],
        *,
        user_ids: list[uuid.UUID] | None = None,
        records_only: bool = False,
    ) -> None:
        ids = list(session_ids)
        users = user_ids or []

        async def invalidate() -> None:
            await self._principals.invalidate(ids, user_ids=users, records_only=records_only)

        uow.after_commit(invalidate)


def _clip(value: str, limit: int) -> str:
    return value[:limit]
