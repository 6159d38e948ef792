"""The scenario registry: later issues add their scenarios to `SCENARIOS`.

A scenario is any object satisfying `bench.scenarios.base.Scenario`; put a new domain's scenarios
in their own module (`bench/scenarios/tickets.py`, ...) and list them below.
"""

from __future__ import annotations

from bench.scenarios.auth import GetCurrentUserScenario, LoginScenario
from bench.scenarios.base import CallFn, Scenario, Target
from bench.scenarios.chat import SendChatMessageScenario
from bench.scenarios.echo import ECHO_POSTGRES, ECHO_REDIS, EchoScenario
from bench.scenarios.knowledge import (
    SearchArticlesColdRareScenario,
    SearchArticlesColdScenario,
    SearchArticlesWarmScenario,
)
from bench.scenarios.reports import (
    TicketReportByAgentScenario,
    TicketReportByAgentWeekScenario,
    TicketReportKolkataScenario,
    TicketReportScenario,
    TicketReportWeekScenario,
)
from bench.scenarios.tickets import CreateTicketScenario, GetTicketScenario, ListTicketsQueueScenario

BASELINE: Scenario = EchoScenario()
# The floors: echo plus one store read per call, measured beside the scenarios that name them.
FLOORS: dict[str, Scenario] = {
    ECHO_POSTGRES: EchoScenario(ECHO_POSTGRES, Target.ECHO_POSTGRES),
    ECHO_REDIS: EchoScenario(ECHO_REDIS, Target.ECHO_REDIS),
}

# Every scenario by name, in the order the report lists them.
SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        BASELINE,
        *FLOORS.values(),
        GetCurrentUserScenario(),
        LoginScenario(),
        GetTicketScenario(),
        ListTicketsQueueScenario(),
        CreateTicketScenario(),
        SearchArticlesColdScenario(),
        SearchArticlesColdRareScenario(),
        SearchArticlesWarmScenario(),
        SendChatMessageScenario(),
        TicketReportScenario(),
        TicketReportByAgentScenario(),
        TicketReportWeekScenario(),
        TicketReportByAgentWeekScenario(),
        TicketReportKolkataScenario(),
    )
}

# Run only when named: their setup seeds a million tickets and folds five million changes (tens of
# minutes), so the default run (`make bench`) measures the per-call scenarios alone.
ON_REQUEST: frozenset[str] = frozenset(
    {
        TicketReportScenario.name,
        TicketReportByAgentScenario.name,
        TicketReportWeekScenario.name,
        TicketReportByAgentWeekScenario.name,
        TicketReportKolkataScenario.name,
    }
)


def get_scenario(name: str) -> Scenario:
    """The registered scenario called `name` (case-insensitive)."""
    for key, scenario in SCENARIOS.items():
        if key.lower() == name.lower():
            return scenario
    raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")


__all__ = ["BASELINE", "FLOORS", "ON_REQUEST", "SCENARIOS", "CallFn", "Scenario", "Target", "get_scenario"]
