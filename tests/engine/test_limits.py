"""Every number has a range (engine.limits): outside it, a located problem; at its edge, a plan.

Regression for issue 13, defects 1 and 2: a duration of 1e9 passed validation and then
allocated a list that long per role; a seed of 2**31, a cost of 1e17, capacity or demand of
1e16 FTE and a budget of 1e308 crashed the solver (or validation itself) with tracebacks.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.checker import check_plan
from engine.cpsat_model import ModelOptions
from engine.limits import (
    MAX_FTE,
    MAX_MONEY,
    MAX_SCORE,
    MAX_SEED,
    MAX_STABILITY_POINTS,
    MAX_TIME_LIMIT,
    MAX_TOTAL_COST,
    MAX_UNITS,
    MAX_WEIGHT,
)
from engine.model import (
    Criterion,
    Demand,
    Dependency,
    HiringOption,
    Manager,
    Portfolio,
    Project,
    Settings,
)
from engine.months import month
from engine.optimiser import solve
from engine.result import SolveStatus
from engine.validation import errors, validate

START = month(2027, 1)


def _portfolio(**parts) -> Portfolio:
    base = dict(
        settings=Settings(START, 12),
        projects=[Project("A", duration=3, cost=100.0, scores={"v": 5})],
        demands=[Demand("A", "Dev", 1.0)],
        capacity={"Dev": (2.0,) * 12},
        dependencies=[],
        criteria=[Criterion("v", 1.0)],
        budget={2027: 1000.0},
    )
    base.update(parts)
    return Portfolio(**base)


def _with_project(**fields) -> dict:
    return {"projects": [Project("A", **{"duration": 3, "scores": {"v": 5}, **fields})]}


OUT_OF_RANGE = [
    # (what is changed, the problem's (entity, index, field), words in its message)
    ("duration 1e9", _with_project(duration=10**9), ("project", 0, "duration"), "at most 10,000"),
    ("duration -1", _with_project(duration=-1), ("project", 0, "duration"), "0 or more months"),
    ("cost 1e17", _with_project(cost=1e17), ("project", 0, "cost"), "at most 10,000,000,000,000"),
    ("cost nan", _with_project(cost=float("nan")), ("project", 0, "cost"), "must be a number"),
    (
        "seed 2**31",
        {"settings": Settings(START, 12, random_seed=2**31)},
        ("settings", "random_seed", "random_seed"),
        "at most 2,147,483,647",
    ),
    (
        "seed -1",
        {"settings": Settings(START, 12, random_seed=-1)},
        ("settings", "random_seed", "random_seed"),
        "0 or more",
    ),
    (
        "time limit inf",
        {"settings": Settings(START, 12, time_limit=float("inf"))},
        ("settings", "time_limit", "time_limit"),
        "at most 86,400",
    ),
    (
        "horizon 1e9",
        {"settings": Settings(START, 10**9)},
        ("settings", "horizon", "horizon"),
        "at most 10,000",
    ),
    (
        "capacity 1e16",
        {"capacity": {"Dev": (1e16,) + (2.0,) * 11}},
        ("capacity", "Dev", str(START)),
        "at most 100,000 FTE",
    ),
    ("demand 1e16", {"demands": [Demand("A", "Dev", 1e16)]}, ("demand", 0, "fte"), "at most"),
    ("budget 1e308", {"budget": {2027: 1e308}}, ("budget", 2027, "budget"), "at most"),
    (
        "lag 1e12",
        {
            "projects": [Project("A", scores={"v": 5}), Project("B", scores={"v": 5})],
            "dependencies": [Dependency("A", "B", lag=10**12)],
        },
        ("dependency", 0, "lag"),
        "at most 10,000",
    ),
    (
        "weight 1e300",
        {"criteria": [Criterion("v", 1e300)]},
        ("criterion", 0, "weight"),
        "at most 1,000,000",
    ),
    (
        "scale max 1e300",
        {"criteria": [Criterion("v", 1.0, max=1e300)]},
        ("criterion", 0, "max"),
        "at most 1,000,000",
    ),
    (
        "hiring FTE 1e16",
        {"hiring": [HiringOption("Dev", "Contract", fte=1e16)]},
        ("hiring", 0, "fte"),
        "at most 100,000",
    ),
    (
        "hiring cost 1e17 a month",
        {"hiring": [HiringOption("Dev", "Contract", monthly_cost=1e17)]},
        ("hiring", 0, "monthly_cost"),
        "at most 10,000,000,000,000",
    ),
    (
        "hiring units 1e9",
        {"hiring": [HiringOption("Dev", "Contract", max_units=10**9)]},
        ("hiring", 0, "max_units"),
        "at most 10,000",
    ),
    (
        "hiring minimum months 1e9",
        {"hiring": [HiringOption("Dev", "Contract", min_months=10**9)]},
        ("hiring", 0, "min_months"),
        "at most 10,000",
    ),
    (
        "manager 1e12 projects at once",
        {"managers": [Manager("Ann", max_projects=10**12)]},
        ("manager", 0, "max_projects"),
        "at most 10,000",
    ),
]


@pytest.mark.parametrize(
    ("parts", "key", "words"), [c[1:] for c in OUT_OF_RANGE], ids=[c[0] for c in OUT_OF_RANGE]
)
def test_a_number_out_of_range_is_a_located_problem_and_no_crash(parts, key, words):
    portfolio = _portfolio(**parts)
    found = {(p.entity, p.index, p.field): p.message for p in errors(validate(portfolio))}
    assert key in found, found
    assert words in found[key]
    result = solve(portfolio, time_limit=1, workers=1)
    assert result.status is SolveStatus.INVALID_INPUT


def test_costs_adding_up_past_the_total_limit_are_refused():
    each = MAX_MONEY
    count = int(MAX_TOTAL_COST // each) + 1
    projects = [Project(f"P{i}", duration=1, cost=each, scores={"v": 5}) for i in range(count)]
    found = errors(validate(_portfolio(projects=projects, demands=[])))
    assert [p.field for p in found] == ["cost"]
    assert "enter Cost, Budget and hiring costs in thousands" in found[0].message


def test_hiring_that_could_spend_past_the_total_limit_is_refused():
    # each number in range, but every unit of every month adds up past what CP-SAT can sum
    option = HiringOption("Dev", "Contract", monthly_cost=MAX_MONEY, max_units=MAX_UNITS)
    found = errors(validate(_portfolio(hiring=[option])))
    assert [p.field for p in found] == ["cost"]
    assert "hiring costs in thousands" in found[0].message
    assert solve(_portfolio(hiring=[option]), time_limit=1, workers=1).status is (
        SolveStatus.INVALID_INPUT
    )


def test_a_broken_scale_is_reported_once_not_once_per_project():
    projects = [Project(f"P{i}", scores={"v": 5}) for i in range(40)]
    found = errors(
        validate(
            _portfolio(projects=projects, demands=[], criteria=[Criterion("v", 1, min=10, max=0)])
        )
    )
    assert [(p.entity, p.field) for p in found] == [("criterion", "max")]


def _at_the_limits(horizon: int) -> Portfolio:
    """Every number at the edge of its range, with as many costly projects as the total
    allows: the optimiser's 64-bit sums must still hold."""
    count = int(MAX_TOTAL_COST // MAX_MONEY)
    projects = [
        Project(
            f"P{i}",
            duration=horizon if i == 0 else 1 + i % 3,
            cost=MAX_MONEY,
            scores={"v": MAX_SCORE if i % 2 else -MAX_SCORE, "w": MAX_SCORE},
        )
        for i in range(count)
    ]
    demands = [Demand(p.id, "Dev", MAX_FTE) for p in projects]
    return Portfolio(
        settings=Settings(START, horizon, time_limit=5, random_seed=MAX_SEED),
        projects=projects,
        demands=demands,
        capacity={"Dev": (MAX_FTE,) * horizon},
        criteria=[
            Criterion("v", MAX_WEIGHT, min=-MAX_SCORE, max=MAX_SCORE),
            Criterion("w", 0.0, min=-MAX_SCORE, max=MAX_SCORE),
        ],
        budget={year: MAX_MONEY for year in range(2027, 2027 + (horizon - 1) // 12 + 1)},
    )


@pytest.mark.parametrize("time_indexed", [True, False])
def test_every_number_at_its_limit_still_gives_a_checked_plan(time_indexed):
    # 10 projects x up to 300 starts: the time-indexed model is as large as it gets by default
    portfolio = _at_the_limits(300)
    assert validate(portfolio) == []
    result = solve(portfolio, workers=1, options=ModelOptions(time_indexed=time_indexed))
    assert result.status.has_plan
    assert check_plan(portfolio, result) == []
    assert len(result.selected) >= 1


def test_an_infeasible_portfolio_at_the_limits_is_diagnosed_in_words():
    portfolio = _at_the_limits(24)
    must = [replace(p, mandatory=True) for p in portfolio.projects]
    portfolio = replace(portfolio, projects=tuple(must))
    result = solve(portfolio, workers=1, time_limit=5)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.conflicts


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("stability", 1e300, "Stability (points per change) must be at most"),
        ("stability", float("inf"), "Stability points per change must be 0 or more"),
        ("stability", "steady", "Stability must be Off, Low, Normal, High"),
        ("explain_time", 1e9, "Reasons time (s) (blank: a tenth of the time limit) must be at"),
        ("explain_time", -1.0, "must be 0 or more"),
        ("explain_time", "soon", "must be a number"),
    ],
)
def test_the_stability_settings_have_ranges(field, value, words):
    # issue 11's numeric settings, against engine.limits like every other number
    problems = errors(validate(_portfolio(settings=replace(Settings(START, 12), **{field: value}))))
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message


def test_the_stability_settings_at_their_edge_still_plan():
    settings = replace(
        Settings(START, 12, time_limit=2), stability=MAX_STABILITY_POINTS, explain_time=0.0
    )
    portfolio = _portfolio(settings=settings)
    assert errors(validate(portfolio)) == []
    assert solve(portfolio).status.has_plan
    at_most = replace(settings, explain_time=MAX_TIME_LIMIT)
    assert errors(validate(_portfolio(settings=at_most))) == []
