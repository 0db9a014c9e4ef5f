"""Stopping work in flight: a project marked Can stop is stopped when its capacity buys more
value elsewhere, kept when it does not; the reason and the notes say so; its remaining cost
is what counts against the budget; the checker knows the rules."""

from __future__ import annotations

import dataclasses

from engine.checker import check_plan
from engine.model import Criterion, Demand, Portfolio, Project, ProjectStatus, Settings
from engine.months import month
from engine.optimiser import solve
from engine.validation import validate

START = month(2027, 1)


def portfolio(*, new_value: float, can_stop: bool = True, budget: float = 1e9) -> Portfolio:
    """Platform is in flight with 6 of its 8 months left; Portal needs the same developers
    now (it must start by February)."""
    return Portfolio(
        settings=Settings(plan_start=START, horizon=12, time_limit=10, workers=1),
        projects=(
            Project(
                "PLAT",
                "Platform",
                status=ProjectStatus.IN_FLIGHT,
                fixed_start=START - 2,
                duration=8,
                cost=800_000,
                scores={"Value": 7},
                can_stop=can_stop,
                remaining_cost=120_000,
                remaining_value=1.0,
            ),
            Project(
                "PORT", "Portal", latest_start=START + 1, duration=6, scores={"Value": new_value}
            ),
        ),
        demands=(Demand("PLAT", "Developer", 2.0), Demand("PORT", "Developer", 2.0)),
        capacity={"Developer": (2.0,) * 12},
        criteria=(Criterion("Value", 1.0),),
        budget={2027: budget},
    )


def test_stopping_pays_when_the_capacity_buys_more():
    p = portfolio(new_value=8)
    result = solve(p)
    assert result.status.value == "optimal"
    assert {o.project_id for o in result.selected} == {"PORT"}
    plat = result.outcome("PLAT")
    assert plat.reason.startswith("Stopped (in flight, Can stop)")
    assert "frees 12 FTE-months and 120,000 of remaining cost" in plat.reason
    assert any(note.startswith('PLAT "Platform": Stopped') for note in result.notes)
    assert check_plan(p, result) == []


def test_it_keeps_running_when_stopping_does_not_pay():
    p = portfolio(new_value=0.5)
    result = solve(p)
    assert {o.project_id for o in result.selected} == {"PLAT"}
    assert result.objective == 1.0  # its remaining value, not its full score
    assert result.notes == ()
    assert check_plan(p, result) == []


def test_without_can_stop_it_must_run_and_the_checker_says_so():
    p = portfolio(new_value=8, can_stop=False)
    result = solve(p)
    assert {o.project_id for o in result.selected} == {"PLAT"}
    stopped = solve(portfolio(new_value=8))
    # the stopped plan is not a plan of the portfolio where Platform cannot stop
    assert any("must be in the plan" in line for line in check_plan(p, stopped))


def test_only_the_remaining_cost_counts_against_the_budget():
    # pro rata, its six months left would cost 600,000; what is left to spend is 120,000
    p = portfolio(new_value=0.5, budget=150_000)
    result = solve(p)
    assert result.status.has_plan and "PLAT" in {o.project_id for o in result.selected}
    assert check_plan(p, result) == []
    poorer = dataclasses.replace(p, budget={2027: 100_000})
    assert any("budget 2027" in line for line in check_plan(poorer, result))


def test_can_stop_outside_flight_is_a_warning():
    p = portfolio(new_value=1)
    odd = dataclasses.replace(p.projects[1], can_stop=True, remaining_value=-1)
    problems = validate(dataclasses.replace(p, projects=(p.projects[0], odd)))
    fields = {(x.field, x.severity.value) for x in problems}
    assert ("can_stop", "Warning") in fields and ("remaining_value", "Error") in fields
