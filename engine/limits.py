"""The range every number in a portfolio must lie in, and why each bound is where it is.

The optimiser counts FTE, money and scores in integer units (`engine.units`) inside CP-SAT,
whose sums are 64-bit, and lays out each project month by month: a value far beyond
anything a PMO types (a duration of a billion months, a budget of 1e308) would overflow the
one or exhaust memory with the other. `engine.validation` checks every number against these
bounds, naming the cell, before any arithmetic is done with it.
"""

from __future__ import annotations

MAX_MONTHS = 10_000  # horizon, duration, lag: any real plan is far shorter
MAX_FTE = 100_000.0  # one role's capacity, or one demand, in a month
MAX_MONEY = 1e13  # one project's cost, or one year's budget
# All costs together, in cents, times the starts a project may take must stay inside CP-SAT's
# 64-bit sums (4.6e18): 1e14 x 100 cents x 3,000 start literals, with room to spare.
MAX_TOTAL_COST = 1e14
MAX_SCORE = 1e6  # a score, or a criterion's Min or Max, either side of 0
MAX_WEIGHT = 1e6  # a criterion's weight
MAX_UNITS = 10_000  # hiring units of one option, or a manager's concurrent projects
MAX_SEED = 2**31 - 1  # CP-SAT's random seed is a 32-bit integer
MAX_TIME_LIMIT = 86_400.0  # seconds: one day (also Settings "Reasons time (s)")
# Settings "Stability" as points per change: more than any score can be is no steadier, and
# the penalty (points x 1,000 units x baseline projects) stays far inside CP-SAT's sums
MAX_STABILITY_POINTS = MAX_SCORE


def amount_text(value: float) -> str:
    """A bound or a found amount for a message: `10,000,000,000,000`, `1e+17`."""
    if abs(value) < 1e16 and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"
