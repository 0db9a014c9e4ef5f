"""ModelOptions(neighbourhoods=True), a lever measured and left off: one full-problem search
keeps proving the bound, the other threads improve the plan; the plan keeps every rule and
the bound stays a bound."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bench.generate import generate_portfolio
from engine.checker import check_plan
from engine.cpsat_model import ModelOptions
from engine.mip import solve_mip
from engine.optimiser import _solver, solve
from engine.result import SolveStatus


def test_one_full_search_and_one_thread_more_for_neighbourhoods():
    solver = _solver(1, 2, 5.0, neighbourhoods=True)
    assert solver.parameters.num_workers == 3
    assert solver.parameters.num_full_subsolvers == 1


def test_no_change_on_one_worker_or_under_reproducible():
    assert _solver(1, 1, 5.0, neighbourhoods=True).parameters.num_workers == 1
    steady = _solver(1, 2, 5.0, neighbourhoods=True, reproducible=True)
    assert steady.parameters.num_workers == 2  # interleaved search: the plan must repeat
    assert steady.parameters.num_full_subsolvers == 0
    assert _solver(1, 2, 5.0).parameters.num_workers == 2


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(10, 25), seed=st.integers(0, 10_000))
def test_the_plan_keeps_every_rule_and_the_bound_is_never_below_the_optimum(n, seed):
    portfolio = generate_portfolio(n, seed=seed)  # big projects: where the LP is weak
    portfolio = dataclasses.replace(
        portfolio, settings=dataclasses.replace(portfolio.settings, explain_time=0.0)
    )
    proven = solve_mip(portfolio, time_limit=120, threads=1)
    assume(proven.status is SolveStatus.OPTIMAL)
    assert proven.value is not None
    result = solve(portfolio, time_limit=2.0, workers=2, options=ModelOptions(neighbourhoods=True))
    assert check_plan(portfolio, result) == []
    assert result.objective <= proven.value + 1e-6
    assert result.bound >= proven.value - 1e-6
