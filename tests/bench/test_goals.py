"""The per-call cost verdicts the bench prints beside each figure."""

from __future__ import annotations

import math

from bench.goals import GOALS, Goal, goal_for


def test_a_goal_is_met_only_when_every_figure_it_names_is_within_it() -> None:
    goal = Goal(server_x_echo=3.0, db_ms_per_call=0.5)
    assert goal.verdict(server_x_echo=2.9, db_ms_per_call=0.5) == "met"
    assert goal.verdict(server_x_echo=3.1, db_ms_per_call=0.4) == "missed: srv"
    assert goal.verdict(server_x_echo=2.0, db_ms_per_call=0.6) == "missed: db"
    assert goal.verdict(server_x_echo=4.0, db_ms_per_call=0.9) == "missed: srv, db"
    assert goal.label() == "≤3x · db ≤0.5"


def test_no_goal_or_no_figure_gives_no_verdict() -> None:
    assert goal_for("echo").verdict(server_x_echo=1.0, db_ms_per_call=0.1) == "-"
    assert Goal(db_ms_per_call=3.0).verdict(server_x_echo=9.0, db_ms_per_call=math.nan) == "-"
    # A missing database figure leaves the server goal to judge alone.
    assert Goal(server_x_echo=1.6, db_ms_per_call=1.0).verdict(server_x_echo=1.2, db_ms_per_call=math.nan) == "met"


def test_every_goal_names_a_registered_scenario() -> None:
    from bench.scenarios import SCENARIOS

    assert set(GOALS) <= set(SCENARIOS)
