"""The efficient frontier in the engine: monotone, every point's plan keeps every rule at its
budget, bounds that hold, and hints that the solver never does worse than."""

from __future__ import annotations

import dataclasses

import pytest

from bench.generate import generate_portfolio
from engine.checker import check_starts
from engine.frontier import (
    FrontierPoint,
    chain,
    frontier,
    scaled_budget,
    solve_point,
    spread_scales,
)
from engine.optimiser import solve
from engine.result import SolveStatus

SCALES = (0.5, 0.75, 1.0, 1.25, 1.5)


@pytest.fixture(scope="module")
def portfolio():
    return generate_portfolio(30, seed=11)


@pytest.fixture(scope="module")
def curve(portfolio):
    return frontier(portfolio, SCALES, time_limit=2, workers=1)


def test_the_curve_is_monotone_and_by_budget(curve):
    assert [p.budget_scale for p in curve] == list(SCALES)
    planned = [p for p in curve if p.status in ("optimal", "feasible")]
    assert len(planned) == len(SCALES)
    values = [p.value for p in planned]
    bounds = [p.bound for p in planned]
    assert values == sorted(values)
    assert bounds == sorted(bounds)
    assert all(p.bound >= p.value for p in planned)
    assert values[-1] > values[0]  # more money buys more here (the generator's budgets bind)


def test_every_point_keeps_every_rule_at_its_budget(portfolio, curve):
    for point in curve:
        scaled = scaled_budget(portfolio, point.budget_scale)
        assert check_starts(scaled, dict(point.starts), hiring=point.hires) == [], (
            point.budget_scale
        )
        assert point.budget == pytest.approx(sum(scaled.budget.values()))


def test_entered_names_the_projects_new_at_each_level(curve):
    previous: set[str] = set()
    for point in curve:
        assert set(point.entered) == set(point.starts) - previous
        previous = set(point.starts)


def test_chain_lifts_a_point_below_a_smaller_budget_and_lowers_bounds():
    low = FrontierPoint(0.5, 50.0, "feasible", 10.0, 20.0, 0.5, {"A": 1})
    mid = FrontierPoint(1.0, 100.0, "feasible", 8.0, 30.0, 0.7, {"B": 1})
    high = FrontierPoint(1.5, 150.0, "optimal", 12.0, 12.0, 0.0, {"A": 1, "C": 1})
    failed = FrontierPoint(0.1, 10.0, "infeasible")
    chained = chain([high, failed, mid, low])
    assert [p.budget_scale for p in chained] == [0.1, 0.5, 1.0, 1.5]
    assert chained[0] == failed
    lifted = chained[2]
    assert lifted.value == 10.0 and dict(lifted.starts) == {"A": 1} and lifted.from_neighbour
    # the bound at 1.5 (12, proven) bounds every smaller budget
    assert [p.bound for p in chained[1:]] == [12.0, 12.0, 12.0]
    assert [p.entered for p in chained[1:]] == [("A",), (), ("C",)]


def test_a_hint_is_a_floor_for_the_solve(portfolio):
    # the plan at a smaller budget is a plan at a larger one: the solve never returns less
    small = scaled_budget(portfolio, 0.6)
    big = scaled_budget(portfolio, 1.2)
    plan = solve(small, time_limit=2, workers=1)
    starts = {o.project_id: o.start for o in plan.selected}
    hinted = solve(big, time_limit=0.05, workers=1, hints=[starts])
    assert hinted.status.has_plan
    assert hinted.objective >= plan.objective - 1e-9
    assert check_starts(big, {o.project_id: o.start for o in hinted.selected}) == []


def test_infeasible_low_budgets_are_points_without_a_plan(portfolio):
    # nothing fits a zero budget when must-run work costs money
    must = [p for p in portfolio.projects if p.must_run and p.cost > 0]
    assert must, "the generator makes must-run projects with a cost"
    hopeless = solve_point(portfolio, 0.0, time_limit=2, workers=1)
    assert hopeless.status == SolveStatus.INVALID_INPUT.value  # must-run work cannot fit alone
    assert "must run but cannot fit even alone" in hopeless.note
    point = solve_point(portfolio, 0.2, time_limit=2, workers=1)
    assert point.status == SolveStatus.INFEASIBLE.value
    assert point.note.startswith("conflict: ")
    assert point.value is None and not point.starts
    curve = chain([point, dataclasses.replace(point, budget_scale=0.1)])
    assert all(p.status == "infeasible" for p in curve)


def test_spread_scales():
    assert spread_scales(1) == (1.0,)
    assert spread_scales(5) == (0.5, 0.75, 1.0, 1.25, 1.5)
    assert len(spread_scales(9)) == 9
    with pytest.raises(ValueError):
        spread_scales(0)
