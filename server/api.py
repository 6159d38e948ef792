"""The services of the public API (package helpdesk.v1), as descriptors from the generated code."""

from __future__ import annotations

from google.protobuf.descriptor import ServiceDescriptor

from helpdesk.v1 import (
    assignment_service_pb2,
    auth_service_pb2,
    canned_response_service_pb2,
    chat_service_pb2,
    knowledge_service_pb2,
    macro_service_pb2,
    privacy_service_pb2,
    report_service_pb2,
    sla_service_pb2,
    ticket_service_pb2,
    user_service_pb2,
)

API_SERVICES: tuple[ServiceDescriptor, ...] = (
    auth_service_pb2.DESCRIPTOR.services_by_name["AuthService"],
    user_service_pb2.DESCRIPTOR.services_by_name["UserService"],
    ticket_service_pb2.DESCRIPTOR.services_by_name["TicketService"],
    chat_service_pb2.DESCRIPTOR.services_by_name["ChatService"],
    knowledge_service_pb2.DESCRIPTOR.services_by_name["KnowledgeService"],
    assignment_service_pb2.DESCRIPTOR.services_by_name["AssignmentService"],
    sla_service_pb2.DESCRIPTOR.services_by_name["SlaService"],
    canned_response_service_pb2.DESCRIPTOR.services_by_name["CannedResponseService"],
    macro_service_pb2.DESCRIPTOR.services_by_name["MacroService"],
    privacy_service_pb2.DESCRIPTOR.services_by_name["PrivacyService"],
    report_service_pb2.DESCRIPTOR.services_by_name["ReportService"],
)
