"""Collect every problem in a portfolio, each naming the entity and field it concerns.

`Problem.entity` is one of "settings", "project", "demand", "capacity", "dependency",
"criterion", "budget"; `index` is the position in the portfolio's tuple (or the role /
year / setting name); `field` is the dataclass field. The workbook layer turns these into
sheet and cell.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from engine.model import (
    DependencyType,
    Force,
    Portfolio,
    Project,
    ProjectStatus,
    parse_stability,
)
from engine.months import month_range_text, month_text, year_of
from engine.wording import must_run_words, out_of_play_words


class Severity(StrEnum):
    """Errors stop a run; warnings are written and the run goes on; info only tells."""

    ERROR = "Error"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, and where."""

    entity: str
    index: int | str | None
    field: str | None
    message: str
    severity: Severity = Severity.ERROR


def validate(portfolio: Portfolio) -> list[Problem]:
    """Every problem in the portfolio, errors and warnings, in a stable order."""
    problems: list[Problem] = []
    for check in (
        _settings,
        _projects,
        _criteria,
        _capacity,
        _demands,
        _dependencies,
        _budget,
        _fit_alone,
    ):
        problems.extend(check(portfolio))
    return problems


def errors(problems: Sequence[Problem]) -> list[Problem]:
    """Only the problems that stop a run."""
    return [p for p in problems if p.severity is Severity.ERROR]


def _settings(p: Portfolio) -> Iterator[Problem]:
    s = p.settings
    if not isinstance(s.horizon, int) or s.horizon < 1:
        yield Problem(
            "settings",
            "horizon",
            "horizon",
            f"Horizon (months) must be a whole number of at least 1; found {s.horizon!r}",
        )
    elif s.horizon > 10_000:
        yield Problem(
            "settings",
            "horizon",
            "horizon",
            f"Horizon (months) must be at most 10,000; found {s.horizon}",
        )
    if not s.time_limit > 0:
        yield Problem(
            "settings",
            "time_limit",
            "time_limit",
            f"Time limit (s) must be more than 0; found {s.time_limit!r}",
        )
    try:
        parse_stability(s.stability)
    except ValueError as error:
        yield Problem("settings", "stability", "stability", str(error))
    if s.explain_time is not None and not (
        isinstance(s.explain_time, int | float) and s.explain_time >= 0
    ):
        yield Problem(
            "settings",
            "explain_time",
            "explain_time",
            f"Reasons time (s) must be 0 or more (blank: a tenth of the time limit); found "
            f"{s.explain_time!r}",
        )


def _projects(p: Portfolio) -> Iterator[Problem]:
    """Each project's own fields, then must-run projects that share an exclusive group."""
    ids = Counter(project.id for project in p.projects)
    for i, project in enumerate(p.projects):
        if not _has_id(project):
            yield Problem("project", i, "id", "ID is blank; give every project a unique ID")
            continue
        if ids[project.id] > 1:
            yield Problem(
                "project",
                i,
                "id",
                f'ID "{project.id}" is used {ids[project.id]} times; IDs must be unique',
            )
        yield from _project_amounts(i, project)
        yield from _project_dates(p, i, project)
        yield from _project_flags(i, project)
        yield from _project_scores(p, i, project)
    yield from _must_run_rivals(p)


def _has_id(project: Project) -> bool:
    return bool(project.id) and bool(str(project.id).strip())


def _project_amounts(i: int, project: Project) -> Iterator[Problem]:
    """Duration and cost."""
    if not isinstance(project.duration, int) or project.duration < 0:
        yield Problem(
            "project",
            i,
            "duration",
            f'"{project.id}": duration must be a whole number of months (0 or '
            f"more); found {project.duration!r}",
        )
    if not math.isfinite(project.cost) or project.cost < 0:
        yield Problem(
            "project",
            i,
            "cost",
            f'"{project.id}": cost must be 0 or more; found {project.cost!r}',
        )


def _project_dates(p: Portfolio, i: int, project: Project) -> Iterator[Problem]:
    """Start months inside the horizon, a window the right way round, a fixed start inside it."""
    first, last = p.settings.plan_start, p.settings.plan_start + p.settings.horizon - 1
    for name in ("earliest_start", "latest_start", "fixed_start"):
        value = getattr(project, name)
        # work in flight may have started before the plan start
        too_early = value is not None and value < first and name != "fixed_start"
        if value is not None and (too_early or value > last):
            yield Problem(
                "project",
                i,
                name,
                f'"{project.id}": {_field_words(name)} {month_text(value)} is outside '
                f"the horizon {month_range_text(first, last)}",
            )
    lo, hi = project.earliest_start, project.latest_start
    if lo is not None and hi is not None and lo > hi:
        yield Problem(
            "project",
            i,
            "latest_start",
            f'"{project.id}": latest start {month_text(hi)} is before earliest '
            f"start {month_text(lo)}; swap them or widen the window",
        )
    fixed = project.fixed_start
    if fixed is not None and ((lo is not None and fixed < lo) or (hi is not None and fixed > hi)):
        yield Problem(
            "project",
            i,
            "fixed_start",
            f'"{project.id}": fixed start {month_text(fixed)} is outside its own '
            "window (earliest / latest start)",
        )


def _project_flags(i: int, project: Project) -> Iterator[Problem]:
    """Status, mandatory and force flags that contradict each other."""
    if project.must_run and project.force is Force.OUT:
        yield Problem(
            "project",
            i,
            "force",
            f'"{project.id}" is {must_run_words(project)} but forced out; choose one',
        )
    if project.status is ProjectStatus.IN_FLIGHT and project.fixed_start is None:
        yield Problem(
            "project",
            i,
            "fixed_start",
            f'"{project.id}" is in flight, so it needs its actual start month in "Fixed start"',
        )
    if project.must_run and project.status in (ProjectStatus.CLOSED, ProjectStatus.ON_HOLD):
        yield Problem(
            "project",
            i,
            "status",
            f'"{project.id}" is {project.status.value} but also '
            f"{must_run_words(project)}; change the status or the flag",
        )


def _project_scores(p: Portfolio, i: int, project: Project) -> Iterator[Problem]:
    """A score for every criterion, on the criterion's scale."""
    for criterion in p.criteria:
        value = project.scores.get(criterion.name)
        if value is None:
            yield Problem(
                "project",
                i,
                f"score:{criterion.name}",
                f'"{project.id}" has no score for "{criterion.name}"',
                Severity.ERROR,
            )
        elif not criterion.min <= value <= criterion.max:
            yield Problem(
                "project",
                i,
                f"score:{criterion.name}",
                f'"{project.id}": score {value:g} for "{criterion.name}" is outside '
                f"its scale {criterion.min:g}..{criterion.max:g}",
            )


def _must_run_rivals(p: Portfolio) -> Iterator[Problem]:
    """More than one project of an exclusive group must run."""
    must_run_by_group: dict[str, list[str]] = defaultdict(list)
    for project in p.projects:
        if not _has_id(project):
            continue
        if project.exclusive_group and project.must_run and not project.out_of_play:
            must_run_by_group[project.exclusive_group].append(project.id)
    for group, members in must_run_by_group.items():
        if len(members) > 1:
            yield Problem(
                "project",
                _index(p, members[1]),
                "exclusive_group",
                f'exclusive group "{group}" has {len(members)} projects that must run '
                f"({', '.join(members)}); at most one of a group can be selected",
            )


def _criteria(p: Portfolio) -> Iterator[Problem]:
    names = Counter(c.name for c in p.criteria)
    for i, criterion in enumerate(p.criteria):
        if not criterion.name.strip():
            yield Problem("criterion", i, "name", "criterion name is blank")
        elif names[criterion.name] > 1:
            yield Problem(
                "criterion",
                i,
                "name",
                f'criterion "{criterion.name}" is listed {names[criterion.name]} times',
            )
        if not math.isfinite(criterion.weight) or criterion.weight < 0:
            yield Problem(
                "criterion",
                i,
                "weight",
                f'"{criterion.name}": weight must be 0 or more; found {criterion.weight!r}',
            )
        if not criterion.min < criterion.max:
            yield Problem(
                "criterion",
                i,
                "max",
                f'"{criterion.name}": Max ({criterion.max:g}) must be greater than '
                f"Min ({criterion.min:g})",
            )
    if p.criteria and sum(c.weight for c in p.criteria) <= 0:
        yield Problem(
            "criterion",
            0,
            "weight",
            "the criteria weights add up to 0; give at least one criterion a positive weight",
        )


def _capacity(p: Portfolio) -> Iterator[Problem]:
    for role, values in p.capacity.items():
        if len(values) != p.settings.horizon:
            yield Problem(
                "capacity",
                role,
                None,
                f'role "{role}" has {len(values)} months of capacity; the horizon has '
                f"{p.settings.horizon}",
            )
        for offset, value in enumerate(values):
            if not math.isfinite(value) or value < 0:
                yield Problem(
                    "capacity",
                    role,
                    str(p.settings.plan_start + offset),
                    f'role "{role}": capacity in '
                    f"{month_text(p.settings.plan_start + offset)} must be 0 or more "
                    f"FTE; found {value!r}",
                )


def _demands(p: Portfolio) -> Iterator[Problem]:
    by_id = {project.id: project for project in p.projects}
    for i, demand in enumerate(p.demands):
        project = by_id.get(demand.project_id)
        if project is None:
            yield Problem(
                "demand",
                i,
                "project_id",
                f'unknown project ID "{demand.project_id}"; add it to the intake or fix the ID',
            )
        if demand.role not in p.capacity:
            known = ", ".join(p.capacity) or "none"
            yield Problem(
                "demand", i, "role", f'unknown role "{demand.role}"; roles with capacity: {known}'
            )
        if not math.isfinite(demand.fte) or demand.fte < 0:
            yield Problem("demand", i, "fte", f"FTE must be 0 or more; found {demand.fte!r}")
        if project is None or not isinstance(project.duration, int):
            continue
        lo = 1 if demand.from_month is None else demand.from_month
        hi = project.duration if demand.to_month is None else demand.to_month
        if project.duration == 0 and (demand.from_month or demand.to_month):
            yield Problem(
                "demand",
                i,
                "from_month",
                f'"{project.id}" is a milestone (0 months); its demand cannot name months',
            )
        elif lo < 1 or (project.duration and lo > project.duration):
            yield Problem(
                "demand",
                i,
                "from_month",
                f'From month {lo} is outside "{project.id}" (months 1..'
                f"{project.duration}); leave it blank for the whole project",
            )
        elif hi < lo or hi > max(project.duration, 1):
            yield Problem(
                "demand",
                i,
                "to_month",
                f'To month {hi} must be between From month {lo} and "{project.id}"\'s '
                f"duration {project.duration}",
            )


def _dependencies(p: Portfolio) -> Iterator[Problem]:
    ids = {project.id for project in p.projects}
    graph: dict[str, set[str]] = defaultdict(set)
    for i, dep in enumerate(p.dependencies):
        for name in ("predecessor", "successor"):
            value = getattr(dep, name)
            if value not in ids:
                yield Problem(
                    "dependency", i, name, f'unknown project ID "{value}" in a dependency'
                )
        if dep.predecessor == dep.successor:
            yield Problem(
                "dependency", i, "successor", f'"{dep.predecessor}" cannot depend on itself'
            )
        if not isinstance(dep.lag, int) or dep.lag < 0:
            yield Problem(
                "dependency",
                i,
                "lag",
                f"Lag (months) must be a whole number, 0 or more; found {dep.lag!r}",
            )
        if dep.type in (DependencyType.FS, DependencyType.REQUIRES):
            graph[dep.predecessor].add(dep.successor)
    cycle = _find_cycle(graph)
    if cycle:
        index = next(
            i
            for i, d in enumerate(p.dependencies)
            if d.predecessor == cycle[0] and d.successor == cycle[1]
        )
        yield Problem(
            "dependency",
            index,
            "successor",
            f"dependency cycle: {' -> '.join(cycle)}; remove one of these links",
        )
    yield from _contradictions(p)


def _contradictions(p: Portfolio) -> Iterator[Problem]:
    by_id = {project.id: project for project in p.projects}
    for i, dep in enumerate(p.dependencies):
        a, b = by_id.get(dep.predecessor), by_id.get(dep.successor)
        if a is None or b is None:
            continue
        if dep.type is DependencyType.EXCLUDES and a.must_run and b.must_run:
            yield Problem(
                "dependency",
                i,
                "type",
                f'"{a.id}" and "{b.id}" exclude each other but both must run',
            )
        needs_pred = dep.type in (DependencyType.FS, DependencyType.REQUIRES, DependencyType.WITH)
        if needs_pred and b.must_run and a.out_of_play:
            yield Problem(
                "dependency",
                i,
                "predecessor",
                f'"{b.id}" must run and needs "{a.id}", which is {out_of_play_words(a)}',
            )
        if dep.type is DependencyType.WITH and a.must_run and b.out_of_play:
            yield Problem(
                "dependency",
                i,
                "successor",
                f'"{a.id}" must run together with "{b.id}", which is {out_of_play_words(b)}',
            )


def _budget(p: Portfolio) -> Iterator[Problem]:
    for year, amount in p.budget.items():
        if not math.isfinite(amount) or amount < 0:
            yield Problem(
                "budget", year, "budget", f"budget for {year} must be 0 or more; found {amount!r}"
            )
    years = {year_of(m) for m in p.months}
    for year in p.budget:
        if year not in years:
            yield Problem(
                "budget",
                year,
                "year",
                f"budget year {year} is outside the horizon; it is ignored",
                Severity.WARNING,
            )


def _fit_alone(p: Portfolio) -> Iterator[Problem]:
    """A project that must run but cannot fit even on an empty plan."""
    from engine.feasibility import lone_fit_blockers

    for i, project in enumerate(p.projects):
        if not project.must_run or project.out_of_play:
            continue
        blocker = lone_fit_blockers(p, project)
        if blocker:
            yield Problem(
                "project",
                i,
                "fixed_start" if project.fixed_start is not None else "mandatory",
                f'"{project.id}" must run but cannot fit even alone: {blocker}',
            )


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in colour:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = 2
        return None

    for node in sorted(graph):
        if node not in colour:
            found = visit(node)
            if found:
                return found
    return None


def _index(p: Portfolio, project_id: str) -> int:
    return next(i for i, project in enumerate(p.projects) if project.id == project_id)


def _field_words(field_name: str) -> str:
    return field_name.replace("_", " ")
