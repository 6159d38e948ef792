"""Bounded in-process memos: a dict that forgets its oldest entry once it holds its bound."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(memo: dict[K, V], key: K, value: V, *, bound: int) -> V:
    """Stores `value` under `key` and returns it; a new key in a full memo first evicts the oldest entry.

    Oldest by insertion, which dicts keep in order: enough for a bound on memory, and free of the
    bookkeeping a least-recently-used order would add to every hit.
    """
    if len(memo) >= bound and key not in memo:
        del memo[next(iter(memo))]
    memo[key] = value
    return value
