"""Password rules and bcrypt hashing off the event loop, with bounded concurrency.

bcrypt costs about a quarter of a second of CPU at cost 12. It runs in a small thread pool (bcrypt
releases the GIL) behind a semaphore, so the event loop keeps serving other calls and at most
`max_concurrency` hashes run at once; callers queue (cancellably) for a slot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import bcrypt

from server.core.errors import InvalidArgument

_log = logging.getLogger(__name__)

MIN_PASSWORD_BYTES = 8
# bcrypt only reads 72 bytes; longer passwords are refused rather than silently truncated.
MAX_PASSWORD_BYTES = 72

_T = TypeVar("_T")


def check_password_rules(password: str, *, field: str) -> None:
    """Raises InvalidArgument on `field` unless `password` is 8 to 72 bytes of UTF-8."""
    size = len(password.encode("utf-8"))
    if size < MIN_PASSWORD_BYTES:
        raise InvalidArgument.field(field, f"must be at least {MIN_PASSWORD_BYTES} bytes long", reason="WEAK_PASSWORD")
    if size > MAX_PASSWORD_BYTES:
        raise InvalidArgument.field(
            field,
            f"must be at most {MAX_PASSWORD_BYTES} bytes of UTF-8 (the bcrypt limit; this one is {size} bytes)",
            reason="PASSWORD_TOO_LONG",
        )


class PasswordHasher:
    """bcrypt at a fixed cost, in a bounded thread pool. Close it with `close()` on shutdown."""

    def __init__(self, *, cost: int, max_concurrency: int) -> None:
        if not 4 <= cost <= 31:
            raise ValueError(f"bcrypt cost must be between 4 and 31, not {cost}")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.cost = cost
        self._executor = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="bcrypt")
        self._slots = asyncio.Semaphore(max_concurrency)
        self._dummy_hash: bytes | None = None
        self._dummy_lock = asyncio.Lock()

    async def hash(self, password: str) -> str:
        """The bcrypt hash of `password` (which must already satisfy the password rules)."""
        salt = bcrypt.gensalt(rounds=self.cost)
        hashed = await self._in_pool(bcrypt.hashpw, password.encode("utf-8"), salt)
        return hashed.decode("ascii")

    async def verify(self, password: str, password_hash: str) -> bool:
        """Whether `password` matches `password_hash`; always spends one bcrypt computation."""
        candidate = password.encode("utf-8")
        if len(candidate) > MAX_PASSWORD_BYTES:
            # No stored password can be this long; burn the same time and say no.
            await self.verify_dummy()
            return False
        try:
            return await self._in_pool(bcrypt.checkpw, candidate, password_hash.encode("ascii"))
        except ValueError:
            _log.error("a stored password hash is malformed; refusing the password")
            return False

    async def verify_dummy(self) -> None:
        """Spends the time of one verification, for callers with no account to check against.

        Answering "unknown email" faster than "wrong password" would reveal which emails exist.
        """
        dummy = await self._get_dummy_hash()
        await self._in_pool(bcrypt.checkpw, b"not the password of anyone", dummy)

    def close(self) -> None:
        """Stops the worker threads (waiting for running hashes)."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def _get_dummy_hash(self) -> bytes:
        # Computed once, lazily, at the configured cost, so a dummy check costs what a real one does.
        if self._dummy_hash is None:
            async with self._dummy_lock:
                if self._dummy_hash is None:
                    salt = bcrypt.gensalt(rounds=self.cost)
                    self._dummy_hash = await self._in_pool(bcrypt.hashpw, b"dummy password for timing", salt)
        return self._dummy_hash

    async def _in_pool(self, function: Callable[..., _T], *args: bytes) -> _T:
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
