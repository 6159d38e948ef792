"""Random ticket histories written as raw rows, and the figures computed from them independently of the server.

A history is a timeline of ticket creations and changes (status, assignee, category, priority,
messages, deletion) at chosen instants. It is written straight into `tickets`,
`ticket_messages` and the change log (`ticket_changes`) as the desk would have left them, so
that the rollup job folds it like any other. The expected figures are computed here from the
timeline itself, by brute force: each ticket's state replayed to the end of every bucket, local
dates from `zoneinfo`, exact percentiles from the raw durations.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from storage.db import Database

OPEN = ("open", "in_progress", "waiting_on_customer")
DONE = ("resolved", "closed")


@dataclass(frozen=True)
class State:
    """A ticket's filter fields at one moment."""

    status: str = "open"
    agent: uuid.UUID | None = None
    category: str = ""
    priority: int = 2


@dataclass
class Step:
    """One entry of the timeline: a creation, a change, a message or a deletion of one ticket."""

    time: datetime
    ticket: int
    kind: str  # created, updated, message_added, deleted
    before: State | None
    after: State | None
    message_role: str | None = None  # customer, agent, admin
    internal: bool = False
    message_id: uuid.UUID | None = None


@dataclass
class History:
    """Tickets (their SLA outcome) and the timeline, in time order."""

    ticket_ids: list[uuid.UUID] = field(default_factory=list)
    sla: list[tuple[bool, bool]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def deleted(self, ticket: int) -> bool:
        """Whether the ticket is deleted by the end of the timeline."""
        return any(step.ticket == ticket and step.kind == "deleted" for step in self.steps)


def build(
    *,
    base: datetime,
    operations: list[tuple[str, int, int, Any]],
    sla: list[tuple[bool, bool]],
    agents: list[uuid.UUID],
) -> History:
    """A timeline from drawn operations (kind, ticket pick, seconds after the previous step, value)."""
    history = History()
    states: list[State | None] = []
    now = base
    for kind, pick, gap, value in operations:
        now += timedelta(seconds=gap)
        alive = [index for index, state in enumerate(states) if state is not None]
        if kind == "create" or not alive:
            agent = None if value % 3 == 0 else agents[value % len(agents)]
            state = State(agent=agent, category=("", "billing")[value % 2], priority=1 + value % 4)
            states.append(state)
            history.ticket_ids.append(uuid.uuid4())
            history.sla.append(sla[len(history.sla) % len(sla)])
            history.steps.append(Step(now, len(states) - 1, "created", None, state))
            continue
        index = alive[pick % len(alive)]
        before = states[index]
        assert before is not None
        if kind == "delete":
            states[index] = None
            history.steps.append(Step(now, index, "deleted", before, None))
            continue
        if kind == "message":
            role, internal = (("customer", False), ("agent", False), ("admin", False), ("agent", True))[value % 4]
            after = before
            # A customer's reply reopens a resolved ticket or one waiting on them, as the desk does.
            if role == "customer" and before.status in ("resolved", "waiting_on_customer"):
                after = replace(before, status="open")
            states[index] = after
            history.steps.append(
                Step(now, index, "message_added", before, after, role, internal, message_id=uuid.uuid4())
            )
            continue
        if kind == "status":
            after = replace(before, status=(*OPEN, *DONE)[value % 5])
        elif kind == "assign":
            after = replace(before, agent=None if value % 3 == 0 else agents[value % len(agents)])
        elif kind == "category":
            after = replace(before, category=("", "billing", "shipping")[value % 3])
        else:
            after = replace(before, priority=1 + value % 4)
        states[index] = after
        history.steps.append(Step(now, index, "updated", before, after))
    return history


async def write(database: Database, history: History, *, customer: uuid.UUID, staff: dict[str, uuid.UUID]) -> None:
    """Replaces the tickets, messages, change log and rollups with the history's rows."""
    async with database.unit_of_work() as uow:
        session = uow.session
        await session.execute(
            text(
                "TRUNCATE report_ticket_hours, report_ticket_durations, report_ticket_backlog, report_ticket_facts,"
                " report_ticket_quarters, report_ticket_quarter_durations,"
                " report_ticket_days, report_ticket_day_durations, report_ticket_day_running,"
                " ticket_changes, tickets CASCADE"
            )
        )
        await session.execute(text("UPDATE report_cursors SET position = 0, data_time = NULL, quarters_since = NULL"))
        # The offsets earlier reports asked for stay asked: the fold fills their days again, then adds to them.
        await session.execute(text("UPDATE report_day_offsets SET ready = false"))
        await session.execute(text("UPDATE ticket_change_log SET last_position = :n"), {"n": len(history.steps)})
        final: dict[int, State] = {}
        for step in history.steps:
            if step.after is not None:
                final[step.ticket] = step.after
        for index, ticket_id in enumerate(history.ticket_ids):
            if history.deleted(index):
                continue
            state = final[index]
            under, breached = history.sla[index]
            await session.execute(
                text(
                    "INSERT INTO tickets (id, subject, description, customer_id, assignee_id, status, category,"
                    " priority, close_time, resolution_due_time, resolution_sla)"
                    " VALUES (:id, 'Subject', 'Description', :customer, :agent, :status, :category, :priority,"
                    " :close_time, :due, :stage)"
                ),
                {
                    "id": ticket_id,
                    "customer": customer,
                    "agent": state.agent,
                    "status": state.status,
                    "category": state.category,
                    "priority": state.priority,
                    "close_time": history.steps[-1].time if state.status == "closed" else None,
                    "due": history.steps[0].time if under else None,
                    "stage": 2 if breached else 0,
                },
            )
        for position, step in enumerate(history.steps, start=1):
            ticket_id = history.ticket_ids[step.ticket]
            if step.message_id is not None and not history.deleted(step.ticket):
                assert step.message_role is not None
                await session.execute(
                    text(
                        "INSERT INTO ticket_messages (id, ticket_id, author_id, author_role, body, internal)"
                        " VALUES (:id, :ticket, :author, :role, 'Body', :internal)"
                    ),
                    {
                        "id": step.message_id,
                        "ticket": ticket_id,
                        "author": customer if step.message_role == "customer" else staff[step.message_role],
                        "role": step.message_role,
                        "internal": step.internal,
                    },
                )
            values: dict[str, Any] = {
                "position": position,
                "ticket": ticket_id,
                "kind": step.kind,
                "customer": customer,
                "message": step.message_id,
                "internal": step.internal,
                "time": step.time,
            }
            for prefix, side in (("old", step.before), ("new", step.after)):
                values[f"{prefix}_status"] = None if side is None else side.status
                values[f"{prefix}_agent"] = None if side is None else side.agent
                values[f"{prefix}_category"] = None if side is None else side.category
                values[f"{prefix}_priority"] = None if side is None else side.priority
            await session.execute(
                text(
                    "INSERT INTO ticket_changes (position, ticket_id, kind, customer_id, message_id, internal,"
                    " old_status, new_status, old_assignee_id, new_assignee_id, old_category, new_category,"
                    " old_priority, new_priority, commit_time) VALUES (:position, :ticket, :kind, :customer,"
                    " :message, :internal, :old_status, :new_status, :old_agent, :new_agent, :old_category,"
                    " :new_category, :old_priority, :new_priority, :time)"
                ),
                values,
            )


# ---- the expected figures -----------------------------------------------------------------------


def bucket_key(moment: datetime, zone: ZoneInfo, bucket: str) -> Any:
    """Which bucket a moment is in: its local hour (the clock's hour and the UTC offset), local date, or
    the local date of its week's Monday.

    The offset tells apart the hours a clock change repeats, and the local hour a change by half an
    hour jumps into (Lord Howe Island) from the one before it.
    """
    local_time = moment.astimezone(zone)
    if bucket == "hour":
        return (local_time.replace(minute=0, second=0, microsecond=0, tzinfo=None), local_time.utcoffset())
    local: date = local_time.date()
    return local if bucket == "day" else local - timedelta(days=local.weekday())


def group_of(state: State, dimension: str) -> Any:
    """A state's group value in a breakdown."""
    return {"": None, "agent": state.agent, "category": state.category, "priority": state.priority}[dimension]


@dataclass
class Expected:
    """Expected counters and raw durations of one bucket and group."""

    created: int = 0
    resolved: int = 0
    reopened: int = 0
    sla_met: int = 0
    sla_breached: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)


def expected_counts(
    history: History, *, zone: ZoneInfo, bucket: str, dimension: str, agent: uuid.UUID | None = None
) -> dict[tuple[Any, Any], Expected]:
    """Counters and durations per (bucket key, group), straight from the timeline."""
    figures: dict[tuple[Any, Any], Expected] = defaultdict(Expected)
    created: dict[int, datetime] = {}
    answered: set[int] = set()
    for step in history.steps:
        if step.kind == "created":
            created[step.ticket] = step.time
        state = step.after if step.after is not None else step.before
        assert state is not None
        if agent is not None and state.agent != agent:
            continue
        cell = figures[(bucket_key(step.time, zone, bucket), group_of(state, dimension))]
        if step.kind == "created":
            cell.created += 1
        if step.kind == "deleted" or step.before is None or step.after is None:
            continue
        if step.before.status in OPEN and step.after.status in DONE:
            cell.resolved += 1
            cell.resolution.append(math.floor((step.time - created[step.ticket]).total_seconds()))
            under, breached = history.sla[step.ticket]
            if under and not history.deleted(step.ticket):
                if breached:
                    cell.sla_breached += 1
                else:
                    cell.sla_met += 1
        elif step.before.status in DONE and step.after.status in OPEN:
            cell.reopened += 1
        if (
            step.kind == "message_added"
            and step.message_role in ("agent", "admin")
            and not step.internal
            and step.ticket not in answered
            and not history.deleted(step.ticket)
        ):
            answered.add(step.ticket)
            cell.first_response.append(math.floor((step.time - created[step.ticket]).total_seconds()))
    return figures


def expected_backlog(
    history: History, *, at: datetime, dimension: str, agent: uuid.UUID | None = None
) -> dict[Any, int]:
    """Tickets in an open status just before `at`, per group."""
    states: dict[int, State | None] = {}
    for step in history.steps:
        if step.time >= at:
            break
        states[step.ticket] = step.after
    backlog: dict[Any, int] = defaultdict(int)
    for state in states.values():
        if state is not None and state.status in OPEN and (agent is None or state.agent == agent):
            backlog[group_of(state, dimension)] += 1
    return backlog


def exact_percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]
