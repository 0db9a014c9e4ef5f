"""The efficient frontier: the best value the portfolio buys at each budget level.

Each point is the same portfolio with every year of its Budget scaled by one factor, solved by
the same model (`engine.optimiser.solve`). Points are independent solves, so they may run in
parallel (`workbook.headless.frontier` runs them in child processes or on Dask); `chain` then
ties neighbours together, which makes the curve monotone:

- a plan that keeps every rule at budget b keeps them at any larger budget (only the budget
  rows change, and they only loosen), so the best plan found at a smaller budget is a plan,
  and a warm start, at every larger one;
- for the same reason the proven bound at a larger budget is a bound at every smaller one.

`frontier` solves the points in two waves through an executor (in this process, one after
the other, unless given a parallel one: `workbook.headless.frontier`). The first wave solves
every point from its own waterline with half the time, and `chain` makes the curve monotone;
the second gives the points not proven optimal the other half, warm-started from the plans of
their smaller neighbours, and the curve is chained again. Nothing here starts a process.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from engine.model import Objective, Portfolio
from engine.months import month_text
from engine.result import Hint, Hire, SolveStatus, relative_gap
from engine.units import EPS
from engine.validation import errors

DEFAULT_SCALES = (0.6, 0.8, 1.0, 1.2, 1.4)
LOWEST_SCALE, HIGHEST_SCALE = 0.5, 1.5  # the range `--points N` spreads its points over
FIRST_WAVE_SHARE = 0.5  # of the time limit: every point; the rest: the points left unproven


@dataclass(frozen=True)
class FrontierPoint:
    """The best plan found at one budget level, with its proven bound."""

    budget_scale: float
    budget: float  # the scaled budget, summed over its years
    status: str  # a SolveStatus value
    value: float | None = None
    bound: float | None = None
    gap: float | None = None
    starts: Mapping[str, int] = field(default_factory=dict)  # the plan: ID -> start month
    hires: tuple[Hire, ...] = ()  # the capacity the plan adds (Hiring options)
    entered: tuple[str, ...] = ()  # projects selected here and not at the next lower budget
    wall_time: float = 0.0
    from_neighbour: bool = False  # the plan is the lower neighbour's (it beat this solve's)
    note: str = ""  # why there is no plan: the first input error or conflict

    @property
    def selected(self) -> tuple[str, ...]:
        """The selected project IDs, sorted."""
        return tuple(sorted(self.starts))

    @property
    def hint(self) -> Hint:
        """The point's plan as a warm start for a larger budget."""
        return Hint(dict(self.starts), self.hires)

    @property
    def proven(self) -> bool:
        """Whether the value is proven optimal at this budget."""
        return self.status == SolveStatus.OPTIMAL.value

    def to_json(self) -> dict[str, object]:
        """The point as the `--json` file lists it."""
        return {
            "budget_scale": self.budget_scale,
            "budget": round(self.budget, 2),
            "value": _finite(self.value),
            "bound": _finite(self.bound),
            "status": self.status,
            "gap": _finite(self.gap),
            "selected": list(self.selected),
            "entered": list(self.entered),
            "starts": {pid: month_text(start) for pid, start in sorted(self.starts.items())},
            "hiring": [
                {
                    "role": h.role,
                    "option": h.option,
                    "from": month_text(h.first),
                    "to": month_text(h.last),
                    "units": h.units,
                    "cost": h.cost,
                }
                for h in self.hires
            ],
            "wall_time_s": round(self.wall_time, 3),
            "note": self.note,
        }


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 6)


def spread_scales(points: int) -> tuple[float, ...]:
    """`points` budget scales evenly from 0.5 to 1.5 (one point: the budget as it is)."""
    if points < 1:
        raise ValueError("a frontier needs at least one point")
    if points == 1:
        return (1.0,)
    step = (HIGHEST_SCALE - LOWEST_SCALE) / (points - 1)
    return tuple(round(LOWEST_SCALE + k * step, 6) for k in range(points))


def scaled_budget(portfolio: Portfolio, scale: float) -> Portfolio:
    """The portfolio with every year of its budget multiplied by `scale`."""
    if scale < 0 or not math.isfinite(scale):
        raise ValueError(f"a budget scale must be 0 or more, not {scale}")
    budget = {year: amount * scale for year, amount in portfolio.budget.items()}
    return dataclasses.replace(portfolio, budget=budget)


def solve_point(
    portfolio: Portfolio,
    scale: float,
    *,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    hints: Sequence[Mapping[str, int] | Hint] = (),
) -> FrontierPoint:
    """One frontier point: the `value` solve at this budget scale (no tie-break: the start
    months do not matter to the curve). `hints` are plans of smaller budgets."""
    from engine.optimiser import solve  # CP-SAT loads slowly: only when a point is solved

    scaled = scaled_budget(portfolio, scale)
    result = solve(
        scaled,
        objective=Objective.VALUE,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        tie_break=False,
        hints=hints,
    )
    starts = {o.project_id: o.start for o in result.selected if o.start is not None}
    problems = [p.message for p in errors(result.problems)]
    notes = [*problems, *(f"conflict: {c}" for c in result.conflicts), *result.notes]
    return FrontierPoint(
        budget_scale=scale,
        budget=sum(scaled.budget.values()),
        status=result.status.value,
        value=result.objective,
        bound=result.bound,
        gap=result.gap,
        starts=starts,
        hires=result.hiring,
        wall_time=result.wall_time,
        note="" if result.status.has_plan else (notes[0] if notes else ""),
    )


@dataclass(frozen=True)
class PointTask:
    """One solve of one frontier point (picklable: it goes to child processes and Dask)."""

    scale: float
    time_limit: float
    workers: int | None = None
    seed: int | None = None
    hints: tuple[Mapping[str, int] | Hint, ...] = ()


Executor = Callable[[Portfolio, list[PointTask]], list[FrontierPoint]]


def solve_task(portfolio: Portfolio, task: PointTask) -> FrontierPoint:
    """`solve_point` for a task."""
    return solve_point(
        portfolio,
        task.scale,
        time_limit=task.time_limit,
        workers=task.workers,
        seed=task.seed,
        hints=task.hints,
    )


def in_process(portfolio: Portfolio, tasks: list[PointTask]) -> list[FrontierPoint]:
    """The plain executor: the tasks one after the other, in this process, each warm-started
    from the plans already found at smaller budgets in this wave."""
    done: dict[float, FrontierPoint] = {}
    for task in sorted(tasks, key=lambda t: t.scale):
        smaller = [p.hint for s, p in done.items() if s <= task.scale and p.status in _PLANNED]
        hinted = dataclasses.replace(task, hints=(*task.hints, *smaller))
        done[task.scale] = solve_task(portfolio, hinted)
    return [done[task.scale] for task in tasks]


def frontier(
    portfolio: Portfolio,
    scales: Sequence[float],
    *,
    time_limit: float,
    workers: int | None = None,
    seed: int | None = None,
    execute: Executor = in_process,
) -> list[FrontierPoint]:
    """Every point of the frontier, by budget, monotone; each point's plan keeps every rule
    of the portfolio at its budget (a point whose solve failed says so in its status)."""
    first = FIRST_WAVE_SHARE * time_limit
    tasks = [PointTask(scale, first, workers, seed) for scale in sorted(set(scales))]
    points = chain(execute(portfolio, tasks))
    again = needs_another_look(points)
    if not again:
        return points
    second = [
        PointTask(
            points[i].budget_scale,
            time_limit - first,
            workers,
            seed,
            tuple(neighbour_hints(points, i)),
        )
        for i in again
    ]
    for index, point in zip(again, execute(portfolio, second), strict=True):
        if point.status in _PLANNED:
            points[index] = merge(points[index], point)
    return chain(points)


def chain(points: Sequence[FrontierPoint]) -> list[FrontierPoint]:
    """The points by budget, made monotone: each planned point keeps the best plan of any
    smaller budget when that is worth more than its own, and the least bound of any larger
    budget; the projects that enter at each point are named. Points without a plan
    (infeasible, failed) stay as they are."""
    ordered = sorted(points, key=lambda p: p.budget_scale)
    planned = [i for i, p in enumerate(ordered) if p.status in _PLANNED]
    best: FrontierPoint | None = None
    for i in planned:
        point = ordered[i]
        if best is not None and (best.value or 0.0) > (point.value or 0.0) + EPS:
            ordered[i] = point = dataclasses.replace(
                point,
                value=best.value,
                starts=dict(best.starts),
                hires=best.hires,
                from_neighbour=True,
            )
        if best is None or (point.value or 0.0) > (best.value or 0.0) + EPS:
            best = point
    least: float | None = None
    for i in reversed(planned):
        point = ordered[i]
        bound = point.bound
        if least is not None and (bound is None or least < bound):
            bound = least
        value = point.value or 0.0
        if bound is not None and bound < value:
            bound = value  # rounding: a bound is never below a plan that exists
        least = bound
        gap = relative_gap(point.value, bound)
        status = SolveStatus.OPTIMAL.value if gap is not None and gap <= EPS else point.status
        ordered[i] = dataclasses.replace(point, bound=bound, gap=gap, status=status)
    previous: set[str] = set()
    for i in planned:
        point = ordered[i]
        ordered[i] = dataclasses.replace(point, entered=tuple(sorted(set(point.starts) - previous)))
        previous = set(point.starts)
    return ordered


_PLANNED = (SolveStatus.OPTIMAL.value, SolveStatus.FEASIBLE.value)


def needs_another_look(points: Sequence[FrontierPoint]) -> list[int]:
    """Indexes (by budget) of the points worth a second solve: planned, not yet proven."""
    ordered = sorted(points, key=lambda p: p.budget_scale)
    return [i for i, p in enumerate(ordered) if p.status in _PLANNED and not p.proven]


def neighbour_hints(points: Sequence[FrontierPoint], index: int) -> list[Hint]:
    """The plans that warm-start a second look at point `index` (by budget): its own and
    those of every smaller budget (each keeps every rule at this budget)."""
    ordered = sorted(points, key=lambda p: p.budget_scale)
    return [p.hint for p in ordered[: index + 1] if p.status in _PLANNED]


def merge(first: FrontierPoint, second: FrontierPoint) -> FrontierPoint:
    """The better of two solves of one point: the higher value, the lower bound."""
    best = second if (second.value or 0.0) > (first.value or 0.0) + EPS else first
    bounds = [b for b in (first.bound, second.bound) if b is not None]
    bound = min(bounds) if bounds else None
    return dataclasses.replace(
        best,
        bound=bound,
        gap=relative_gap(best.value, bound),
        wall_time=first.wall_time + second.wall_time,
        status=SolveStatus.OPTIMAL.value if first.proven or second.proven else best.status,
    )
