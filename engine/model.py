"""The portfolio as immutable data: projects, demand, capacity, dependencies, budget, settings.

Months are integers from `engine.months` (calendar months), except demand rows, whose
`from_month` / `to_month` count 1-based months *within* the project. Nothing here
checks meaning; `engine.validation.validate` collects every problem at once.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from engine.gates import GateReview, latest_decisions


class ProjectStatus(StrEnum):
    """Where a project stands in its life cycle."""

    PROPOSED = "Proposed"
    APPROVED = "Approved"
    IN_FLIGHT = "In flight"
    ON_HOLD = "On hold"
    CLOSED = "Closed"


class Force(StrEnum):
    """A PMO's override of the optimiser's choice (Project Server's force in / force out)."""

    NONE = "None"
    IN = "In"
    OUT = "Out"


class DependencyType(StrEnum):
    """How two projects are linked."""

    FS = "FS"  # successor needs predecessor selected, starts after it finishes + lag
    REQUIRES = "Requires"  # successor needs predecessor selected
    EXCLUDES = "Excludes"  # not both
    WITH = "With"  # both or neither


class Direction(StrEnum):
    """Whether a criterion rewards high or low scores."""

    HIGHER = "Higher is better"
    LOWER = "Lower is better"


class Perspective(StrEnum):
    """Balanced-scorecard perspective of a criterion."""

    FINANCIAL = "Financial"
    CUSTOMER = "Customer"
    INTERNAL_PROCESS = "Internal process"
    LEARNING_AND_GROWTH = "Learning and growth"


class Measure(StrEnum):
    """What a balance rule counts of the selected projects."""

    COST = "cost"  # total cost
    FTE = "FTE"  # FTE-months of demand, every role
    COUNT = "count"  # projects
    SCORE = "score"  # weighted score


class Objective(StrEnum):
    """What the optimiser maximises or minimises."""

    VALUE = "value"  # maximise the total weighted score of selected projects
    FINISH = "finish"  # schedule everything, finish as early as possible


class ManagerMode(StrEnum):
    """Settings "Project managers": check the names on Intake, or let the optimiser assign."""

    CHECK = "Check"  # the Intake's names are checked against People; the plan ignores them
    ASSIGN = "Assign"  # the model assigns managers within their limits and availability


class FrozenDict(dict):
    """A dict that refuses changes, yet pickles (worker processes receive portfolios)."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("portfolio data is immutable; build a new Portfolio instead")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self):
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=repr)))


def _frozen(mapping: Mapping | None) -> Mapping:
    return FrozenDict(mapping or {})


@dataclass(frozen=True, slots=True)
class Project:
    """A proposed or running project; months are calendar month numbers."""

    id: str
    name: str = ""
    status: ProjectStatus = ProjectStatus.PROPOSED
    mandatory: bool = False
    force: Force = Force.NONE
    earliest_start: int | None = None
    latest_start: int | None = None
    fixed_start: int | None = None
    duration: int = 1
    cost: float = 0.0
    exclusive_group: str | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)  # other Intake columns: Department...
    can_stop: bool = False  # in flight: the plan may stop it to free capacity and budget
    remaining_cost: float | None = None  # in flight: cost from the plan start on (None: pro rata)
    remaining_value: float | None = None  # in flight: score still to gain (None: its score)
    gate: GateReview | None = None  # the latest gate decision (Portfolio fills it from `gates`)
    manager: str | None = None  # the project manager named on Intake
    pm_grade: str | None = None  # the lowest grade of manager wanted (a preference)
    pm_skills: tuple[str, ...] = ()  # skills wanted of its manager (a preference)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", _frozen(self.scores))
        object.__setattr__(self, "tags", _frozen(self.tags))
        object.__setattr__(self, "pm_skills", tuple(self.pm_skills))

    @property
    def gate_blocked(self) -> bool:
        """Stopped or held at its latest gate: kept out of the plan."""
        return self.gate is not None and self.gate.blocks

    @property
    def stoppable(self) -> bool:
        """In flight, and the PMO says it may be stopped (not mandatory, not forced in, not
        already stopped or held at a gate)."""
        return (
            self.status is ProjectStatus.IN_FLIGHT
            and self.can_stop
            and not self.mandatory
            and self.force is not Force.IN
            and not self.gate_blocked
        )

    @property
    def must_run(self) -> bool:
        """Mandatory, forced in, or in flight (unless stoppable, or a gate stopped or held
        it): the plan must include it."""
        in_flight = (
            self.status is ProjectStatus.IN_FLIGHT and not self.can_stop and not self.gate_blocked
        )
        return self.mandatory or self.force is Force.IN or in_flight

    @property
    def out_of_play(self) -> bool:
        """Forced out, closed, on hold, or stopped or held at a gate: never scheduled."""
        return (
            self.force is Force.OUT
            or self.status in (ProjectStatus.CLOSED, ProjectStatus.ON_HOLD)
            or self.gate_blocked
        )


@dataclass(frozen=True, slots=True)
class Demand:
    """FTE of one role that a project needs in months `from_month..to_month` of its own life."""

    project_id: str
    role: str
    fte: float
    from_month: int | None = None  # 1-based within the project; None = first month
    to_month: int | None = None  # 1-based, inclusive; None = last month


@dataclass(frozen=True, slots=True)
class Dependency:
    """A link between two projects."""

    predecessor: str
    successor: str
    type: DependencyType = DependencyType.FS
    lag: int = 0


@dataclass(frozen=True, slots=True)
class Criterion:
    """A scoring criterion with its weight, direction and scale."""

    name: str
    weight: float
    direction: Direction = Direction.HIGHER
    min: float = 0.0
    max: float = 10.0
    perspective: Perspective | None = None


# Points per change, as a share of the mean score of the projects in play: at Normal a change
# must gain a sixth of an average project to happen (engine.stability; bench/run_stability.py).
STABILITY_LEVELS = {"off": 0.0, "low": 0.05, "normal": 1 / 6, "high": 0.5}
DEFAULT_STABILITY = "Normal"


def parse_stability(text: object) -> str | float:
    """A level name (lower case) or points per change; ValueError for anything else."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        word = " ".join(str(text or DEFAULT_STABILITY).split()).casefold()
        if word in STABILITY_LEVELS:
            return word
        try:
            value = float(word)
        except ValueError:
            raise ValueError(
                f"Stability must be Off, Low, Normal, High or points per change (a number "
                f"0 or more); found {text!r}"
            ) from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"Stability points per change must be 0 or more; found {text!r}")
    return value


@dataclass(frozen=True, slots=True)
class HiringOption:
    """A way to add capacity to a role: hire, contract or work overtime, in whole units.

    Each unit adds `fte` to the role from the month it starts, costs `monthly_cost` a month,
    and once started stays at least `min_months` (or to the end of the horizon).
    """

    role: str
    option: str
    fte: float = 1.0
    monthly_cost: float = 0.0
    earliest: int | None = None  # calendar month; None = the plan start
    max_units: int = 1
    min_months: int = 1


@dataclass(frozen=True, slots=True)
class BalanceRule:
    """The share of the selected projects' `measure` that those with `dimension` = `value`
    must take: at least `min_share`, at most `max_share` (fractions; None = no limit)."""

    dimension: str  # Perspective, Department, Programme, Strategic objective, any Intake column
    value: str
    measure: Measure = Measure.COST
    min_share: float | None = None
    max_share: float | None = None


@dataclass(frozen=True, slots=True)
class Manager:
    """A project manager on the People sheet: who may run how many projects, and when.

    `grade` is one of `GRADES` (ordered, lowest first) or None; months are calendar month
    numbers, None meaning open-ended.
    """

    name: str
    grade: str | None = None
    skills: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    max_projects: int = 1  # concurrent projects at most
    available_from: int | None = None
    available_to: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", tuple(self.skills))
        object.__setattr__(self, "certifications", tuple(self.certifications))


# Grades of project managers, lowest first: "at least Senior" means Senior or Principal.
GRADES = ("Associate", "Manager", "Senior", "Principal")


@dataclass(frozen=True, slots=True)
class Settings:
    """How and over what horizon to plan."""

    plan_start: int
    horizon: int = 24
    objective: Objective = Objective.VALUE
    time_limit: float = 30.0
    random_seed: int = 0
    workers: int = 2
    project_managers: ManagerMode = ManagerMode.CHECK
    stability: str = "Normal"  # Off, Low, Normal, High, or points per change (engine.stability)
    explain_time: float | None = None  # seconds for solved counterfactuals; None: a tenth of
    # the time limit (engine.counterfactual)
    reproducible: bool = False  # the same plan for the same workbook and seed on any machine
    # and load: limits by work done, not by the clock (engine.optimiser)


@dataclass(frozen=True)
class Portfolio:
    """Everything the optimiser needs; capacity rows have one value per horizon month."""

    settings: Settings
    projects: tuple[Project, ...] = ()
    demands: tuple[Demand, ...] = ()
    capacity: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    dependencies: tuple[Dependency, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    budget: Mapping[int, float] = field(default_factory=dict)  # calendar year -> cost limit
    hiring: tuple[HiringOption, ...] = ()  # ways to add capacity; none = capacity is fixed
    balance: tuple[BalanceRule, ...] = ()  # shares the selection must keep
    gates: tuple[GateReview, ...] = ()  # gate reviews, in the order given
    managers: tuple[Manager, ...] = ()  # the People sheet

    def __post_init__(self) -> None:
        object.__setattr__(self, "gates", tuple(self.gates))
        object.__setattr__(self, "projects", _with_gates(tuple(self.projects), self.gates))
        object.__setattr__(self, "demands", tuple(self.demands))
        object.__setattr__(self, "dependencies", tuple(self.dependencies))
        object.__setattr__(self, "criteria", tuple(self.criteria))
        object.__setattr__(self, "hiring", tuple(self.hiring))
        object.__setattr__(self, "balance", tuple(self.balance))
        object.__setattr__(self, "managers", tuple(self.managers))
        object.__setattr__(
            self, "capacity", _frozen({r: tuple(v) for r, v in self.capacity.items()})
        )
        object.__setattr__(self, "budget", _frozen(self.budget))

    @property
    def months(self) -> range:
        """The calendar months of the horizon."""
        start = self.settings.plan_start
        return range(start, start + self.settings.horizon)

    @property
    def roles(self) -> tuple[str, ...]:
        """Roles with capacity, in the order given."""
        return tuple(self.capacity)

    def project(self, project_id: str) -> Project:
        """The project with this ID (KeyError if none; the first one if IDs repeat)."""
        return self._by_id[project_id]

    @property
    def assigns_managers(self) -> bool:
        """Whether the plan must staff every selected project from People (Assign)."""
        return self.settings.project_managers is ManagerMode.ASSIGN

    @cached_property
    def _by_id(self) -> dict[str, Project]:
        by_id: dict[str, Project] = {}
        for project in self.projects:
            by_id.setdefault(project.id, project)
        return by_id


def _with_gates(
    projects: tuple[Project, ...], gates: tuple[GateReview, ...]
) -> tuple[Project, ...]:
    """Each project with its latest gate decision; projects no review names keep their own."""
    if not gates:
        return projects
    latest = latest_decisions(gates)
    return tuple(
        dataclasses.replace(p, gate=latest[p.id])
        if p.id in latest and p.gate != latest[p.id]
        else p
        for p in projects
    )
