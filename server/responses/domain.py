"""Canned responses: create (idempotently), read, list and search, edit, delete, render for a ticket.

Transport-free. Visibility: staff see the shared responses and their own personal ones; another
user's personal response is NotFound for them, exactly as a missing one. Shared responses are
written by administrators only.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from server.core.context import Principal, Role
from server.core.errors import InvalidArgument, NotFound, PermissionDenied
from server.core.validation import FieldChecks
from server.core.writes import check_version, earlier_create
from server.responses.placeholders import PlaceholderValues, render
from server.responses.validation import check_body, check_query, check_title, parse_response_id
from server.tickets.domain import not_found as ticket_not_found
from server.tickets.validation import check_request_id, parse_ticket_id
from storage.db import Database
from storage.pagination import decode_page_token, encode_page_token, resolve_page_size
from storage.repositories.canned_responses import CannedResponsePosition, CannedResponseRecord
from storage.unit_of_work import UnitOfWork

CREATE_SCOPE = "helpdesk.v1.CannedResponseService/CreateCannedResponse"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
UPDATABLE_FIELDS = ("title", "body")


class Scope(enum.StrEnum):
    """Who a canned response belongs to; stored as this text."""

    SHARED = "shared"
    PERSONAL = "personal"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A canned response's body filled for one ticket, and the response itself."""

    body: str
    response: CannedResponseRecord


def not_found() -> NotFound:
    """The one answer for a missing canned response and for someone else's personal one."""
    return NotFound("canned response not found")


def may_see(principal: Principal, response: CannedResponseRecord) -> bool:
    """Shared responses are the team's; a personal one is its owner's only."""
    return response.owner_id is None or response.owner_id == principal.user_id


def check_may_write(principal: Principal, response_scope: Scope) -> None:
    """PermissionDenied (SHARED_RESPONSE_ADMIN_ONLY) for an agent writing a shared response."""
    if response_scope is Scope.SHARED and principal.role is not Role.ADMIN:
        raise PermissionDenied(
            "only administrators create, edit or delete shared canned responses", reason="SHARED_RESPONSE_ADMIN_ONLY"
        )


async def load_visible(
    uow: UnitOfWork, *, principal: Principal, response_id: uuid.UUID, lock: bool
) -> CannedResponseRecord:
    """The response as `principal` may see it (row-locked if `lock`); NotFound otherwise."""
    repository = uow.canned_responses
    found = await (repository.lock(response_id=response_id) if lock else repository.get(response_id=response_id))
    if found is None or not may_see(principal, found):
        raise not_found()
    return found


class CannedResponses:
    """Canned responses over one database."""

    def __init__(self, *, database: Database) -> None:
        self._database = database

    async def create(
        self, *, principal: Principal, title: str, body: str, scope: Scope | None, request_id: str
    ) -> CannedResponseRecord:
        """Creates a response (personal by default); a retry with the same `request_id` returns the first one."""
        checks = FieldChecks()
        clean_title = checks.run(lambda: check_title(title))
        clean_body = checks.run(lambda: check_body(body))
        key = checks.run(lambda: check_request_id(request_id))
        checks.raise_if_any()
        assert clean_title is not None
        assert clean_body is not None
        chosen = scope or Scope.PERSONAL
        check_may_write(principal, chosen)
        idempotency_scope = f"{CREATE_SCOPE}/{principal.user_id}"
        async with self._database.unit_of_work() as uow:
            response_id = uuid.uuid4()
            earlier = await earlier_create(
                uow,
                scope=idempotency_scope,
                request_id=key,
                new_id=response_id,
                load=lambda i: uow.canned_responses.get(response_id=i),
                what="canned response",
            )
            if earlier is not None:
                return earlier
            await uow.canned_responses.add(
                response_id=response_id,
                scope=chosen.value,
                owner_id=principal.user_id if chosen is Scope.PERSONAL else None,
                title=clean_title,
                body=clean_body,
                author_id=principal.user_id,
            )
            created = await uow.canned_responses.get(response_id=response_id)
            assert created is not None
            return created

    async def get(self, *, principal: Principal, response_id: str) -> CannedResponseRecord:
        """One response the caller may see; NotFound otherwise."""
        parsed = parse_response_id(response_id)
        async with self._database.read_only() as uow:
            return await load_visible(uow, principal=principal, response_id=parsed, lock=False)

    async def list_page(
        self, *, principal: Principal, query: str, scope: Scope | None, page_size: int, page_token: str
    ) -> tuple[list[CannedResponseRecord], str]:
        """A page of the responses the caller may see (title matches of `query` first) and the next token."""
        size = resolve_page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        text = check_query(query)
        filters: dict[str, object] = {"query": text or "", "scope": scope.value if scope else ""}
        position = decode_page_token(page_token, filters=filters)
        after = None if position is None else _position(position)
        async with self._database.read_only() as uow:
            rows = await uow.canned_responses.list_page(
                viewer_id=principal.user_id,
                scope=scope.value if scope else None,
                query=text,
                after=after,
                limit=size + 1,
            )
        records = [record for record, _ in rows]
        if len(rows) <= size:
            return records, ""
        last = rows[size - 1][1]
        token = encode_page_token(position=[str(last.title_miss), last.title, str(last.id)], filters=filters)
        return records[:size], token

    async def update(
        self, *, principal: Principal, response_id: str, paths: Sequence[str], title: str, body: str, etag: str
    ) -> CannedResponseRecord:
        """Edits the title or body named in `paths`."""
        parsed = parse_response_id(response_id, field="canned_response.id")
        if "scope" in paths:
            raise InvalidArgument.field("update_mask", "scope is immutable: create a new response instead")
        checks = FieldChecks()
        names = checks.update_mask(paths, UPDATABLE_FIELDS)
        checks.raise_if_any()
        changes: dict[str, str] = {}
        if "title" in names:
            changes["title"] = check_title(title)
        if "body" in names:
            changes["body"] = check_body(body)
        async with self._database.unit_of_work() as uow:
            current = await load_visible(uow, principal=principal, response_id=parsed, lock=True)
            check_may_write(principal, Scope(current.scope))
            check_version(etag, current.version, what="canned response")
            if all(getattr(current, name) == value for name, value in changes.items()):
                return current
            await uow.canned_responses.update(response_id=parsed, changes=changes, author_id=principal.user_id)
            updated = await uow.canned_responses.get(response_id=parsed)
            assert updated is not None
            return updated

    async def delete(self, *, principal: Principal, response_id: str, etag: str) -> None:
        """Deletes a response the caller may write."""
        parsed = parse_response_id(response_id)
        async with self._database.unit_of_work() as uow:
            current = await load_visible(uow, principal=principal, response_id=parsed, lock=True)
            check_may_write(principal, Scope(current.scope))
            check_version(etag, current.version, what="canned response")
            await uow.canned_responses.delete(response_id=parsed)

    async def render(self, *, principal: Principal, response_id: str, ticket_id: str) -> Rendered:
        """The response's body with its placeholders filled from the ticket, its customer and the caller."""
        parsed = parse_response_id(response_id)
        ticket_key = parse_ticket_id(ticket_id, field="ticket_id")
        async with self._database.read_only() as uow:
            response = await load_visible(uow, principal=principal, response_id=parsed, lock=False)
            values = await placeholder_values(uow, principal=principal, ticket_id=ticket_key)
        return Rendered(body=render(response.body, values), response=response)


async def placeholder_values(uow: UnitOfWork, *, principal: Principal, ticket_id: uuid.UUID) -> PlaceholderValues:
    """What the placeholders stand for on this ticket with the caller as the agent (staff see every ticket)."""
    ticket = await uow.tickets.get(ticket_id=ticket_id)
    if ticket is None:
        raise ticket_not_found()
    customer = await uow.users.get(user_id=ticket.customer_id)
    agent = await uow.users.get(user_id=principal.user_id)
    return PlaceholderValues(
        customer_name=ticket.customer_display_name,
        customer_email=customer.email if customer is not None else "",
        ticket_number=ticket.number,
        ticket_subject=ticket.subject,
        agent_name=agent.display_name if agent is not None else "",
    )


def _position(position: list[str]) -> CannedResponsePosition:
    """A list position decoded from a page token; InvalidArgument if it is not one of ours."""
    try:
        miss, title, row_id = position
        return CannedResponsePosition(int(miss), title, uuid.UUID(row_id))
    except ValueError:
        raise InvalidArgument.field("page_token", "is not a page token returned by this method") from None
