"""One repository per aggregate. Repositories take the unit of work's session and never commit."""

from storage.repositories.articles import ArticleRepository
from storage.repositories.assignment import AssignmentRepository
from storage.repositories.canned_responses import CannedResponseRepository
from storage.repositories.chat import ChatRepository
from storage.repositories.idempotency import IdempotencyRepository
from storage.repositories.macros import MacroRepository
from storage.repositories.personal_data import PersonalDataRepository
from storage.repositories.refresh_tokens import RefreshTokenRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.retention import RetentionRepository
from storage.repositories.sessions import AuthSessionRepository
from storage.repositories.sla_policies import SlaPolicyRepository
from storage.repositories.ticket_changes import TicketChangeRepository
from storage.repositories.ticket_sla import TicketSlaRepository
from storage.repositories.tickets import TicketRepository
from storage.repositories.users import UserRepository

__all__ = [
    "ArticleRepository",
    "AssignmentRepository",
    "AuthSessionRepository",
    "CannedResponseRepository",
    "ChatRepository",
    "IdempotencyRepository",
    "MacroRepository",
    "PersonalDataRepository",
    "RefreshTokenRepository",
    "ReportRepository",
    "RetentionRepository",
    "SlaPolicyRepository",
    "TicketChangeRepository",
    "TicketRepository",
    "TicketSlaRepository",
    "UserRepository",
]
