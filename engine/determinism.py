"""Limits by work done instead of by the clock, for Settings "Reproducible".

A CP-SAT search stopped by the clock ends wherever the machine's speed and load left it, so
the same workbook and seed may give another plan. Stopped by deterministic time (CP-SAT's
count of work done), with the workers' searches interleaved, it ends at the same point on
any machine: the plan depends on the model and the seed alone.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

# CP-SAT's deterministic time units per second of a limit. An interleaved search's unit took
# about a second of two cores on the sample and on 100 generated projects, seven on 300
# (bench/run_reproducible.py); and it ends only between batches, which can overshoot a small
# limit severalfold (the sample's first batch is about 3.5 units). A reproducible run may so
# end before or after its limit, but where it ends never depends on the machine's speed or
# load.
DETERMINISTIC_PER_SECOND = 1.0
# A search still running after this many times its seconds on the clock (and at least
# `WALL_FLOOR` seconds) is stopped all the same: then its answer may not repeat, and the run
# says so.
WALL_SAFETY = 10.0
WALL_FLOOR = 20.0


def limit_by_work(solver: cp_model.CpSolver, seconds: float) -> None:
    """Stop the solver after `seconds` of the limit counted as work done, not on the clock."""
    solver.parameters.max_deterministic_time = max(seconds, 0.0) * DETERMINISTIC_PER_SECOND
    solver.parameters.max_time_in_seconds = max(WALL_SAFETY * seconds, WALL_FLOOR)
    solver.parameters.interleave_search = True


def work_seconds(solver: cp_model.CpSolver) -> float:
    """The seconds of a limit that a finished search used, counted as work done."""
    return solver.response_proto.deterministic_time / DETERMINISTIC_PER_SECOND


def stopped_by_clock(solver: cp_model.CpSolver) -> bool:
    """Whether a search limited by work was stopped by the clock's safety stop instead.

    Work done is counted between batches, so a search may run past its work limit inside
    one batch; if the clock stops it there, where it stopped depends on the machine all
    the same, whatever the count says by then.
    """
    return solver.response_proto.wall_time >= solver.parameters.max_time_in_seconds
