"""Password rules and bcrypt off the event loop."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Callable

import bcrypt
import pytest

from server.core.errors import InvalidArgument
from server.users.passwords import PasswordHasher, check_password_rules


@pytest.mark.parametrize("password", ["12345678", "x" * 72, "é" * 36, "pass word with spaces", "\u00a0" * 4])
def test_passwords_of_8_to_72_bytes_are_accepted(password: str) -> None:
    check_password_rules(password, field="password")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "WEAK_PASSWORD"),
        ("1234567", "WEAK_PASSWORD"),
        ("x" * 73, "PASSWORD_TOO_LONG"),
        ("é" * 37, "PASSWORD_TOO_LONG"),
    ],
)
def test_other_lengths_are_refused_naming_the_field(password: str, reason: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        check_password_rules(password, field="user.password")
    assert [v.field for v in caught.value.violations] == ["user.password"]
    assert caught.value.reason == reason


def test_too_long_is_explained_in_bytes_not_characters() -> None:
    # 37 characters, 74 bytes: the message must say why a "short" password is too long.
    with pytest.raises(InvalidArgument) as caught:
        check_password_rules("é" * 37, field="password")
    assert "72 bytes" in caught.value.violations[0].description


async def test_hash_and_verify() -> None:
    hasher = PasswordHasher(cost=4, max_concurrency=2)
    try:
        hashed = await hasher.hash("correct horse")
        assert hashed.startswith("$2b$04$")
        assert await hasher.verify("correct horse", hashed)
        assert not await hasher.verify("correct horsE", hashed)
        assert not await hasher.verify("x" * 100, hashed)
        assert not await hasher.verify("correct horse", "not a bcrypt hash")
        await hasher.verify_dummy()
    finally:
        hasher.close()


async def _largest_tick_gap(work: Callable[[], object]) -> float:
    """The most CPU the event loop's thread spent between two of its ticks while `work` ran.

    CPU time of the loop's own thread, not wall time: work run on the loop shows up in full,
    while a loop merely waiting for a core on a busy machine shows up as nothing.
    """
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.thread_time()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.thread_time()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    try:
        await work()  # type: ignore[misc]
    finally:
        done.set()
        await task
    return max(gaps)


async def test_bcrypt_at_cost_12_never_blocks_the_event_loop() -> None:
    hasher = PasswordHasher(cost=12, max_concurrency=2)
    try:
        started = time.perf_counter()

        async def work() -> None:
            hashes = await asyncio.gather(*(hasher.hash(f"password {i}") for i in range(3)))
            await asyncio.gather(hasher.verify("password 0", hashes[0]), hasher.verify_dummy())

        gap = await _largest_tick_gap(work)
        elapsed = time.perf_counter() - started
    finally:
        hasher.close()
    # Six cost-12 computations take over half a second; the loop's thread never runs one itself.
    assert elapsed > 0.3
    assert gap < 0.1, f"the event loop stalled for {gap * 1000:.0f} ms"


async def test_at_most_max_concurrency_hashes_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    running = 0
    peak = 0
    lock = threading.Lock()
    real_hashpw = bcrypt.hashpw

    def counting_hashpw(password: bytes, salt: bytes) -> bytes:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.02)
            return real_hashpw(password, salt)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(bcrypt, "hashpw", counting_hashpw)
    hasher = PasswordHasher(cost=4, max_concurrency=2)
    try:
        await asyncio.gather(*(hasher.hash(f"password {i}") for i in range(8)))
    finally:
        hasher.close()
    assert peak == 2


async def test_a_dummy_check_costs_what_a_real_one_costs() -> None:
    hasher = PasswordHasher(cost=10, max_concurrency=1)
    try:
        hashed = await hasher.hash("the real password")
        await hasher.verify_dummy()  # computes the dummy hash once

        async def timed(check: Callable[[], object]) -> float:
            started = time.perf_counter()
            await check()  # type: ignore[misc]
            return time.perf_counter() - started

        # Alternated, each pair back to back: a neighbour's burst of load slows both sides of a
        # pair alike instead of one whole series.
        ratios = []
        for _ in range(7):
            real = await timed(lambda: hasher.verify("wrong password", hashed))
            ratios.append(await timed(hasher.verify_dummy) / real)
    finally:
        hasher.close()
    ratio = statistics.median(ratios)
    assert 0.6 < ratio < 1.6, f"dummy/real = {ratio:.2f}"


def test_invalid_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="cost"):
        PasswordHasher(cost=3, max_concurrency=1)
    with pytest.raises(ValueError, match="concurrency"):
        PasswordHasher(cost=4, max_concurrency=0)
