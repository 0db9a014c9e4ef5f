"""An independent check of a plan against every rule, written without the model's code.

Used by the tests and the benchmarks: a plan is trusted only when this finds nothing.
Arithmetic is plain floating point from the raw portfolio (no shared helpers with the
optimiser), with a small tolerance for the optimiser's integer rounding.
"""

from __future__ import annotations

from collections import defaultdict

from engine.model import DependencyType, Direction, Force, Portfolio, ProjectStatus
from engine.result import ProjectOutcome, Result, SolveStatus

FTE_TOLERANCE = 0.002
MONEY_TOLERANCE = 0.1  # per planned project: the monthly cost is rounded to the cent


def check_starts(
    portfolio: Portfolio, starts: dict[str, int], *, everyone: bool = False
) -> list[str]:
    """`check_plan` for a bare plan {project ID: start month} (a heuristic's or HiGHS's)."""
    projects = tuple(
        ProjectOutcome(
            p.id,
            p.id in starts,
            starts.get(p.id),
            starts[p.id] + p.duration if p.id in starts else None,
        )
        for p in portfolio.projects
    )
    return check_plan(portfolio, Result(SolveStatus.FEASIBLE, projects=projects), everyone=everyone)


def check_plan(portfolio: Portfolio, result: Result, *, everyone: bool = False) -> list[str]:
    """Every rule the result's plan breaks, in words; an empty list means the plan is valid.

    `everyone`: the `finish` objective, where every project not out of play must be planned.
    """
    plan = {o.project_id: o for o in result.projects if o.selected}
    projects = {p.id: p for p in portfolio.projects}
    first = portfolio.settings.plan_start
    end_of_horizon = first + portfolio.settings.horizon  # first month after the horizon
    broken: list[str] = []

    for pid, outcome in plan.items():
        p = projects.get(pid)
        if p is None:
            broken.append(f"{pid}: planned but not in the portfolio")
            continue
        start = outcome.start
        if start is None or outcome.end != start + p.duration:
            broken.append(f"{pid}: end {outcome.end} is not start {start} + {p.duration}")
            continue
        if p.force is Force.OUT or p.status in (ProjectStatus.CLOSED, ProjectStatus.ON_HOLD):
            broken.append(f"{pid}: planned although forced out, closed or on hold")
        if p.fixed_start is not None:
            if start != p.fixed_start:
                broken.append(f"{pid}: starts {start}, fixed start is {p.fixed_start}")
        else:
            if start < first or start + max(p.duration, 1) > end_of_horizon:
                broken.append(f"{pid}: runs outside the horizon")
            if p.earliest_start is not None and start < p.earliest_start:
                broken.append(f"{pid}: starts before its earliest start")
            if p.latest_start is not None and start > p.latest_start:
                broken.append(f"{pid}: starts after its latest start")

    for p in portfolio.projects:
        must = p.mandatory or p.force is Force.IN or p.status is ProjectStatus.IN_FLIGHT
        out = p.force is Force.OUT or p.status in (ProjectStatus.CLOSED, ProjectStatus.ON_HOLD)
        if (must or (everyone and not out)) and p.id not in plan:
            broken.append(f"{p.id}: must be in the plan but is not")

    for dep in portfolio.dependencies:
        a, b = dep.predecessor, dep.successor
        if dep.type is DependencyType.EXCLUDES:
            if a in plan and b in plan:
                broken.append(f"{a} and {b} exclude each other but both are planned")
        elif dep.type is DependencyType.WITH:
            if (a in plan) != (b in plan):
                broken.append(f"{a} and {b} must go together")
        elif b in plan:
            if a not in plan:
                broken.append(f"{b} needs {a}, which is not planned")
            elif dep.type is DependencyType.FS and plan[b].start < plan[a].end + dep.lag:
                broken.append(f"{b} starts before {a} finishes + {dep.lag}")

    groups: dict[str, list[str]] = defaultdict(list)
    for pid in plan:
        group = projects[pid].exclusive_group if pid in projects else None
        if group:
            groups[group].append(pid)
    for group, members in groups.items():
        if len(members) > 1:
            broken.append(f"exclusive group {group}: {members} all planned")

    load: dict[tuple[str, int], float] = defaultdict(float)
    for demand in portfolio.demands:
        outcome = plan.get(demand.project_id)
        if outcome is None:
            continue
        duration = projects[demand.project_id].duration
        lo = (demand.from_month or 1) - 1
        hi = (demand.to_month or duration) - 1
        for k in range(lo, hi + 1):
            if k < duration:
                load[demand.role, outcome.start + k] += demand.fte
    for (role, month), fte in load.items():
        if not first <= month < end_of_horizon:
            continue
        capacity = portfolio.capacity.get(role)
        available = capacity[month - first] if capacity is not None else 0.0
        if fte > available + FTE_TOLERANCE:
            broken.append(f"{role} in month {month}: {fte:g} FTE planned, {available:g} available")

    spend: dict[int, float] = defaultdict(float)
    for pid, outcome in plan.items():
        p = projects.get(pid)
        if p is None or p.cost == 0:
            continue
        if p.duration == 0:
            spend[outcome.start // 12] += p.cost
        for k in range(p.duration):
            spend[(outcome.start + k) // 12] += p.cost / p.duration
    for year, limit in portfolio.budget.items():
        if spend.get(year, 0.0) > limit + MONEY_TOLERANCE * max(1, len(plan)):
            broken.append(f"budget {year}: {spend[year]:,.2f} planned, {limit:,.2f} allowed")

    if result.objective is not None:
        expected = _objective(portfolio, plan, result.objective_name)
        if abs(expected - result.objective) > 1e-3 * max(1.0, len(plan)):
            broken.append(f"objective {result.objective} but the plan is worth {expected}")
    return broken


def _objective(portfolio: Portfolio, plan, name: str) -> float:
    if name == "finish":
        ends = [o.end for o in plan.values()]
        return float(
            max(ends, default=portfolio.settings.plan_start) - portfolio.settings.plan_start
        )
    total_weight = sum(c.weight for c in portfolio.criteria)
    value = 0.0
    for pid in plan:
        project = portfolio.project(pid)
        if total_weight <= 0:
            continue
        score = 0.0
        for c in portfolio.criteria:
            s = project.scores.get(c.name, c.min)
            score += c.weight * ((c.min + c.max - s) if c.direction is Direction.LOWER else s)
        value += round(score / total_weight, 3)
    return value
