"""Chat sessions: start, read, list, accept (one winner), transfer, end, rate; read receipts and typing.

Transport-free. Every state change is one conditional UPDATE in one transaction, so concurrent
callers cannot both win; events go to streams only after commit. Visibility: a customer sees only
their own chats (anything else is NOT_FOUND); agents and administrators see all. Only the chat's
customer and agent are participants (send, type, mark read).
"""

from __future__ import annotations

import uuid

from helpdesk.v1 import chat_event_pb2, chat_pb2
from server.chat.convert import STATE_TO_PROTO, chat_to_proto, message_to_proto
from server.chat.fanout import ChatFanout
from server.chat.hooks import ChatAssignmentHook
from server.chat.messages import append_message
from server.chat.rules import (
    ensure_not_ended,
    ensure_participant,
    ensure_visible,
    is_participant,
)
from server.chat.typing_indicators import TypingIndicators
from server.chat.validation import (
    MAX_FEEDBACK_LENGTH,
    MAX_TOPIC_LENGTH,
    check_body,
    check_request_id,
    parse_chat_id,
)
from server.core.context import Principal, Role
from server.core.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from server.core.validation import reject_nul
from storage.db import Database
from storage.models import ChatState
from storage.pagination import decode_page_token, encode_page_token, resolve_page_size, time_and_id
from storage.repositories.chat import ChatOrderField
from storage.unit_of_work import UnitOfWork

START_CHAT_SCOPE = "helpdesk.v1.ChatService/StartChat"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class ChatSessions:
    """The life of chats, as customers, agents and administrators drive it."""

    def __init__(
        self,
        *,
        database: Database,
        fanout: ChatFanout,
        typing: TypingIndicators,
        assignment: ChatAssignmentHook | None = None,
    ) -> None:
        self._database = database
        self._fanout = fanout
        self._typing = typing
        self._assignment = assignment

    async def start(
        self, *, principal: Principal, topic: str, message: str, request_id: str
    ) -> tuple[chat_pb2.Chat, bool, chat_pb2.ChatMessage | None]:
        """The customer's open chat, or a new WAITING one; sends `message` into it when given.

        Returns (chat with queue position, created, first message or None). A retry with the
        same `request_id` answers as the first attempt did.
        """
        topic = topic.strip()
        if len(topic) > MAX_TOPIC_LENGTH:
            raise InvalidArgument.field("topic", f"must be at most {MAX_TOPIC_LENGTH} characters")
        reject_nul(topic, field="topic")
        body = check_body(message, field="message") if message else None
        key = check_request_id(request_id)
        scope = f"{START_CHAT_SCOPE}/{principal.user_id}"
        async with self._database.unit_of_work() as uow:
            if key is not None:
                earlier = await uow.idempotency.get(scope=scope, request_id=key)
                if earlier is not None:
                    return await self._answer_again(uow, earlier, key)
            chat = await uow.chats.get_open_for_customer(customer_id=principal.user_id)
            created = False
            if chat is None:
                chat = await uow.chats.add(chat_id=uuid.uuid4(), customer_id=principal.user_id, topic=topic)
                if chat is None:
                    # A concurrent StartChat of the same customer won: answer with its chat.
                    chat = await uow.chats.get_open_for_customer(customer_id=principal.user_id)
                    if chat is None:
                        raise Aborted("a concurrent StartChat interfered; retry", reason="CONCURRENT_START")
                else:
                    created = True
            if key is not None and not await uow.idempotency.put(
                scope=scope, request_id=key, resource_id=f"{chat.id}/{int(created)}"
            ):
                raise Aborted(
                    "a concurrent request with this request_id is running; retry", reason="REQUEST_ID_CONFLICT"
                )
            sent = None
            if body is not None:
                sent = await append_message(
                    uow,
                    chat_id=chat.id,
                    principal=principal,
                    body=body,
                    request_id=key,
                    fanout=self._fanout,
                    typing=self._typing,
                )
            proto = await self._chat_proto(uow, chat.id)
            if created:
                await self._after_commit_queue(uow, chat_added=proto)
                self._after_commit_assign(uow)
        return proto, created, None if sent is None else message_to_proto(sent)

    async def _answer_again(
        self, uow: UnitOfWork, earlier: str, key: str
    ) -> tuple[chat_pb2.Chat, bool, chat_pb2.ChatMessage | None]:
        chat_text, _, created = earlier.partition("/")
        chat_id = uuid.UUID(chat_text)
        proto = await self._chat_proto(uow, chat_id)
        row = await uow.chats.find_message_by_request_id(chat_id=chat_id, request_id=key)
        sent = None
        if row is not None:
            views = await uow.chats.list_messages(chat_id=chat_id, after_seq=row.seq - 1, limit=1)
            sent = message_to_proto(views[0])
        return proto, created == "1", sent

    async def get(self, *, principal: Principal, chat_id: str) -> chat_pb2.Chat:
        """One chat the caller may see (NotFound otherwise)."""
        parsed = parse_chat_id(chat_id, field="id")
        async with self._database.unit_of_work() as uow:
            ensure_visible(await uow.chats.get(chat_id=parsed), principal)
            return await self._chat_proto(uow, parsed)

    async def list_chats(
        self,
        *,
        principal: Principal,
        page_size: int,
        page_token: str,
        statuses: list[ChatState],
        agent_id: str,
        customer_id: str,
        order_by: str,
    ) -> tuple[list[chat_pb2.Chat], str]:
        """A page of chats (customers: only their own) and the next page's token."""
        size = resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        order_field, descending = _parse_order(order_by)
        agent: uuid.UUID | None = None
        without_agent = False
        if agent_id == "me":
            agent = principal.user_id
        elif agent_id == "none":
            without_agent = True
        elif agent_id:
            agent = _parse_uuid(agent_id, field="agent_id")
        customer = _parse_uuid(customer_id, field="customer_id") if customer_id else None
        if principal.role is Role.CUSTOMER:
            if customer is not None and customer != principal.user_id:
                return [], ""
            customer = principal.user_id
        filters = {
            "statuses": sorted(s.value for s in statuses),
            "agent": str(agent) if agent else ("none" if without_agent else ""),
            "customer": str(customer or ""),
            "order": f"{order_field} {descending}",
            "viewer": str(principal.user_id) if principal.role is Role.CUSTOMER else "",
        }
        after = time_and_id(decode_page_token(page_token, filters=filters))
        async with self._database.unit_of_work() as uow:
            views = await uow.chats.list_page(
                limit=size + 1,
                order_field=order_field,
                descending=descending,
                after=after,
                statuses=statuses,
                customer_id=customer,
                agent_id=agent,
                without_agent=without_agent,
            )
            positions = await uow.chats.queue_positions(chats=[v.chat for v in views[:size]])
            chats = [chat_to_proto(v, queue_position=positions.get(v.chat.id, 0)) for v in views[:size]]
        token = ""
        if len(views) > size:
            last = views[size - 1].chat
            key_time = last.create_time if order_field == "create_time" else last.update_time
            token = encode_page_token(position=[key_time.isoformat(), str(last.id)], filters=filters)
        return chats, token

    async def accept(self, *, principal: Principal, chat_id: str) -> chat_pb2.Chat:
        """WAITING -> ACTIVE with the caller as agent; exactly one of racing agents wins."""
        parsed = parse_chat_id(chat_id, field="id")
        async with self._database.unit_of_work() as uow:
            ensure_visible(await uow.chats.get(chat_id=parsed), principal)
            proto = await self.accept_in(uow, chat_id=parsed, agent_id=principal.user_id)
            if proto is None:
                raise FailedPrecondition("the chat is no longer waiting", reason="CHAT_ALREADY_ACCEPTED")
        return proto

    async def accept_in(self, uow: UnitOfWork, *, chat_id: uuid.UUID, agent_id: uuid.UUID) -> chat_pb2.Chat | None:
        """WAITING -> ACTIVE with `agent_id` within `uow` (streams and queue told after commit).

        None if the chat is not (or no longer) waiting: of racing accepts, exactly one gets the chat.
        """
        if await uow.chats.accept(chat_id=chat_id, agent_id=agent_id) is None:
            return None
        proto = await self._chat_proto(uow, chat_id)
        self._after_commit_status(uow, chat_id, proto, previous=ChatState.WAITING)
        await self._after_commit_queue(uow, chat_removed=proto)
        self._after_commit_my_chats(uow, agent_id)
        return proto

    async def transfer(self, *, principal: Principal, chat_id: str, agent_id: str) -> chat_pb2.Chat:
        """Hands an ACTIVE chat to another active agent or administrator."""
        parsed = parse_chat_id(chat_id, field="id")
        target = _parse_uuid(agent_id, field="agent_id", required=True)
        assert target is not None
        async with self._database.unit_of_work() as uow:
            chat = ensure_visible(await uow.chats.get_for_update(chat_id=parsed), principal)
            if principal.role is not Role.ADMIN and chat.agent_id != principal.user_id:
                raise PermissionDenied(
                    "only the chat's agent or an administrator may transfer it", reason="NOT_A_PARTICIPANT"
                )
            if chat.status is not ChatState.ACTIVE:
                raise FailedPrecondition("only an ACTIVE chat can be transferred", reason="CHAT_NOT_ACTIVE")
            if await uow.chats.get_staff(user_id=target) is None:
                raise InvalidArgument.field("agent_id", "must be an active agent or administrator")
            previous = chat.agent_id
            if previous == target:
                return await self._chat_proto(uow, parsed)
            await uow.chats.transfer(chat_id=parsed, agent_id=target)
            self._after_commit_assign(uow)
            proto = await self._chat_proto(uow, parsed)
            event = chat_event_pb2.ChatEvent(
                agent_change=chat_event_pb2.ChatAgentChange(chat=proto, previous_agent_id=str(previous or ""))
            )
            self._after_commit_event(uow, parsed, event)
            self._after_commit_my_chats(uow, previous, target)
        return proto

    async def end(self, *, principal: Principal, chat_id: str) -> chat_pb2.Chat:
        """Ends the chat (participants, administrators); an ENDED chat is returned unchanged."""
        parsed = parse_chat_id(chat_id, field="id")
        async with self._database.unit_of_work() as uow:
            chat = ensure_visible(await uow.chats.get_for_update(chat_id=parsed), principal)
            if not (is_participant(chat, principal) or principal.role is Role.ADMIN):
                raise PermissionDenied(
                    "only the chat's participants or an administrator may end it", reason="NOT_A_PARTICIPANT"
                )
            previous = chat.status
            if previous is ChatState.ENDED:
                return await self._chat_proto(uow, parsed)
            await uow.chats.end(chat_id=parsed, ended_by_id=principal.user_id)
            proto = await self._chat_proto(uow, parsed)
            self._after_commit_status(uow, parsed, proto, previous=previous)
            if previous is ChatState.WAITING:
                await self._after_commit_queue(uow, chat_removed=proto)
            else:
                self._after_commit_assign(uow)
                self._after_commit_my_chats(uow, chat.agent_id)
        return proto

    async def rate(self, *, principal: Principal, chat_id: str, rating: int, feedback: str) -> chat_pb2.Chat:
        """Records the customer's rating (1-5) of their ended chat, once (the same rating again is a no-op)."""
        parsed = parse_chat_id(chat_id, field="id")
        if not 1 <= rating <= 5:
            raise InvalidArgument.field("rating", "must be between 1 and 5")
        if len(feedback) > MAX_FEEDBACK_LENGTH:
            raise InvalidArgument.field("feedback", f"must be at most {MAX_FEEDBACK_LENGTH} characters")
        reject_nul(feedback, field="feedback")
        async with self._database.unit_of_work() as uow:
            chat = ensure_visible(await uow.chats.get_for_update(chat_id=parsed), principal)
            if chat.customer_id != principal.user_id:
                raise PermissionDenied("only the chat's customer may rate it", reason="NOT_THE_CUSTOMER")
            if chat.status is not ChatState.ENDED:
                raise FailedPrecondition("the chat has not ended yet", reason="CHAT_NOT_ENDED")
            if chat.rating is not None:
                # A retry of the rating that was recorded is answered as the first attempt was.
                if chat.rating == rating and (chat.feedback or "") == feedback.strip():
                    return await self._chat_proto(uow, parsed)
                raise FailedPrecondition("the chat has already been rated", reason="CHAT_ALREADY_RATED")
            await uow.chats.rate(chat_id=parsed, rating=rating, feedback=feedback.strip())
            return await self._chat_proto(uow, parsed)

    async def mark_read(self, *, principal: Principal, chat_id: str, last_read_seq: int) -> chat_event_pb2.ReadReceipt:
        """Raises the caller's read receipt (never lowers it) and tells the chat's streams."""
        parsed = parse_chat_id(chat_id, field="chat_id")
        if last_read_seq < 0:
            raise InvalidArgument.field("last_read_seq", "must not be negative")
        async with self._database.unit_of_work() as uow:
            chat = ensure_visible(await uow.chats.get(chat_id=parsed), principal)
            ensure_participant(chat, principal)
            if last_read_seq > chat.last_seq:
                raise InvalidArgument.field("last_read_seq", f"must be at most the chat's last_seq ({chat.last_seq})")
            as_customer = chat.customer_id == principal.user_id
            before = chat.customer_last_read_seq if as_customer else chat.agent_last_read_seq
            value = await uow.chats.mark_read(chat_id=parsed, as_customer=as_customer, seq=last_read_seq)
            receipt = chat_event_pb2.ReadReceipt(user_id=str(principal.user_id), last_read_seq=value or before)
            if value is not None and value > before:
                self._after_commit_event(uow, parsed, chat_event_pb2.ChatEvent(read_receipt=receipt))
                if not as_customer:
                    # The agent's list counts unread messages from this receipt.
                    self._after_commit_my_chats(uow, chat.agent_id)
        return receipt

    async def set_typing(self, *, principal: Principal, chat_id: str, typing: bool) -> chat_event_pb2.TypingIndicator:
        """Shows (renews) or clears the caller's typing indicator."""
        parsed = parse_chat_id(chat_id, field="chat_id")
        async with self._database.unit_of_work() as uow:
            chat = ensure_visible(await uow.chats.get(chat_id=parsed), principal)
            ensure_participant(chat, principal)
            ensure_not_ended(chat)
            user = await uow.users.get(user_id=principal.user_id)
            name = user.display_name if user is not None else ""
        return await self._typing.update(chat_id=parsed, user_id=principal.user_id, display_name=name, typing=typing)

    # --- helpers ----------------------------------------------------------------------------

    async def _chat_proto(self, uow: UnitOfWork, chat_id: uuid.UUID) -> chat_pb2.Chat:
        view = await uow.chats.get_view(chat_id=chat_id)
        if view is None:
            raise NotFound("chat not found")
        return chat_to_proto(view, queue_position=await uow.chats.queue_position(chat=view.chat))

    def _after_commit_event(self, uow: UnitOfWork, chat_id: uuid.UUID, event: chat_event_pb2.ChatEvent) -> None:
        async def publish() -> None:
            await self._fanout.publish_chat_event(chat_id, event)

        uow.after_commit(publish)

    def _after_commit_my_chats(self, uow: UnitOfWork, *agent_ids: uuid.UUID | None) -> None:
        async def publish() -> None:
            await self._fanout.publish_my_chats_changed(*agent_ids)

        uow.after_commit(publish)

    def _after_commit_assign(self, uow: UnitOfWork) -> None:
        # A chat joined the queue or an agent's load changed: waiting chats may find an agent now.
        if self._assignment is not None:
            uow.after_commit(self._assignment.chats_freed)

    def _after_commit_status(
        self, uow: UnitOfWork, chat_id: uuid.UUID, chat: chat_pb2.Chat, *, previous: ChatState
    ) -> None:
        change = chat_event_pb2.ChatStatusChange(chat=chat, previous_status=STATE_TO_PROTO[previous])
        self._after_commit_event(uow, chat_id, chat_event_pb2.ChatEvent(status_change=change))

    async def _after_commit_queue(
        self, uow: UnitOfWork, *, chat_added: chat_pb2.Chat | None = None, chat_removed: chat_pb2.Chat | None = None
    ) -> None:
        event = (
            chat_event_pb2.QueueEvent(chat_added=chat_added)
            if chat_added
            else chat_event_pb2.QueueEvent(chat_removed=chat_removed)
        )

        async def publish() -> None:
            await self._fanout.publish_queue_event(event)

        uow.after_commit(publish)


def _parse_uuid(value: str, *, field: str, required: bool = False) -> uuid.UUID | None:
    if not value:
        if required:
            raise InvalidArgument.field(field, "is required")
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.field(field, "is not a valid id (a UUID)") from None


def _parse_order(order_by: str) -> tuple[ChatOrderField, bool]:
    words = order_by.split()
    if not words:
        return "create_time", True
    field, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
    if field not in ("create_time", "update_time") or len(words) > 2 or direction not in ("asc", "desc"):
        raise InvalidArgument.field("order_by", "must be `create_time` or `update_time`, optionally with ` desc`")
    return ("create_time" if field == "create_time" else "update_time"), direction == "desc"
