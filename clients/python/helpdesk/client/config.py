"""Channel configuration: default deadlines and the retry policy, as a gRPC service config.

The service config is gRPC's own mechanism (no home-made retry loop): every unary method gets a
default deadline; the methods that are safe to repeat — reads (their `google.api.http` rule is a
GET) and the few writes that are idempotent by design — are retried on UNAVAILABLE with
exponential backoff. Streaming methods have no deadline (chat streams last as long as the chat).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from helpdesk.v1 import (
    assignment_service_pb2,
    auth_service_pb2,
    canned_response_service_pb2,
    chat_service_pb2,
    knowledge_service_pb2,
    macro_service_pb2,
    privacy_service_pb2,
    sla_service_pb2,
    ticket_service_pb2,
    user_service_pb2,
)

SERVICES: tuple[ServiceDescriptor, ...] = (
    auth_service_pb2.DESCRIPTOR.services_by_name["AuthService"],
    user_service_pb2.DESCRIPTOR.services_by_name["UserService"],
    ticket_service_pb2.DESCRIPTOR.services_by_name["TicketService"],
    chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"],
    knowledge_service_pb2.DESCRIPTOR.services_by_name["KnowledgeService"],
    assignment_service_pb2.DESCRIPTOR.services_by_name["AssignmentService"],
    canned_response_service_pb2.DESCRIPTOR.services_by_name["CannedResponseService"],
    macro_service_pb2.DESCRIPTOR.services_by_name["MacroService"],
    privacy_service_pb2.DESCRIPTOR.services_by_name["PrivacyService"],
    sla_service_pb2.DESCRIPTOR.services_by_name["SlaService"],
)

# Writes that may be repeated without changing the outcome (they set a state, they do not add).
IDEMPOTENT_WRITES = frozenset(
    {
        "helpdesk.v1.ChatService.SetTyping",
        "helpdesk.v1.ChatService.MarkRead",
        "helpdesk.v1.ChatService.SetAvailability",
    }
)


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """Deadlines and retries of a client's channel."""

    # Default deadline of unary calls that do not pass `timeout=`.
    unary_timeout_seconds: float = 10.0
    # Attempts in all (the first included) for idempotent calls answered UNAVAILABLE.
    max_attempts: int = 4
    initial_backoff_seconds: float = 0.1
    max_backoff_seconds: float = 2.0
    backoff_multiplier: float = 2.0

    def __post_init__(self) -> None:
        if not 2 <= self.max_attempts <= 5:
            # gRPC caps maxAttempts at 5 and requires at least 2 for a retry policy.
            raise ValueError("max_attempts must be between 2 and 5")


def is_idempotent(method: MethodDescriptor) -> bool:
    """Whether repeating `method` is safe: a GET route, or a write listed in IDEMPOTENT_WRITES."""
    if method.full_name in IDEMPOTENT_WRITES:
        return True
    # Found by name rather than through google.api.annotations_pb2, which carries no type information.
    for field, rule in method.GetOptions().ListFields():
        if field.full_name == "google.api.http":
            return str(rule.WhichOneof("pattern")) == "get"
    return False


def _is_streaming(method: MethodDescriptor) -> bool:
    return bool(method.client_streaming or method.server_streaming)


def service_config(policy: CallPolicy) -> str:
    """The service config JSON (`grpc.service_config` channel option) for `policy`."""
    timeout = f"{policy.unary_timeout_seconds:g}s"
    retry = {
        "maxAttempts": policy.max_attempts,
        "initialBackoff": f"{policy.initial_backoff_seconds:g}s",
        "maxBackoff": f"{policy.max_backoff_seconds:g}s",
        "backoffMultiplier": policy.backoff_multiplier,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    idempotent, other_unary, streaming = [], [], []
    for service in SERVICES:
        for method in service.methods:
            name = {"service": service.full_name, "method": method.name}
            if _is_streaming(method):
                streaming.append(name)
            elif is_idempotent(method):
                idempotent.append(name)
            else:
                other_unary.append(name)
    method_config: list[dict[str, object]] = [
        {"name": idempotent, "timeout": timeout, "retryPolicy": retry},
        {"name": other_unary, "timeout": timeout},
        # Listed without a timeout so that nothing more general gives streams one.
        {"name": streaming},
        # Anything else (health, reflection): the default deadline, no retries.
        {"name": [{}], "timeout": timeout},
    ]
    return json.dumps({"methodConfig": method_config})
