"""Input checks and object-level access rules of live chat (who may see, and who may act in, a chat)."""

from __future__ import annotations

import uuid

from server.core.context import Principal
from server.core.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from server.core.validation import reject_nul
from storage.models import Chat, ChatState

MAX_BODY_LENGTH = 4000
MAX_TOPIC_LENGTH = 200
MAX_FEEDBACK_LENGTH = 2000
MAX_REQUEST_ID_LENGTH = 100


def parse_chat_id(value: str, *, field: str) -> uuid.UUID:
    """A chat id from its text form; InvalidArgument on `field` if missing or not a UUID."""
    if not value:
        raise InvalidArgument.field(field, "is required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid chat id (a UUID)") from None


def check_body(body: str, *, field: str) -> str:
    """A message body: 1 to 4,000 characters, not only whitespace, no NUL (kept as written)."""
    if not body.strip():
        raise InvalidArgument.field(field, "must not be empty")
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidArgument.field(field, f"must be at most {MAX_BODY_LENGTH} characters")
    reject_nul(body, field=field)
    return body


def check_request_id(request_id: str, *, field: str = "request_id") -> str | None:
    """An idempotency key (AIP-155: a UUID), or None when not given."""
    if not request_id:
        return None
    try:
        uuid.UUID(request_id)
    except ValueError:
        raise InvalidArgument.field(field, "must be a UUID (AIP-155)") from None
    return request_id


def ensure_visible(chat: Chat | None, principal: Principal) -> Chat:
    """The chat if the caller may see it: its customer, or any agent or administrator.

    Anyone else gets NotFound, exactly as for a chat that does not exist.
    """
    if chat is None or not (principal.is_staff or chat.customer_id == principal.user_id):
        raise NotFound("chat not found")
    return chat


def is_participant(chat: Chat, principal: Principal) -> bool:
    """Whether the caller is the chat's customer or its agent."""
    return principal.user_id in (chat.customer_id, chat.agent_id)


def ensure_participant(chat: Chat, principal: Principal) -> None:
    """PermissionDenied (NOT_A_PARTICIPANT) unless the caller is the chat's customer or agent."""
    if not is_participant(chat, principal):
        raise PermissionDenied("only the chat's customer and its agent may do this", reason="NOT_A_PARTICIPANT")


def ensure_not_ended(chat: Chat) -> None:
    """FailedPrecondition (CHAT_ENDED) for an ended chat."""
    if chat.status is ChatState.ENDED:
        raise FailedPrecondition("the chat has ended", reason="CHAT_ENDED")
