"""What a solve returns: a status, the numbers that prove its quality, the plan and the reasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from engine.changes import Change
from engine.problems import Problem
from engine.reasons import Reason


class SolveStatus(StrEnum):
    """How a solve ended; "no plan" is a status, never an exception."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    INVALID_INPUT = "invalid input"
    NO_SOLUTION = "no solution in time"

    @property
    def has_plan(self) -> bool:
        """Whether the result carries a plan."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True, slots=True)
class ProjectOutcome:
    """The decision on one project. Months are calendar month numbers."""

    project_id: str
    selected: bool
    start: int | None = None
    end: int | None = None  # first month after the project (start + duration)
    score: float = 0.0
    rank: int = 0  # 1 = highest weighted score
    reason: str = ""  # why it is in (forced, fixed) or, for a deferral, why it is out
    manager: str | None = None  # its project manager: assigned (Assign) or named on Intake
    decision: str = ""  # Selected, Deferred, Stopped or Not in play, as the sheets say
    why: Reason | None = None  # the reason as a record (`engine.reasons`); `reason` is its text

    @property
    def finish(self) -> int | None:
        """The last month the project runs (its start month for a zero-length milestone)."""
        if self.start is None or self.end is None:
            return None
        return max(self.start, self.end - 1)


@dataclass(frozen=True, slots=True)
class UtilisationCell:
    """Planned FTE against capacity for one role in one month."""

    role: str
    month: int
    demand: float
    capacity: float

    @property
    def load(self) -> float:
        """Demand as a share of capacity (inf when there is demand but no capacity)."""
        if self.capacity > 0:
            return self.demand / self.capacity
        return 0.0 if self.demand <= 0 else float("inf")


@dataclass(frozen=True, slots=True)
class Hire:
    """Units of one hiring option added from `first` to `last` (calendar months, inclusive)."""

    role: str
    option: str
    first: int
    last: int
    units: int
    cost: float  # units x months x the option's monthly cost

    @property
    def months(self) -> int:
        """How many months the units stay."""
        return self.last - self.first + 1


@dataclass(frozen=True)
class Hint:
    """A plan known to keep every rule (a warm start and a floor for a solve): its starts
    ({project ID: calendar month}) and the hires it relies on."""

    starts: Mapping[str, int]
    hires: tuple[Hire, ...] = ()


@dataclass(frozen=True, slots=True)
class ShortfallCell:
    """What the deferred projects would need of one role in one month, beyond the plan."""

    role: str
    month: int
    fte: float  # FTE missing for the deferred projects short there
    score: float  # the total score of those projects
    projects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of `solve` or `greedy`."""

    status: SolveStatus
    objective: float | None = None  # total score (value) or last finish month count (finish)
    bound: float | None = None  # best proven bound on the objective
    gap: float | None = None  # |bound - objective| / max(|bound|, |objective|)
    bound_source: str | None = None  # which proof gives `bound` (BOUND_SOURCES)
    wall_time: float = 0.0
    strategy: str = "cp-sat"
    projects: tuple[ProjectOutcome, ...] = ()
    utilisation: tuple[UtilisationCell, ...] = ()
    conflicts: tuple[str, ...] = ()  # rules that cannot hold together, in words
    problems: tuple[Problem, ...] = ()  # input problems (status INVALID_INPUT)
    baseline_objective: float | None = None  # the greedy plan's objective, for comparison
    objective_name: str = "value"
    notes: tuple[str, ...] = field(default_factory=tuple)
    hiring: tuple[Hire, ...] = ()  # capacity added by the plan (Hiring options)
    shortfall: tuple[ShortfallCell, ...] = ()  # what the deferred projects lack

    @property
    def hiring_cost(self) -> float:
        """What the plan's hires cost over the horizon."""
        return sum(h.cost for h in self.hiring)

    everyone_fits: bool = True  # `finish`: False when some projects were left out to fit
    changes: tuple[Change, ...] = ()  # what changed since the baseline, and why
    baseline_size: int | None = None  # projects in the baseline plan; None: no baseline
    stability_points: float = 0.0  # points the objective gave up per change of the baseline
    phases: tuple[tuple[str, float], ...] = ()  # seconds per step of the solve, in order

    @property
    def selected(self) -> tuple[ProjectOutcome, ...]:
        """Outcomes of the selected projects."""
        return tuple(p for p in self.projects if p.selected)

    def outcome(self, project_id: str) -> ProjectOutcome:
        """The outcome of one project (KeyError if none)."""
        for outcome in self.projects:
            if outcome.project_id == project_id:
                return outcome
        raise KeyError(project_id)


# What proves a bound, as the Run log and the summary line say it
BOUND_SOURCES = {
    "optimal": "the plan is proven optimal",
    "cp-sat": "CP-SAT's search",
    "highs": "HiGHS's MIP (time-indexed)",
    "scores": "the sum of all scores (no solver bound in time)",
    "earliest finish": "the earliest finish of every project",
}


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|bound - objective| / max(|bound|, |objective|), 0 when both are 0."""
    if objective is None or bound is None:
        return None
    scale = max(abs(bound), abs(objective))
    return 0.0 if scale == 0 else abs(bound - objective) / scale
