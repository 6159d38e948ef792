"""One step of a shutdown, awaited for a bounded time: its overrun or failure is logged, never raised.

So the steps after it still run, in the server's own stop and in the dev stack's stop around it.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable

_log = logging.getLogger(__name__)

# How long a shutdown step may take (a flush, closing a pool) before the stop goes on without it.
STOP_STEP_SECONDS = 10.0


async def shutdown_step(what: str, step: Awaitable[object], *, seconds: float | None = None) -> None:
    """Awaits one shutdown step for at most `seconds`; an overrun or a failure is logged, never raised.

    `seconds` is STOP_STEP_SECONDS unless given; `math.inf` waits as long as the step takes.
    Not `asyncio.wait_for`: it waits for the cancelled step to finish, which is exactly what a stuck
    step never does.
    """
    seconds = STOP_STEP_SECONDS if seconds is None else seconds
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=None if math.isinf(seconds) else seconds)
    if not done:
        _log.warning("shutdown: %s did not finish within %.1fs; going on without it", what, seconds)
        task.cancel()
        return
    if not task.cancelled() and (error := task.exception()) is not None:
        _log.error("shutdown: stopping %s failed", what, exc_info=error)
