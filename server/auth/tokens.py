"""Access tokens (HS256 JWTs, short-lived) and refresh tokens (opaque, random, stored hashed).

An access token names the user (`sub`) and the session (`sid`) it was issued in; it carries no
role: the current role is read at every call, so a role change or a logout takes effect at once.
Decoding pins the algorithm and requires every claim; any failure is one generic Unauthenticated.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from server.core.bounded import remember
from server.core.errors import Unauthenticated
from server.settings import Settings

ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - the `typ` claim value, not a secret
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "typ", "sid", "jti"]
# Tolerated clock difference between the replicas that issue and check tokens.
CLOCK_LEEWAY = timedelta(seconds=10)
# Real tokens are a few hundred bytes; anything this long is not worth parsing.
_MAX_TOKEN_LENGTH = 4096
# 256 bits of randomness.
REFRESH_TOKEN_BYTES = 32
_MAX_REFRESH_TOKEN_LENGTH = 128

_INVALID_ACCESS_TOKEN = "invalid or expired access token"  # noqa: S105 - an error message
# Tokens verified recently, kept by their exact text: a client sends the same token with every call
# for its lifetime, and verifying it (base64, JSON, HMAC, claims) costs more than a whole indexed
# read. Bounded: a few thousand callers' tokens, a few MB.
_VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    """A freshly signed access token and when it expires."""

    token: str
    expire_time: datetime


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a valid access token says."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    token_id: str
    expire_time: datetime


class AccessTokenCodec:
    """Signs and checks access tokens with one HMAC secret, issuer, audience and lifetime."""

    def __init__(self, *, secret: str, issuer: str, audience: str, ttl: timedelta) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self.ttl = ttl
        # token text -> (its claims, the monotonic time past which it is expired, leeway included).
        self._verified: dict[str, tuple[AccessClaims, float]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessTokenCodec:
        """The codec configured by the process settings."""
        return cls(
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl=settings.access_token_ttl,
        )

    def issue(self, *, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime | None = None) -> IssuedAccessToken:
        """A signed access token for `user_id` in session `session_id`."""
        issued = (now or datetime.now(UTC)).replace(microsecond=0)
        expires = issued + self.ttl
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "sid": str(session_id),
            "typ": ACCESS_TOKEN_TYPE,
            "iat": issued,
            "exp": expires,
            "jti": uuid.uuid4().hex,
        }
        return IssuedAccessToken(jwt.encode(claims, self._secret, algorithm=ALGORITHM), expires)

    def decode(self, token: str) -> AccessClaims:
        """The claims of a valid access token; raises Unauthenticated for anything else.

        A token verified before answers from memory until it expires. Only the exact text of a
        token that passed every check is remembered, so no forged or altered token can match.
        Revocation is not this method's concern: the session is checked on every call.
        """
        return self.decode_until(token)[0]

    def decode_until(self, token: str) -> tuple[AccessClaims, float]:
        """`decode`, and the `time.monotonic()` past which the token is expired (the leeway included)."""
        verified = self._verified.get(token)
        if verified is not None:
            if time.monotonic() < verified[1]:
                return verified
            del self._verified[token]
        claims = self._verify(token)
        # Expiry on the monotonic clock, as the wall-clock check just passed would see it.
        remaining = (claims.expire_time + CLOCK_LEEWAY - datetime.now(UTC)).total_seconds()
        return remember(self._verified, token, (claims, time.monotonic() + remaining), bound=_VERIFIED_CACHE_SIZE)

    def _verify(self, token: str) -> AccessClaims:
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            raise Unauthenticated(_INVALID_ACCESS_TOKEN)
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=CLOCK_LEEWAY,
                options={"require": REQUIRED_CLAIMS},
            )
            if claims["typ"] != ACCESS_TOKEN_TYPE:
                raise Unauthenticated(_INVALID_ACCESS_TOKEN)
            return AccessClaims(
                user_id=uuid.UUID(str(claims["sub"])),
                session_id=uuid.UUID(str(claims["sid"])),
                token_id=str(claims["jti"]),
                expire_time=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise Unauthenticated(_INVALID_ACCESS_TOKEN) from None


def new_refresh_token() -> str:
    """A new opaque refresh token (256 random bits, URL-safe text)."""
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def hash_refresh_token(token: str) -> bytes:
    """The SHA-256 under which a refresh token is stored and looked up.

    A plain hash suffices: the token is 256 random bits, so there is nothing to brute-force.
    """
    return hashlib.sha256(token.encode("utf-8")).digest()


def plausible_refresh_token(token: str) -> bool:
    """Whether `token` could be a refresh token at all (cheap check before touching the database)."""
    return 0 < len(token) <= _MAX_REFRESH_TOKEN_LENGTH
