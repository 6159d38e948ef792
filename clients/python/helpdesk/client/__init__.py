"""The hand-written Helpdesk client, beside the generated messages and stubs of `helpdesk.v1`.

Public surface:

- HelpdeskClient        async client: sign-in, tokens refreshed, deadlines, retries, typed stubs
- SyncHelpdeskClient   the same from blocking code
- HelpdeskError       the one exception type (code, message, decoded google.rpc details)
- ErrorReason         every ErrorInfo reason the server sends (`error.error_reason == ErrorReason.Value(...)`)
- ResumableChatStream  StreamChat that resumes from the last seen seq
- Conversation        Converse (bidirectional) that resumes and re-sends pending messages
- ResumableTicketWatch  WatchTickets that resumes from the last cursor
"""

from helpdesk.client.chat import Conversation, ResumableChatStream, ResumePolicy, collect_messages
from helpdesk.client.client import HelpdeskClient
from helpdesk.client.config import CallPolicy, is_idempotent, service_config
from helpdesk.client.errors import HelpdeskError
from helpdesk.client.session import Session, Tokens
from helpdesk.client.sync import SyncHelpdeskClient
from helpdesk.client.tickets import ResumableTicketWatch
from helpdesk.v1.error_reason_pb2 import ErrorReason

__all__ = [
    "CallPolicy",
    "Conversation",
    "ErrorReason",
    "HelpdeskClient",
    "HelpdeskError",
    "ResumableChatStream",
    "ResumableTicketWatch",
    "ResumePolicy",
    "Session",
    "SyncHelpdeskClient",
    "Tokens",
    "collect_messages",
    "is_idempotent",
    "service_config",
]
