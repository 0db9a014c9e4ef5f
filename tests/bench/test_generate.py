"""The random portfolio generator: deterministic, always valid, calibrated as documented."""

from __future__ import annotations

from itertools import permutations

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.generate import generate_portfolio, generate_small_projects
from engine.feasibility import Ledger, allowed_starts
from engine.model import DependencyType, Direction, ProjectStatus
from engine.validation import validate


def _fte_months(portfolio) -> float:
    durations = {p.id: p.duration for p in portfolio.projects}
    return sum(
        d.fte * ((d.to_month or durations[d.project_id]) - (d.from_month or 1) + 1)
        for d in portfolio.demands
    )


def test_same_seed_same_portfolio_other_seed_other_portfolio():
    assert generate_portfolio(60, seed=7) == generate_portfolio(60, seed=7)
    assert generate_portfolio(60, seed=7) != generate_portfolio(60, seed=8)


@settings(max_examples=60, deadline=None)
@given(
    n_projects=st.integers(1, 60),
    n_roles=st.integers(1, 14),
    horizon=st.integers(2, 40),
    over_demand=st.floats(0.5, 3.0),
    seed=st.integers(0, 2**31 - 1),  # CP-SAT takes a 32-bit seed (engine.limits.MAX_SEED)
)
def test_generated_portfolios_always_validate(n_projects, n_roles, horizon, over_demand, seed):
    portfolio = generate_portfolio(n_projects, n_roles, horizon, over_demand, seed)
    assert validate(portfolio) == []
    assert _must_run_fit_together(portfolio)


def _must_run_fit_together(portfolio) -> bool:
    """Whether some order of first-fit placement on the engine's ledger holds every must-run."""
    fixed = [p for p in portfolio.projects if p.must_run and p.fixed_start is not None]
    free = [p for p in portfolio.projects if p.must_run and p.fixed_start is None]
    assert len(free) <= 4  # few enough to try every order
    for order in permutations(free):
        ledger = Ledger(portfolio)
        placed = True
        for project in [*fixed, *order]:
            start = next(
                (s for s in allowed_starts(portfolio, project) if ledger.fits(project, s)), None
            )
            if start is None:
                placed = False
                break
            ledger.commit(project, start)
        if placed:
            return True
    return False


def test_shape_of_a_large_portfolio():
    portfolio = generate_portfolio(300, n_roles=12, horizon=36, over_demand=1.6, seed=1)
    projects = portfolio.projects
    assert len(projects) == 300 and len(portfolio.roles) == 12
    assert all(2 <= p.duration <= 12 for p in projects)
    assert sum(p.mandatory for p in projects) == 9  # 3%
    in_flight = [p for p in projects if p.status is ProjectStatus.IN_FLIGHT]
    assert len(in_flight) == 15  # 5%
    assert all(p.fixed_start < portfolio.settings.plan_start for p in in_flight)
    windows = sum(p.earliest_start is not None or p.latest_start is not None for p in projects)
    assert 0.2 * 300 < windows < 0.4 * 300
    assert len(portfolio.criteria) == 5
    assert [c.direction for c in portfolio.criteria].count(Direction.LOWER) == 1

    # demand is about over_demand x capacity
    capacity = sum(sum(row) for row in portfolio.capacity.values())
    assert 1.45 < _fte_months(portfolio) / capacity < 1.75

    # each year's budget is 70% of the total cost pro rata
    total_cost = sum(p.cost for p in projects)
    assert sorted(portfolio.budget) == [2030, 2031, 2032]
    for amount in portfolio.budget.values():
        assert abs(amount - 0.7 * total_cost / 3) < 1000

    index = {p.id: i for i, p in enumerate(projects)}
    types = {d.type for d in portfolio.dependencies}
    assert {DependencyType.FS, DependencyType.REQUIRES, DependencyType.EXCLUDES} <= types
    assert all(index[d.predecessor] < index[d.successor] for d in portfolio.dependencies)
    must_run = {p.id for p in projects if p.must_run}
    assert not any({d.predecessor, d.successor} & must_run for d in portfolio.dependencies)
    groups = {p.exclusive_group for p in projects if p.exclusive_group}
    assert len(groups) >= 5


# --- the many-small-projects regime --------------------------------------------------------


def test_small_projects_same_seed_same_portfolio_other_seed_other_portfolio():
    assert generate_small_projects(80, seed=3) == generate_small_projects(80, seed=3)
    assert generate_small_projects(80, seed=3) != generate_small_projects(80, seed=4)


@settings(max_examples=40, deadline=None)
@given(n_projects=st.integers(1, 120), seed=st.integers(0, 2**31 - 1))
def test_small_projects_validate_and_keep_their_documented_shape(n_projects, seed):
    portfolio = generate_small_projects(n_projects, seed=seed)
    assert validate(portfolio) == []
    start, horizon = portfolio.settings.plan_start, portfolio.settings.horizon
    for project in portfolio.projects:
        assert 2 <= project.duration <= 18
        assert start <= project.earliest_start <= project.latest_start
        assert project.latest_start - project.earliest_start < 13  # a window of 1-13 months
        assert project.latest_start + project.duration <= start + horizon
        assert 1 <= project.scores["Value"] <= 100
        assert not (project.must_run or project.fixed_start)
    assert all(0.2 <= d.fte <= 3 and d.from_month is None for d in portfolio.demands)
    assert not portfolio.budget
    pairs = [p for p in portfolio.projects if p.exclusive_group]
    assert len(pairs) == 2 * (round(0.10 * n_projects) // 2)
    assert all(d.type is DependencyType.FS for d in portfolio.dependencies)
    assert len(portfolio.dependencies) <= round(0.10 * n_projects)


def test_small_projects_capacity_grows_with_the_portfolio_at_the_set_over_demand():
    for n in (100, 400):
        portfolio = generate_small_projects(n, seed=1, over_demand=1.6)
        capacity = sum(sum(row) for row in portfolio.capacity.values())
        assert 1.6 * 0.9 <= _fte_months(portfolio) / capacity <= 1.6 * 1.1
    small = generate_small_projects(100, seed=1)
    large = generate_small_projects(400, seed=1)
    assert sum(map(sum, large.capacity.values())) > 3 * sum(map(sum, small.capacity.values()))
