"""The caller's deadline bounds the handler: it is stopped a little before it and the call ends DEADLINE_EXCEEDED.

A unary handler runs under one timer on the call's own task (`DeadlineTimer`, part of the call's
object); a streaming handler's every pull of a response runs under `asyncio.timeout_at` (`before`).
Either way the handler is stopped by cancellation, which the interceptor turns into
`DeadlinePassed` and from there into our own DEADLINE_EXCEEDED with its ErrorInfo, sent before
grpc's bare one at the deadline itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import grpc.aio

from server.core.context import CallInfo, call_or_none

_T = TypeVar("_T")

# Past this, a "deadline" is the absence of one (grpc reports none as None, some clients send years).
_NO_DEADLINE_SECONDS = 10 * 365 * 24 * 3600.0
# A caller's deadline passes before ours by the time its request took to reach us (transit, queueing
# on a busy server), and its expiry reaches us as a plain cancellation: one this close to our
# deadline is counted as the expiry the caller saw.
_DEADLINE_SLACK_SECONDS = 0.25
# The handler is stopped a little before the caller's deadline (a tenth of the time left, within
# these bounds), so that our DEADLINE_EXCEEDED with its ErrorInfo is sent before grpc's own bare
# one at the deadline itself, even when a busy event loop wakes the timer late.
_SHORTEST_REPLY_SECONDS = 0.05
_LONGEST_REPLY_SECONDS = 0.25
# How often far deadlines are looked at, and how far ahead of its moment a call's timer is armed.
_DEADLINE_SWEEP_SECONDS = 0.5
_DEADLINE_ARM_AHEAD_SECONDS = 2 * _DEADLINE_SWEEP_SECONDS


class DeadlinePassed(Exception):
    """The handler was stopped because the caller's deadline passed."""


def call_deadline(loop: asyncio.AbstractEventLoop, context: grpc.aio.ServicerContext[Any, Any]) -> float | None:
    """The caller's deadline on `loop`'s clock, or None if it set none."""
    # The loop's clock is read first, so the deadline worked out is never later than grpc's own.
    now = loop.time()
    remaining = context.time_remaining()
    if remaining is None or remaining >= _NO_DEADLINE_SECONDS:
        return None
    return now + remaining


def expired_by_caller(deadline: float | None) -> bool:
    """Whether a cancelled call was cancelled by its deadline (grpc's own, racing ours) rather than by its caller."""
    return deadline is not None and asyncio.get_running_loop().time() >= deadline - _DEADLINE_SLACK_SECONDS


class DeadlineTimer(CallInfo):
    """A call's facts (`CallInfo`) and its unary handler's deadline timer.

    The timer cancels the call's task at `_reply_by(deadline)`: what `asyncio.timeout_at` does, in
    less. Used inline around the awaited handler (`start_timer` before it, `raise_if_expired` in
    its CancelledError handler, `stop_timer` in its finally). As with asyncio.timeout, only the
    timer's own cancellation becomes DeadlinePassed: a cancellation from elsewhere (the caller
    went away) stays one.

    The timer is armed only once the moment comes near (see `DeadlineWatch`): most calls carry a
    deadline of many seconds and end in milliseconds, and a loop timer armed and cancelled on
    every call cost about a tenth of a bare call.

    Part of the call's one object (the interceptor's call extends it), made without `__init__`:
    a call's facts, its caller and its timer were four objects and two contextvars, a fifth of the
    interceptor's cost.
    """

    __slots__ = ("_cancelling", "_handle", "_pending", "_task", "_watch", "deadline", "reply_by")

    # The caller's deadline on the event loop's clock (None: the caller set none).
    deadline: float | None
    # When the timer stops the handler (loop clock).
    reply_by: float
    # The call's task while the timer runs (the call is in the task's context: kept longer, a cycle).
    _task: asyncio.Task[Any] | None
    # The task's cancellation requests when the timer started.
    _cancelling: int
    # Whether the timer has cancelled the task and that request is not yet taken back (uncancel).
    _pending: bool
    _watch: DeadlineWatch
    # The loop timer, once armed (at once for a near moment, else by the watch's sweep).
    _handle: asyncio.TimerHandle | None

    def start_timer(self, watch: DeadlineWatch) -> None:
        """Arms the timer for the call's deadline, or has `watch` arm it when the moment comes near."""
        # Every call with a deadline runs this and `stop_timer`: plain statements, no calls that
        # can be spared (min and max alone were a sixth of the timer's cost).
        task: Any = _current_task()
        self._task = task
        self._cancelling = task.cancelling()
        self._pending = False
        self._watch = watch
        loop = watch.loop
        now = loop.time()
        self.reply_by = reply_by = _reply_by(self.deadline, now)  # type: ignore[arg-type] # set: a deadline
        if reply_by - now <= _DEADLINE_ARM_AHEAD_SECONDS:
            self._handle = loop.call_at(reply_by, self._expire)
        else:
            self._handle = None
            watch.watched[self] = None
            if not watch.sweeping:
                watch.start_sweeping()

    def arm(self) -> None:
        """Starts the loop timer (at once if the moment has passed)."""
        self._handle = self._watch.loop.call_at(self.reply_by, self._expire)

    def _expire(self) -> None:
        self._pending = True
        self._task.cancel()  # type: ignore[union-attr] # armed: a task until stopped

    def raise_if_expired(self) -> None:
        """Turns the timer's own cancellation into DeadlinePassed (call while handling CancelledError)."""
        if self._pending:
            self._pending = False
            if self._task.uncancel() <= self._cancelling:  # type: ignore[union-attr] # pending: a task
                raise DeadlinePassed

    def stop_timer(self) -> None:
        """Stops the timer (the handler finished, one way or another)."""
        handle = self._handle
        if handle is None:
            self._watch.watched.pop(self, None)
        else:
            handle.cancel()
        if self._pending:
            # The handler swallowed the cancellation: take the request back, as asyncio.timeout does.
            self._pending = False
            self._task.uncancel()  # type: ignore[union-attr] # pending: a task
        self._task = None


_current_task = asyncio.current_task


def task_bound() -> float | None:
    """When the current task is cancelled by its call's deadline timer (loop clock), or None if no timer will.

    What the hot reads ask (`storage.db.bound_reads_by`): a read a cancellation ends sooner than
    its command timeout would needs no timer of its own. Only the call's own task, while the
    timer runs and has not fired: a task the handler started, or a handler that swallowed the
    cancellation, is bounded by nothing.
    """
    call = call_or_none()
    if isinstance(call, DeadlineTimer):
        task = getattr(call, "_task", None)
        if task is not None and not call._pending and task is _current_task():
            return call.reply_by
    return None


def _reply_by(deadline: float, now: float) -> float:
    """When a handler running against `deadline` is stopped (loop clock): a little before it."""
    margin = (deadline - now) / 10
    if margin > _LONGEST_REPLY_SECONDS:
        return deadline - _LONGEST_REPLY_SECONDS
    if margin < _SHORTEST_REPLY_SECONDS:
        return deadline - _SHORTEST_REPLY_SECONDS
    return deadline - margin


class DeadlineWatch:
    """The deadline timers of one event loop whose moment is still far: armed by a sweep when it comes near.

    The sweep runs every `_DEADLINE_SWEEP_SECONDS` while any timer waits, and arms each one
    whose moment falls within `_DEADLINE_ARM_AHEAD_SECONDS` (two sweeps): every timer is armed
    before its moment and fires exactly when it would have had it been armed at the call's start.
    """

    __slots__ = ("loop", "sweeping", "watched")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # An insertion-ordered set: adding and removing a call is one dict operation each.
        self.watched: dict[DeadlineTimer, None] = {}
        # Whether a sweep is scheduled (it stops when no timer waits).
        self.sweeping = False

    def start_sweeping(self) -> None:
        """Schedules the sweep (call after adding a call while none is scheduled)."""
        self.sweeping = True
        self.loop.call_later(_DEADLINE_SWEEP_SECONDS, self._sweep)

    def _sweep(self) -> None:
        horizon = self.loop.time() + _DEADLINE_ARM_AHEAD_SECONDS
        due = [call for call in self.watched if call.reply_by <= horizon]
        for call in due:
            del self.watched[call]
            call.arm()
        if self.watched:
            self.loop.call_later(_DEADLINE_SWEEP_SECONDS, self._sweep)
        else:
            self.sweeping = False


async def before(deadline: float, step: Awaitable[_T]) -> _T:
    """Awaits `step`, cancelling it just before `deadline` (loop clock) with DeadlinePassed."""
    scope = asyncio.timeout_at(_reply_by(deadline, asyncio.get_running_loop().time()))
    try:
        async with scope:
            return await step
    except TimeoutError as exc:
        # Only the deadline's own expiry: a TimeoutError of the handler's stays its own.
        if scope.expired():
            raise DeadlinePassed from exc
        raise
