"""Collect every problem in a portfolio, each naming the entity and field it concerns.

`Problem.entity` is one of "settings", "project", "demand", "capacity", "dependency",
"criterion", "budget", "hiring", "balance", "gate", "manager" (a row of People); `index` is
the position in the portfolio's tuple (or the role / year / setting name); `field` is the
dataclass field. The workbook layer turns these into sheet and cell.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence

from engine.gates import GATE_CRITERIA, SCORE_SCALE, GateDecision, GateReview
from engine.limits import (
    MAX_FTE,
    MAX_MONEY,
    MAX_MONTHS,
    MAX_SCORE,
    MAX_SEED,
    MAX_STABILITY_POINTS,
    MAX_TIME_LIMIT,
    MAX_TOTAL_COST,
    MAX_UNITS,
    MAX_WEIGHT,
    amount_text,
)
from engine.model import (
    Criterion,
    DependencyType,
    Force,
    Portfolio,
    Project,
    ProjectStatus,
    parse_stability,
)
from engine.months import month_range_text, month_runs_text, month_text, year_of
from engine.problems import Problem, Severity
from engine.wording import gate_words, label, must_run_words, out_of_play_words, project_label


def validate(portfolio: Portfolio) -> list[Problem]:
    """Every problem in the portfolio, errors and warnings, in a stable order.

    Numbers come first, each against its range (`engine.limits`); the checks that do
    arithmetic with them (can a must-run project fit alone?) run only when all are in range.
    Settings and criteria come before the projects that depend on them.
    """
    numbers = list(_numbers(portfolio))
    problems = list(numbers)
    for check in (
        _criteria,
        _projects,
        _capacity,
        _demands,
        _dependencies,
        _budget,
        _hiring,
        _balance,
        _gates,
        _managers,
    ):
        problems.extend(check(portfolio))
    if not numbers:
        problems.extend(_fit_alone(portfolio))
    return problems


def errors(problems: Sequence[Problem]) -> list[Problem]:
    """Only the problems that stop a run."""
    return [p for p in problems if p.severity is Severity.ERROR]


def _numbers(p: Portfolio) -> Iterator[Problem]:
    """Every number against its range in `engine.limits`, before anything adds them up."""
    s = p.settings
    yield from _in_range(
        "settings", "horizon", "horizon", "Horizon (months)", s.horizon, 1, MAX_MONTHS, whole=True
    )
    yield from _in_range(
        "settings",
        "time_limit",
        "time_limit",
        "Time limit (s)",
        s.time_limit,
        0,
        MAX_TIME_LIMIT,
        above=True,
    )
    yield from _in_range(
        "settings",
        "random_seed",
        "random_seed",
        "Random seed",
        s.random_seed,
        0,
        MAX_SEED,
        whole=True,
    )
    try:
        points = parse_stability(s.stability)
    except ValueError as error:
        yield Problem("settings", "stability", "stability", str(error))
    else:
        if isinstance(points, float):
            yield from _in_range(
                "settings",
                "stability",
                "stability",
                "Stability (points per change)",
                points,
                0,
                MAX_STABILITY_POINTS,
            )
    if s.explain_time is not None:
        yield from _in_range(
            "settings",
            "explain_time",
            "explain_time",
            "Reasons time (s) (blank: a tenth of the time limit)",
            s.explain_time,
            0,
            MAX_TIME_LIMIT,
        )
    for i, c in enumerate(p.criteria):
        yield from _in_range(
            "criterion", i, "weight", f'"{c.name}": weight', c.weight, 0, MAX_WEIGHT
        )
        yield from _in_range(
            "criterion", i, "min", f'"{c.name}": Min', c.min, -MAX_SCORE, MAX_SCORE
        )
        yield from _in_range(
            "criterion", i, "max", f'"{c.name}": Max', c.max, -MAX_SCORE, MAX_SCORE
        )
    total_cost = 0.0
    for i, project in enumerate(p.projects):
        name = f'"{project.id}": '
        yield from _in_range(
            "project",
            i,
            "duration",
            f"{name}duration",
            project.duration,
            0,
            MAX_MONTHS,
            whole=True,
            unit="months",
        )
        cost = list(_in_range("project", i, "cost", f"{name}cost", project.cost, 0, MAX_MONEY))
        yield from cost
        if not cost:
            total_cost += project.cost
    yield from _hiring_numbers(p)
    total_cost += _hiring_spend(p)
    if total_cost > MAX_TOTAL_COST:
        yield Problem(
            "project",
            None,
            "cost",
            f"the projects' costs add up to {amount_text(total_cost)}; the optimiser counts "
            f"money to the cent and takes at most {amount_text(MAX_TOTAL_COST)} in all: "
            "enter Cost, Budget and hiring costs in thousands (or millions)",
        )
    for role, values in p.capacity.items():
        for offset, value in enumerate(values):
            month = p.settings.plan_start + offset if isinstance(p.settings.plan_start, int) else 0
            yield from _in_range(
                "capacity",
                role,
                str(month),
                f'role "{role}": capacity in {month_text(month)}',
                value,
                0,
                MAX_FTE,
                unit="FTE",
            )
    for i, demand in enumerate(p.demands):
        yield from _in_range("demand", i, "fte", "FTE", demand.fte, 0, MAX_FTE)
    for i, dep in enumerate(p.dependencies):
        yield from _in_range(
            "dependency", i, "lag", "Lag (months)", dep.lag, 0, MAX_MONTHS, whole=True
        )
    for year, amount in p.budget.items():
        yield from _in_range("budget", year, "budget", f"budget for {year}", amount, 0, MAX_MONEY)


def _hiring_numbers(p: Portfolio) -> Iterator[Problem]:
    """Upper bounds of the hiring options' and managers' numbers (`_hiring` and `_managers`
    say what is too small)."""
    for i, option in enumerate(p.hiring):
        name = f'hiring option "{option.option}" of {option.role}: '
        yield from _at_most("hiring", i, "fte", f"{name}FTE per unit", option.fte, MAX_FTE)
        yield from _at_most(
            "hiring", i, "monthly_cost", f"{name}cost per month", option.monthly_cost, MAX_MONEY
        )
        yield from _at_most(
            "hiring", i, "max_units", f"{name}Max units", option.max_units, MAX_UNITS
        )
        yield from _at_most(
            "hiring", i, "min_months", f"{name}Minimum months", option.min_months, MAX_MONTHS
        )
    for i, manager in enumerate(p.managers):
        yield from _at_most(
            "manager",
            i,
            "max_projects",
            f'"{manager.name}": Max concurrent projects',
            manager.max_projects,
            MAX_UNITS,
        )


def _hiring_spend(p: Portfolio) -> float:
    """The most the hiring options could cost over the horizon (every unit, every month)."""
    months = p.settings.horizon if _horizon_in_range(p) else 0
    return sum(
        option.monthly_cost * option.max_units * months
        for option in p.hiring
        if _finite(option.monthly_cost)
        and _finite(option.max_units)
        and 0 <= option.monthly_cost <= MAX_MONEY
        and 0 <= option.max_units <= MAX_UNITS
    )


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _at_most(
    entity: str, index: int, field: str, what: str, value: object, high: float
) -> Iterator[Problem]:
    """Only the upper bound: a finite number above `high` (other checks judge the rest)."""
    if _finite(value) and value > high:  # type: ignore[operator]
        yield from _in_range(entity, index, field, what, value, -math.inf, high)


def _in_range(
    entity: str,
    index: int | str | None,
    field: str,
    what: str,
    value: object,
    low: float,
    high: float,
    *,
    whole: bool = False,
    above: bool = False,
    unit: str = "",
) -> Iterator[Problem]:
    """A problem when `value` is not a number in low..high (above `low` with `above`)."""
    unit = f" {unit}" if unit else ""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (whole and not isinstance(value, int))
        or math.isnan(value)
    ):
        verdict = f"a whole number{' of' + unit if unit else ''}" if whole else "a number"
    elif above and value <= low:
        verdict = f"more than {amount_text(low)}{unit}"
    elif value < low:
        verdict = f"{amount_text(low)} or more{unit}"
    elif value > high:
        verdict = f"at most {amount_text(high)}{unit}"
    else:
        return
    yield Problem(entity, index, field, f"{what} must be {verdict}; found {value!r}")


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
        yield from _project_dates(p, i, project)
        yield from _project_flags(i, project, p.settings.plan_start)
        yield from _project_scores(p, i, project)
    yield from _must_run_rivals(p)


def _has_id(project: Project) -> bool:
    return bool(project.id) and bool(str(project.id).strip())


def _project_dates(p: Portfolio, i: int, project: Project) -> Iterator[Problem]:
    """Start months inside the horizon, a window the right way round, a fixed start inside it."""
    first, last = p.settings.plan_start, p.settings.plan_start + p.settings.horizon - 1
    for name in ("earliest_start", "latest_start", "fixed_start"):
        value = getattr(project, name)
        if value is None:
            continue
        if name == "earliest_start" and value < first:
            # the plan start moved on since it was typed: not a mistake, and not to be an error
            yield Problem(
                "project",
                i,
                name,
                f'"{project.id}": earliest start {month_text(value)} is before the plan start '
                f"{month_text(first)}; it may start as soon as the plan starts",
                Severity.INFO,
            )
        # work in flight may have started before the plan start
        elif (name == "latest_start" and value < first) or value > last:
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


def _project_flags(i: int, project: Project, plan_start: int) -> Iterator[Problem]:
    """Status, mandatory and force flags that contradict each other."""
    if project.must_run and project.force is Force.OUT:
        yield Problem(
            "project",
            i,
            "force",
            f'"{project.id}" is {must_run_words(project)} but forced out; choose one',
        )
    if project.can_stop and project.status is not ProjectStatus.IN_FLIGHT:
        yield Problem(
            "project",
            i,
            "can_stop",
            f'"{project.id}" is not in flight: "Can stop" applies only to work in flight '
            "and is ignored",
            Severity.WARNING,
        )
    for field_name in ("remaining_cost", "remaining_value"):
        amount = getattr(project, field_name)
        if amount is not None and not (math.isfinite(amount) and amount >= 0):
            yield Problem(
                "project",
                i,
                field_name,
                f'"{project.id}": {_field_words(field_name)} must be 0 or more; found {amount!r}',
            )
    if project.status is ProjectStatus.IN_FLIGHT and project.fixed_start is None:
        yield Problem(
            "project",
            i,
            "fixed_start",
            f'"{project.id}" is in flight, so it needs its actual start month in "Fixed start"',
        )
    if finished_before(project, plan_start):
        assert project.fixed_start is not None
        yield Problem(
            "project",
            i,
            "status",
            f'"{project.id}" is in flight but finished in '
            f"{month_text(project.fixed_start + max(project.duration, 1) - 1)}, before the plan "
            f"starts; it takes nothing from the plan: set its Status to Closed",
            Severity.WARNING,
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
    """A score for every criterion, on the criterion's scale (when that scale is valid: a
    broken scale is reported once, on Criteria, not once per project)."""
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
        elif _valid_scale(criterion) and not criterion.min <= value <= criterion.max:
            yield Problem(
                "project",
                i,
                f"score:{criterion.name}",
                f'"{project.id}": score {value:g} for "{criterion.name}" is outside '
                f"its scale {criterion.min:g}..{criterion.max:g}",
            )


def _valid_scale(criterion: Criterion) -> bool:
    return -MAX_SCORE <= criterion.min < criterion.max <= MAX_SCORE


def finished_before(project: Project, plan_start: int) -> bool:
    """An in-flight project whose fixed start and duration end before the plan starts: it is
    done, whatever its Status says, and the plan shows it so (not as "Selected")."""
    return (
        project.status is ProjectStatus.IN_FLIGHT
        and isinstance(project.fixed_start, int)
        and isinstance(project.duration, int)
        and project.fixed_start + max(project.duration, 1) <= plan_start
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
        if not criterion.min < criterion.max:
            yield Problem(
                "criterion",
                i,
                "max",
                f'"{criterion.name}": Max ({criterion.max:g}) must be greater than '
                f"Min ({criterion.min:g}); the scores on it are checked once it is",
            )
    if p.criteria and sum(c.weight for c in p.criteria) <= 0:
        yield Problem(
            "criterion",
            0,
            "weight",
            "the criteria weights add up to 0; give at least one criterion a positive weight",
        )


def _horizon_in_range(p: Portfolio) -> bool:
    """Whether checks that walk the horizon's months can: if not, its own problem says so."""
    horizon = p.settings.horizon
    return isinstance(horizon, int) and 1 <= horizon <= MAX_MONTHS


def _capacity(p: Portfolio) -> Iterator[Problem]:
    if not _horizon_in_range(p):
        return
    for role, values in p.capacity.items():
        if len(values) != p.settings.horizon:
            yield Problem(
                "capacity",
                role,
                None,
                f'role "{role}" has {len(values)} months of capacity; the horizon has '
                f"{p.settings.horizon}",
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
    yield from _linked_and_excluded(p)
    yield from _contradictions(p)


def _linked_and_excluded(p: Portfolio) -> Iterator[Problem]:
    """A pair that must go together (FS, Requires, With) and may not (Excludes)."""
    excludes = {
        frozenset((d.predecessor, d.successor)): i
        for i, d in enumerate(p.dependencies)
        if d.type is DependencyType.EXCLUDES
    }
    for dep in p.dependencies:
        j = excludes.get(frozenset((dep.predecessor, dep.successor)))
        if dep.type is DependencyType.EXCLUDES or j is None or dep.predecessor == dep.successor:
            continue
        link = "goes with" if dep.type is DependencyType.WITH else "needs"
        yield Problem(
            "dependency",
            j,
            "type",
            f'"{dep.successor}" {link} "{dep.predecessor}" (a {dep.type.value} link) but '
            f'this Excludes link keeps them apart, so "{dep.successor}" could never be '
            "selected; remove one of the two links",
        )


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
    if not _horizon_in_range(p):
        return
    first, last = year_of(p.months[0]), year_of(p.months[-1])
    for year in p.budget:
        if not first <= year <= last:
            yield Problem(
                "budget",
                year,
                "year",
                f"budget year {year} is outside the horizon; it is ignored",
                Severity.WARNING,
            )


def _hiring(p: Portfolio) -> Iterator[Problem]:
    """Hiring options: a known role, a positive FTE, money and counts that make sense."""
    seen: set[tuple[str, str]] = set()
    end = p.settings.plan_start + p.settings.horizon
    for i, option in enumerate(p.hiring):
        name = f'hiring option "{option.option}" of {option.role}'
        if option.role not in p.capacity:
            yield Problem(
                "hiring",
                i,
                "role",
                f'{name}: role "{option.role}" has no row on the Capacity sheet; add the '
                "role there (with 0 FTE if it has none yet) or correct the name",
            )
        if (option.role, option.option) in seen:
            yield Problem("hiring", i, "option", f"{name} is listed twice; keep one row per option")
        seen.add((option.role, option.option))
        if not math.isfinite(option.fte) or option.fte <= 0:
            yield Problem("hiring", i, "fte", f"{name}: FTE per unit must be more than 0")
        if not math.isfinite(option.monthly_cost) or option.monthly_cost < 0:
            yield Problem(
                "hiring", i, "monthly_cost", f"{name}: the cost per month must be 0 or more"
            )
        if option.max_units < 1:
            yield Problem("hiring", i, "max_units", f"{name}: Max units must be 1 or more")
        if option.min_months < 1:
            yield Problem("hiring", i, "min_months", f"{name}: Minimum months must be 1 or more")
        if option.earliest is not None and option.earliest >= end:
            yield Problem(
                "hiring",
                i,
                "earliest",
                f"{name}: its earliest month {month_text(option.earliest)} is after the "
                "horizon; it is never used",
                Severity.WARNING,
            )


def _balance(p: Portfolio) -> Iterator[Problem]:
    """Balance rules: a dimension and a value, shares between 0 and 1, min not above max."""
    from engine.groups import in_group

    for i, rule in enumerate(p.balance):
        if not rule.dimension.strip():
            yield Problem(
                "balance",
                i,
                "dimension",
                "the Dimension is blank; name one "
                "(Perspective, Department, Programme, Strategic objective, ...)",
            )
        if not rule.value.strip():
            yield Problem("balance", i, "value", "the Value is blank; name the group")
        for field_name, share in (("min_share", rule.min_share), ("max_share", rule.max_share)):
            if share is not None and not (math.isfinite(share) and 0 <= share <= 1):
                yield Problem(
                    "balance", i, field_name, f"a share is between 0% and 100%; found {share!r}"
                )
        if rule.min_share is None and rule.max_share is None:
            yield Problem(
                "balance",
                i,
                "min_share",
                "give a Min share, a Max share or both",
                Severity.WARNING,
            )
        if (
            rule.min_share is not None
            and rule.max_share is not None
            and rule.min_share > rule.max_share
        ):
            yield Problem("balance", i, "max_share", "the Max share is below the Min share")
        if (
            rule.dimension.strip()
            and rule.value.strip()
            and not any(
                in_group(p, project, rule) for project in p.projects if not project.out_of_play
            )
        ):
            yield Problem(
                "balance",
                i,
                "value",
                f'no project in play has {rule.dimension} "{rule.value}"; check the spelling '
                "against the Intake sheet",
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


def _gates(p: Portfolio) -> Iterator[Problem]:
    """Gate reviews: a known project, a date for every decision, scores on the scale; and what
    the latest decisions do to the plan (a must-run project cannot be stopped or held)."""
    ids = {project.id for project in p.projects}
    low, high = SCORE_SCALE
    for i, review in enumerate(p.gates):
        if review.project_id not in ids:
            yield Problem(
                "gate",
                i,
                "project_id",
                f'unknown project ID "{review.project_id}"; the review is ignored',
                Severity.WARNING,
            )
        if review.decision is not None and review.date is None:
            yield Problem(
                "gate",
                i,
                "date",
                f'the "{review.decision.value}" decision on "{review.project_id}" has no date; '
                "give its date, so the latest decision can be told",
            )
        for name, score in zip(GATE_CRITERIA, review.scores, strict=False):
            if score is not None and not low <= score <= high:
                yield Problem(
                    "gate",
                    i,
                    f"score:{name}",
                    f'"{name}" must be a score from {low} to {high}; found {score:g}',
                    Severity.WARNING,
                )
    for i, latest, project in _blocked(p):
        if project.must_run:
            yield Problem(
                "gate",
                i,
                "decision",
                f"{label(p, project.id)} is {must_run_words(project)} but "
                f"{gate_words(latest)[0].lower()}{gate_words(latest)[1:]}; record a new gate "
                "decision or change Mandatory / Force on Intake",
            )


def _blocked(p: Portfolio) -> Iterator[tuple[int, GateReview, Project]]:
    """(row of the review, the review, the project) of each project stopped or held."""
    position = {review: i for i, review in enumerate(p.gates)}  # equal reviews: the last row
    for project in p.projects:
        latest = project.gate
        if latest is not None and latest.blocks and latest in position:
            yield position[latest], latest, project


def gate_notes(p: Portfolio) -> list[Problem]:
    """What the latest gate decisions do to the plan, one note per project stopped or held
    (a must-run one is an error of `validate` instead)."""
    notes = []
    for i, latest, project in _blocked(p):
        if project.must_run:
            continue
        effect = (
            "it is left out of the plan"
            if latest.decision is GateDecision.STOP
            else "it cannot start while held; a later Go releases it"
        )
        notes.append(
            Problem(
                "gate",
                i,
                "decision",
                f"{label(p, project.id)}: {gate_words(latest)}; {effect}",
                Severity.INFO,
            )
        )
    return notes


def _managers(p: Portfolio) -> Iterator[Problem]:
    """People rows, the managers named on Intake, and (Assign) staff for every must-run project."""
    from engine.managers import closest_name, eligible

    names = Counter(m.name for m in p.managers)
    for i, manager in enumerate(p.managers):
        if names[manager.name] > 1:
            yield Problem(
                "manager",
                i,
                "name",
                f'"{manager.name}" is listed {names[manager.name]} times on People; keep one row',
            )
        if manager.max_projects < 0:
            yield Problem(
                "manager",
                i,
                "max_projects",
                f'"{manager.name}": Max concurrent projects must be 0 or more; found '
                f"{manager.max_projects}",
            )
        lo, hi = manager.available_from, manager.available_to
        if lo is not None and hi is not None and hi < lo:
            yield Problem(
                "manager",
                i,
                "available_to",
                f'"{manager.name}": Available to {month_text(hi)} is before Available from '
                f"{month_text(lo)}; swap them",
            )
    if p.managers:
        for i, project in enumerate(p.projects):
            if project.manager and project.manager not in names:
                near = closest_name(project.manager, names)
                hint = f'; did you mean "{near}"?' if near else "; add them to People"
                yield Problem(
                    "project",
                    i,
                    "manager",
                    f'"{project.id}": project manager "{project.manager}" is not on the '
                    f"People sheet{hint}",
                    Severity.WARNING,
                )
    if not p.assigns_managers:
        return
    if not p.managers:
        yield Problem(
            "settings",
            "project_managers",
            "project_managers",
            "Project managers is Assign, but the People sheet lists nobody; add your "
            "project managers there, or set Project managers to Check",
        )
        return
    from engine.feasibility import allowed_starts

    for i, project in enumerate(p.projects):
        if not project.must_run or project.out_of_play:
            continue
        starts = allowed_starts(p, project)
        if starts and not any(eligible(p, project, s) for s in starts):
            kept = project.manager if project.status is ProjectStatus.IN_FLIGHT else None
            who = f'"{kept}" (who keeps work in flight)' if kept else "no one on People"
            yield Problem(
                "project",
                i,
                "manager",
                f'"{project.id}" must run, but {who} is available for all of its months; '
                "extend Available from / to on People, or add a manager",
            )


def manager_load(
    portfolio: Portfolio,
    starts: dict[str, int] | None = None,
    assignment: dict[str, str] | None = None,
) -> list[Problem]:
    """Warnings: a manager on more projects at once than People allows, or named for months
    they are not available. `starts` is the plan; without one, the months that work in
    flight, mandatory and forced-in projects run whatever their start (from their latest
    start to their earliest finish). `assignment` ({project ID: manager}) defaults to the
    names on Intake."""
    from engine.managers import availability_text, overloads, plan_months, unavailable

    if assignment is None:
        assignment = {q.id: q.manager for q in portfolio.projects if q.manager}
    busy = plan_months(portfolio, starts) if starts is not None else _certain_months(portfolio)
    index = {q.id: i for i, q in reversed(list(enumerate(portfolio.projects)))}
    problems = []
    for over in overloads(portfolio, busy, assignment):
        labels = ", ".join(project_label(portfolio.project(pid)) for pid in over.projects)
        problems.append(
            Problem(
                "project",
                index[over.projects[-1]],
                "manager",
                f'project manager "{over.manager}" runs {over.most} projects at once in '
                f"{month_runs_text(list(over.months))} ({labels}); People allows "
                f"{over.limit} (Max concurrent projects). Give one of them another manager, "
                "raise the limit, or set Project managers to Assign",
                Severity.WARNING,
            )
        )
    for pid, manager in unavailable(portfolio, busy, assignment):
        project = portfolio.project(pid)
        runs = month_range_text(min(busy[pid]), max(busy[pid]))
        problems.append(
            Problem(
                "project",
                index[pid],
                "manager",
                f'project manager "{manager.name}" of {project_label(project)} is available '
                f"{availability_text(manager)}, but the project runs {runs}; change the "
                "manager or their Available from / to on People",
                Severity.WARNING,
            )
        )
    return problems


def _certain_months(portfolio: Portfolio) -> dict[str, list[int]]:
    """The horizon months each must-run project runs in, whichever start it gets."""
    from engine.feasibility import allowed_starts

    first, end = portfolio.settings.plan_start, portfolio.settings.plan_start
    end += portfolio.settings.horizon
    busy = {}
    for project in portfolio.projects:
        starts = allowed_starts(portfolio, project) if not project.out_of_play else range(0)
        if not project.must_run or not starts:
            continue
        lo, hi = starts[-1], starts[0] + max(project.duration, 1)  # latest start, earliest end
        busy[project.id] = [m for m in range(lo, hi) if first <= m < end]
    return busy


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """The first cycle met by a depth-first walk, as [a, b, ..., a]; None when there is none.

    Iterative, with its own stack: a chain of thousands of links must not hit Python's
    recursion limit.
    """
    colour: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(graph):
        if root in colour:
            continue
        path: list[str] = [root]
        pending: list[list[str]] = [sorted(graph.get(root, ()), reverse=True)]
        colour[root] = 1
        while path:
            if not pending[-1]:
                colour[path.pop()] = 2
                pending.pop()
                continue
            nxt = pending[-1].pop()
            if colour.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in colour:
                colour[nxt] = 1
                path.append(nxt)
                pending.append(sorted(graph.get(nxt, ()), reverse=True))
    return None


def _index(p: Portfolio, project_id: str) -> int:
    return next(i for i, project in enumerate(p.projects) if project.id == project_id)


def _field_words(field_name: str) -> str:
    return field_name.replace("_", " ")
