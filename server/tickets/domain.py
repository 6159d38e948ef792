"""Tickets: create (idempotently), read, list, edit, assign, move through the lifecycle, delete.

Transport-free. Visibility: a customer sees only their own tickets; anyone else's ticket is
NotFound for them, exactly as a missing one. Every change writes its audit events in the same
transaction. Field names in errors follow the API requests (`ticket.subject`, `update_mask`, ...).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from server.core.context import Principal, Role
from server.core.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from server.core.validation import FieldChecks, check_tags
from server.tickets.changes import ChangeListener, log_change
from server.tickets.held import HeldTickets
from server.tickets.hooks import TicketAssignmentHook, TicketSlaHook
from server.tickets.listing import (
    ListTicketsQuery,
    StampPage,
    build_filter,
    decode_position,
    encode_position,
    token_filters,
)
from server.tickets.opening import OpeningRulesCache
from server.tickets.transitions import Priority, Status, check_transition
from server.tickets.validation import (
    check_category,
    check_comment,
    check_request_id,
    check_subject,
    check_text,
    parse_ticket_id,
    parse_user_id,
)
from storage.coalesced_reads import CoalescedReads
from storage.db import Database, ReadConnection
from storage.etags import etag_matches
from storage.pagination import decode_page_token, resolve_page_size
from storage.repositories import TicketRepository
from storage.repositories.ticket_listing import SortKey, TicketFilter, read_stamp_rows
from storage.repositories.ticket_records import NewEvent, TicketRecord, TicketView
from storage.repositories.tickets import NOW, NewTicket
from storage.repositories.users import read_user
from storage.unit_of_work import UnitOfWork

_log = logging.getLogger(__name__)

CREATE_TICKET_SCOPE = "helpdesk.v1.TicketService/CreateTicket"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# What UpdateTicket may change, and what the owning customer may change.
UPDATABLE_FIELDS = ("subject", "description", "priority", "category", "tags")
CUSTOMER_FIELDS = frozenset({"subject", "description"})
# Named in an update mask, these have their own methods.
OWN_METHOD_FIELDS = {"status": "ChangeTicketStatus", "assignee_id": "AssignTicket"}


@dataclass(frozen=True, slots=True)
class TicketOpening:
    """A checked CreateTicket request: what to open, for whom, under which idempotency scope and request id."""

    principal: Principal
    subject: str
    description: str
    priority: Priority
    category: str
    tags: list[str]
    customer_id: uuid.UUID
    scope: str
    request_id: str | None


@dataclass(frozen=True, slots=True)
class TicketEdit:
    """New values for UpdateTicket; only the fields named in the mask are read."""

    subject: str = ""
    description: str = ""
    priority: Priority | None = None
    category: str = ""
    tags: Sequence[str] = ()


def not_found() -> NotFound:
    """The one answer for a missing ticket and for someone else's ticket."""
    return NotFound("ticket not found")


def check_etag(etag: str, ticket: TicketRecord) -> None:
    """Aborted (ETAG_MISMATCH) if a non-empty `etag` is not the ticket's current one."""
    if etag and not etag_matches(etag, ticket.version):
        raise Aborted("the ticket was changed since it was read; read it again and retry", reason="ETAG_MISMATCH")


async def load_visible(uow: UnitOfWork, *, principal: Principal, ticket_id: uuid.UUID, lock: bool) -> TicketRecord:
    """The ticket as `principal` may see it (row-locked if `lock`); NotFound otherwise."""
    ticket = await (uow.tickets.lock(ticket_id=ticket_id) if lock else uow.tickets.get(ticket_id=ticket_id))
    if ticket is None or (not principal.is_staff and ticket.customer_id != principal.user_id):
        raise not_found()
    return ticket


async def reread(uow: UnitOfWork, ticket_id: uuid.UUID) -> TicketRecord:
    """The ticket after a change in this transaction."""
    ticket = await uow.tickets.get(ticket_id=ticket_id)
    if ticket is None:
        raise not_found()
    return ticket


async def check_assignee(uow: UnitOfWork, *, user_id: uuid.UUID, field: str) -> None:
    """InvalidArgument (ASSIGNEE_NOT_AGENT) unless staff; FailedPrecondition (ASSIGNEE_INACTIVE) if deactivated."""
    user = await uow.users.get(user_id=user_id)
    if user is None or user.role is Role.CUSTOMER:
        raise InvalidArgument.field(field, "must name an agent or administrator", reason="ASSIGNEE_NOT_AGENT")
    if not user.active:
        raise FailedPrecondition("the assignee is deactivated", reason="ASSIGNEE_INACTIVE")


_Listed = TypeVar("_Listed", TicketView, Sequence[Any])


async def _read_page_views(
    connection: ReadConnection, spec: TicketFilter, after: Sequence[Any] | None, limit: int
) -> list[TicketView]:
    return await TicketRepository(connection).list_page(spec=spec, after=after, limit=limit)


async def _read_page_stamp_rows(
    connection: ReadConnection, spec: TicketFilter, after: Sequence[Any] | None, limit: int
) -> list[Sequence[Any]]:
    return await read_stamp_rows(connection, spec, after=after, limit=limit)


class TicketDesk:
    """The ticket workflow over one database."""

    def __init__(
        self,
        *,
        database: Database,
        changes: ChangeListener | None = None,
        sla: TicketSlaHook | None = None,
        assignment: TicketAssignmentHook | None = None,
        held: HeldTickets | None = None,
    ) -> None:
        self._database = database
        # GetTicket's rows kept in memory (server.tickets.held): only where `changes` drops them.
        self._held = held if changes is not None else None
        self._changes = changes
        self._sla = sla
        self._assignment = assignment
        self._opening = OpeningRulesCache(
            database=database, policies=sla is not None, assignment=assignment is not None
        )
        # GetTicket's reads: those of concurrent callers share a statement.
        self._views: CoalescedReads[uuid.UUID, TicketView] = CoalescedReads(database, _read_views)

    async def create_ticket(
        self,
        *,
        principal: Principal,
        subject: str,
        description: str,
        priority: Priority | None,
        category: str,
        tags: Sequence[str],
        customer_id: str,
        request_id: str,
    ) -> TicketRecord:
        """Opens an OPEN, unassigned ticket; a retry with the same `request_id` returns the first one."""
        checks = FieldChecks()
        clean_subject = checks.run(lambda: check_subject(subject))
        clean_description = checks.run(lambda: check_text(description, field="ticket.description"))
        clean_category = checks.run(lambda: check_category(category))
        clean_tags = checks.run(lambda: check_tags(tags, field="ticket.tags"))
        key = checks.run(lambda: check_request_id(request_id))
        owner: uuid.UUID | None = None
        if principal.is_staff:
            if not customer_id:
                checks.add("ticket.customer_id", "is required: the customer to open the ticket for")
            else:
                owner = checks.run(lambda: parse_user_id(customer_id, field="ticket.customer_id"))
        elif customer_id and customer_id != str(principal.user_id):
            checks.add("ticket.customer_id", "customers open tickets for themselves only")
        else:
            owner = principal.user_id
        checks.raise_if_any()
        assert clean_subject is not None
        assert clean_description is not None
        assert clean_category is not None
        assert clean_tags is not None
        assert owner is not None

        opening = TicketOpening(
            principal=principal,
            subject=clean_subject,
            description=clean_description,
            priority=priority or Priority.MEDIUM,
            category=clean_category,
            tags=clean_tags,
            customer_id=owner,
            scope=f"{CREATE_TICKET_SCOPE}/{principal.user_id}",
            request_id=key,
        )
        ticket = await self._open_at_once(opening)
        if ticket is None:
            return await self._open_in_unit_of_work(opening)
        # Debug, not info: the call's access line and the ticket's CREATED event (with its actor)
        # already record every opening, and a third record per create cost a few percent of the call.
        _log.debug("ticket #%d opened by %s", ticket.number, principal.user_id)
        return ticket

    async def _open_at_once(self, opening: TicketOpening) -> TicketRecord | None:
        """Opens the ticket in one statement when the kept settings say nothing else is to be done.

        None (nothing written) when the ticket is to be assigned automatically, the kept settings
        turn out changed, the request id was used before or a staff member named no customer:
        `_open_in_unit_of_work` answers those, reading everything in its transaction.
        """
        rules = await self._opening.rules()
        level, category = int(opening.priority), opening.category
        if self._assignment is not None:
            assert rules.assignment is not None
            if self._assignment.assigns_new_ticket(rules.assignment, category=category):
                return None
        sla = {} if self._sla is None else self._sla.new_ticket_columns(rules.policy(priority=level, category=category))
        guard, guard_parameters = rules.guard(priority=level, category=category)
        principal = opening.principal
        async with self._database.read_connection() as connection:
            ticket = NewTicket(
                uuid.uuid4(), opening.subject, opening.description, level, category, opening.tags, opening.customer_id
            )
            opened = await TicketRepository(connection).open(
                ticket,
                actor_id=principal.user_id,
                sla=sla,
                key=None if opening.request_id is None else (opening.scope, opening.request_id),
                check_customer=principal.is_staff,
                guard=guard,
                guard_parameters=guard_parameters,
            )
        if opened is None:
            # Most likely the settings changed (else a retry, or a bad customer): read them again next time.
            self._opening.forget(rules)
            return None
        record, position = opened
        if self._changes is not None:
            try:
                # A new ticket: no reply of it is held anywhere yet.
                await self._changes.committed(position, ())
            except Exception:  # noqa: BLE001 - the ticket is committed; waking watchers must not undo the reply
                _log.exception("waking the watchers of ticket #%d failed", record.number)
        return record

    async def _open_in_unit_of_work(self, opening: TicketOpening) -> TicketRecord:
        """Opens the ticket reading the settings in its transaction (or answers with the earlier one)."""
        principal, owner, key = opening.principal, opening.customer_id, opening.request_id
        async with self._database.unit_of_work() as uow:
            ticket_id = uuid.uuid4()
            winner = await uow.idempotency.earlier(scope=opening.scope, request_id=key, resource_id=str(ticket_id))
            if winner is not None:
                # An earlier (or concurrent, now committed) attempt won: answer with its ticket.
                earlier = await uow.tickets.get(ticket_id=uuid.UUID(winner))
                if earlier is None:
                    raise NotFound("the ticket created with this request_id was deleted")
                return earlier
            if principal.is_staff:
                customer = await read_user(uow.session, user_id=owner)
                if customer is None or customer.role != Role.CUSTOMER.value:
                    raise InvalidArgument.field(
                        "ticket.customer_id", "must name a customer", reason="CUSTOMER_NOT_FOUND"
                    )
            level = opening.priority
            sla = (
                None
                if self._sla is None
                else await self._sla.for_new_ticket(uow, priority=int(level), category=opening.category)
            )
            await uow.tickets.add(
                ticket_id=ticket_id,
                subject=opening.subject,
                description=opening.description,
                priority=int(level),
                category=opening.category,
                tags=opening.tags,
                customer_id=owner,
                sla=sla,
            )
            await uow.tickets.add_events(
                events=[
                    NewEvent(
                        ticket_id=ticket_id,
                        type="created",
                        actor_id=principal.user_id,
                        new_status=Status.OPEN.value,
                        new_priority=int(level),
                    )
                ]
            )
            if self._assignment is not None:
                await self._assignment.ticket_opened(uow, ticket_id=ticket_id, category=opening.category)
            ticket = await reread(uow, ticket_id)
            await log_change(uow, listener=self._changes, kind="created", before=None, after=ticket)
        _log.debug("ticket #%d opened by %s", ticket.number, principal.user_id)
        return ticket

    async def get_ticket(self, *, principal: Principal, ticket_id: str) -> TicketView:
        """One ticket; NotFound if it does not exist or is another customer's."""
        held = self._held
        # By the id as the request gives it: a held ticket's is its canonical text (no parsing).
        ticket = None if held is None else held.get(ticket_id)
        if ticket is None:
            parsed = parse_ticket_id(ticket_id)
            generation = 0 if held is None else held.generation
            # The hottest read: no transaction, straight on the driver, one statement for the callers of the moment.
            ticket = await self._views.get(parsed)
            if ticket is not None and held is not None:
                held.put(ticket, generation=generation)
        if ticket is None or (not principal.is_staff and ticket.customer_id != principal.user_id):
            raise not_found()
        return ticket

    async def list_tickets(
        self, *, principal: Principal, query: ListTicketsQuery, page_size: int, page_token: str
    ) -> tuple[list[TicketView], str]:
        """A page of tickets in the requested order and the next page's token ("" on the last page)."""
        return await self._page(principal, query, page_size, page_token, _read_page_views)

    async def list_stamp_page(
        self, *, principal: Principal, query: ListTicketsQuery, page_size: int, page_token: str
    ) -> StampPage:
        """`list_tickets` reading only each ticket's stamp, its token made on demand (a kept page needs none)."""
        read, size, order, filters = await self._read(principal, query, page_size, page_token, _read_page_stamp_rows)
        # What the filters select depends on the caller for customers (their own tickets) and for `me`.
        caller = principal.user_id if not principal.is_staff or query.assignee_id == "me" else None
        return StampPage(read, size, order, filters, (filters, page_token, size, caller))

    async def ticket_views(self, *, ticket_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TicketView]:
        """The tickets of `ticket_ids` (of a page the caller was just given) by id; gone ones are left out."""
        async with self._database.read_connection() as connection:
            return await TicketRepository(connection).views(list(ticket_ids))

    async def _page(
        self,
        principal: Principal,
        query: ListTicketsQuery,
        page_size: int,
        page_token: str,
        read: Callable[[ReadConnection, TicketFilter, Sequence[Any] | None, int], Awaitable[list[TicketView]]],
    ) -> tuple[list[TicketView], str]:
        tickets, size, order, filters = await self._read(principal, query, page_size, page_token, read)
        if len(tickets) <= size:
            return tickets, ""
        return tickets[:size], encode_position(tickets[size - 1], order, filters)

    async def _read(
        self,
        principal: Principal,
        query: ListTicketsQuery,
        page_size: int,
        page_token: str,
        read: Callable[[ReadConnection, TicketFilter, Sequence[Any] | None, int], Awaitable[list[_Listed]]],
    ) -> tuple[list[_Listed], int, Sequence[SortKey], str]:
        """The page's tickets and one more if there are (a next page exists), with the page size, order and filters."""
        size = resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        spec = build_filter(query, principal=principal)
        filters = token_filters(query)
        if spec is None:
            # Nothing is visible (a customer naming someone else); the token is still checked.
            decode_page_token(page_token, filters=filters)
            return [], size, (), filters
        after = decode_position(page_token, spec.order, filters)
        async with self._database.read_connection() as connection:
            tickets = await read(connection, spec, after, size + 1)
        return tickets, size, spec.order, filters

    async def count_tickets(self, *, principal: Principal, query: ListTicketsQuery) -> int:
        """How many tickets the caller may see match the filters of `query` (on every page)."""
        spec = build_filter(query, principal=principal)
        if spec is None:
            return 0
        async with self._database.read_connection() as connection:
            return await TicketRepository(connection).count(spec=spec)

    async def update_ticket(
        self, *, principal: Principal, ticket_id: str, paths: Sequence[str], edit: TicketEdit, etag: str
    ) -> TicketRecord:
        """Edits the fields named in `paths`; records one event per kind of change."""
        parsed = parse_ticket_id(ticket_id, field="ticket.id")
        own_method = sorted(set(paths) & OWN_METHOD_FIELDS.keys())
        if own_method:
            name = own_method[0]
            raise InvalidArgument.field("update_mask", f"{name} changes only through {OWN_METHOD_FIELDS[name]}")
        checks = FieldChecks()
        names = checks.update_mask(paths, UPDATABLE_FIELDS)
        checks.raise_if_any()
        if not principal.is_staff and names - CUSTOMER_FIELDS:
            raise PermissionDenied(
                f"customers may edit only subject and description, not {', '.join(sorted(names - CUSTOMER_FIELDS))}",
                reason="FIELD_NOT_EDITABLE",
            )
        new: dict[str, Any] = {}
        if "subject" in names:
            new["subject"] = check_subject(edit.subject)
        if "description" in names:
            new["description"] = check_text(edit.description, field="ticket.description")
        if "priority" in names:
            if edit.priority is None:
                raise InvalidArgument.field("ticket.priority", "is required when update_mask names priority")
            new["priority"] = int(edit.priority)
        if "category" in names:
            new["category"] = check_category(edit.category)
        if "tags" in names:
            new["tags"] = check_tags(edit.tags, field="ticket.tags")

        async with self._database.unit_of_work() as uow:
            ticket = await load_visible(uow, principal=principal, ticket_id=parsed, lock=True)
            check_etag(etag, ticket)
            changes = {name: value for name, value in new.items() if getattr(ticket, name) != value}
            if not changes:
                return ticket
            events: list[NewEvent] = []
            actor = principal.user_id
            edited: list[str] = [name for name in ("subject", "description") if name in changes]
            if edited:
                events.append(NewEvent(ticket_id=parsed, type="updated", actor_id=actor, updated_fields=edited))
            if "priority" in changes:
                events.append(
                    NewEvent(
                        ticket_id=parsed,
                        type="priority_changed",
                        actor_id=actor,
                        old_priority=ticket.priority,
                        new_priority=new["priority"],
                    )
                )
            if "category" in changes:
                events.append(
                    NewEvent(
                        ticket_id=parsed,
                        type="category_changed",
                        actor_id=actor,
                        old_category=ticket.category,
                        new_category=new["category"],
                    )
                )
            if "tags" in changes:
                events.append(
                    NewEvent(
                        ticket_id=parsed,
                        type="tags_changed",
                        actor_id=actor,
                        added_tags=sorted(set(new["tags"]) - set(ticket.tags)),
                        removed_tags=sorted(set(ticket.tags) - set(new["tags"])),
                    )
                )
            if self._sla is not None and ("priority" in changes or "category" in changes):
                changes |= await self._sla.for_new_targets(
                    uow,
                    ticket_id=parsed,
                    priority=changes.get("priority", ticket.priority),
                    category=changes.get("category", ticket.category),
                )
            await uow.tickets.update(ticket_id=parsed, changes=changes)
            await uow.tickets.add_events(events=events)
            updated = await reread(uow, parsed)
            await log_change(uow, listener=self._changes, kind="updated", before=ticket, after=updated)
            return updated

    async def change_status(
        self, *, principal: Principal, ticket_id: str, status: Status | None, etag: str, comment: str
    ) -> TicketRecord:
        """Moves the ticket along the transition table, stamping or clearing resolve/close times."""
        parsed = parse_ticket_id(ticket_id)
        if status is None:
            raise InvalidArgument.field("status", "is required")
        reason = check_comment(comment)
        async with self._database.unit_of_work() as uow:
            ticket = await load_visible(uow, principal=principal, ticket_id=parsed, lock=True)
            source = Status(ticket.status)
            if source is status:
                # A retry whose first attempt succeeded (and changed the etag) gets the ticket
                # unchanged, not ABORTED or INVALID_TRANSITION: nothing changes, nothing is lost.
                return ticket
            check_etag(etag, ticket)
            check_transition(principal.role, source, status)
            await move(uow, ticket=ticket, target=status, actor_id=principal.user_id, comment=reason, sla=self._sla)
            if self._assignment is not None and frees_work(ticket, status):
                uow.after_commit(self._assignment.tickets_freed)
            updated = await reread(uow, parsed)
            await log_change(uow, listener=self._changes, kind="updated", before=ticket, after=updated)
            return updated

    async def assign_ticket(
        self, *, principal: Principal, ticket_id: str, assignee_id: str, etag: str, comment: str
    ) -> TicketRecord:
        """Assigns to an active agent or administrator (`me` = the caller), or unassigns ("")."""
        parsed = parse_ticket_id(ticket_id)
        reason = check_comment(comment)
        target: uuid.UUID | None
        if assignee_id == "me":
            target = principal.user_id
        elif assignee_id:
            target = parse_user_id(assignee_id, field="assignee_id")
        else:
            target = None
        async with self._database.unit_of_work() as uow:
            ticket = await load_visible(uow, principal=principal, ticket_id=parsed, lock=True)
            if target == ticket.assignee_id:
                # Already assigned so (a retry whose first attempt succeeded): unchanged, whatever the etag.
                return ticket
            check_etag(etag, ticket)
            if target is not None:
                await check_assignee(uow, user_id=target, field="assignee_id")
            await uow.tickets.update(ticket_id=parsed, changes={"assignee_id": target})
            if self._assignment is not None and (ticket.assignee_id is not None or target is None):
                # The previous assignee's load dropped, or the ticket joined the unassigned queue.
                uow.after_commit(self._assignment.tickets_freed)
            await uow.tickets.add_events(
                events=[
                    NewEvent(
                        ticket_id=parsed,
                        type="assignee_changed",
                        actor_id=principal.user_id,
                        old_assignee_id=ticket.assignee_id,
                        new_assignee_id=target,
                        comment=reason or None,
                    )
                ]
            )
            updated = await reread(uow, parsed)
            await log_change(uow, listener=self._changes, kind="updated", before=ticket, after=updated)
            return updated

    async def delete_ticket(self, *, principal: Principal, ticket_id: str, etag: str) -> None:
        """Deletes the ticket with its messages and events, for good."""
        parsed = parse_ticket_id(ticket_id)
        async with self._database.unit_of_work() as uow:
            ticket = await load_visible(uow, principal=principal, ticket_id=parsed, lock=True)
            check_etag(etag, ticket)
            await uow.tickets.delete(ticket_id=parsed)
            await log_change(uow, listener=self._changes, kind="deleted", before=ticket, after=None)
        _log.info("ticket #%d deleted by %s", ticket.number, principal.user_id)


def frees_work(ticket: TicketRecord, target: Status) -> bool:
    """Whether moving `ticket` to `target` lowers its assignee's load or puts it back in the unassigned queue."""
    if ticket.assignee_id is not None:
        return target in (Status.RESOLVED, Status.CLOSED)
    return target in (Status.OPEN, Status.IN_PROGRESS)


async def move(
    uow: UnitOfWork,
    *,
    ticket: TicketRecord,
    target: Status,
    actor_id: uuid.UUID,
    comment: str,
    sla: TicketSlaHook | None,
) -> None:
    """Sets the status with its time stamps (stopping or resuming the SLA clock) and records the event (no checks)."""
    changes: dict[str, Any] = {"status": target.value}
    if sla is not None:
        changes |= await sla.for_status(uow, ticket=ticket, target=target.value)
    if target is Status.RESOLVED:
        changes |= {"resolve_time": NOW, "close_time": None}
    elif target is Status.CLOSED:
        changes["close_time"] = NOW
    else:
        changes |= {"resolve_time": None, "close_time": None}
    await uow.tickets.update(ticket_id=ticket.id, changes=changes)
    await uow.tickets.add_events(
        events=[
            NewEvent(
                ticket_id=ticket.id,
                type="status_changed",
                actor_id=actor_id,
                old_status=ticket.status,
                new_status=target.value,
                comment=comment or None,
            )
        ]
    )


async def _read_views(connection: ReadConnection, ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, TicketView]:
    return await TicketRepository(connection).views(ticket_ids)
