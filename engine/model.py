"""The portfolio as immutable data: projects, demand, capacity, dependencies, budget, settings.

Months are integers from `engine.months` (calendar months), except demand rows, whose
`from_month` / `to_month` count 1-based months *within* the project. Nothing here
checks meaning; `engine.validation.validate` collects every problem at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


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


class Objective(StrEnum):
    """What the optimiser maximises or minimises."""

    VALUE = "value"  # maximise the total weighted score of selected projects
    FINISH = "finish"  # schedule everything, finish as early as possible


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", _frozen(self.scores))

    @property
    def must_run(self) -> bool:
        """Mandatory, forced in, or already in flight: the plan must include it."""
        return self.mandatory or self.force is Force.IN or self.status is ProjectStatus.IN_FLIGHT

    @property
    def out_of_play(self) -> bool:
        """Forced out, closed or on hold: never scheduled."""
        return self.force is Force.OUT or self.status in (
            ProjectStatus.CLOSED,
            ProjectStatus.ON_HOLD,
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
class Settings:
    """How and over what horizon to plan."""

    plan_start: int
    horizon: int = 24
    objective: Objective = Objective.VALUE
    time_limit: float = 30.0
    random_seed: int = 0
    workers: int = 2
    stability: str = "Normal"  # Off, Low, Normal, High, or points per change (engine.stability)
    explain_time: float | None = None  # seconds for solved counterfactuals; None: a tenth of
    # the time limit (engine.counterfactual)


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "projects", tuple(self.projects))
        object.__setattr__(self, "demands", tuple(self.demands))
        object.__setattr__(self, "dependencies", tuple(self.dependencies))
        object.__setattr__(self, "criteria", tuple(self.criteria))
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

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The inputs as tidy pandas DataFrames (see `engine.frames.portfolio_frames`)."""
        from engine.frames import portfolio_frames  # pandas loads slowly: only when asked

        return portfolio_frames(self)

    @cached_property
    def _by_id(self) -> dict[str, Project]:
        by_id: dict[str, Project] = {}
        for project in self.projects:
            by_id.setdefault(project.id, project)
        return by_id
