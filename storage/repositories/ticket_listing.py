"""The ListTickets query: filters, sort keys and the keyset position, as one SELECT.

Statuses and priorities come from fixed enums and are rendered as SQL literals (never user
text), so that the planner can match the agent queue's partial index even with a generic plan.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Text,
    TextClause,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY

from storage.db import ReadConnection, StatementRunner
from storage.models import Ticket
from storage.repositories.ticket_records import (
    AnySelect,
    TicketStamp,
    search_query,
    select_ticket_stamps,
    select_ticket_views,
)

# Sort keys a caller may name, mapped to their columns.
SORT_COLUMNS: dict[str, Any] = {
    "create_time": Ticket.create_time,
    "update_time": Ticket.update_time,
    "priority": Ticket.priority,
    "number": Ticket.number,
    # The next SLA due time still pending; storage.models.sla.NO_DUE_TIME when none (sorts last).
    "due_time": Ticket.sla_due_time,
}


@dataclass(frozen=True, slots=True)
class SortKey:
    """One `order_by` item: a key of SORT_COLUMNS and its direction."""

    name: str
    descending: bool


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """What ListTickets selects; None or empty means "no condition"."""

    statuses: Sequence[str] = ()
    priorities: Sequence[int] = ()
    # Exactly one of `assignee_id` / `unassigned` may be set.
    assignee_id: uuid.UUID | None = None
    unassigned: bool = False
    customer_id: uuid.UUID | None = None
    tag: str | None = None
    category: str | None = None
    create_time_start: datetime | None = None
    create_time_end: datetime | None = None
    query: str | None = None
    number: int | None = None
    # Whether the text query may match internal notes (staff only).
    search_internal: bool = False
    # Only tickets that breached an SLA target.
    sla_breached: bool = False
    order: Sequence[SortKey] = field(default=(SortKey("create_time", descending=True),))


def _literal_list(values: Sequence[str | int]) -> str:
    rendered = []
    for value in values:
        if isinstance(value, int):
            rendered.append(str(int(value)))
        else:
            # Enum values only ('open', 'in_progress', ...); refuse anything else outright.
            if not value.replace("_", "").isalpha():
                raise ValueError(f"not an enum value: {value!r}")
            rendered.append(f"'{value}'")
    return ", ".join(rendered)


@dataclass(frozen=True, slots=True)
class _Shape:
    """Which conditions a list query has (not their values): one cached statement per shape."""

    statuses: tuple[str, ...]
    priorities: tuple[int, ...]
    assignee: bool
    unassigned: bool
    customer: bool
    tag: bool
    category: bool
    start: bool
    end: bool
    query: bool
    number: bool
    search_internal: bool
    sla_breached: bool
    order: tuple[SortKey, ...]
    after: bool


def _conditions(shape: _Shape) -> list[ColumnElement[bool] | TextClause]:
    conditions: list[ColumnElement[bool] | TextClause] = []
    if shape.statuses:
        conditions.append(text(f"tickets.status IN ({_literal_list(shape.statuses)})"))
    if shape.priorities:
        conditions.append(text(f"tickets.priority IN ({_literal_list(shape.priorities)})"))
    if shape.unassigned:
        conditions.append(Ticket.assignee_id.is_(None))
    elif shape.assignee:
        conditions.append(Ticket.assignee_id == bindparam("assignee_id"))
    if shape.customer:
        conditions.append(Ticket.customer_id == bindparam("customer_id"))
    if shape.tag:
        conditions.append(Ticket.tags.op("@>")(bindparam("tags", type_=ARRAY(Text))))
    if shape.category:
        conditions.append(Ticket.category == bindparam("category"))
    if shape.start:
        conditions.append(Ticket.create_time >= bindparam("create_time_start"))
    if shape.end:
        conditions.append(Ticket.create_time < bindparam("create_time_end"))
    if shape.number:
        conditions.append(Ticket.number == bindparam("number"))
    if shape.query:
        document = Ticket.search_staff if shape.search_internal else Ticket.search_public
        conditions.append(document.op("@@")(search_query(bindparam("query", type_=Text))))
    if shape.sla_breached:
        conditions.append(text("(tickets.first_response_sla = 2 OR tickets.resolution_sla = 2)"))
    return conditions


def full_order(order: Sequence[SortKey]) -> list[tuple[Any, bool]]:
    """(column, descending) pairs: the caller's keys, then `id` in the direction of the last key."""
    keys = [(SORT_COLUMNS[key.name], key.descending) for key in order]
    keys.append((Ticket.id, order[-1].descending if order else False))
    return keys


def _after(keys: Sequence[tuple[Any, bool]]) -> ColumnElement[bool]:
    # Strictly after the position `after_0..after_n` in the (possibly mixed-direction) order: the
    # OR-expanded form of a row comparison, which PostgreSQL cannot express for mixed directions.
    position = [bindparam(f"after_{index}", type_=column.type) for index, (column, _) in enumerate(keys)]
    result: ColumnElement[bool] = false()
    for index in reversed(range(len(keys))):
        column, descending = keys[index]
        beyond = column < position[index] if descending else column > position[index]
        result = or_(beyond, and_(column == position[index], result)) if index < len(keys) - 1 else beyond
    # The first key's bound alone is sargable: it lets an index range scan skip the rows before.
    first, first_descending = keys[0]
    bound = first <= position[0] if first_descending else first >= position[0]
    return and_(bound, result)


@functools.lru_cache(maxsize=512)
def _statement(shape: _Shape, limit: int, stamps: bool) -> AnySelect:
    # Built once per shape and page size, so SQLAlchemy computes its cache key once and reuses the
    # compiled SQL. The LIMIT is written into the statement (a page size, never user text): with
    # it a parameter, PostgreSQL prices the generic plan for an unknown row count, finds it
    # dearer than a custom one and plans every execution again (a quarter of a millisecond, as
    # much as running the queue query); with it known, the prepared statement's generic plan is
    # as cheap as a custom one and is kept.
    keys = full_order(shape.order)
    sorted_by_due_time = any(key.name == "due_time" for key in shape.order)
    if stamps:
        statement = _stamps_sorted_by(frozenset(key.name for key in shape.order)).where(*_conditions(shape))
    else:
        statement = select_ticket_views(due_time=sorted_by_due_time).where(*_conditions(shape))
    if shape.after:
        statement = statement.where(_after(keys))
    order = [column.desc() if descending else column.asc() for column, descending in keys]
    return statement.order_by(*order).limit(literal_column(str(int(limit)), Integer))


# A stamp's sort keys. Only those the order names are read (the others are NULL): a page's token
# names only them, and the rest is what an entry's key and the version already account for. Each
# timestamp PostgreSQL turns into microseconds is numeric arithmetic on every row.
_STAMP_SORT_KEYS = frozenset(SORT_COLUMNS) - {"due_time"}


@functools.lru_cache(maxsize=64)
def _stamps_sorted_by(names: frozenset[str]) -> AnySelect:
    # `select_ticket_stamps` leaves the due time out itself unless sorted by it.
    statement = select_ticket_stamps(due_time="due_time" in names)
    columns = [
        sql_cast(null(), column.type).label(column.key)
        if column.key in _STAMP_SORT_KEYS and column.key not in names
        else column
        for column in statement.selected_columns
    ]
    unsorted = statement.with_only_columns(*columns)
    if tuple(unsorted.selected_columns.keys()) != TicketStamp._fields:
        raise AssertionError("stamp columns out of order")
    return unsorted


@functools.lru_cache(maxsize=128)
def _count_statement(shape: _Shape) -> AnySelect:
    return select(func.count().label("total")).select_from(Ticket).where(*_conditions(shape))


def build_count_statement(spec: TicketFilter) -> tuple[AnySelect, dict[str, Any]]:
    """The SELECT counting every ticket matching `spec` (order and position do not matter), and its parameters."""
    shape, parameters = _shape_of(spec, after=None)
    plain = dataclasses.replace(shape, order=(), after=False)
    return _count_statement(plain), parameters


def build_list_statement(
    spec: TicketFilter, *, after: Sequence[Any] | None, limit: int, stamps: bool = False
) -> tuple[AnySelect, dict[str, Any]]:
    """The SELECT of up to `limit` tickets matching `spec` strictly after `after`, and its parameters.

    Of TicketView rows, or with `stamps` of TicketStamp rows.
    """
    shape, parameters = _shape_of(spec, after=after)
    return _statement(shape, limit, stamps), parameters


async def read_stamp_rows(
    connection: ReadConnection, spec: TicketFilter, *, after: Sequence[Any] | None, limit: int
) -> list[Sequence[Any]]:
    """`TicketRepository.list_page` reading only each ticket's stamp: the driver's rows, `TicketStamp`'s columns.

    A list page whose reply is kept (server.tickets.encoded) is compared row for row and never
    needs its stamps as records: making 51 of them costs a tenth of the call.
    """
    statement, parameters = build_list_statement(spec, after=after, limit=limit, stamps=True)
    return cast("list[Sequence[Any]]", await StatementRunner(connection).all(statement, parameters))


def _shape_of(spec: TicketFilter, *, after: Sequence[Any] | None) -> tuple[_Shape, dict[str, Any]]:
    shape = _Shape(
        statuses=tuple(sorted(set(spec.statuses))),
        priorities=tuple(sorted(set(spec.priorities))),
        assignee=spec.assignee_id is not None,
        unassigned=spec.unassigned,
        customer=spec.customer_id is not None,
        tag=bool(spec.tag),
        category=bool(spec.category),
        start=spec.create_time_start is not None,
        end=spec.create_time_end is not None,
        query=bool(spec.query),
        number=spec.number is not None,
        search_internal=spec.search_internal,
        sla_breached=spec.sla_breached,
        order=tuple(spec.order),
        after=after is not None,
    )
    parameters: dict[str, Any] = {
        "assignee_id": spec.assignee_id,
        "customer_id": spec.customer_id,
        "tags": [spec.tag] if spec.tag else None,
        "category": spec.category,
        "create_time_start": spec.create_time_start,
        "create_time_end": spec.create_time_end,
        "query": spec.query,
        "number": spec.number,
    }
    for index, value in enumerate(after or ()):
        parameters[f"after_{index}"] = value
    return shape, parameters
