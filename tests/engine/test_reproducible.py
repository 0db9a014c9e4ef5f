"""Settings "Reproducible": the same portfolio and seed give the same plan whatever the load.

Under Yes every limit counts CP-SAT's work done (deterministic time) instead of the clock, so
a run cut short by its limit stops at the same point on a busy machine as on an idle one.
The load here is real: a child process burning a core beside one of the two solves.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from ortools.sat.python import cp_model

from engine.checker import check_plan
from engine.determinism import limit_by_work, stopped_by_clock
from engine.model import Portfolio
from engine.optimiser import solve
from engine.result import Result
from workbook.book.sample import sample_portfolio


def _reproducible_sample() -> Portfolio:
    portfolio = sample_portfolio()
    # a short limit: the sample is not proven optimal in it, so the search is cut short
    settings = replace(portfolio.settings, reproducible=True, time_limit=2.0, workers=2)
    return replace(portfolio, settings=settings)


def _plan(result: Result) -> dict[str, int | None]:
    return {o.project_id: o.start for o in result.selected}


def _reasons(result: Result) -> dict[str, str]:
    return {o.project_id: o.reason for o in result.projects}


def test_the_same_plan_on_an_idle_and_a_busy_machine():
    portfolio = _reproducible_sample()
    quiet = solve(portfolio)
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = solve(portfolio)
    finally:
        burner.kill()
        burner.wait()
    assert check_plan(portfolio, quiet) == []
    assert quiet.status == busy.status
    assert _plan(quiet) == _plan(busy)
    assert quiet.objective == busy.objective
    assert _reasons(quiet) == _reasons(busy)  # the solved reasons count work done too
    assert not any("safety stop" in note for note in quiet.notes + busy.notes)


def test_a_clock_stop_is_noted_even_past_the_work_limit():
    """CP-SAT counts work between batches: a batch can run past the work limit and then be
    cut by the clock; that stop depends on the machine, so it must be noted."""
    model = cp_model.CpModel()
    x = [model.new_int_var(0, 50, f"x{i}") for i in range(60)]
    model.add_all_different(x)
    model.maximize(sum((i % 7 + 1) * v for i, v in enumerate(x)))
    solver = cp_model.CpSolver()
    limit_by_work(solver, 0.0)  # no work allowed, so the count is past the limit ...
    solver.parameters.max_time_in_seconds = 0.0  # ... when the safety stop cuts in
    solver.solve(model)
    assert stopped_by_clock(solver)
    relaxed = cp_model.CpSolver()
    limit_by_work(relaxed, 0.001)  # stopped by work long before the clock's 20 s
    relaxed.solve(model)
    assert not stopped_by_clock(relaxed)
