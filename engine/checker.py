"""An independent check of a plan against every rule, written without the model's code.

Used by the tests and the benchmarks: a plan is trusted only when this finds nothing.
Arithmetic is plain floating point from the raw portfolio (no shared helpers with the
optimiser), with a small tolerance for the optimiser's integer rounding.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping
from datetime import date

from engine.model import (
    Dependency,
    DependencyType,
    Direction,
    Force,
    ManagerMode,
    Objective,
    Portfolio,
    Project,
    ProjectStatus,
)
from engine.reasons import Reason, ReasonKind, Timing
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
    """Mandatory, forced-in and in-flight projects are planned (a project stopped or held at
    its latest gate is not in play); with `everyone` (the `finish` objective) so is every
    project in play that is not an alternative left out."""
    gated = _gated_out(portfolio)
    broken = []
    left_out = _alternatives_left_out(portfolio, plan) if everyone else set()
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
        if p.id in plan:
            continue
        if must or (everyone and not out and p.id not in left_out):
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


def _alternatives_left_out(portfolio: Portfolio, plan: dict[str, ProjectOutcome]) -> set[str]:
    """Projects a `finish` plan may leave out: an alternative (Excludes partner or exclusive
    group member) of a planned project, or one that needs or goes With such a project."""
    ids = {p.id for p in portfolio.projects}
    groups = {p.id: p.exclusive_group for p in portfolio.projects if p.exclusive_group}
    empty = _World(portfolio, {}, frozenset())
    left: set[str] = {pid for pid in ids - set(plan) if _impossible(empty, pid)}
    for pid in ids - set(plan):
        rivals = [
            d.successor if d.predecessor == pid else d.predecessor
            for d in portfolio.dependencies
            if d.type is DependencyType.EXCLUDES and pid in (d.predecessor, d.successor)
        ]
        rivals += [other for other, g in groups.items() if g == groups.get(pid) and other != pid]
        if any(r in plan for r in rivals):
            left.add(pid)
    grew = True
    while grew:
        grew = False
        for d in portfolio.dependencies:
            pairs = [(d.successor, d.predecessor)]
            if d.type is DependencyType.WITH:
                pairs.append((d.predecessor, d.successor))
            elif d.type is DependencyType.EXCLUDES:
                continue
            for who, needed in pairs:
                if needed in left and who not in plan and who not in left:
                    left.add(who)
                    grew = True
    return left


def _impossible(empty: _World, pid: str) -> bool:
    """Whether no plan can hold the project (`empty` is the world with no plan): no window, a
    group member out of play, links inside its group that contradict each other, members
    that cannot start in time, or no room for the group even on an empty plan."""
    if not empty.window(pid):
        return True
    group = empty.group(pid)
    if any(empty.unplannable(m) for m in group if m != pid):
        return True
    for a, b in itertools.combinations(sorted(group), 2):
        if any(d.type is DependencyType.EXCLUDES for d in empty.links(a, b)):
            return True
        ga, gb = empty.projects[a].exclusive_group, empty.projects[b].exclusive_group
        if ga and ga == gb:
            return True
    for m in group:
        if _group_earliest(empty, group, m, planned=False) > empty.window(m)[-1]:
            return True
    combos = empty.combinations(sorted(group))
    return combos is not None and all(any(empty.short(c)) for c in combos)


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
    broken = []
    for index, share, low, high in _balance_shares(portfolio, list(plan)):
        rule = portfolio.balance[index]
        if low:
            broken.append(f"balance {rule.dimension}={rule.value}: {share:.4f} < {rule.min_share}")
        if high:
            broken.append(f"balance {rule.dimension}={rule.value}: {share:.4f} > {rule.max_share}")
    return broken


def _balance_shares(portfolio: Portfolio, ids: list[str]) -> list[tuple[int, float, bool, bool]]:
    """Per balance rule (by index) with a measure in the selection `ids`: its group's share,
    and whether that is below its minimum or above its maximum."""
    projects = {p.id: p for p in reversed(portfolio.projects)}
    planned = [projects[pid] for pid in ids if pid in projects]
    fte_months: dict[str, float] = defaultdict(float)
    for demand in portfolio.demands:
        p = projects.get(demand.project_id)
        if p is not None and p.duration > 0:
            first = max((demand.from_month or 1), 1)
            last = min(demand.to_month or p.duration, p.duration)
            fte_months[p.id] += demand.fte * max(last - first + 1, 0)
    found = []
    for index, rule in enumerate(portfolio.balance):

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
        low = rule.min_share is not None and share < rule.min_share - SHARE_TOLERANCE
        high = rule.max_share is not None and share > rule.max_share + SHARE_TOLERANCE
        found.append((index, share, low, high))
    return found


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


# ---------------------------------------------------------------- reasons
# Reasons are checked in the optimiser's resolution (FTE to 0.001, money to the cent, a
# project's cost spread evenly over its months, rounded to the cent per month), but from the
# raw portfolio, without the explainer's code.
COMBINATIONS_CHECKED = 200_000


def check_reasons(portfolio: Portfolio, result: Result) -> list[str]:
    """Every claim of every reason of the result that does not hold, and any reason cycle."""
    starts = {o.project_id: o.start for o in result.selected if o.start is not None}
    # `finish` alternatives left out: each such claim is checked on its own (a planned rival)
    set_aside = frozenset(
        o.project_id
        for o in result.projects
        if o.why is not None and o.why.kind is ReasonKind.ALTERNATIVE
    )
    managers = {o.project_id: o.manager for o in result.selected if o.manager}
    broken = []
    for outcome in result.projects:
        if outcome.why is None:
            broken.append(f"{outcome.project_id}: no reason record")
            continue
        broken += check_reason(
            portfolio,
            starts,
            outcome.project_id,
            outcome.why,
            set_aside,
            hiring=result.hiring,
            managers=managers,
        )
    broken += reason_cycles({o.project_id: o.why for o in result.projects if o.why is not None})
    return broken


def reason_cycles(reasons: Mapping[str, Reason]) -> list[str]:
    """Reasons that blame, through other reasons, back to themselves."""
    blames = {pid: set(r.projects) for pid, r in reasons.items()}
    state: dict[str, int] = {}
    found = []

    def visit(start: str) -> None:
        stack = [(start, iter(sorted(blames.get(start, ()))))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            if state.get(child) == 1:
                found.append("reason cycle: " + " -> ".join([*path[path.index(child) :], child]))
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(blames.get(child, ())))))

    for pid in sorted(blames):
        if pid not in state:
            visit(pid)
    return found


def check_reason(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    project_id: str,
    reason: Reason,
    set_aside: frozenset[str] = frozenset(),
    *,
    hiring: tuple[Hire, ...] = (),
    managers: Mapping[str, str] | None = None,
) -> list[str]:
    """The claims of one reason that do not hold against the plan `starts` (with the plan's
    hires, and its managers {project ID: name} under Assign)."""
    world = _World(portfolio, starts, set_aside, hiring, managers)
    check = _REASON_CHECKS.get(reason.kind)
    if check is None:
        return [f"{project_id}: no check for reason kind {reason.kind}"]
    planned = project_id in starts
    if reason.kind.selected != planned:
        return [f"{project_id}: reason {reason.kind} but selected is {planned}"]
    found = check(world, project_id, reason) + _check_balance_claims(world, project_id, reason)
    if reason.kind is not ReasonKind.ON_MERIT:  # (ON_MERIT checks its own)
        found += _check_displacement(world, project_id, reason)
    found += _check_extra(world, project_id, reason)
    return [f"{project_id} ({reason.kind}): {text}" for text in found]


class _World:
    """The plan and the portfolio, indexed for checking reasons."""

    def __init__(
        self,
        portfolio: Portfolio,
        starts: Mapping[str, int],
        set_aside: frozenset[str],
        hiring: tuple[Hire, ...] = (),
        managers: Mapping[str, str] | None = None,
    ) -> None:
        self.portfolio = portfolio
        self.starts = dict(starts)
        self.set_aside = set_aside
        self.gated = _gated_out(portfolio)
        self.managers = dict(managers or {})
        self.released: set[str] = set()  # planned projects whose manager is counted free
        self.projects: dict[str, Project] = {}
        for p in portfolio.projects:
            self.projects.setdefault(p.id, p)
        self.first = portfolio.settings.plan_start
        self.end = self.first + portfolio.settings.horizon
        self.left = {
            (role, self.first + t): round(v * 1000)
            for role, values in portfolio.capacity.items()
            for t, v in enumerate(values)
        }
        self.money = {year: round(v * 100) for year, v in portfolio.budget.items()}
        result = Result(SolveStatus.FEASIBLE, hiring=hiring)
        for key, fte in _hired_fte(portfolio, result).items():
            if key in self.left:
                self.left[key] += round(fte * 1000)
        options = {(o.role, o.option): o for o in portfolio.hiring}
        for hire in hiring:
            option = options.get((hire.role, hire.option))
            for month in range(hire.first, hire.last + 1):
                year = month // MONTHS_PER_YEAR
                if option is not None and year in self.money:
                    self.money[year] -= round(hire.units * option.monthly_cost * 100)
        for pid, start in self.starts.items():
            self.take(pid, start, 1)

    def manager_load(self) -> dict[tuple[str, int], int]:
        """Projects each manager runs per horizon month, as the plan assigns them."""
        load: dict[tuple[str, int], int] = defaultdict(int)
        for pid, name in self.managers.items():
            if pid in self.starts and pid not in self.released:
                for month in self.busy(pid, self.starts[pid]):
                    load[name, month] += 1
        return load

    def busy(self, pid: str, start: int) -> list[int]:
        """The horizon months the project's manager is busy from `start`."""
        p = self.projects[pid]
        return [m for m in range(start, start + max(p.duration, 1)) if self.first <= m < self.end]

    def staffed(self, combo: Mapping[str, int]) -> bool:
        """Assign: whether each project of `combo` finds, in turn, a manager on People
        available in all its months with room left (after the plan's own); always under
        Check."""
        if self.portfolio.settings.project_managers is not ManagerMode.ASSIGN:
            return True
        load = self.manager_load()
        names = {m.name for m in self.portfolio.managers}
        for pid, start in combo.items():
            p = self.projects[pid]
            months = self.busy(pid, start)
            kept = p.manager if p.status is ProjectStatus.IN_FLIGHT and p.manager in names else None
            free = [
                m
                for m in self.portfolio.managers
                if (kept is None or m.name == kept)
                and not any(
                    (m.available_from is not None and t < m.available_from)
                    or (m.available_to is not None and t > m.available_to)
                    for t in months
                )
                and all(load[m.name, t] < m.max_projects for t in months)
            ]
            if not free:
                return False
            for t in months:
                load[free[0].name, t] += 1
        return True

    def window(self, pid: str) -> list[int]:
        p = self.projects[pid]
        if p.fixed_start is not None:
            return [p.fixed_start]
        lo = self.first if p.earliest_start is None else max(self.first, p.earliest_start)
        hi = self.end - max(p.duration, 1)
        if p.latest_start is not None:
            hi = min(hi, p.latest_start)
        return list(range(lo, hi + 1))

    def use(self, pid: str, start: int) -> tuple[dict[tuple[str, int], int], dict[int, int]]:
        """FTE units per (role, month) inside the horizon and cents per budget year."""
        p = self.projects[pid]
        fte: dict[tuple[str, int], int] = defaultdict(int)
        for d in self.portfolio.demands:
            if d.project_id != pid or p.duration <= 0:
                continue
            lo = (d.from_month or 1) - 1
            hi = (d.to_month or p.duration) - 1
            for k in range(max(lo, 0), min(hi, p.duration - 1) + 1):
                if self.first <= start + k < self.end:
                    fte[d.role, start + k] += round(d.fte * 1000)
        money: dict[int, int] = defaultdict(int)
        if p.status is ProjectStatus.IN_FLIGHT and p.remaining_cost is not None:
            # what is left to spend, evenly over its months from the plan start
            months = list(range(max(start, self.first), start + max(p.duration, 1)))
            months = months or [max(start, self.first)]
            rate = round(p.remaining_cost * 100 / len(months))
            for month in months:
                if month // MONTHS_PER_YEAR in self.money and rate:
                    money[month // MONTHS_PER_YEAR] += rate
            return fte, money
        cents = round(p.cost * 100)
        per_month = cents if p.duration <= 0 else round(cents / p.duration)
        for k in range(max(p.duration, 1)):
            year = (start + k) // MONTHS_PER_YEAR
            if year in self.money and per_month:
                money[year] += per_month
        return fte, money

    def take(self, pid: str, start: int, sign: int) -> None:
        fte, money = self.use(pid, start)
        for key, units in fte.items():
            if key in self.left:
                self.left[key] -= sign * units
        for year, cents in money.items():
            self.money[year] -= sign * cents

    def short(self, combo: Mapping[str, int]) -> tuple[dict[tuple[str, int], int], dict[int, int]]:
        """What the plan lacks for the projects at these starts: units and cents."""
        need: dict[tuple[str, int], int] = defaultdict(int)
        cost: dict[int, int] = defaultdict(int)
        for pid, start in combo.items():
            fte, money = self.use(pid, start)
            for key, units in fte.items():
                need[key] += units
            for year, cents in money.items():
                cost[year] += cents
        return (
            {k: u - self.left.get(k, 0) for k, u in need.items() if u > self.left.get(k, 0)},
            {y: c - self.money[y] for y, c in cost.items() if c > self.money[y]},
        )

    def links(self, a: str, b: str) -> list[Dependency]:
        return [d for d in self.portfolio.dependencies if {d.predecessor, d.successor} == {a, b}]

    def fs(self, pid: str) -> list[Dependency]:
        return [
            d
            for d in self.portfolio.dependencies
            if d.successor == pid and d.type is DependencyType.FS
        ]

    def unplannable(self, pid: str) -> bool:
        p = self.projects[pid]
        out = p.force is Force.OUT or p.status in (ProjectStatus.CLOSED, ProjectStatus.ON_HOLD)
        return out or pid in self.gated or pid in self.set_aside or not self.window(pid)

    def group(self, pid: str) -> set[str]:
        """The project, the predecessors it needs not in the plan and its With partners."""
        found, todo = {pid}, [pid]
        while todo:
            current = todo.pop()
            if current != pid and self.unplannable(current):
                continue
            for d in self.portfolio.dependencies:
                other = None
                if d.successor == current and d.type in (
                    DependencyType.FS,
                    DependencyType.REQUIRES,
                ):
                    other = d.predecessor
                elif d.type is DependencyType.WITH and current in (d.predecessor, d.successor):
                    other = d.successor if d.predecessor == current else d.predecessor
                if other is not None and other not in self.starts and other not in found:
                    found.add(other)
                    todo.append(other)
        return found

    def combinations(self, members: list[str]) -> list[dict[str, int]] | None:
        """Every FS-consistent combination of starts of the members (None: too many)."""
        combos: list[dict[str, int]] = []
        total = 1
        for m in members:
            total *= max(len(self.window(m)), 1)
        if total > COMBINATIONS_CHECKED:
            return None
        for values in itertools.product(*(self.window(m) for m in members)):
            combo = dict(zip(members, values, strict=True))
            if self.in_time(combo):
                combos.append(combo)
        return combos

    def in_time(self, combo: Mapping[str, int]) -> bool:
        for pid, start in combo.items():
            for d in self.fs(pid):
                before = combo.get(d.predecessor, self.starts.get(d.predecessor))
                if before is None:
                    continue
                if start < before + self.projects[d.predecessor].duration + d.lag:
                    return False
        return True

    def rules_earliest(self, pid: str, seen: frozenset[str] = frozenset()) -> int:
        """Earliest start by windows, fixed starts and FS alone (no capacity, no plan)."""
        window = self.window(pid)
        best = window[0] if window else 10**9
        for d in self.fs(pid):
            if d.predecessor in seen:
                continue
            ready = (
                self.rules_earliest(d.predecessor, seen | {pid})
                + self.projects[d.predecessor].duration
                + d.lag
            )
            best = max(best, ready)
        return best


def _check_in_flight(w: _World, pid: str, r: Reason) -> list[str]:
    return [] if w.projects[pid].status is ProjectStatus.IN_FLIGHT else ["not in flight"]


def _check_mandatory(w: _World, pid: str, r: Reason) -> list[str]:
    return [] if w.projects[pid].mandatory else ["not mandatory"]


def _check_forced_in(w: _World, pid: str, r: Reason) -> list[str]:
    return [] if w.projects[pid].force is Force.IN else ["not forced in"]


def _check_on_merit(w: _World, pid: str, r: Reason) -> list[str]:
    broken = []
    p = w.projects[pid]
    if p.mandatory or p.force is Force.IN or p.status is ProjectStatus.IN_FLIGHT:
        broken.append("must run, yet said to be in on merit")
    broken += _check_displacement(w, pid, r)
    return broken


def _check_forced_out(w: _World, pid: str, r: Reason) -> list[str]:
    return [] if w.projects[pid].force is Force.OUT else ["not forced out"]


def _check_status(w: _World, pid: str, r: Reason) -> list[str]:
    status = w.projects[pid].status
    ok = status in (ProjectStatus.CLOSED, ProjectStatus.ON_HOLD)
    return [] if ok else [f"status is {status}"]


def _check_no_window(w: _World, pid: str, r: Reason) -> list[str]:
    return [] if not w.window(pid) else [f"it may start {w.window(pid)[0]}"]


def _check_chain(w: _World, pid: str, r: Reason) -> list[str]:
    """`via` runs from the project through links that tie it to the next, none planned."""
    via = r.via or (pid,)
    broken = []
    if via[0] != pid:
        broken.append(f"the chain {via} does not start at the project")
    for a, b in itertools.pairwise(via):
        tie = [
            d
            for d in w.links(a, b)
            if d.type is DependencyType.WITH
            or (d.successor == a and d.type in (DependencyType.FS, DependencyType.REQUIRES))
        ]
        if not tie:
            broken.append(f"{a} does not need or go with {b}")
        if b in w.starts:
            broken.append(f"{b} is in the plan")
    return broken


def _check_needs(w: _World, pid: str, r: Reason) -> list[str]:
    broken = _check_chain(w, pid, r)
    blamed = r.projects[0] if r.projects else ""
    if not r.via or r.via[-1] != blamed:
        broken.append("the chain does not end at the project blamed")
    if blamed not in w.projects or not w.unplannable(blamed):
        broken.append(f"{blamed} could be in a plan")
    return broken


def _check_conflicting(w: _World, pid: str, r: Reason) -> list[str]:
    group = w.group(pid)
    if set(r.group) != group:
        return [f"group {sorted(r.group)} is not {sorted(group)}"]
    for a, b in itertools.combinations(sorted(group), 2):
        if any(d.type is DependencyType.EXCLUDES for d in w.links(a, b)):
            return []
        ga, gb = w.projects[a].exclusive_group, w.projects[b].exclusive_group
        if ga and ga == gb:
            return []
    return ["no two projects of the group exclude each other"]


def _check_excluded(w: _World, pid: str, r: Reason) -> list[str]:
    broken = _check_chain(w, pid, r) + _check_group(w, pid, r)
    other, member = (r.projects or ("",))[0], (r.via or (pid,))[-1]
    if other not in w.starts:
        broken.append(f"{other} is not in the plan")
    if not any(d.type is DependencyType.EXCLUDES for d in w.links(member, other)):
        broken.append(f"{member} and {other} do not exclude each other")
    return broken


def _check_group_taken(w: _World, pid: str, r: Reason) -> list[str]:
    broken = _check_chain(w, pid, r) + _check_group(w, pid, r)
    other, member = (r.projects or ("",))[0], (r.via or (pid,))[-1]
    if other not in w.starts:
        broken.append(f"{other} is not in the plan")
    group = w.projects[member].exclusive_group
    if not group or w.projects.get(other) is None or w.projects[other].exclusive_group != group:
        broken.append(f"{member} and {other} share no exclusive group")
    return broken


def _check_alternative(w: _World, pid: str, r: Reason) -> list[str]:
    kept = (r.projects or ("",))[0]
    broken = []
    if kept not in w.starts:
        broken.append(f"{kept} is not in the plan")
    if kept not in w.projects:
        return [*broken, f"{kept} is unknown"]
    ties = any(d.type is DependencyType.EXCLUDES for d in w.links(pid, kept))
    group = w.projects[pid].exclusive_group
    if not ties and not (group and w.projects[kept].exclusive_group == group):
        broken.append(f"{pid} and {kept} are not alternatives")
    return broken


def _check_group(w: _World, pid: str, r: Reason) -> list[str]:
    group = w.group(pid)
    shown = set(r.group) if r.group else {pid}
    return [] if shown == group else [f"group {sorted(shown)} is not {sorted(group)}"]


def _check_timing(w: _World, pid: str, r: Reason) -> list[str]:
    t = r.timing
    if t is None:
        return ["no timing record"]
    broken = _check_group(w, pid, r)
    group = w.group(pid)
    if t.project not in group:
        return [*broken, f"{t.project} is not in the group"]
    window = w.window(t.project)
    if not window or window[-1] != t.latest:
        broken.append(f"latest start {t.latest} is not {window[-1:]}")
    p = w.projects[t.project]
    horizon_last = w.end - max(p.duration, 1)
    expected_from = (
        "fixed start"
        if p.fixed_start is not None
        else "latest start"
        if p.latest_start is not None and p.latest_start <= horizon_last
        else "horizon"
    )
    if t.latest_from != expected_from:
        broken.append(f"the latest start comes from the {expected_from}, not {t.latest_from}")
    earliest = _group_earliest(w, group, t.project, planned=not t.structural)
    if earliest != t.earliest:
        broken.append(f"earliest start is {earliest}, not {t.earliest}")
    if earliest <= t.latest:
        broken.append(f"it can start {earliest}, by its latest start {t.latest}")
    if t.blocked is not None:
        broken += _check_blocked(w, t)
    return broken


def _group_earliest(w: _World, group: set[str], target: str, *, planned: bool) -> int:
    """The earliest start of `target` with the group's members at their earliest and the
    others where the plan has them (or, `planned` False, at their earliest by the rules)."""
    memo: dict[str, int] = {}

    def earliest(pid: str) -> int:
        if pid in memo:
            return memo[pid]
        if pid not in group:
            return w.starts[pid] if planned and pid in w.starts else w.rules_earliest(pid)
        window = w.window(pid)
        best = window[0] if window else 10**9
        for d in w.fs(pid):
            best = max(best, earliest(d.predecessor) + w.projects[d.predecessor].duration + d.lag)
        memo[pid] = best
        return best

    return earliest(target)


def _check_blocked(w: _World, t: Timing) -> list[str]:
    """The planned predecessor placed late: every earlier start lacks what is claimed."""
    blocked = t.blocked
    last = t.chain[-1] if t.chain else None
    if blocked is None or last is None or last.planned is None:
        return ["a blocked predecessor without its place in the plan"]
    x = last.project
    if w.starts.get(x) != last.planned:
        return [f"{x} does not start {last.planned} in the plan"]
    w.take(x, last.planned, -1)
    w.released.add(x)
    try:
        combos = [{x: s} for s in w.window(x) if last.earliest <= s < last.planned]
        return _check_resources(w, blocked, combos)
    finally:
        w.take(x, last.planned, 1)
        w.released.discard(x)


def _check_capacity(w: _World, pid: str, r: Reason) -> list[str]:
    broken = _check_group(w, pid, r)
    members = sorted(w.group(pid))
    combos = w.combinations(members)
    if combos is None:
        return [*broken, "too many start combinations to check"]
    return broken + _check_resources(w, r, combos)


def _check_resources(w: _World, r: Reason, combos: list[dict[str, int]]) -> list[str]:
    """CAPACITY: binding roles and years lack at every combination, nothing fits, and the
    shortages at `at` are what is stated. NOT_CHOSEN: `at` fits."""
    broken = []
    at = dict(r.at)
    if at and at not in combos:
        broken.append(f"the starts {at} break a window or an FS link")
    unstaffed = [dict(c) for c in r.unstaffed]
    for combo in unstaffed:
        if combo not in combos:
            broken.append(f"the starts {combo} break a window or an FS link")
        elif any(w.short(combo)):
            broken.append(f"said to fit but find no manager at {combo}, yet it does not fit")
        elif w.staffed(combo):
            broken.append(f"a project manager is free at {combo}")
    if r.kind is ReasonKind.NO_MANAGER:
        if not combos or any(c not in unstaffed for c in combos):
            broken.append("some combination of starts is not among those without a manager")
        return broken
    combos = [c for c in combos if c not in unstaffed]
    if r.kind in (ReasonKind.NOT_CHOSEN, ReasonKind.BALANCE):
        fte, money = w.short(at)
        if fte or money:
            broken.append(f"does not fit at {at}")
        return broken
    if not combos:
        broken.append("no combination of starts to be short at")
    for combo in combos:
        fte, money = w.short(combo)
        if not fte and not money:
            broken.append(f"fits at {combo}")
            break
        roles = {role for role, _ in fte}
        missing = [role for role in r.binding_roles if role not in roles]
        missing += [str(y) for y in r.binding_years if y not in money]
        if missing:
            broken.append(f"{', '.join(missing)} not short at {combo}")
            break
    if at:
        fte, money = w.short(at)
        stated = {(s.role, s.month): round(s.fte * 1000) for s in r.shortages}
        if stated != fte:
            broken.append(f"shortages at {at} are {fte}, not {stated}")
        said = {m.year: round(m.amount * 100) for m in r.money}
        if said != money:
            broken.append(f"money short at {at} is {money}, not {said}")
    return broken


def _check_not_chosen(w: _World, pid: str, r: Reason) -> list[str]:
    members = sorted(w.group(pid))
    combos = w.combinations(members) or []
    return _check_group(w, pid, r) + _check_resources(w, r, combos)


def _check_balance_claims(w: _World, pid: str, r: Reason) -> list[str]:
    """The balance rules said to break are exactly those adding the group to the plan
    breaks and the plan alone does not, at the shares stated (a reason that finds room, or
    lacks only room or a manager, names every such rule)."""
    if r.kind not in _ROOM_KINDS:
        return [] if not r.balance else ["balance rules named by a reason of another kind"]
    if not w.portfolio.balance:
        return [] if not r.balance else ["balance rules named, but the portfolio has none"]
    plan = list(w.starts)
    before = {i for i, _s, low, high in _balance_shares(w.portfolio, plan) if low or high}
    with_it = plan + [m for m in sorted(w.group(pid)) if m not in w.starts]
    after = {
        i: share for i, share, low, high in _balance_shares(w.portfolio, with_it) if low or high
    }
    newly = {i: share for i, share in after.items() if i not in before}
    broken = []
    if {i for i, _ in r.balance} != set(newly):
        broken.append(f"balance rules broken by adding it are {sorted(newly)}")
    for i, share in r.balance:
        if i in newly and abs(newly[i] - share) > 1e-3:
            broken.append(f"balance rule {i + 1}: share with it is {newly[i]:.4f}, not {share}")
    if r.kind is ReasonKind.BALANCE and not r.balance:
        broken.append("a balance reason without a rule")
    return broken


_ROOM_KINDS = frozenset(
    {ReasonKind.CAPACITY, ReasonKind.NOT_CHOSEN, ReasonKind.NO_MANAGER, ReasonKind.BALANCE}
)


def _check_fits_but_balance(w: _World, pid: str, r: Reason) -> list[str]:
    return _check_not_chosen(w, pid, r)


def _check_no_manager(w: _World, pid: str, r: Reason) -> list[str]:
    if w.portfolio.settings.project_managers is not ManagerMode.ASSIGN:
        return ["no manager is needed (Settings Project managers is not Assign)"]
    return _check_not_chosen(w, pid, r)


def _check_gate(w: _World, pid: str, r: Reason) -> list[str]:
    return [] if pid in w.gated else ["its latest gate decision is not Stop or Hold"]


def _check_stopped(w: _World, pid: str, r: Reason) -> list[str]:
    """Work in flight that may be stopped; what stopping it frees and saves, recomputed."""
    p = w.projects[pid]
    may_stop = (
        p.status is ProjectStatus.IN_FLIGHT
        and p.can_stop
        and not p.mandatory
        and p.force is not Force.IN
        and pid not in w.gated
    )
    if not may_stop:
        return ["not work in flight that may be stopped"]
    start = p.fixed_start if p.fixed_start is not None else w.first
    fte, _money = w.use(pid, start)
    freed = sum(units for (_role, month), units in fte.items() if month >= w.first)
    broken = []
    if r.freed is None or round(r.freed * 1000) != freed:
        broken.append(f"stopping it frees {freed / 1000:g} FTE-months, not {r.freed}")
    if p.remaining_cost is not None:
        saved = p.remaining_cost
    else:
        per_month = p.cost if p.duration <= 0 else p.cost / p.duration
        saved = per_month * sum(1 for k in range(max(p.duration, 1)) if start + k >= w.first)
    if r.saved is None or abs(r.saved - saved) > MONEY_TOLERANCE * max(p.duration, 1):
        broken.append(f"stopping it saves {saved:,.2f}, not {r.saved}")
    value = p.remaining_value if p.remaining_value is not None else _score(w.portfolio, p)
    if r.score is None or abs(r.score - round(value, 3)) > OBJECTIVE_TOLERANCE:
        broken.append(f"finishing it brings {value:g}, not {r.score}")
    return broken


_REASON_CHECKS = {
    ReasonKind.IN_FLIGHT: _check_in_flight,
    ReasonKind.MANDATORY: _check_mandatory,
    ReasonKind.FORCED_IN: _check_forced_in,
    ReasonKind.ON_MERIT: _check_on_merit,
    ReasonKind.FORCED_OUT: _check_forced_out,
    ReasonKind.STATUS: _check_status,
    ReasonKind.NO_WINDOW: _check_no_window,
    ReasonKind.NEEDS: _check_needs,
    ReasonKind.CONFLICTING_LINKS: _check_conflicting,
    ReasonKind.EXCLUDED: _check_excluded,
    ReasonKind.GROUP_TAKEN: _check_group_taken,
    ReasonKind.ALTERNATIVE: _check_alternative,
    ReasonKind.TIMING: _check_timing,
    ReasonKind.CAPACITY: _check_capacity,
    ReasonKind.NOT_CHOSEN: _check_not_chosen,
    ReasonKind.GATE: _check_gate,
    ReasonKind.STOPPED: _check_stopped,
    ReasonKind.NO_MANAGER: _check_no_manager,
    ReasonKind.BALANCE: _check_fits_but_balance,
}


def _check_extra(w: _World, pid: str, r: Reason) -> list[str]:
    """The stated extra capacity and budget let the group in at the stated starts with
    nobody dropped or moved; without it, no start combination fits (`_check_resources`)."""
    extra = r.extra
    if extra is None:
        return []
    broken = []
    group = w.group(pid)
    if {p for p, _ in extra.starts} != group:
        broken.append(f"extra starts cover {sorted(p for p, _ in extra.starts)}, not the group")
    combo = dict(extra.starts)
    if not w.in_time(combo) or any(s not in w.window(p) for p, s in combo.items()):
        broken.append(f"extra starts {combo} break a window or an FS link")
    fte, money = w.short(combo)
    given_fte = {(s.role, s.month): round(s.fte * 1000) for s in extra.fte}
    given_money = {m.year: round(m.amount * 100) for m in extra.money}
    if any(given_fte.get(k, 0) < units for k, units in fte.items()) or any(
        given_money.get(y, 0) < cents for y, cents in money.items()
    ):
        broken.append(f"with the stated extra the group still lacks {fte} {money} at {combo}")
    if not given_fte and not given_money:
        broken.append("an extra of nothing")
    return broken


def _check_displacement(w: _World, pid: str, r: Reason) -> list[str]:
    """A stated displacement is a plan that keeps every rule, worth the stated score."""
    d = r.displacement
    if d is None:
        return []
    plan = dict(d.plan)
    hires = tuple(Hire(*h) for h in d.hires)
    managers = dict(d.managers) or None
    broken = [
        f"displaced plan: {text}"
        for text in check_starts(w.portfolio, plan, hiring=hires, managers=managers)
    ]
    worth = _objective(
        w.portfolio,
        {p: ProjectOutcome(p, True, s) for p, s in plan.items()},
        {},
        Objective.VALUE,
    )
    if abs(worth - d.value_after) > OBJECTIVE_TOLERANCE * max(1, len(plan)):
        broken.append(f"displaced plan is worth {worth:g}, not {d.value_after:g}")
    if (pid in plan) != (d.forced == "in"):
        broken.append(f"displaced plan {'lacks' if d.forced == 'in' else 'has'} the project")
    dropped = sorted(p for p in w.starts if p not in plan and p != pid)
    if sorted(d.dropped) != dropped:
        broken.append(f"dropped {sorted(d.dropped)}, but the plans differ by {dropped}")
    return broken
