"""Project managers: who runs which project, how many at once, and when they are free.

A manager "runs" a project in every month from its start to its finish (a milestone: its
start month); only the months of the horizon count, so work in flight that began before the
plan start is not held against anyone's past. The same few rules serve:

- Settings "Project managers" = Check: `overloads` and `unavailable` find (and
  `engine.validation.manager_load` words) when the plan (or the work in
  flight) gives a manager more projects at once than People allows, or a project in months
  the manager is not available;
- Assign: `ManagerPool` lets the waterline staff projects as it places them, and
  `assign_managers` gives a fixed plan its preference-best staffing (a small CP-SAT model).
  The main model (`engine.cpsat_model`) holds the same limits while it selects and schedules.

Preferences (`preference`) never cost project value: the plan is chosen first, with the
limits as hard rules, and only then are managers matched to it by preference points.
The independent checker (`engine.checker`) re-checks every plan without this module.
"""

from __future__ import annotations

import difflib
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from engine.model import GRADES, Manager, Portfolio, Project, ProjectStatus
from engine.months import month_range_text, month_text

NAMED_POINTS = 4  # the manager Intake names for the project (the sponsor's choice)
GRADE_POINTS = 2  # the manager's grade is at least the project's "PM grade"
SKILL_POINTS = 1  # per skill of "PM skills" the manager has (skills or certifications)
ASSIGN_SECONDS = 10.0  # for matching managers to a fixed plan: a tiny model, done in ms


def occupied(portfolio: Portfolio, project: Project, start: int) -> range:
    """The horizon months (as offsets from the plan start) the project's manager is busy."""
    plan_start, horizon = portfolio.settings.plan_start, portfolio.settings.horizon
    first = start - plan_start
    last = first + max(project.duration, 1)
    return range(max(first, 0), min(last, horizon))


def available(manager: Manager, portfolio: Portfolio, project: Project, start: int) -> bool:
    """Whether the manager is available in every horizon month the project runs from `start`."""
    months = occupied(portfolio, project, start)
    if not months:
        return True
    first = portfolio.settings.plan_start + months[0]
    last = portfolio.settings.plan_start + months[-1]
    if manager.available_from is not None and first < manager.available_from:
        return False
    return manager.available_to is None or last <= manager.available_to


def kept_manager(portfolio: Portfolio, project: Project) -> str | None:
    """The manager a project in flight keeps under Assign: its Intake name, if on People."""
    if project.status is not ProjectStatus.IN_FLIGHT or not project.manager:
        return None
    names = {m.name for m in portfolio.managers}
    return project.manager if project.manager in names else None


def eligible(portfolio: Portfolio, project: Project, start: int) -> list[Manager]:
    """Managers who may run the project from `start`: available then (and, for work in flight
    with a manager on People, only that manager)."""
    kept = kept_manager(portfolio, project)
    return [
        m
        for m in portfolio.managers
        if (kept is None or m.name == kept) and available(m, portfolio, project, start)
    ]


def grade_rank(grade: str | None) -> int | None:
    """The grade's place in `GRADES` (0 = lowest), None for a blank or unknown grade."""
    if grade is None:
        return None
    folded = grade.casefold()
    return next((i for i, g in enumerate(GRADES) if g.casefold() == folded), None)


def split_list(text: str | None) -> tuple[str, ...]:
    """A comma- or semicolon-separated cell as its items, stripped, blanks dropped."""
    if not text:
        return ()
    items = (item.strip() for item in text.replace(";", ",").split(","))
    return tuple(item for item in items if item)


def preference(manager: Manager, project: Project) -> int:
    """Preference points of a manager for a project: named on Intake, grade and skills."""
    points = NAMED_POINTS if project.manager == manager.name else 0
    wanted, has = grade_rank(project.pm_grade), grade_rank(manager.grade)
    if wanted is not None and has is not None and has >= wanted:
        points += GRADE_POINTS
    known = {s.casefold() for s in (*manager.skills, *manager.certifications)}
    points += SKILL_POINTS * sum(1 for skill in project.pm_skills if skill.casefold() in known)
    return points


class ManagerPool:
    """Managers' remaining room month by month while projects are added to a plan.

    The waterline's ledger (`engine.feasibility.Ledger`) holds one under Assign, so a project
    is placed only where a manager can take it; the deferral reasons use it to say so.
    """

    def __init__(self, portfolio: Portfolio) -> None:
        self.portfolio = portfolio
        horizon = portfolio.settings.horizon
        self.managers = {m.name: m for m in portfolio.managers}
        self.load: dict[str, list[int]] = {name: [0] * horizon for name in self.managers}
        self.assigned: dict[str, tuple[str, int]] = {}  # project ID -> (manager, start)

    def copy(self) -> ManagerPool:
        """An independent pool with the same load and assignments."""
        twin = ManagerPool.__new__(ManagerPool)
        twin.portfolio = self.portfolio
        twin.managers = self.managers
        twin.load = {name: list(row) for name, row in self.load.items()}
        twin.assigned = dict(self.assigned)
        return twin

    def free(self, project: Project, start: int) -> list[Manager]:
        """Eligible managers with room in every month the project runs from `start`."""
        months = occupied(self.portfolio, project, start)
        return [
            m
            for m in eligible(self.portfolio, project, start)
            if all(self.load[m.name][t] < m.max_projects for t in months)
        ]

    def take(self, project: Project, start: int, manager: str | None = None) -> str | None:
        """Give the project `manager`, or the free manager it prefers most; None if none."""
        if manager is None:
            choices = self.free(project, start)
            if not choices:
                return None
            manager = max(choices, key=lambda m: (preference(m, project), m.name)).name
        elif manager not in self.managers:
            return None
        for t in occupied(self.portfolio, project, start):
            self.load[manager][t] += 1
        self.assigned[project.id] = (manager, start)
        return manager

    def release(self, project: Project) -> None:
        """Give back the month-by-month room `take` used."""
        taken = self.assigned.pop(project.id, None)
        if taken is None:
            return
        manager, start = taken
        for t in occupied(self.portfolio, project, start):
            self.load[manager][t] -= 1


def assign_managers(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    *,
    time_limit: float = ASSIGN_SECONDS,
    work: float | None = None,
) -> dict[str, str] | None:
    """The preference-best staffing of a fixed plan ({project ID: manager}); None if none fits.

    Each planned project gets one eligible manager; no manager runs more projects in a month
    than allowed; the total preference points are maximised (one worker: the same answer
    every run that is not stopped by the clock). `work`: also a limit in CP-SAT's
    deterministic time, which stops it at the same point on any machine.
    """
    from ortools.sat.python import cp_model  # CP-SAT loads slowly: only when a plan is staffed

    model = cp_model.CpModel()
    picks: dict[str, list[tuple[Manager, cp_model.IntVar]]] = {}
    busy: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    points = []
    for pid in sorted(starts):
        project = portfolio.project(pid)
        choices = eligible(portfolio, project, starts[pid])
        if not choices:
            return None
        picks[pid] = []
        for manager in choices:
            literal = model.new_bool_var(f"pm[{pid},{manager.name}]")
            picks[pid].append((manager, literal))
            points.append(preference(manager, project) * literal)
            for t in occupied(portfolio, project, starts[pid]):
                busy[manager.name, t].append(literal)
        model.add_exactly_one(literal for _, literal in picks[pid])
    limits = {m.name: m.max_projects for m in portfolio.managers}
    for (name, _t), literals in busy.items():
        if len(literals) > limits[name]:
            model.add(sum(literals) <= limits[name])
    model.maximize(sum(points))
    solver = cp_model.CpSolver()
    # CP-SAT's own SIGINT handling would leave Ctrl-C killing the process afterwards
    # (engine.optimiser._run): the interrupt is Python's, raised when this small solve ends
    solver.parameters.catch_sigint_signal = False
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    if work is not None:
        solver.parameters.max_deterministic_time = work
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {
        pid: next(m.name for m, literal in options if solver.boolean_value(literal))
        for pid, options in picks.items()
    }


# --- Check: managers over their limit or outside their availability -------------------------


@dataclass(frozen=True, slots=True)
class Overload:
    """A manager with more projects at once than People allows, in some months."""

    manager: str
    limit: int
    months: tuple[int, ...]  # calendar months over the limit
    projects: tuple[str, ...]  # the projects running in those months, by start
    most: int  # the most projects at once


def plan_months(portfolio: Portfolio, starts: Mapping[str, int]) -> dict[str, list[int]]:
    """{project ID: the calendar months of the horizon it runs in}, for a plan."""
    first = portfolio.settings.plan_start
    return {
        pid: [first + t for t in occupied(portfolio, portfolio.project(pid), start)]
        for pid, start in starts.items()
    }


def overloads(
    portfolio: Portfolio, busy: Mapping[str, Iterable[int]], assignment: Mapping[str, str]
) -> list[Overload]:
    """Each manager on People who runs more projects at once than allowed; `busy` gives the
    calendar months each project runs in (`plan_months`)."""
    running: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    first_month: dict[str, int] = {}
    for pid, months in busy.items():
        name = assignment.get(pid)
        for m in months:
            first_month[pid] = min(first_month.get(pid, m), m)
            if name:
                running[name][m].append(pid)
    found = []
    for manager in portfolio.managers:
        by_month = running.get(manager.name, {})
        over = sorted(m for m, pids in by_month.items() if len(pids) > manager.max_projects)
        if not over:
            continue
        involved = {pid for m in over for pid in by_month[m]}
        ordered = tuple(sorted(involved, key=lambda pid: (first_month[pid], pid)))
        most = max(len(by_month[m]) for m in over)
        found.append(Overload(manager.name, manager.max_projects, tuple(over), ordered, most))
    return found


def unavailable(
    portfolio: Portfolio, busy: Mapping[str, Sequence[int]], assignment: Mapping[str, str]
) -> list[tuple[str, Manager]]:
    """(project ID, manager) for each project whose manager is away in a month it runs."""
    managers = {m.name: m for m in portfolio.managers}
    found = []
    for pid, months in busy.items():
        manager = managers.get(assignment.get(pid) or "")
        if manager is None or not months:
            continue
        lo, hi = manager.available_from, manager.available_to
        if (lo is not None and min(months) < lo) or (hi is not None and max(months) > hi):
            found.append((pid, manager))
    return found


def availability_text(manager: Manager) -> str:
    """`2027-03..2028-06`, `from 2027-03`, `until 2028-06` or `always`."""
    if manager.available_from is not None and manager.available_to is not None:
        return month_range_text(manager.available_from, manager.available_to)
    if manager.available_from is not None:
        return f"from {month_text(manager.available_from)}"
    if manager.available_to is not None:
        return f"until {month_text(manager.available_to)}"
    return "always"


def closest_name(name: str, names: Iterable[str]) -> str | None:
    """The roster name most like a mistyped one, if any is close."""
    found = difflib.get_close_matches(name, list(names), n=1, cutoff=0.75)
    return found[0] if found else None


# --- PM evaluation ----------------------------------------------------------------------------

EVALUATION_CRITERIA = ("Delivery", "Stakeholders", "Team leadership", "Governance")
EVALUATION_SCALE = (1.0, 5.0)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One manager's evaluation on one closed project (scores 1-5 per criterion)."""

    manager: str
    project: str
    closed: int | None = None  # calendar month the project closed
    evaluator: str = ""
    scores: Mapping[str, float] = field(default_factory=dict)
    comments: str = ""

    @property
    def overall(self) -> float | None:
        """The mean of the scores given; None when none is."""
        values = [v for v in self.scores.values() if v is not None]
        return sum(values) / len(values) if values else None


@dataclass(frozen=True, slots=True)
class ManagerSummary:
    """A manager's evaluations summed up: how many, the mean per criterion and overall."""

    manager: str
    evaluations: int
    means: Mapping[str, float | None]
    overall: float | None  # the mean of the evaluations' overall scores
    projects: tuple[str, ...]


def summarise(evaluations: Iterable[Evaluation]) -> list[ManagerSummary]:
    """One summary per evaluated manager, by name."""
    by_manager: dict[str, list[Evaluation]] = defaultdict(list)
    for evaluation in evaluations:
        by_manager[evaluation.manager].append(evaluation)
    summaries = []
    for name in sorted(by_manager):
        rows = by_manager[name]
        means: dict[str, float | None] = {}
        for criterion in EVALUATION_CRITERIA:
            values = [r.scores[criterion] for r in rows if r.scores.get(criterion) is not None]
            means[criterion] = sum(values) / len(values) if values else None
        overall = [r.overall for r in rows if r.overall is not None]
        summaries.append(
            ManagerSummary(
                name,
                len(rows),
                means,
                math.fsum(overall) / len(overall) if overall else None,
                tuple(r.project for r in rows),
            )
        )
    return summaries
