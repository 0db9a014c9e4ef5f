"""The CP-SAT model's own promises: a complete warm start, and redundant rules that are."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model

from bench.generate import generate_portfolio
from bench.instances import rcpsp_to_portfolio, rcpsp_upper_bound, read_psplib
from engine.cpsat_model import ModelOptions, PortfolioModel
from engine.greedy import greedy_starts
from engine.model import Objective
from engine.optimiser import solve
from engine.result import SolveStatus
from engine.validation import errors, validate
from tests.engine.strategies import portfolios

DATA = Path(__file__).resolve().parents[1] / "data" / "psplib"


@pytest.mark.parametrize("objective", [Objective.VALUE, Objective.FINISH])
@pytest.mark.parametrize("time_indexed", [True, False])
def test_the_warm_start_sets_every_variable_and_keeps_every_rule(objective, time_indexed):
    # a complete, feasible hint is CP-SAT's first solution; a partial one may be dropped
    if objective is Objective.VALUE:
        portfolio = generate_portfolio(40, seed=5)
    else:  # `finish` schedules everyone: a PSPLIB instance (tests/data/psplib/README.md)
        instance = read_psplib(DATA / "j30" / "j301_2.sm")
        portfolio = rcpsp_to_portfolio(instance, horizon=rcpsp_upper_bound(instance) + 1)
    plan, unplaced = greedy_starts(portfolio, objective)
    assert objective is Objective.VALUE or not unplaced
    built = PortfolioModel(portfolio, objective, ModelOptions(time_indexed=time_indexed))
    built.hint(plan)
    proto = built.model.Proto()
    assert len(proto.solution_hint.vars) == len(proto.variables)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20
    assert solver.Solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert built.plan(solver) == plan


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(max_projects=6))
def test_the_finish_block_changes_no_optimum(portfolio):
    # "every role is busy from the finish month on" must only prune, never cut off a plan
    if errors(validate(portfolio)):
        return
    with_block = solve(portfolio, objective=Objective.FINISH, time_limit=10, workers=1)
    without = solve(
        portfolio,
        objective=Objective.FINISH,
        time_limit=10,
        workers=1,
        options=ModelOptions(makespan_block=False),
    )
    assert with_block.status is without.status
    if with_block.status is SolveStatus.OPTIMAL:
        assert with_block.objective == without.objective
