"""A warm start from the LP relaxation: rank projects by their LP selection, try LP starts first.

The LP is the time-indexed relaxation (one column per project and start month) solved by
GLOP; the plan is then built by the same first-fit placement as the waterline, so it keeps
every rule. On large portfolios this starts CP-SAT far above the waterline.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.linear_solver import pywraplp

from engine.feasibility import allowed_starts, demand_profile, fte_units, money_units, year_costs
from engine.greedy import greedy_objective, greedy_starts
from engine.model import DependencyType, Objective, Portfolio
from engine.plan import scores

Columns = dict[str, pywraplp.Variable]  # x[p]: how much of the project is selected
StartColumns = dict[str, dict[int, pywraplp.Variable]]  # y[p][s]: ... at start month s
LP_ZERO = 1e-6  # an LP value at or below this counts as zero (solver noise)
MILLISECONDS = 1000


def lp_guided_starts(portfolio: Portfolio, seconds: float) -> dict[str, int] | None:
    """A complete plan guided by the LP relaxation, or None if the LP gave no answer in time."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    solver.SetTimeLimit(max(int(seconds * MILLISECONDS), 1))
    x, y = _columns(portfolio, solver)
    _rows(portfolio, solver, x, y)
    score_by_id = scores(portfolio)
    solver.Maximize(sum(score_by_id[pid] * var for pid, var in x.items()))
    if solver.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    selection = {pid: var.solution_value() for pid, var in x.items()}
    order = sorted(
        portfolio.projects,
        key=lambda p: (
            p.fixed_start is None,
            not p.must_run,
            -selection.get(p.id, 0.0),
            -score_by_id[p.id],
            p.id,
        ),
    )
    preferred = {
        pid: [
            s
            for s, var in sorted(cols.items(), key=lambda kv: -kv[1].solution_value())
            if var.solution_value() > LP_ZERO
        ]
        for pid, cols in y.items()
    }
    starts, unplaced = greedy_starts(portfolio, Objective.VALUE, order=order, preferred=preferred)
    if any(portfolio.project(pid).must_run for pid in unplaced):
        return None
    return starts


def better_of(portfolio: Portfolio, *plans: dict[str, int] | None) -> dict[str, int]:
    """The plan with the highest total score among those given (None is skipped)."""
    found = [plan for plan in plans if plan is not None]
    return max(found, key=lambda plan: greedy_objective(portfolio, plan, Objective.VALUE))


def _columns(portfolio: Portfolio, solver: pywraplp.Solver) -> tuple[Columns, StartColumns]:
    """x[p] in [0, 1] (1 for must-run) and y[p,s] per allowed start, with sum y = x."""
    x: Columns = {}
    y: StartColumns = {}
    for project in portfolio.projects:
        starts = allowed_starts(portfolio, project)
        if project.out_of_play or not starts or project.id in x:
            continue
        pid = project.id
        y[pid] = {s: solver.NumVar(0.0, 1.0, f"y[{pid},{s}]") for s in starts}
        low = 1.0 if project.must_run else 0.0
        x[pid] = solver.NumVar(low, 1.0, f"x[{pid}]")
        solver.Add(x[pid] == sum(y[pid].values()))
    return x, y


def _rows(portfolio: Portfolio, solver: pywraplp.Solver, x: Columns, y: StartColumns) -> None:
    """Every rule family of the relaxation (in a fixed order: the LP answer depends on it)."""
    _capacity_rows(portfolio, solver, y)
    _budget_rows(portfolio, solver, y)
    _group_rows(portfolio, solver, x)
    _link_rows(portfolio, solver, x)


def _capacity_rows(portfolio: Portfolio, solver: pywraplp.Solver, y: StartColumns) -> None:
    """Per role and horizon month: the demand of the chosen starts within capacity."""
    plan_start = portfolio.settings.plan_start
    load: dict[tuple[str, int], list[pywraplp.LinearExpr]] = defaultdict(list)
    for pid, cols in y.items():
        profile = demand_profile(portfolio, portfolio.project(pid))
        for role, row in profile.items():
            for s, var in cols.items():
                for k, units in enumerate(row):
                    if units > 0:
                        load[role, s + k - plan_start].append(units * var)
    for (role, t), terms in load.items():
        capacity = portfolio.capacity.get(role)
        if capacity is not None and 0 <= t < len(capacity):
            solver.Add(sum(terms) <= fte_units(capacity[t]))


def _budget_rows(portfolio: Portfolio, solver: pywraplp.Solver, y: StartColumns) -> None:
    """Per budgeted year: the cost of the chosen starts within the budget."""
    spend: dict[int, list[pywraplp.LinearExpr]] = defaultdict(list)
    for pid, cols in y.items():
        project = portfolio.project(pid)
        for s, var in cols.items():
            for year, cents in year_costs(portfolio, project, s).items():
                spend[year].append(cents * var)
    for year, terms in spend.items():
        solver.Add(sum(terms) <= money_units(portfolio.budget[year]))


def _group_rows(portfolio: Portfolio, solver: pywraplp.Solver, x: Columns) -> None:
    """At most one project of each exclusive group."""
    groups: dict[str, list[pywraplp.Variable]] = defaultdict(list)
    for pid in x:
        group = portfolio.project(pid).exclusive_group
        if group:
            groups[group].append(x[pid])
    for members in groups.values():
        solver.Add(sum(members) <= 1)


def _link_rows(portfolio: Portfolio, solver: pywraplp.Solver, x: Columns) -> None:
    """Excludes, With, and the selection side of Requires and FS."""
    for dep in portfolio.dependencies:
        a, b = x.get(dep.predecessor), x.get(dep.successor)
        if dep.type is DependencyType.EXCLUDES and a is not None and b is not None:
            solver.Add(a + b <= 1)
        elif dep.type is DependencyType.WITH and a is not None and b is not None:
            solver.Add(a == b)
        elif dep.type in (DependencyType.FS, DependencyType.REQUIRES) and b is not None:
            solver.Add(b <= (a if a is not None else 0))
