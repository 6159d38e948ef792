"""Redis behind adapters: one module per concern, the key names of `storage.redis_keys`, one failure type.

    client.py             create_redis: the process's client (short timeouts: a dead Redis fails fast);
                          PipelinedConnection: one shared connection for a few hot commands
    chat_wakeups.py       chat and queue wake-ups between replicas (pub/sub, origin-tagged)
    errors.py             RedisUnavailable: what every adapter raises when Redis cannot answer
    knowledge_cache.py    the knowledge base's cached articles and pages and their version keys
    login_attempts.py     sign-in attempt counters per account and address (one Lua script)
    presence.py           agents' availability keys (with a TTL)
    principals.py         cached callers of sessions, revocation markers, the revocations channel
    rate_limits.py        GCRA budgets per address and user (one Lua script on Redis's clock)
    ticket_wakeups.py     ticket-change wake-ups between replicas (pub/sub, origin-tagged)
    typing_indicators.py  chat typing indicators (with a TTL)
    view_counts.py        article views pending a flush to PostgreSQL

Adapters decide nothing: whether an unavailable Redis refuses the call (fail closed) or is
worked around (fail open) is the calling domain's decision, made where it catches RedisUnavailable.
"""

from storage.redis.client import create_redis
from storage.redis.errors import RedisUnavailable

__all__ = ["RedisUnavailable", "create_redis"]
