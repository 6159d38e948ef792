"""Demo SLA policies for `helpdesk dev`: one per priority, office hours in São Paulo except for urgent tickets."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from server.sla.clock import system_clock
from server.sla.validation import BusinessHoursInput, PolicyInput, WorkingHoursInput, check_policy
from server.tickets.transitions import Priority
from storage.db import Database

_log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
# Monday to Friday, 09:00-18:00, and the Brazilian national holidays of 2026 and 2027.
OFFICE_HOURS = BusinessHoursInput(
    time_zone="America/Sao_Paulo",
    working_hours=[WorkingHoursInput(day=day, start_time="09:00", end_time="18:00") for day in range(1, 6)],
    holidays=[
        "2026-01-01", "2026-02-16", "2026-02-17", "2026-04-03", "2026-04-21", "2026-05-01", "2026-06-04",
        "2026-09-07", "2026-10-12", "2026-11-02", "2026-11-15", "2026-11-20", "2026-12-25",
        "2027-01-01", "2027-02-08", "2027-02-09", "2027-03-26", "2027-04-21", "2027-05-01", "2027-05-27",
        "2027-09-07", "2027-10-12", "2027-11-02", "2027-11-15", "2027-11-20", "2027-12-25",
    ],
)  # fmt: skip

DEMO_POLICIES = (
    PolicyInput(
        display_name="Urgent: around the clock",
        priority=Priority.URGENT,
        first_response_target=HOUR / 2,
        resolution_target=4 * HOUR,
        warning_window=HOUR / 6,
    ),
    PolicyInput(
        display_name="High: office hours",
        priority=Priority.HIGH,
        first_response_target=2 * HOUR,
        resolution_target=9 * HOUR,
        warning_window=HOUR / 2,
        business_hours=OFFICE_HOURS,
    ),
    PolicyInput(
        display_name="Medium: office hours",
        priority=Priority.MEDIUM,
        first_response_target=4 * HOUR,
        resolution_target=27 * HOUR,
        warning_window=HOUR,
        business_hours=OFFICE_HOURS,
    ),
    PolicyInput(
        display_name="Low: office hours",
        priority=Priority.LOW,
        first_response_target=9 * HOUR,
        resolution_target=45 * HOUR,
        warning_window=2 * HOUR,
        business_hours=OFFICE_HOURS,
    ),
)


async def seed_demo_sla_policies(database: Database) -> int:
    """Creates the demo policies whose priority has none yet; returns how many."""
    created = 0
    async with database.unit_of_work() as uow:
        for policy in DEMO_POLICIES:
            values = check_policy(policy, now=system_clock())
            if await uow.sla_policies.add(policy_id=uuid.uuid4(), values=values) is not None:
                created += 1
    _log.info("seeded %d SLA policies", created)
    return created
