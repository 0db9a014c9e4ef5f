"""Hiring as a decision: a portfolio short of one role hires when hiring pays (and counts the
cost against the budget), hires nothing when it does not, and every plan passes the checker."""

from __future__ import annotations

import dataclasses

import pytest

from engine.checker import check_plan
from engine.hiring import hire_runs, units_from_runs
from engine.model import Criterion, Demand, HiringOption, Portfolio, Project, Settings
from engine.months import month
from engine.optimiser import solve
from engine.validation import validate

START = month(2027, 1)
CONTRACTOR = HiringOption(
    "Data engineer", "Contractor", fte=1.0, monthly_cost=10_000, earliest=START + 2,
    max_units=2, min_months=3,
)  # fmt: skip


def short_of_data_engineers(*, budget: float, option: HiringOption = CONTRACTOR) -> Portfolio:
    """Lake needs two data engineers for four months; there is one. Report needs one."""
    return Portfolio(
        settings=Settings(plan_start=START, horizon=12, time_limit=10, workers=1),
        projects=(
            Project("LAKE", "Data lake", duration=4, cost=100_000, scores={"Value": 9}),
            Project("REP", "Reporting", duration=3, cost=30_000, scores={"Value": 3}),
        ),
        demands=(
            Demand("LAKE", "Data engineer", 2.0),
            Demand("REP", "Data engineer", 1.0),
            Demand("LAKE", "Developer", 1.0),
        ),
        capacity={"Data engineer": (1.0,) * 12, "Developer": (2.0,) * 12},
        criteria=(Criterion("Value", 1.0),),
        budget={2027: budget},
        hiring=(option,),
    )


def test_hiring_pays_hires_and_counts_the_cost():
    portfolio = short_of_data_engineers(budget=200_000)
    result = solve(portfolio)
    assert result.status.value == "optimal"
    assert {o.project_id for o in result.selected} == {"LAKE", "REP"}
    assert check_plan(portfolio, result) == []
    (hire,) = result.hiring
    assert (hire.role, hire.option, hire.units) == ("Data engineer", "Contractor", 1)
    lake = result.outcome("LAKE")
    assert hire.first <= lake.start and hire.last >= lake.finish  # covers the lake's months
    assert hire.months == 4  # no longer than needed: each month costs
    assert hire.cost == 40_000 and result.hiring_cost == 40_000
    assert hire.first >= CONTRACTOR.earliest
    # the utilisation counts the hired FTE as capacity
    month_cells = [u for u in result.utilisation if u.role == "Data engineer"]
    assert max(u.capacity for u in month_cells) == 2.0


def test_hiring_that_does_not_pay_hires_nothing():
    # the contractor's four months (4 x 30,000) and the lake (100,000) break the budget
    dear = dataclasses.replace(CONTRACTOR, monthly_cost=30_000)
    portfolio = short_of_data_engineers(budget=200_000, option=dear)
    result = solve(portfolio)
    assert result.hiring == ()
    assert {o.project_id for o in result.selected} == {"REP"}
    assert check_plan(portfolio, result) == []
    # the shortfall names the data engineers the lake lacks, and its score
    cells = [c for c in result.shortfall if c.role == "Data engineer"]
    assert cells and all(c.projects == ("LAKE",) for c in cells)
    assert sum(c.fte for c in cells) == pytest.approx(4.0)  # 1 FTE short for 4 months
    assert all(c.score == 9.0 for c in cells)


def test_capacity_that_buys_nothing_is_not_hired():
    # with no budget hiring is free of limits, yet it is never added when nothing needs it
    portfolio = dataclasses.replace(short_of_data_engineers(budget=0), budget={})
    roomy = dataclasses.replace(
        portfolio, capacity={**portfolio.capacity, "Data engineer": (3.0,) * 12}
    )
    result = solve(roomy)
    assert {o.project_id for o in result.selected} == {"LAKE", "REP"}
    assert result.hiring == ()


def test_the_checker_catches_a_bad_hire():
    portfolio = short_of_data_engineers(budget=200_000)
    result = solve(portfolio)
    (hire,) = result.hiring
    too_short = dataclasses.replace(hire, last=hire.first + 1, cost=20_000)
    too_many = dataclasses.replace(hire, units=3, cost=120_000)
    cheap = dataclasses.replace(hire, cost=1.0)
    for bad, words in (
        (too_short, "minimum months"),
        (too_many, "at most 2"),
        (cheap, "expected"),
    ):
        broken = check_plan(portfolio, dataclasses.replace(result, hiring=(bad,)))
        assert any(words in line for line in broken), (words, broken)
    # without the hire the lake breaks the data engineers' capacity
    assert any(
        "Data engineer" in line
        for line in check_plan(portfolio, dataclasses.replace(result, hiring=()))
    )


def test_runs_are_first_in_first_out_and_round_trip():
    portfolio = short_of_data_engineers(budget=200_000)
    units = {(0, 2): 1, (0, 3): 2, (0, 4): 2, (0, 5): 1, (0, 6): 1}
    runs = hire_runs(portfolio, units)
    # the unit hired in month 2 leaves first (after 3 months), the second stays to month 6
    assert [(h.first - START, h.last - START, h.units) for h in runs] == [(2, 4, 1), (3, 6, 1)]
    assert units_from_runs(portfolio, runs) == units


def test_hiring_rows_are_validated():
    bad = HiringOption("Painter", "Temp", fte=0, monthly_cost=-1, max_units=0, min_months=0)
    portfolio = dataclasses.replace(short_of_data_engineers(budget=1), hiring=(bad, bad))
    fields = {(p.entity, p.index, p.field) for p in validate(portfolio)}
    assert {
        ("hiring", 0, f) for f in ("role", "fte", "monthly_cost", "max_units", "min_months")
    } <= fields
    assert ("hiring", 1, "option") in fields


@pytest.mark.parametrize("time_indexed", [True, False])
def test_the_warm_start_with_hires_sets_every_variable_and_keeps_every_rule(time_indexed):
    from ortools.sat.python import cp_model

    from bench.generate import generate_portfolio
    from engine.cpsat_model import ModelOptions, PortfolioModel
    from engine.greedy import greedy_starts
    from engine.model import Objective

    base = generate_portfolio(40, seed=5)
    roles = list(base.capacity)[:2]
    options = tuple(
        HiringOption(role, kind, fte=0.5, monthly_cost=cost, max_units=2, min_months=3)
        for role in roles
        for kind, cost in (("Contractor", 9_000), ("Overtime", 4_000))
    )
    portfolio = dataclasses.replace(base, hiring=options)
    plan, _ = greedy_starts(portfolio, Objective.VALUE)
    built = PortfolioModel(portfolio, Objective.VALUE, ModelOptions(time_indexed=time_indexed))
    assert built.variables.hires
    hires = {(0, 4): 1, (0, 5): 1, (0, 6): 1}  # one contractor for three months
    built.hint(plan, hires)
    proto = built.model.proto
    assert len(proto.solution_hint.vars) == len(proto.variables)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert built.plan(solver) == plan and built.hired(solver) == hires


def test_a_must_run_project_that_fits_with_hires_is_no_input_error():
    base = short_of_data_engineers(budget=200_000)
    lake = dataclasses.replace(base.projects[0], mandatory=True)
    p = dataclasses.replace(base, projects=(lake, base.projects[1]))
    assert [x for x in validate(p) if x.severity.value == "Error"] == []
    without = dataclasses.replace(p, hiring=())
    assert any("cannot fit even alone" in x.message for x in validate(without))
    result = solve(p)
    assert "LAKE" in {o.project_id for o in result.selected} and result.hiring
    assert check_plan(p, result) == []
