"""HiGHS first, then CP-SAT: the plan keeps every rule, the bound holds, each is said.

`engine.optimiser` runs HiGHS on the time-indexed MIP before CP-SAT where that MIP holds
every rule of the portfolio, and the portfolio is big enough for it to pay. The reported
bound must never be below the true optimum (found here by HiGHS alone, proven), whichever
solver gave it; portfolios with rules the MIP lacks, and small ones unless asked, are left
to CP-SAT alone. The small portfolios here ask for HiGHS (ModelOptions) to keep the tests
quick.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bench.generate import generate_small_projects
from engine.checker import check_plan
from engine.cpsat_model import ModelOptions
from engine.feasibility import allowed_starts
from engine.greedy import greedy, greedy_objective
from engine.mip import holds_every_rule, solve_mip
from engine.model import ManagerMode, Objective, ProjectStatus
from engine.optimiser import HIGHS_MIN_PROJECTS, Progress, solve
from engine.result import BOUND_SOURCES, SolveStatus
from workbook.book.sample import sample_portfolio

ROOT = Path(__file__).parents[2]


def _quiet(portfolio):
    """No solved reasons: these tests are about the plan and its bound."""
    settings_ = dataclasses.replace(portfolio.settings, explain_time=0.0)
    return dataclasses.replace(portfolio, settings=settings_)


# HiGHS first whatever the size. Where HiGHS must run, the limit leaves it well over
# HIGHS_MIN_SECONDS however slow the machine is before it starts (these small portfolios
# are proven long before the limit).
HIGHS = ModelOptions(highs=True)


def _optimum(portfolio) -> float:
    proven = solve_mip(portfolio, time_limit=120, threads=1)
    assume(proven.status is SolveStatus.OPTIMAL)
    assert proven.value is not None
    return proven.value


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(15, 45), seed=st.integers(0, 10_000), limit=st.sampled_from([0.6, 2.0]))
def test_the_bound_is_never_below_the_optimum_and_the_plan_keeps_every_rule(n, seed, limit):
    portfolio = _quiet(generate_small_projects(n, seed=seed))
    result = solve(portfolio, time_limit=limit, workers=1, options=HIGHS)
    assert check_plan(portfolio, result) == []
    optimum = _optimum(portfolio)
    assert result.objective <= optimum + 1e-6
    assert result.bound >= optimum - 1e-6
    assert result.bound_source in BOUND_SOURCES
    if result.status is SolveStatus.OPTIMAL:
        assert result.objective == pytest.approx(optimum)


def test_highs_runs_first_where_its_model_holds_every_rule_and_its_plans_are_reported():
    portfolio = _quiet(generate_small_projects(40, seed=11))
    waterline = greedy(portfolio).objective
    optimum = solve_mip(portfolio, time_limit=120, threads=1)
    assert optimum.status is SolveStatus.OPTIMAL and optimum.value > waterline  # the premise
    seen: list[Progress] = []
    result = solve(portfolio, time_limit=60, workers=1, progress=seen.append, options=HIGHS)
    assert result.strategy == "highs+cp-sat"
    assert result.status is SolveStatus.OPTIMAL  # 40 small projects: proven long before 60 s
    assert result.objective == pytest.approx(optimum.value)
    assert result.bound == pytest.approx(optimum.value)
    assert result.bound_source == "optimal"
    assert seen and seen[0].objective > waterline  # HiGHS's plans are progress too


def test_the_mip_maximises_what_the_optimiser_maximises():
    """A stoppable project in flight is worth its Remaining value, not its score (HiGHS once
    counted the score, and its bound was on another objective)."""
    base = generate_small_projects(12, seed=5)
    first = base.projects[0]
    flight = dataclasses.replace(
        first,
        status=ProjectStatus.IN_FLIGHT,
        fixed_start=base.settings.plan_start - 1,
        earliest_start=None,
        latest_start=None,
        can_stop=True,
        remaining_value=500.0,
    )
    portfolio = dataclasses.replace(base, projects=(flight, *base.projects[1:]))
    assert flight.stoppable
    found = solve_mip(portfolio, time_limit=60, threads=1)
    assert found.status is SolveStatus.OPTIMAL
    assert found.value == pytest.approx(greedy_objective(portfolio, found.plan, Objective.VALUE))
    assert flight.id in found.plan  # worth five times any other project
    result = solve(_quiet(portfolio), time_limit=30, workers=1, options=HIGHS)
    assert result.objective == pytest.approx(found.value)
    assert result.bound >= found.value - 1e-6


def test_cp_sat_alone_where_the_mip_lacks_a_rule_or_is_switched_off():
    sample = _quiet(sample_portfolio())  # hiring, balance rules and managers
    assert not holds_every_rule(sample)
    assert solve(sample, time_limit=2, workers=1, options=HIGHS).strategy == "cp-sat"
    small = _quiet(generate_small_projects(20, seed=2))
    assert holds_every_rule(small)
    people = dataclasses.replace(small, managers=sample.managers)  # "Check": plan ignores them
    assert people.managers and not people.assigns_managers and holds_every_rule(people)
    assigned = dataclasses.replace(
        people, settings=dataclasses.replace(people.settings, project_managers=ManagerMode.ASSIGN)
    )
    assert not holds_every_rule(assigned)
    assert solve(small, time_limit=10, workers=1, options=HIGHS).strategy == "highs+cp-sat"
    off = solve(small, time_limit=2, workers=1, options=ModelOptions(highs=False))
    assert off.strategy == "cp-sat"
    same = dataclasses.replace(small.settings, reproducible=True)  # HiGHS stops by the clock
    reproducible = dataclasses.replace(small, settings=same)
    assert solve(reproducible, time_limit=2, workers=1, options=HIGHS).strategy == "cp-sat"


def test_by_default_highs_first_only_on_portfolios_big_enough_for_it_to_pay():
    below = _quiet(generate_small_projects(HIGHS_MIN_PROJECTS - 1, seed=3))
    assert holds_every_rule(below)
    assert solve(below, time_limit=2, workers=1).strategy == "cp-sat"
    enough = _quiet(generate_small_projects(HIGHS_MIN_PROJECTS, seed=3))
    assert holds_every_rule(enough)
    assert solve(enough, time_limit=10, workers=1).strategy == "highs+cp-sat"


def test_by_default_highs_first_on_a_pure_selection_whatever_its_size():
    """Every start fixed: the MIP is the multidimensional knapsack itself."""
    base = _quiet(generate_small_projects(30, seed=4))
    fixed = []
    for project in base.projects:
        first = allowed_starts(base, project)[0]
        fixed.append(dataclasses.replace(project, earliest_start=first, latest_start=first))
    selection = dataclasses.replace(base, projects=tuple(fixed))
    assert all(len(allowed_starts(selection, p)) == 1 for p in selection.projects)
    result = solve(selection, time_limit=10, workers=1)
    assert result.strategy == "highs+cp-sat"
    assert check_plan(selection, result) == []
    assert solve(base, time_limit=2, workers=1).strategy == "cp-sat"  # the same, with windows


def test_highs_prints_nothing_on_standard_output():
    """Its banner would land in `pmo`'s tables and JSON."""
    code = (
        "from bench.generate import generate_small_projects as g;"
        "from engine.optimiser import solve;"
        "from engine.cpsat_model import ModelOptions as O;"
        "r = solve(g(12, seed=1), time_limit=10, workers=1, options=O(highs=True));"
        "import sys; sys.stderr.write(r.strategy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith("highs+cp-sat")
    assert done.stdout == ""
