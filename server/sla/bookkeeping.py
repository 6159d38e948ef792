"""Due times on tickets, kept in each ticket change's own unit of work.

They are set on create, on a new priority or category, when the clock stops or resumes with the
status, and on the first public reply of the staff. The SLA clock runs while a ticket is OPEN or
IN_PROGRESS and stops otherwise (waiting on the customer, resolved, closed). Stopping records
when; resuming moves the clock's start later by the working time spent stopped and recounts the
due times from it with the policy in force.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from server.sla.business_hours import add_working_time, working_time_between
from server.sla.clock import Clock
from server.sla.targets import SlaState, targets_of
from storage.repositories.sla_policies import PolicyTargets
from storage.repositories.ticket_records import TicketRecord
from storage.unit_of_work import UnitOfWork

# Statuses in which the SLA clock runs (as stored).
RUNNING = frozenset({"open", "in_progress"})


class SlaBookkeeping:
    """Computes the SLA columns a ticket change writes, with the policy in force and the injected clock."""

    def __init__(self, *, clock: Clock) -> None:
        self.clock = clock

    async def for_new_ticket(self, uow: UnitOfWork, *, priority: int, category: str) -> dict[str, Any]:
        """The SLA columns of a ticket being opened now (none without a policy)."""
        return self.new_ticket_columns(await uow.sla_policies.matching(priority=priority, category=category))

    def new_ticket_columns(self, policy: PolicyTargets | None) -> dict[str, Any]:
        """The SLA columns of a ticket opened now under `policy`, the one matching it (none without one)."""
        if policy is None:
            return {}
        return SlaState().retarget(targets_of(policy), clock_start=self.clock()).columns()

    async def for_new_targets(
        self, uow: UnitOfWork, *, ticket_id: uuid.UUID, priority: int, category: str
    ) -> dict[str, Any]:
        """The SLA columns after a change of priority or category (the ticket is locked)."""
        row = await uow.ticket_sla.get(ticket_id=ticket_id)
        if row is None:
            return {}
        state = SlaState.of(row)
        policy = await uow.sla_policies.matching(priority=priority, category=category)
        if policy is None:
            return state.untargeted().columns() if state.tracked else {}
        clock_start = state.sla_clock_start or row.create_time
        if state.sla_clock_start is None and row.status not in RUNNING and state.sla_paused_since is None:
            # A ticket from before any policy, already stopped: its clock stopped "now".
            state = state.replace(sla_paused_since=self.clock())
        return state.retarget(targets_of(policy), clock_start=clock_start).columns()

    async def for_status(self, uow: UnitOfWork, *, ticket: TicketRecord, target: str) -> dict[str, Any]:
        """The SLA columns when `ticket` moves to status `target` (stopping or resuming the clock)."""
        was_running, runs = ticket.status in RUNNING, target in RUNNING
        if was_running == runs:
            return {}
        row = await uow.ticket_sla.get(ticket_id=ticket.id)
        if row is None:
            return {}
        state = SlaState.of(row)
        if not state.tracked:
            return {}
        now = self.clock()
        if not runs:
            return state.replace(sla_paused_since=now).columns()
        paused_since = state.sla_paused_since
        state = state.replace(sla_paused_since=None)
        if paused_since is None:
            return state.columns()
        policy = None if state.sla_policy_id is None else await uow.sla_policies.targets(policy_id=state.sla_policy_id)
        if policy is None:
            # The policy was deleted meanwhile: the due times move by the wall-clock pause.
            return state.shifted(max(now - paused_since, timedelta(0))).columns()
        targets = targets_of(policy)
        stopped = working_time_between(paused_since, now, targets.schedule)
        clock_start = add_working_time(state.sla_clock_start or row.create_time, stopped, targets.schedule)
        return state.retarget(targets, clock_start=clock_start).columns()

    async def record_first_response(self, uow: UnitOfWork, *, ticket: TicketRecord) -> None:
        """Stamps the first public reply of the staff on `ticket` (locked), if it is the first."""
        if ticket.first_response_time is not None:
            return
        row = await uow.ticket_sla.get(ticket_id=ticket.id)
        if row is None or row.first_response_time is not None:
            return
        state = SlaState.of(row).replace(first_response_time=self.clock())
        await uow.ticket_sla.set(ticket_id=ticket.id, values=state.columns())
