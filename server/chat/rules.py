"""Object-level access rules of live chat: who may see, and who may act in, a chat."""

from __future__ import annotations

from server.core.context import Principal
from server.core.errors import FailedPrecondition, NotFound, PermissionDenied
from storage.models import Chat, ChatState


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
