"""The CP-SAT model's own promises: named variables, a complete warm start, a reusable model,
and redundant rules that are."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
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
    proto = built.model.proto
    assert len(proto.solution_hint.vars) == len(proto.variables)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert built.plan(solver) == plan


@pytest.mark.parametrize("objective", [Objective.VALUE, Objective.FINISH])
@pytest.mark.parametrize(
    "options", [ModelOptions(time_indexed=False), ModelOptions(diagnosis=True)]
)
def test_every_variable_and_interval_has_a_name(objective, options):
    # names make solver logs and model dumps readable (`x[P-101]`, `use[P-101,Developer,0]`)
    portfolio = generate_portfolio(30, seed=2)
    proto = PortfolioModel(portfolio, objective, options).model.proto
    assert all(variable.name for variable in proto.variables)
    intervals = [c for c in proto.constraints if c.has_interval()]
    assert all(c.name for c in intervals)


@pytest.mark.parametrize("objective", [Objective.VALUE, Objective.FINISH])
def test_the_tie_break_on_the_solved_model_is_the_model_a_fresh_build_gives(objective):
    # `solve` reuses its model for the tie-break instead of building it again: the result
    # is the same only if the reused model is the very same model
    if objective is Objective.VALUE:
        portfolio = generate_portfolio(25, seed=3)
    else:
        instance = read_psplib(DATA / "j30" / "j301_1.sm")
        portfolio = rcpsp_to_portfolio(instance, horizon=rcpsp_upper_bound(instance) + 1)
    plan, _ = greedy_starts(portfolio, objective)
    used = PortfolioModel(portfolio, objective)
    used.hint(plan)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 1
    solver.solve(used.model)
    fresh = PortfolioModel(portfolio, objective)
    for built in (used, fresh):
        built.tie_break(1000)
        built.hint(plan)
    assert str(used.model.proto) == str(fresh.model.proto)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(max_projects=6))
def test_the_finish_block_changes_no_optimum(portfolio):
    # "every role is busy from the finish month on" must only prune, never cut off a plan
    assume(not errors(validate(portfolio)))
    with_block = solve(portfolio, objective=Objective.FINISH, time_limit=10, workers=1)
    without = solve(
        portfolio,
        objective=Objective.FINISH,
        time_limit=10,
        workers=1,
        options=ModelOptions(makespan_block=False),
    )
    # proven answers must agree; an unproven one must lie within the other's proof
    if SolveStatus.INFEASIBLE in (with_block.status, without.status):
        assert not with_block.status.has_plan and not without.status.has_plan
        return
    for one, other in ((with_block, without), (without, with_block)):
        if one.status is SolveStatus.OPTIMAL and other.status.has_plan:
            assert other.objective >= one.objective
            assert other.bound <= one.objective
