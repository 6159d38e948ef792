"""Access JWTs: every forgery and misuse a reviewer would try is refused with one generic error."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from server.auth.tokens import CLOCK_LEEWAY, AccessTokenCodec, hash_refresh_token, new_refresh_token
from server.core.errors import Unauthenticated

# 64 bytes, so that signing with HS512 in a forgery test does not warn.
SECRET = "a-test-secret-that-is-long-enough-for-every-hmac-0123456789abcdef"
CODEC = AccessTokenCodec(secret=SECRET, issuer="helpdesk", audience="helpdesk-api", ttl=timedelta(minutes=15))
USER = uuid.uuid4()
SESSION = uuid.uuid4()


def _claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": "helpdesk",
        "aud": "helpdesk-api",
        "sub": str(USER),
        "sid": str(SESSION),
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(minutes=15),
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _assert_refused(token: str) -> None:
    with pytest.raises(Unauthenticated) as caught:
        CODEC.decode(token)
    assert caught.value.message == "invalid or expired access token"


def test_an_issued_token_decodes_to_its_user_and_session() -> None:
    issued = CODEC.issue(user_id=USER, session_id=SESSION)
    claims = CODEC.decode(issued.token)
    assert (claims.user_id, claims.session_id) == (USER, SESSION)
    assert claims.expire_time == issued.expire_time
    assert timedelta(minutes=14) < issued.expire_time - datetime.now(UTC) <= timedelta(minutes=15)
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "HS256"
    payload = jwt.decode(issued.token, options={"verify_signature": False})
    assert {"iss", "aud", "sub", "sid", "typ", "iat", "exp", "jti"} <= payload.keys()
    assert "role" not in payload


def test_alg_none_is_refused() -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = _b64(
        json.dumps(
            jwt.decode(CODEC.issue(user_id=USER, session_id=SESSION).token, options={"verify_signature": False})
        ).encode()
    )
    _assert_refused(f"{header}.{payload}.")


def test_another_algorithm_with_the_right_key_is_refused() -> None:
    _assert_refused(jwt.encode(_claims(), SECRET, algorithm="HS512"))


def test_the_wrong_key_is_refused() -> None:
    _assert_refused(
        jwt.encode(_claims(), "some-other-secret-of-sufficient-length-for-every-hmac-0123456789", algorithm="HS256")
    )


def test_an_expired_token_is_refused() -> None:
    issued = CODEC.issue(user_id=USER, session_id=SESSION, now=datetime.now(UTC) - timedelta(hours=1))
    _assert_refused(issued.token)


def test_a_token_accepted_before_is_refused_once_it_expires() -> None:
    # Issued so that expiry plus the clock leeway falls 1-2 s from now (`exp` has whole seconds).
    now = datetime.now(UTC)
    issued = CODEC.issue(user_id=USER, session_id=SESSION, now=now - CODEC.ttl - CLOCK_LEEWAY + timedelta(seconds=2))
    assert CODEC.decode(issued.token).session_id == SESSION
    assert CODEC.decode(issued.token).session_id == SESSION
    time.sleep(max(0.0, (issued.expire_time + CLOCK_LEEWAY - datetime.now(UTC)).total_seconds()) + 0.05)
    _assert_refused(issued.token)


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "another-api"},
        {"iss": "someone-else"},
        {"typ": "refresh"},
        {"sub": "not-a-uuid"},
        {"iat": datetime.now(UTC) + timedelta(hours=1)},
    ],
    ids=["wrong-aud", "wrong-iss", "refresh-as-access", "bad-sub", "issued-in-the-future"],
)
def test_wrong_claims_are_refused(overrides: dict[str, object]) -> None:
    _assert_refused(jwt.encode(_claims(**overrides), SECRET, algorithm="HS256"))


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud", "sub", "typ", "sid"])
def test_every_claim_is_required(missing: str) -> None:
    _assert_refused(jwt.encode(_claims(**{missing: None}), SECRET, algorithm="HS256"))


def test_a_tampered_payload_is_refused() -> None:
    token = CODEC.issue(user_id=USER, session_id=SESSION).token
    # Accepted first, so the codec remembers it: what it remembers must not cover a variant.
    assert CODEC.decode(token).user_id == USER
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(uuid.uuid4())
    _assert_refused(f"{header}.{_b64(json.dumps(claims).encode())}.{signature}")


@pytest.mark.parametrize("garbage", ["", "x", "a.b.c", "Bearer abc", "x" * 10_000])
def test_garbage_is_refused(garbage: str) -> None:
    _assert_refused(garbage)


def test_refresh_tokens_are_random_and_stored_only_as_sha256() -> None:
    tokens = {new_refresh_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)  # 256 bits in URL-safe base64
    token = tokens.pop()
    digest = hash_refresh_token(token)
    assert len(digest) == 32
    assert digest == hash_refresh_token(token)
    assert token.encode() not in digest
