"""Article views counted in one Redis hash shared by every replica, taken whole by each flush.

Each view carries an id of its own and is counted by a script that first claims a short-lived
marker under that id (`SET NX`): sending the same view again counts nothing. That is what lets a
caller whose increment went unanswered (a timeout: Redis may or may not have applied it) send it
again later instead of counting it somewhere else, so a view is never counted twice.

A flush takes the pending hash, and gives it back, the same way: by a script that runs once under
the flush's token, so that asking again after a lost answer, or a lost ask that Redis runs late,
neither strands views in a key no flush reads nor counts them twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from storage import redis_keys
from storage.redis.errors import unavailable_as_one_error

_log = logging.getLogger(__name__)

# How long a view's marker outlives its increment: a view left unanswered must be sent again
# within this time (a flush does it within seconds), or it is dropped rather than risk a second count.
VIEW_MARKER_SECONDS = 600

# KEYS[1] the pending hash, KEYS[2] this view's marker; ARGV[1] article id, ARGV[2] marker lifetime.
# 1 if the view was counted now, 0 if it had been counted already.
_COUNT_ONCE = """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
  return 1
end
return 0
"""

# KEYS[1] the pending hash, KEYS[2] the flush's own key, KEYS[3] the flush's marker; ARGV[1] marker
# lifetime. The first run under a token moves the pending hash to the flush's key (unless that key
# still holds counts); every run returns what the flush's key holds. So a take whose answer was lost
# is asked again under the same token and reads the same counts, and a lost ask that Redis runs late
# (after a later ask, even after the flush finished) takes nothing: no view lands where no flush reads.
_TAKE_ONCE = """
if redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[1])
    and redis.call('EXISTS', KEYS[2]) == 0
    and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
end
return redis.call('HGETALL', KEYS[2])
"""

# KEYS[1] the pending hash, KEYS[2] the flush's own key: its counts added back, the key dropped. Run
# again (a retry, a late run), it finds the key gone and adds nothing.
_GIVE_BACK_ONCE = """
local taken = redis.call('HGETALL', KEYS[2])
for i = 1, #taken, 2 do
  redis.call('HINCRBY', KEYS[1], taken[i], taken[i + 1])
end
redis.call('DEL', KEYS[2])
return #taken / 2
"""


class PendingViews:
    """Counts views and hands them to a flush; raises RedisUnavailable when Redis cannot answer."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._count_once = redis.register_script(_COUNT_ONCE)
        self._take_once = redis.register_script(_TAKE_ONCE)
        self._give_back_once = redis.register_script(_GIVE_BACK_ONCE)

    async def add(self, article_id: uuid.UUID, view_id: str) -> None:
        """Counts the view `view_id` of the article, unless a view under that id was counted already."""
        with unavailable_as_one_error():
            await self._count(article_id, view_id, self._redis)

    async def add_again(self, views: Sequence[tuple[uuid.UUID, str]]) -> None:
        """Sends views whose first `add` went unanswered, in one round trip; each is counted at most once."""
        with unavailable_as_one_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                for article_id, view_id in views:
                    await self._count(article_id, view_id, pipe)
                await pipe.execute()

    async def _count(self, article_id: uuid.UUID, view_id: str, client: Redis | Pipeline) -> None:
        await self._count_once(
            keys=[redis_keys.knowledge_pending_views(), redis_keys.knowledge_view_marker(view_id)],
            args=[str(article_id), VIEW_MARKER_SECONDS],
            client=client,
        )

    async def take(self, token: str) -> dict[uuid.UUID, int]:
        """The counts taken under `token`: the pending hash moved to the token's key, once ({} if none).

        Asking again with the same token (its answer was lost) reads the same counts; it never takes
        the views counted since, even when an earlier, unanswered ask runs late.
        """
        with unavailable_as_one_error():
            raw = await self._take_once(
                keys=[
                    redis_keys.knowledge_pending_views(),
                    redis_keys.knowledge_flushing_views(token),
                    # A marker beside the views' own: this take has run (its key may be empty by now).
                    redis_keys.knowledge_view_marker(f"take:{token}"),
                ],
                args=[VIEW_MARKER_SECONDS],
            )
        counts: dict[uuid.UUID, int] = {}
        for key, value in zip(raw[::2], raw[1::2], strict=True):
            try:
                counts[uuid.UUID(str(key))] = int(value)
            except ValueError:
                _log.warning("ignoring malformed pending view entry %r=%r", key, value)
        return counts

    async def forget(self, token: str) -> None:
        """Deletes the counts taken under `token` (they were written to PostgreSQL)."""
        with unavailable_as_one_error():
            await self._redis.delete(redis_keys.knowledge_flushing_views(token))

    async def give_back(self, token: str) -> None:
        """Merges the counts taken under `token` back into the pending hash (the write failed), once."""
        with unavailable_as_one_error():
            await self._give_back_once(
                keys=[redis_keys.knowledge_pending_views(), redis_keys.knowledge_flushing_views(token)]
            )
