"""How one time limit is shared among the steps of a solve: pure arithmetic, tested as such.

The whole run keeps to the limit: the waterline, the warm start and the model build come
first and count against it; the search then gets what is left less a reserve for what must
follow the plan: the reasons, shortfall and utilisation of every project (work that grows
with the portfolio, faster than linearly: `report_reserve`, measured in bench/run_scale.py) and the
solved reasons' budget (Settings "Reasons time"). The tie-break takes what the search left
of its share; the solved reasons take what is left of the limit, up to their budget, and
those that do not fit say so (engine.counterfactual's `NOT_COMPUTED`, and a note).

Every figure is seconds of the limit: on the clock, or under Settings "Reproducible" work
done (engine.determinism); the reserve depends on the limit and the portfolio's size alone,
so where the search stops never depends on the machine when the plan must repeat.
"""

from __future__ import annotations

# the basic reasons, shortfall and utilisation took 0.9-1.4 s at 2,000 projects and
# 4.7-8.6 s at 5,000 (big projects, nearly all deferred; docs/benchmarks.md, "Scale and the
# time limit"): every start of every deferred project is checked against the plan, so the
# work grows about as the square of the size; 0.1 s at 1,000 small projects
REPORT_SECONDS_PER_PROJECT = 0.0002
REPORT_SECONDS_PER_PROJECT_SQUARED = 3.5e-7  # the worst of the measured runs
REPORT_SHARE = 0.3  # of the limit, at most, held back for the report
RESERVE_SHARE = 0.5  # of the limit, at most, held back for the report and solved reasons
TIE_BREAK_SHARE = 0.25  # of the limit, at most, for moving projects earlier
HIGHS_SHARE = 0.6  # `value`: of the time left beyond the reserve, for HiGHS first
HIGHS_TIGHT_SHARE = 0.85  # ... or up to this much while its own gap is tight,
HIGHS_TIGHT_MIN_PROJECTS = 200  # ... on portfolios this big (below, CP-SAT proves faster)
# HiGHS presolves ~0.3 million nonzeros a second here and checks no clock meanwhile (1.6
# million, 2,000 big projects x 60 months: 4.8 s, and 1.7 s to build): beyond this many a
# second of the limit, its build and presolve alone would take a quarter of the time
HIGHS_NONZEROS_PER_SECOND = 50_000
MIN_SEARCH = 0.01  # seconds: a search always starts (CP-SAT may return a plan at once)


def report_reserve(limit: float, n_projects: int) -> float:
    """Seconds held back for the reasons, shortfall and utilisation of `n_projects`."""
    wanted = (
        REPORT_SECONDS_PER_PROJECT * n_projects + REPORT_SECONDS_PER_PROJECT_SQUARED * n_projects**2
    )
    return max(min(REPORT_SHARE * limit, wanted), 0.0)


def after_plan_reserve(limit: float, n_projects: int, reasons: float) -> float:
    """Seconds the search leaves for what follows the plan: the report and `reasons`
    seconds of solved reasons, together at most `RESERVE_SHARE` of the limit."""
    wanted = report_reserve(limit, n_projects) + max(reasons, 0.0)
    return max(min(RESERVE_SHARE * limit, wanted), 0.0)


def highs_seconds(left: float, reserve: float, n_projects: int) -> tuple[float, float]:
    """Seconds for HiGHS before CP-SAT: its share of what is left beyond the reserve, and
    how far that may stretch while HiGHS's own gap is tight.

    Where the LP is tight on a large portfolio HiGHS is the stronger solver and keeps most
    of the time; on a small one (a knapsack of 100 items, say) CP-SAT closes a tight gap
    sooner than HiGHS does (docs/benchmarks.md, mknapcb), so there is no stretch.
    """
    room = max(left - reserve, 0.0)
    share = HIGHS_SHARE * room
    stretch = HIGHS_TIGHT_SHARE * room if n_projects >= HIGHS_TIGHT_MIN_PROJECTS else share
    return share, stretch


def highs_fits(nonzeros: int, limit: float) -> bool:
    """Whether a MIP of `nonzeros` is small enough for HiGHS to be worth starting within
    `limit` seconds (docs/benchmarks.md, "Scale and the time limit")."""
    return nonzeros <= HIGHS_NONZEROS_PER_SECOND * limit


def search_seconds(left: float, reserve: float, share: float = 1.0) -> float:
    """Seconds for a search: `share` of what is left of the limit beyond the reserve."""
    return max(share * (left - reserve), MIN_SEARCH)


def tie_break_seconds(left: float, reserve: float, limit: float) -> float:
    """Seconds for the tie-break: what is left beyond the reserve, at most its share of
    the limit (0: no tie-break)."""
    return max(min(left - reserve, TIE_BREAK_SHARE * limit), 0.0)


def reasons_seconds(asked: float, left: float) -> float:
    """Seconds for the solved reasons: their budget, at most what is left of the limit."""
    return max(min(asked, left), 0.0)
