"""The enterprise PMO: department portfolios merged into one, and what each department got.

`merge` builds one portfolio from several departments' (the books of `pmo rollup`):

- project IDs stay as they are, except an ID used by more than one department, which
  becomes `Department/ID` in every department using it (exclusive groups likewise);
- every department scores on the same criteria (names, scales and directions); the weights
  are the enterprise's own when given, else the mean of the departments' weights;
- one shared pool of people: the capacity given (an enterprise Capacity sheet), else the sum
  of the departments' capacities, role by role and month by month (a department's months
  outside its own horizon add nothing); budgets add up per year unless one is given;
- People: one roster, a person listed by several departments counted once (the first row).

After the enterprise plan, `department_notes` names, for each project deferred for want of
a role, the departments whose selected projects hold that role in those months, and
`department_summaries` sums up the plan by department.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.errors import InputError
from engine.feasibility import Ledger, allowed_starts, demand_profile, year_costs
from engine.model import (
    Criterion,
    Demand,
    Dependency,
    Manager,
    Objective,
    Portfolio,
    Project,
    Settings,
)
from engine.result import Result
from engine.units import FTE_UNITS, MONEY_UNITS

SEPARATOR = "/"  # `Finance/P-101`
SATURATED = 0.999  # a role-month at or above this load is full
DEPARTMENTS_NAMED = 3  # in a reason, at most this many departments per role ...
PROJECTS_NAMED = 3  # ... and projects per department, the biggest holders of the role first


@dataclass(frozen=True)
class Department:
    """One department's book: its name and its portfolio as read."""

    name: str
    portfolio: Portfolio


@dataclass(frozen=True)
class Merged:
    """The enterprise portfolio and where each of its projects came from."""

    portfolio: Portfolio
    department_of: Mapping[str, str]  # enterprise project ID -> department
    local_id: Mapping[str, str]  # enterprise project ID -> the ID in its department's book
    notes: tuple[str, ...]  # what the merge renamed or decided, in words

    def enterprise_id(self, department: str, local: str) -> str:
        """The enterprise ID of a department's project (KeyError if none)."""
        for eid, name in self.department_of.items():
            if name == department and self.local_id[eid] == local:
                return eid
        raise KeyError((department, local))


def merge(
    departments: Sequence[Department],
    *,
    settings: Settings | None = None,
    criteria: Sequence[Criterion] | None = None,
    capacity: Mapping[str, Sequence[float]] | None = None,
    budget: Mapping[int, float] | None = None,
) -> Merged:
    """One enterprise portfolio from the departments' (see the module docstring).

    `settings`, `criteria` (enterprise weights), `capacity` (the shared pool, one value per
    month of the settings' horizon) and `budget` replace what would be derived. Raises
    `InputError` when the departments cannot be merged (same name twice, other criteria).
    """
    if not departments:
        raise InputError("no department books to roll up")
    _distinct_names(departments)
    criteria = _criteria(departments, criteria)
    settings = settings or _settings(departments)
    ids = _renamer(departments, lambda p: [q.id for q in p.projects])
    groups = _renamer(
        departments, lambda p: [q.exclusive_group for q in p.projects if q.exclusive_group]
    )
    projects: list[Project] = []
    demands: list[Demand] = []
    dependencies: list[Dependency] = []
    department_of: dict[str, str] = {}
    local_id: dict[str, str] = {}
    for department in departments:
        name, p = department.name, department.portfolio
        for project in p.projects:
            eid = ids(name, project.id)
            group = project.exclusive_group
            projects.append(
                dataclasses.replace(
                    project, id=eid, exclusive_group=groups(name, group) if group else None
                )
            )
            department_of[eid] = name
            local_id[eid] = project.id
        demands += [dataclasses.replace(d, project_id=ids(name, d.project_id)) for d in p.demands]
        dependencies += [
            dataclasses.replace(
                d, predecessor=ids(name, d.predecessor), successor=ids(name, d.successor)
            )
            for d in p.dependencies
        ]
    _no_new_collisions(projects)
    pool = (
        {role: tuple(values) for role, values in capacity.items()}
        if capacity is not None
        else _summed_capacity(departments, settings)
    )
    merged = Portfolio(
        settings=settings,
        projects=tuple(projects),
        demands=tuple(demands),
        capacity=pool,
        dependencies=tuple(dependencies),
        criteria=tuple(criteria),
        budget=dict(budget) if budget is not None else _summed_budget(departments),
        managers=_roster(departments),
    )
    notes = [*ids.notes("project ID"), *groups.notes("exclusive group")]
    return Merged(merged, department_of, local_id, tuple(notes))


def _distinct_names(departments: Sequence[Department]) -> None:
    seen: dict[str, str] = {}
    for department in departments:
        key = department.name.strip().casefold()
        if not key:
            raise InputError("a department book has no department name")
        if key in seen:
            raise InputError(
                f'two books are both department "{department.name}"; give each its own '
                "name (Settings: Department)"
            )
        seen[key] = department.name


class _renamer:
    """Keeps names that only one department uses; prefixes the shared ones."""

    def __init__(self, departments: Sequence[Department], names) -> None:
        users: dict[str, set[str]] = defaultdict(set)
        for department in departments:
            for name in names(department.portfolio):
                users[name].add(department.name)
        self.shared = {name: sorted(who) for name, who in users.items() if len(who) > 1}

    def __call__(self, department: str, name: str) -> str:
        return f"{department}{SEPARATOR}{name}" if name in self.shared else name

    def notes(self, what: str) -> list[str]:
        return [
            f'{what} "{name}" is used by {", ".join(who)}: it is '
            f"{', '.join(f'{d}{SEPARATOR}{name}' for d in who)} in the enterprise book"
            for name, who in sorted(self.shared.items())
        ]


def _no_new_collisions(projects: Sequence[Project]) -> None:
    counts = Counter(p.id for p in projects)
    clash = sorted(pid for pid, n in counts.items() if n > 1)
    if clash:
        raise InputError(
            f"project ID(s) {', '.join(clash)} still collide after prefixing the department; "
            "rename them in their books"
        )


def _criteria(
    departments: Sequence[Department], enterprise: Sequence[Criterion] | None
) -> list[Criterion]:
    """The criteria every department shares, with the enterprise's or the mean weights."""
    first = departments[0]
    names = [c.name for c in first.portfolio.criteria]
    scales = {c.name: (c.direction, c.min, c.max) for c in first.portfolio.criteria}
    for department in departments[1:]:
        theirs = {c.name: (c.direction, c.min, c.max) for c in department.portfolio.criteria}
        if set(theirs) != set(scales):
            missing = sorted(set(scales) - set(theirs))
            extra = sorted(set(theirs) - set(scales))
            raise InputError(
                f'department "{department.name}" scores on other criteria than '
                f'"{first.name}" (missing: {", ".join(missing) or "none"}; extra: '
                f"{', '.join(extra) or 'none'}); every department needs the same criteria"
            )
        for name, scale in theirs.items():
            if scale != scales[name]:
                raise InputError(
                    f'criterion "{name}" has another scale or direction in "{department.name}" '
                    f'than in "{first.name}"; make them equal'
                )
    if enterprise is not None:
        given = {c.name for c in enterprise}
        if given != set(scales):
            raise InputError(
                f"the enterprise Criteria must name the departments' criteria: {', '.join(names)}"
            )
        return list(enterprise)
    mean = {
        name: sum(
            next(c.weight for c in d.portfolio.criteria if c.name == name) for d in departments
        )
        / len(departments)
        for name in names
    }
    return [dataclasses.replace(c, weight=mean[c.name]) for c in first.portfolio.criteria]


def _settings(departments: Sequence[Department]) -> Settings:
    """From the earliest plan start to the latest end of the departments' horizons."""
    first = min(d.portfolio.settings.plan_start for d in departments)
    end = max(d.portfolio.settings.plan_start + d.portfolio.settings.horizon for d in departments)
    limit = max(d.portfolio.settings.time_limit for d in departments)
    return Settings(
        plan_start=first, horizon=end - first, objective=Objective.VALUE, time_limit=limit
    )


def _summed_capacity(
    departments: Sequence[Department], settings: Settings
) -> dict[str, tuple[float, ...]]:
    roles: dict[str, list[float]] = {}
    for department in departments:
        p = department.portfolio
        for role, values in p.capacity.items():
            row = roles.setdefault(role, [0.0] * settings.horizon)
            for offset, value in enumerate(values):
                t = p.settings.plan_start + offset - settings.plan_start
                if 0 <= t < settings.horizon:
                    row[t] += value
    return {role: tuple(row) for role, row in roles.items()}


def _summed_budget(departments: Sequence[Department]) -> dict[int, float]:
    total: dict[int, float] = defaultdict(float)
    for department in departments:
        for year, amount in department.portfolio.budget.items():
            total[year] += amount
    return dict(sorted(total.items()))


def _roster(departments: Sequence[Department]) -> tuple[Manager, ...]:
    people: dict[str, Manager] = {}
    for department in departments:
        for manager in department.portfolio.managers:
            people.setdefault(manager.name, manager)
    return tuple(people.values())


# --- After the plan ---------------------------------------------------------------------------


def department_notes(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    department_of: Mapping[str, str],
) -> dict[str, str]:
    """{deferred project ID: sentence} naming the departments that hold the role it lacks.

    For a project in play that is short of a role at every allowed start, the months it is
    short in, and each department's FTE-months of that role in those months (most first).
    """
    ledger = Ledger(portfolio)
    for pid, start in starts.items():
        ledger.commit(portfolio.project(pid), start)
    profiles = {pid: demand_profile(portfolio, portfolio.project(pid)) for pid in starts}
    notes = {}
    for project in portfolio.projects:
        if project.id in starts or project.out_of_play:
            continue
        window = allowed_starts(portfolio, project)
        if not window:
            continue
        short_by_start = [ledger.shortfalls(project, s) for s in window]
        always = set.intersection(*({f.role for f in found} for found in short_by_start))
        parts = []
        for role in sorted(always):
            months = {f.month for found in short_by_start for f in found if f.role == role}
            held = _held(portfolio, starts, profiles, department_of, role, months)
            if held:
                parts.append(f"{role} in those months went to {held}")
        if parts:
            notes[project.id] = "; ".join(parts)
    return notes


def _held(portfolio, starts, profiles, department_of, role: str, months: set[int]) -> str:
    """`Finance 12.5 FTE-months (P-101, P-106), IT 3 (P-104)`: who holds the role then."""
    fte: dict[str, float] = defaultdict(float)
    who: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for pid, start in starts.items():
        row = profiles[pid].get(role)
        if not row:
            continue
        units = sum(u for k, u in enumerate(row) if start + k in months)
        if units > 0:
            department = department_of.get(pid, "")
            fte[department] += units / FTE_UNITS
            who[department].append((-units, pid))
    ranked = sorted(fte, key=lambda d: (-fte[d], d))
    shown = []
    for d in ranked[:DEPARTMENTS_NAMED]:
        holders = [pid for _, pid in sorted(who[d])]  # the biggest holders first
        named = ", ".join(holders[:PROJECTS_NAMED])
        if len(holders) > PROJECTS_NAMED:
            named += f" and {len(holders) - PROJECTS_NAMED} more"
        shown.append(f"{d} {round(fte[d], 3):g} FTE-months ({named})")
    if len(ranked) > DEPARTMENTS_NAMED:
        shown.append(f"{len(ranked) - DEPARTMENTS_NAMED} more department(s)")
    return ", ".join(shown)


def with_department_notes(result: Result, notes: Mapping[str, str]) -> Result:
    """The result with each note added to its project's reason."""
    projects = tuple(
        dataclasses.replace(o, reason=f"{o.reason}. {notes[o.project_id]}".lstrip(". "))
        if o.project_id in notes and not o.selected
        else o
        for o in result.projects
    )
    return dataclasses.replace(result, projects=projects)


@dataclass(frozen=True, slots=True)
class DepartmentSummary:
    """What one department got from the enterprise plan."""

    department: str
    projects: int
    selected: int
    deferred: int
    not_in_play: int
    value: float  # the selected projects' scores (enterprise weights)
    cost: float  # the selected projects' total cost
    spend: Mapping[int, float]  # cost falling in each budgeted year
    fte_months: float  # planned FTE-months within the horizon
    share: float  # of all planned FTE-months
    full_roles: tuple[tuple[str, float], ...]  # (role, its share of the role's full months)


def department_summaries(
    portfolio: Portfolio, result: Result, department_of: Mapping[str, str]
) -> list[DepartmentSummary]:
    """One summary per department, in the order the departments first appear."""
    order = list(dict.fromkeys(department_of[p.id] for p in portfolio.projects))
    outcomes = {o.project_id: o for o in result.projects}
    plan_start, horizon = portfolio.settings.plan_start, portfolio.settings.horizon
    full = {(u.role, u.month) for u in result.utilisation if u.capacity > 0 and u.load >= SATURATED}
    use: dict[tuple[str, str, int], float] = defaultdict(float)  # (department, role, month)
    for project in portfolio.projects:
        outcome = outcomes.get(project.id)
        if outcome is None or not outcome.selected or outcome.start is None:
            continue
        for role, row in demand_profile(portfolio, project).items():
            for k, units in enumerate(row):
                month = outcome.start + k
                if plan_start <= month < plan_start + horizon and units:
                    use[department_of[project.id], role, month] += units / FTE_UNITS
    total = sum(use.values())
    summaries = []
    for department in order:
        mine = [p for p in portfolio.projects if department_of[p.id] == department]
        chosen = [p for p in mine if outcomes.get(p.id) and outcomes[p.id].selected]
        spend: dict[int, float] = defaultdict(float)
        for p in chosen:
            start = outcomes[p.id].start
            assert start is not None  # a selected outcome has a start
            for year, cents in year_costs(portfolio, p, start).items():
                spend[year] += cents / MONEY_UNITS
        fte = sum(v for (d, _, _), v in use.items() if d == department)
        summaries.append(
            DepartmentSummary(
                department,
                len(mine),
                len(chosen),
                sum(1 for p in mine if p not in chosen and not p.out_of_play),
                sum(1 for p in mine if p not in chosen and p.out_of_play),
                round(sum(outcomes[p.id].score for p in chosen), 3),
                sum(p.cost for p in chosen),
                {year: round(spend.get(year, 0.0), 2) for year in sorted(portfolio.budget)},
                round(fte, 3),
                fte / total if total else 0.0,
                _full_roles(use, full, department),
            )
        )
    return summaries


def _full_roles(
    use: Mapping[tuple[str, str, int], float], full: set[tuple[str, int]], department: str
) -> tuple[tuple[str, float], ...]:
    """The department's share of each role in the months the role is full, largest first."""
    by_role: dict[str, float] = defaultdict(float)
    mine: dict[str, float] = defaultdict(float)
    for (d, role, month), fte in use.items():
        if (role, month) in full:
            by_role[role] += fte
            if d == department:
                mine[role] += fte
    shares = [(role, mine[role] / by_role[role]) for role in mine if by_role[role] > 0]
    return tuple(sorted(shares, key=lambda item: (-item[1], item[0])))


def department_loads(
    portfolio: Portfolio, result: Result, department_of: Mapping[str, str]
) -> dict[tuple[str, str], list[float]]:
    """{(department, role): FTE per horizon month} of the selected projects."""
    outcomes = {o.project_id: o for o in result.projects}
    plan_start, horizon = portfolio.settings.plan_start, portfolio.settings.horizon
    loads: dict[tuple[str, str], list[float]] = {}
    for project in portfolio.projects:
        outcome = outcomes.get(project.id)
        if outcome is None or not outcome.selected or outcome.start is None:
            continue
        for role, row in demand_profile(portfolio, project).items():
            line = loads.setdefault((department_of[project.id], role), [0.0] * horizon)
            for k, units in enumerate(row):
                t = outcome.start + k - plan_start
                if 0 <= t < horizon:
                    line[t] += units / FTE_UNITS
    return loads
