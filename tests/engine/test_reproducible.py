"""Settings "Reproducible": the same portfolio and seed give the same plan whatever the load.

Under Yes every limit counts CP-SAT's work done (deterministic time) instead of the clock, so
a run cut short by its limit stops at the same point on a busy machine as on an idle one.
The load here is real: a child process burning a core beside one of the two solves.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from engine.checker import check_plan
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
