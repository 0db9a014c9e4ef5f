"""An independent check of a plan against every rule, written without the model's code.

Used by the tests and the benchmarks: a plan is trusted only when this finds nothing.
Arithmetic is plain floating point from the raw portfolio (no shared helpers with the
optimiser), with a small tolerance for the optimiser's integer rounding.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from engine.model import (
    DependencyType,
    Direction,
    Force,
    ManagerMode,
    Objective,
    Portfolio,
    ProjectStatus,
)
from engine.result import Hire, ProjectOutcome, Result, SolveStatus
from engine.units import MONTHS_PER_YEAR

FTE_TOLERANCE = 0.002
MONEY_TOLERANCE = 0.1  # per planned project: the monthly cost is rounded to the cent
OBJECTIVE_TOLERANCE = 1e-3  # per planned project: scores are rounded to 0.001


def check_starts(
    portfolio: Portfolio,
    starts: dict[str, int],
    *,
    everyone: bool = False,
    hiring: tuple[Hire, ...] = (),
    managers: dict[str, str] | None = None,
) -> list[str]:
    """`check_plan` for a bare plan {project ID: start month} (a heuristic's or HiGHS's),
    with the hires it relies on and its managers {project ID: name} under Assign."""
    projects = tuple(
        ProjectOutcome(
            p.id,
            p.id in starts,
            starts.get(p.id),
            starts[p.id] + p.duration if p.id in starts else None,
            manager=(managers or {}).get(p.id),
        )
        for p in portfolio.projects
    )
    result = Result(SolveStatus.FEASIBLE, projects=projects, hiring=hiring)
    return check_plan(portfolio, result, everyone=everyone)


def check_plan(portfolio: Portfolio, result: Result, *, everyone: bool = False) -> list[str]:
    """Every rule the result's plan breaks, in words; an empty list means the plan is valid.

    `everyone`: the `finish` objective, where every project not out of play must be planned.
    """
    plan = {o.project_id: o for o in result.selected}
    # a missing start or end is reported by `_starts`; the other rules go without it
    starts = {pid: o.start for pid, o in plan.items() if o.start is not None}
    ends = {pid: o.end for pid, o in plan.items() if o.end is not None}
    return [
        *_starts(portfolio, plan),
        *_must_run(portfolio, plan, everyone),
        *_gates(portfolio, plan),
        *_links(portfolio, plan, starts, ends),
        *_groups(portfolio, plan),
        *_hires(portfolio, result),
        *_capacity(portfolio, starts, result),
        *_budget(portfolio, plan, starts, result),
        *_balance(portfolio, plan),
        *_managers(portfolio, plan),
        *_objective_value(portfolio, plan, ends, result),
    ]


def _starts(portfolio: Portfolio, plan: dict[str, ProjectOutcome]) -> list[str]:
    """Each planned project: in the portfolio, in play, at its fixed start or in its window."""
    projects = {p.id: p for p in portfolio.projects}
    first = portfolio.settings.plan_start
    end_of_horizon = first + portfolio.settings.horizon  # first month after the horizon
    broken = []
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
    return broken


def _must_run(portfolio: Portfolio, plan: dict[str, ProjectOutcome], everyone: bool) -> list[str]:
    """Mandatory, forced-in and in-flight projects (with `everyone`, all in play) are planned;
    a project stopped or held at its latest gate is not in play."""
    gated = _gated_out(portfolio)
    broken = []
    for p in portfolio.projects:
        # a gate's Stop or Hold takes work in flight out of play
        in_flight = p.status is ProjectStatus.IN_FLIGHT and p.id not in gated
        stoppable = in_flight and p.can_stop and not p.mandatory and p.force is not Force.IN
        must = p.mandatory or p.force is Force.IN or (in_flight and not stoppable)
        out = (
            p.force is Force.OUT
            or p.status in (ProjectStatus.CLOSED, ProjectStatus.ON_HOLD)
            or p.id in gated
        )
        if (must or (everyone and not out)) and p.id not in plan:
            broken.append(f"{p.id}: must be in the plan but is not")
    return broken


def _gated_out(portfolio: Portfolio) -> dict[str, str]:
    """{project ID: decision} of the projects whose latest gate decision is Stop or Hold.

    Worked out here from the raw reviews: the latest dated decision wins, a later row wins a
    tie, reviews without a decision or a date do not count.
    """
    latest: dict[str, tuple[date, int, str]] = {}
    for row, review in enumerate(portfolio.gates):
        if review.decision is None or review.date is None:
            continue
        seen = latest.get(review.project_id)
        if seen is None or (review.date, row) >= seen[:2]:
            latest[review.project_id] = (review.date, row, review.decision.value)
    return {pid: d for pid, (_, _, d) in latest.items() if d in ("Stop", "Hold")}


def _gates(portfolio: Portfolio, plan: dict[str, ProjectOutcome]) -> list[str]:
    """No project stopped or held at its latest gate is planned."""
    return [
        f"{pid}: planned although its latest gate decision is {decision}"
        for pid, decision in sorted(_gated_out(portfolio).items())
        if pid in plan
    ]


def _links(
    portfolio: Portfolio,
    plan: dict[str, ProjectOutcome],
    starts: dict[str, int],
    ends: dict[str, int],
) -> list[str]:
    """Excludes, With, Requires and FS (with its lag) between planned projects."""
    broken = []
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
            elif (
                dep.type is DependencyType.FS
                and b in starts
                and a in ends
                and starts[b] < ends[a] + dep.lag
            ):
                broken.append(f"{b} starts before {a} finishes + {dep.lag}")
    return broken


def _groups(portfolio: Portfolio, plan: dict[str, ProjectOutcome]) -> list[str]:
    """At most one planned project per exclusive group."""
    projects = {p.id: p for p in portfolio.projects}
    groups: dict[str, list[str]] = defaultdict(list)
    for pid in plan:
        group = projects[pid].exclusive_group if pid in projects else None
        if group:
            groups[group].append(pid)
    return [
        f"exclusive group {group}: {members} all planned"
        for group, members in groups.items()
        if len(members) > 1
    ]


def _hires(portfolio: Portfolio, result: Result) -> list[str]:
    """Each run of hires: a Hiring option's, from its earliest month, inside the horizon, at
    least its minimum months (unless the horizon ends first), costed right; per option and
    month no more than its maximum units."""
    options = {(o.role, o.option): o for o in portfolio.hiring}
    first_month = portfolio.settings.plan_start
    end_of_horizon = first_month + portfolio.settings.horizon
    active: dict[tuple[str, str, int], int] = defaultdict(int)
    broken = []
    for hire in result.hiring:
        what = f"hire {hire.units} x {hire.role}/{hire.option} {hire.first}..{hire.last}"
        option = options.get((hire.role, hire.option))
        if option is None:
            broken.append(f"{what}: no such Hiring option")
            continue
        months = hire.last - hire.first + 1
        if hire.units < 1 or months < 1:
            broken.append(f"{what}: no units or no months")
            continue
        earliest = option.earliest if option.earliest is not None else first_month
        if hire.first < max(earliest, first_month) or hire.last >= end_of_horizon:
            broken.append(f"{what}: outside its earliest month and the horizon")
        if months < option.min_months and hire.last != end_of_horizon - 1:
            broken.append(f"{what}: shorter than its {option.min_months} minimum months")
        expected = hire.units * months * option.monthly_cost
        if abs(expected - hire.cost) > MONEY_TOLERANCE * max(1, months):
            broken.append(f"{what}: costs {hire.cost}, {expected} expected")
        for month in range(hire.first, hire.last + 1):
            active[hire.role, hire.option, month] += hire.units
    for (role, name, month), units in active.items():
        if units > options[role, name].max_units:
            broken.append(
                f"{role}/{name} in month {month}: {units} units, at most "
                f"{options[role, name].max_units}"
            )
    return broken


def _hired_fte(portfolio: Portfolio, result: Result) -> dict[tuple[str, int], float]:
    """FTE the plan's hires add per (role, month)."""
    options = {(o.role, o.option): o for o in portfolio.hiring}
    added: dict[tuple[str, int], float] = defaultdict(float)
    for hire in result.hiring:
        option = options.get((hire.role, hire.option))
        if option is not None:
            for month in range(hire.first, hire.last + 1):
                added[hire.role, month] += hire.units * option.fte
    return added


def _capacity(portfolio: Portfolio, starts: dict[str, int], result: Result) -> list[str]:
    """Planned FTE per role and horizon month within capacity (with the plan's hires)."""
    projects = {p.id: p for p in portfolio.projects}
    first = portfolio.settings.plan_start
    end_of_horizon = first + portfolio.settings.horizon
    load: dict[tuple[str, int], float] = defaultdict(float)
    for demand in portfolio.demands:
        start = starts.get(demand.project_id)
        if start is None:
            continue
        duration = projects[demand.project_id].duration
        lo = (demand.from_month or 1) - 1
        hi = (demand.to_month or duration) - 1
        for k in range(lo, hi + 1):
            if k < duration:
                load[demand.role, start + k] += demand.fte
    broken = []
    hired = _hired_fte(portfolio, result)
    for (role, month), fte in load.items():
        if not first <= month < end_of_horizon:
            continue
        capacity = portfolio.capacity.get(role)
        available = capacity[month - first] if capacity is not None else 0.0
        available += hired.get((role, month), 0.0)
        if fte > available + FTE_TOLERANCE:
            broken.append(f"{role} in month {month}: {fte:g} FTE planned, {available:g} available")
    return broken


def _budget(
    portfolio: Portfolio, plan: dict[str, ProjectOutcome], starts: dict[str, int], result: Result
) -> list[str]:
    """Planned cost per budgeted year within the budget (cost spread evenly over the months;
    hires cost their monthly cost in each month they stay)."""
    projects = {p.id: p for p in portfolio.projects}
    spend: dict[int, float] = defaultdict(float)
    options = {(o.role, o.option): o for o in portfolio.hiring}
    for hire in result.hiring:
        option = options.get((hire.role, hire.option))
        for month in range(hire.first, hire.last + 1):
            if option is not None:
                spend[month // MONTHS_PER_YEAR] += hire.units * option.monthly_cost
    first_month = portfolio.settings.plan_start
    for pid, start in starts.items():
        p = projects.get(pid)
        if p is not None and p.status is ProjectStatus.IN_FLIGHT and p.remaining_cost is not None:
            # what is left to spend, evenly over its months from the plan start
            months = list(range(max(start, first_month), start + max(p.duration, 1)))
            months = months or [max(start, first_month)]
            for month in months:
                spend[month // MONTHS_PER_YEAR] += p.remaining_cost / len(months)
            continue
        if p is None or p.cost == 0:
            continue
        if p.duration == 0:
            spend[start // MONTHS_PER_YEAR] += p.cost
        for k in range(p.duration):
            spend[(start + k) // MONTHS_PER_YEAR] += p.cost / p.duration
    return [
        f"budget {year}: {spend[year]:,.2f} planned, {limit:,.2f} allowed"
        for year, limit in portfolio.budget.items()
        if spend.get(year, 0.0)
        > limit + MONEY_TOLERANCE * max(1, len(plan) + len(result.hiring) * MONTHS_PER_YEAR)
    ]


SHARE_TOLERANCE = 1e-4  # shares: the model rounds its weights to whole units


def _balance(portfolio: Portfolio, plan: dict[str, ProjectOutcome]) -> list[str]:
    """Each balance rule: its group's share of the planned projects' measure in its limits."""
    projects = {p.id: p for p in portfolio.projects}
    planned = [projects[pid] for pid in plan if pid in projects]
    fte_months: dict[str, float] = defaultdict(float)
    for demand in portfolio.demands:
        p = projects.get(demand.project_id)
        if p is not None and p.duration > 0:
            first = max((demand.from_month or 1), 1)
            last = min(demand.to_month or p.duration, p.duration)
            fte_months[p.id] += demand.fte * max(last - first + 1, 0)
    broken = []
    for rule in portfolio.balance:

        def measure(p, rule=rule) -> float:
            if rule.measure == "cost":
                return p.cost
            if rule.measure == "FTE":
                return fte_months[p.id]
            if rule.measure == "count":
                return 1.0
            return _score(portfolio, p)

        total = sum(measure(p) for p in planned)
        if total <= 0:
            continue
        wanted = " ".join(rule.value.split()).casefold()
        part = sum(
            measure(p) for p in planned if _group_value(portfolio, p, rule.dimension) == wanted
        )
        share = part / total
        if rule.min_share is not None and share < rule.min_share - SHARE_TOLERANCE:
            broken.append(f"balance {rule.dimension}={rule.value}: {share:.4f} < {rule.min_share}")
        if rule.max_share is not None and share > rule.max_share + SHARE_TOLERANCE:
            broken.append(f"balance {rule.dimension}={rule.value}: {share:.4f} > {rule.max_share}")
    return broken


def _group_value(portfolio: Portfolio, project, dimension: str) -> str | None:
    """The project's value on a dimension, normalised (Perspective: its criteria's
    perspective with the most weighted score; else a field or an Intake column)."""
    key = " ".join(dimension.split()).casefold()
    value: object
    if key == "perspective":
        totals: dict[str, float] = defaultdict(float)
        for c in portfolio.criteria:
            if c.perspective is not None:
                s = project.scores.get(c.name, c.min)
                totals[str(c.perspective)] += c.weight * (
                    (c.min + c.max - s) if c.direction is Direction.LOWER else s
                )
        value = max(sorted(totals), key=lambda k: totals[k]) if totals else None
    elif key in ("status", "force", "id", "name", "exclusive group", "mandatory"):
        value = {
            "status": str(project.status),
            "force": str(project.force),
            "id": project.id,
            "name": project.name,
            "exclusive group": project.exclusive_group,
            "mandatory": "Yes" if project.mandatory else "No",
        }[key]
    else:
        value = next(
            (v for k, v in project.tags.items() if " ".join(k.split()).casefold() == key), None
        )
    return None if value is None else " ".join(str(value).split()).casefold()


def _score(portfolio: Portfolio, project) -> float:
    total_weight = sum(c.weight for c in portfolio.criteria)
    if total_weight <= 0:
        return 0.0
    score = 0.0
    for c in portfolio.criteria:
        s = project.scores.get(c.name, c.min)
        score += c.weight * ((c.min + c.max - s) if c.direction is Direction.LOWER else s)
    return round(score / total_weight, 3)


def _managers(portfolio: Portfolio, plan: dict[str, ProjectOutcome]) -> list[str]:
    """Assign: each planned project has a manager from People who is available in all its
    horizon months (a milestone: its start month); no manager has more planned projects in a
    month than Max concurrent projects; work in flight keeps a manager on People it names."""
    if portfolio.settings.project_managers is not ManagerMode.ASSIGN:
        return []
    people = {m.name: m for m in portfolio.managers}
    projects = {p.id: p for p in portfolio.projects}
    first = portfolio.settings.plan_start
    end_of_horizon = first + portfolio.settings.horizon
    count: dict[tuple[str, int], list[str]] = defaultdict(list)
    broken = []
    for pid, outcome in plan.items():
        p = projects.get(pid)
        if p is None or outcome.start is None:
            continue
        person = people.get(outcome.manager or "")
        if person is None:
            broken.append(f"{pid}: planned without a project manager from People")
            continue
        if p.status is ProjectStatus.IN_FLIGHT and p.manager in people and p.manager != person.name:
            broken.append(f"{pid}: in flight with {p.manager}, but planned with {person.name}")
        months = range(outcome.start, outcome.start + max(p.duration, 1))
        inside = [m for m in months if first <= m < end_of_horizon]
        lo, hi = person.available_from, person.available_to
        if any((lo is not None and m < lo) or (hi is not None and m > hi) for m in inside):
            broken.append(f"{pid}: {person.name} is not available in all its months")
        for m in inside:
            count[person.name, m].append(pid)
    for (name, month), pids in sorted(count.items()):
        if len(pids) > people[name].max_projects:
            broken.append(
                f"{name} in month {month}: {len(pids)} projects ({', '.join(sorted(pids))}), "
                f"{people[name].max_projects} allowed"
            )
    return broken


def _objective_value(
    portfolio: Portfolio,
    plan: dict[str, ProjectOutcome],
    ends: dict[str, int],
    result: Result,
) -> list[str]:
    """The result's objective is what the plan is worth."""
    if result.objective is None:
        return []
    expected = _objective(portfolio, plan, ends, result.objective_name)
    if abs(expected - result.objective) > OBJECTIVE_TOLERANCE * max(1.0, len(plan)):
        return [f"objective {result.objective} but the plan is worth {expected}"]
    return []


def _objective(
    portfolio: Portfolio, plan: dict[str, ProjectOutcome], ends: dict[str, int], name: str
) -> float:
    if name == Objective.FINISH:
        last = max(ends.values(), default=portfolio.settings.plan_start)
        return float(last - portfolio.settings.plan_start)
    total_weight = sum(c.weight for c in portfolio.criteria)
    value = 0.0
    for pid in plan:
        project = portfolio.project(pid)
        if (
            project.status is ProjectStatus.IN_FLIGHT
            and project.can_stop
            and not project.mandatory
            and project.force is not Force.IN
            and project.remaining_value is not None
        ):
            value += round(project.remaining_value, 3)  # what finishing it still brings
            continue
        if total_weight <= 0:
            continue
        score = 0.0
        for c in portfolio.criteria:
            s = project.scores.get(c.name, c.min)
            score += c.weight * ((c.min + c.max - s) if c.direction is Direction.LOWER else s)
        value += round(score / total_weight, 3)
    return value
