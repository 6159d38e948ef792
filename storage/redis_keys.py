"""Every Redis key the server uses, named in one place (all under `helpdesk:`).

Values and TTLs are the owning module's business; names are decided here so that keys of
different features can never collide and can be found with `SCAN MATCH helpdesk:<feature>:*`.
"""

from __future__ import annotations

import hashlib
import uuid

PREFIX = "helpdesk:"


def login_failures_for_account(email: str) -> str:
    """Counter of recent failed sign-ins of one account (normalised email, hashed: no emails in Redis)."""
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"{PREFIX}login-failures:account:{digest}"


def login_failures_for_ip(client_ip: str) -> str:
    """Counter of recent failed sign-ins from one client address."""
    return f"{PREFIX}login-failures:ip:{client_ip}"


def login_counter_update(update_id: str) -> str:
    """Marks one update of sign-in counters (an attempt counted, one taken back) as applied (short-lived)."""
    return f"{PREFIX}login-failures:applied:{update_id}"


def principal(session_id: uuid.UUID) -> str:
    """Cached caller (user id and current role) of one signed-in session."""
    return f"{PREFIX}principal:{session_id}"


def revoked_session(session_id: uuid.UUID) -> str:
    """Marker that a session was revoked, so that a racing cache write cannot resurrect it."""
    return f"{PREFIX}revoked-session:{session_id}"


def invalidations() -> str:
    """Pub/sub channel announcing changes every replica drops from its in-process caches.

    Payload `<kind>:<key>,...` (see storage.redis.invalidations). Named when it carried revoked
    sessions only, whose bare id lists it still carries: replicas of either version hear each other.
    """
    return f"{PREFIX}principal:revocations"


def ticket_changes() -> str:
    """Pub/sub channel of after-commit wake-ups of ticket watchers (payload: the change's log position)."""
    return f"{PREFIX}tickets:changes"


def chat_events(chat_id: uuid.UUID) -> str:
    """Pub/sub channel of one chat: after-commit wake-ups carrying its events (messages, typing, ...)."""
    return f"{PREFIX}chat:events:{chat_id}"


def chat_queue_events() -> str:
    """Pub/sub channel of the queue of waiting chats (chats added and removed)."""
    return f"{PREFIX}chat:queue-events"


def chat_agent_events() -> str:
    """Pub/sub channel of agents whose own chats changed (payload: their ids), for their queue watchers."""
    return f"{PREFIX}chat:agent-events"


def chat_typing(chat_id: uuid.UUID, user_id: uuid.UUID) -> str:
    """Marker that a participant is typing in a chat (lapses with its TTL)."""
    return f"{PREFIX}chat:typing:{chat_id}:{user_id}"


def agent_presence(user_id: uuid.UUID) -> str:
    """An agent's availability (ONLINE/AWAY) with a TTL; absent means OFFLINE."""
    return f"{PREFIX}chat:presence:{user_id}"


def rate_limit(budget: str, scope: str, subject: str) -> str:
    """GCRA state (theoretical arrival time) of one rate budget of one client address or user."""
    return f"{PREFIX}rate:{budget}:{scope}:{subject}"


def knowledge_version(scope: str) -> str:
    """Version of one scope of cached knowledge-base pages (`search`, `browse`): bumped by writes."""
    return f"{PREFIX}kb:version:{scope}"


def knowledge_article_version(article_id: uuid.UUID) -> str:
    """Version of one article's cached read: bumped by its writes and by flushed views."""
    return f"{PREFIX}kb:article-version:{article_id}"


def knowledge_article(article_id: uuid.UUID, version: int) -> str:
    """Cached article (JSON) at one article version."""
    return f"{PREFIX}kb:article:{article_id}:{version}"


def knowledge_slug(slug: str) -> str:
    """Cached slug -> article id (slugs never change; a deleted article's entry is removed)."""
    return f"{PREFIX}kb:slug:{slug}"


def knowledge_page(scope: str, version: int, digest: str) -> str:
    """Cached search/list/categories answer for one request digest at one version of its scope."""
    return f"{PREFIX}kb:page:{scope}:{version}:{digest}"


def knowledge_encoded_page(scope: str, digest: str) -> str:
    """Cached serialized answer for one request digest; its value starts with the scope version it holds."""
    return f"{PREFIX}kb:encoded-page:{scope}:{digest}"


def knowledge_pending_views() -> str:
    """Hash of article id -> views not yet written to PostgreSQL."""
    return f"{PREFIX}kb:views:pending"


def knowledge_view_marker(view_id: str) -> str:
    """Marks one view as counted (short-lived): the same view sent again is not counted twice."""
    return f"{PREFIX}kb:views:seen:{view_id}"


def knowledge_flushing_views(token: str) -> str:
    """Views taken from the pending hash by one flush in progress (renamed, so new views go on)."""
    return f"{PREFIX}kb:views:flushing:{token}"
