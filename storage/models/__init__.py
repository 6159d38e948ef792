"""Every table of the schema; importing this package registers them all on `Base.metadata`."""

from storage.models.assignment import AssignmentAgent, AssignmentSettings
from storage.models.auth import AuthSession, RefreshToken
from storage.models.base import Base
from storage.models.canned_responses import CannedResponse
from storage.models.chat import Chat, ChatMessage, ChatState, ChatStateType
from storage.models.idempotency import IdempotencyKey
from storage.models.knowledge import Article, ArticleState, ArticleVote
from storage.models.macros import Macro
from storage.models.privacy import PrivacyEvent
from storage.models.reports import (
    ReportCursor,
    ReportTicketBacklog,
    ReportTicketDuration,
    ReportTicketFact,
    ReportTicketHour,
)
from storage.models.retention import RetentionPolicyRow
from storage.models.sla import SlaPolicy
from storage.models.ticket_changes import TicketChange, TicketChangeLog
from storage.models.tickets import Ticket, TicketEvent, TicketMessage
from storage.models.user import RoleType, User

__all__ = [
    "Article",
    "ArticleState",
    "ArticleVote",
    "AssignmentAgent",
    "AssignmentSettings",
    "AuthSession",
    "Base",
    "CannedResponse",
    "Chat",
    "ChatMessage",
    "ChatState",
    "ChatStateType",
    "IdempotencyKey",
    "Macro",
    "PrivacyEvent",
    "RefreshToken",
    "ReportCursor",
    "ReportTicketBacklog",
    "ReportTicketDuration",
    "ReportTicketFact",
    "ReportTicketHour",
    "RetentionPolicyRow",
    "RoleType",
    "SlaPolicy",
    "Ticket",
    "TicketChange",
    "TicketChangeLog",
    "TicketEvent",
    "TicketMessage",
    "User",
]
