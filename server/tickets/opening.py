"""What opening a ticket reads of the settings (SLA policies, automatic assignment), kept in process.

Every CreateTicket used to read the matching SLA policy and the assignment settings in its
transaction. They change rarely, so each process keeps them, each row with a stamp (`id:xmin`:
any update of a row gives it a new xmin, a new row a new id). Nothing is ever trusted stale: the
statement that opens the ticket re-reads the stamps of exactly the rows its decisions came from,
in its own snapshot, and writes nothing if one differs (`OpeningRules.guard`). The caller then
forgets what it kept and opens the ticket the general way, reading the settings in its
transaction; the next call loads them afresh. So a change made on another replica, or straight
in SQL, is seen by the very next ticket, as before, and no invalidation message can be missed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from storage.db import Database
from storage.repositories.assignment import TICKET_SETTINGS_GUARD, TicketSettings, stamped_ticket_settings
from storage.repositories.sla_policies import (
    MATCHING_STAMP_GUARD,
    PolicyTargets,
    StampedPolicy,
    matching_policy,
    matching_stamp,
    stamped_policies,
)


@dataclass(frozen=True, slots=True)
class OpeningRules:
    """The SLA policies by (priority, category) and the ticket assignment settings, as loaded (None: not read)."""

    policies: Mapping[tuple[int, str], StampedPolicy] | None
    assignment: TicketSettings | None

    def policy(self, *, priority: int, category: str) -> PolicyTargets | None:
        """The policy a ticket of `priority` and `category` gets (as `SlaPolicyRepository.matching`)."""
        assert self.policies is not None
        return matching_policy(self.policies, priority=priority, category=category)

    def guard(self, *, priority: int, category: str) -> tuple[str, dict[str, str]]:
        """SQL true while what was read for a ticket of (`priority`, `category`) still holds, and its parameters.

        The SQL names `:priority` and `:category`, which the opening statement binds to the ticket's.
        """
        conditions, parameters = ["true"], {}
        if self.policies is not None:
            conditions.append(MATCHING_STAMP_GUARD)
            parameters["sla_stamp"] = matching_stamp(self.policies, priority=priority, category=category)
        if self.assignment is not None:
            conditions.append(TICKET_SETTINGS_GUARD)
            parameters["assignment_stamp"] = self.assignment.stamp
        return " AND ".join(conditions), parameters


class OpeningRulesCache:
    """The process's `OpeningRules`: loaded on first use, forgotten when a guard found them changed."""

    def __init__(self, *, database: Database, policies: bool, assignment: bool) -> None:
        self._database = database
        self._policies = policies
        self._assignment = assignment
        self._rules: OpeningRules | None = None
        self._loading = asyncio.Lock()

    async def rules(self) -> OpeningRules:
        """The kept rules, loading them (once, whoever else is waiting) if there are none."""
        rules = self._rules
        if rules is not None:
            return rules
        async with self._loading:
            if self._rules is None:
                self._rules = await self._load()
            return self._rules

    def forget(self, rules: OpeningRules) -> None:
        """Drops `rules` (a guard found them changed) unless newer ones replaced them already."""
        if self._rules is rules:
            self._rules = None

    async def _load(self) -> OpeningRules:
        async with self._database.read_connection() as connection:
            policies = (
                {(p.priority, p.category): p for p in await stamped_policies(connection)} if self._policies else None
            )
            assignment = await stamped_ticket_settings(connection) if self._assignment else None
        return OpeningRules(policies=policies, assignment=assignment)
