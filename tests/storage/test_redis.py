"""The Redis client and key naming."""

from __future__ import annotations

import time
import uuid

import pytest
import redis.exceptions

from devstack.redis import free_port
from storage import redis_keys
from storage.redis import create_redis


async def test_the_client_round_trips_text(redis_url: str) -> None:
    client = create_redis(redis_url)
    try:
        await client.set("helpdesk:test:key", "välue", px=1000)
        assert await client.get("helpdesk:test:key") == "välue"
    finally:
        await client.aclose()


async def test_an_unreachable_redis_fails_fast() -> None:
    client = create_redis(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    try:
        with pytest.raises(redis.exceptions.ConnectionError):
            await client.ping()
    finally:
        await client.aclose()
    assert time.monotonic() - started < 2.5


def test_every_key_is_namespaced_and_emails_are_not_stored() -> None:
    session_id = uuid.uuid4()
    keys = [
        redis_keys.login_failures_for_account("someone@example.com"),
        redis_keys.login_failures_for_ip("203.0.113.9"),
        redis_keys.principal(session_id),
        redis_keys.revoked_session(session_id),
    ]
    assert all(key.startswith("helpdesk:") for key in keys)
    assert len(set(keys)) == len(keys)
    assert "someone" not in keys[0]
    assert redis_keys.login_failures_for_account("a@example.com") != redis_keys.login_failures_for_account(
        "b@example.com"
    )
