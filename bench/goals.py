"""Per-call cost goals: server CPU per call as a multiple of the echo server's (same run), database CPU per call.

Latency and throughput on a shared machine say more about the neighbours than about the code;
CPU per call, beside a bare grpc.aio echo server's measured in the same run, holds on any machine
and is what multiplies into cost at scale. The goals are the ones the per-call cost work set
(README, "Performance"); a scenario without a goal here is reported without a verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Goal:
    """At most this much: server CPU per call ÷ echo's, and PostgreSQL + Redis CPU ms per call."""

    server_x_echo: float | None = None
    db_ms_per_call: float | None = None

    def verdict(self, *, server_x_echo: float, db_ms_per_call: float) -> str:
        """The verdict: `met`, `missed: srv, db` (naming what), or `-` without a goal or a figure to judge."""
        missed = []
        judged = False
        if self.server_x_echo is not None and not math.isnan(server_x_echo):
            judged = True
            if server_x_echo > self.server_x_echo:
                missed.append("srv")
        if self.db_ms_per_call is not None and not math.isnan(db_ms_per_call):
            judged = True
            if db_ms_per_call > self.db_ms_per_call:
                missed.append("db")
        if not judged:
            return "-"
        return "missed: " + ", ".join(missed) if missed else "met"

    def label(self) -> str:
        """The goal as the table prints it, e.g. `≤1.6x · db ≤0.5`."""
        parts = []
        if self.server_x_echo is not None:
            parts.append(f"≤{self.server_x_echo:g}x")
        if self.db_ms_per_call is not None:
            parts.append(f"db ≤{self.db_ms_per_call:g}")
        return " · ".join(parts) or "-"


GOALS: dict[str, Goal] = {
    "GetTicket": Goal(server_x_echo=1.6),
    "GetCurrentUser": Goal(server_x_echo=1.5),
    "ListTickets": Goal(server_x_echo=3.0, db_ms_per_call=0.5),
    "CreateTicket": Goal(server_x_echo=5.0, db_ms_per_call=1.0),
    "SearchArticlesWarm": Goal(server_x_echo=1.6),
    "SearchArticlesCold": Goal(server_x_echo=4.0, db_ms_per_call=3.0),
    "SendChatMessage": Goal(server_x_echo=4.0),
}


def goal_for(scenario: str) -> Goal:
    """The scenario's goal (an empty one when it has none)."""
    return GOALS.get(scenario, Goal())
