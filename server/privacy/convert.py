"""Personal data: domain records -> protobuf, each object shown as its owner's own reads show it."""

from __future__ import annotations

from helpdesk.v1 import article_pb2, personal_data_pb2, retention_policy_pb2
from server.chat.convert import chat_to_proto
from server.chat.convert import message_to_proto as chat_message_to_proto
from server.privacy.domain import Export
from server.tickets.convert import message_to_proto as ticket_message_to_proto
from server.tickets.convert import ticket_to_proto
from server.users.convert import user_to_proto
from storage.models import PrivacyEvent, RetentionPolicyRow


def export_to_proto(export: Export) -> personal_data_pb2.PersonalDataExport:
    """The whole export as one message (one JSON document through the gateway)."""
    message = personal_data_pb2.PersonalDataExport(profile=user_to_proto(export.user))
    message.export_time.FromDatetime(export.export_time)
    for ticket, ticket_messages in export.tickets:
        message.tickets.append(
            personal_data_pb2.ExportedTicket(
                # The customer's view: public messages only, and counted as the customer counts them.
                ticket=ticket_to_proto(ticket, staff=False),
                messages=[ticket_message_to_proto(record) for record in ticket_messages],
            )
        )
    for view, chat_messages in export.chats:
        message.chats.append(
            personal_data_pb2.ExportedChat(
                chat=chat_to_proto(view), messages=[chat_message_to_proto(record) for record in chat_messages]
            )
        )
    for vote in export.votes:
        exported = personal_data_pb2.ExportedArticleVote(
            article_id=str(vote.article_id),
            article_title=vote.article_title,
            vote=article_pb2.ARTICLE_VOTE_HELPFUL if vote.vote.helpful else article_pb2.ARTICLE_VOTE_NOT_HELPFUL,
        )
        exported.create_time.FromDatetime(vote.vote.create_time)
        exported.update_time.FromDatetime(vote.vote.update_time)
        message.article_votes.append(exported)
    for session in export.sessions:
        exported_session = personal_data_pb2.ExportedSession(
            client_ip=session.client_ip or "", user_agent=session.user_agent or ""
        )
        exported_session.create_time.FromDatetime(session.create_time)
        if session.last_refresh_time is not None:
            exported_session.last_refresh_time.FromDatetime(session.last_refresh_time)
        if session.revoke_time is not None:
            exported_session.revoke_time.FromDatetime(session.revoke_time)
        message.sessions.append(exported_session)
    return message


def erasure_to_proto(event: PrivacyEvent) -> personal_data_pb2.CustomerErasure:
    """The audit record of an erasure."""
    figures = event.figures
    message = personal_data_pb2.CustomerErasure(
        user_id=str(event.subject_id),
        erased_by_id=str(event.actor_id) if event.actor_id else "",
        tickets=int(figures.get("tickets", 0)),
        ticket_messages=int(figures.get("ticket_messages", 0)),
        chats=int(figures.get("chats", 0)),
        chat_messages=int(figures.get("chat_messages", 0)),
        sessions_ended=int(figures.get("sessions_ended", 0)),
    )
    message.erase_time.FromDatetime(event.create_time)
    return message


def policy_to_proto(policy: RetentionPolicyRow) -> retention_policy_pb2.RetentionPolicy:
    """The retention policy and the job's last pass."""
    message = retention_policy_pb2.RetentionPolicy(
        closed_ticket_days=policy.closed_ticket_days,
        ended_chat_days=policy.ended_chat_days,
        updated_by_id=str(policy.updated_by_id) if policy.updated_by_id else "",
        last_run_deleted_tickets=policy.last_run_deleted_tickets,
        last_run_deleted_chats=policy.last_run_deleted_chats,
        etag=policy.etag,
    )
    if policy.update_time is not None:
        message.update_time.FromDatetime(policy.update_time)
    if policy.last_run_time is not None:
        message.last_run_time.FromDatetime(policy.last_run_time)
    return message
