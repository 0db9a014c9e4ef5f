"""`solve`: one CP-SAT model selects and schedules, warm-started from the waterline.

The solve runs in two phases within the time limit: the objective itself, then (with what
time is left, at most a quarter of the limit) a tie-break that keeps the objective and moves
projects as early as possible. When the rules cannot all hold, a copy of the model with
assumption literals names a small set of rules in conflict.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from engine.cpsat_model import ModelOptions, PortfolioModel
from engine.explain import deferral_reasons
from engine.feasibility import allowed_starts
from engine.greedy import greedy_objective, greedy_starts, shortest_schedule
from engine.lp_start import better_of, lp_guided_starts
from engine.model import Objective, Portfolio
from engine.plan import SCORE_UNITS, outcomes, scores, utilisation
from engine.result import Result, SolveStatus, relative_gap
from engine.validation import errors, validate

TIE_BREAK_SHARE = 0.25  # of the time limit, at most, for moving projects earlier
DIAGNOSIS_SECONDS = 10.0
LP_SHARE = 0.2  # of the time limit, at most, for the LP relaxation of an LP warm start
SMALL_SCHEDULE = 40  # projects: up to this many, a slow `finish` solve gets heavier reasoning
QUICK_SECONDS = 1.0  # ... after this first stage without it
JUSTIFY_SHARE = 0.1  # of the time limit, at most, for the `finish` warm start's restarts


@dataclass(frozen=True, slots=True)
class Progress:
    """A new best plan during a solve."""

    objective: float
    bound: float
    gap: float | None
    elapsed: float


ProgressCallback = Callable[[Progress], None]


def solve(
    portfolio: Portfolio,
    *,
    objective: Objective | str | None = None,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    options: ModelOptions | None = None,
    tie_break: bool = True,
) -> Result:
    """Select and schedule projects optimally (or as well as the time limit allows).

    Never raises for bad input or infeasibility: the Result's status says what happened.
    """
    began = time.perf_counter()
    options = options or ModelOptions()
    settings = portfolio.settings
    objective = Objective(objective) if objective else settings.objective
    limit = float(time_limit if time_limit is not None else settings.time_limit)
    seed = seed if seed is not None else settings.random_seed
    workers = workers if workers is not None else settings.workers
    problems = validate(portfolio)
    if errors(problems):
        return Result(
            SolveStatus.INVALID_INPUT,
            problems=tuple(problems),
            objective_name=objective.value,
            wall_time=time.perf_counter() - began,
        )

    baseline, unplaced = greedy_starts(portfolio, objective)
    baseline_ok = _baseline_complete(portfolio, objective, unplaced)
    baseline_value = greedy_objective(portfolio, baseline, objective) if baseline_ok else None

    built = PortfolioModel(portfolio, objective, options)
    built.hint(_warm_start(portfolio, objective, baseline, baseline_ok, options, limit, seed))
    status, solver = _solve_in_stages(
        built,
        seed,
        workers,
        max(limit - (time.perf_counter() - began), 0.01),
        _Listener(objective, began, progress),
    )

    if status == cp_model.INFEASIBLE:
        conflicts = diagnose(portfolio, objective, max(0.5, min(DIAGNOSIS_SECONDS, limit)))
        return Result(
            SolveStatus.INFEASIBLE,
            conflicts=tuple(conflicts),
            problems=tuple(problems),
            objective_name=objective.value,
            wall_time=time.perf_counter() - began,
            baseline_objective=baseline_value,
        )
    if status == cp_model.MODEL_INVALID:  # a bug of ours, not the user's: say so plainly
        raise RuntimeError(f"internal model error: {built.model.Validate()}")

    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    starts = built.plan(solver) if found else {}
    proven = status == cp_model.OPTIMAL
    raw_bound = solver.BestObjectiveBound() if found or status == cp_model.UNKNOWN else None

    if (
        found
        and baseline_ok
        and _better(objective, baseline_value, greedy_objective(portfolio, starts, objective))
    ):
        starts, proven = dict(baseline), False  # never worse than the waterline
    if not found and baseline_ok:
        starts, found = dict(baseline), True

    if found and tie_break:
        starts = _tie_break(
            portfolio, objective, options, starts, solver, began, limit, seed, workers
        )

    if not found:
        return Result(
            SolveStatus.NO_SOLUTION,
            problems=tuple(problems),
            objective_name=objective.value,
            wall_time=time.perf_counter() - began,
            notes=("No plan was found within the time limit; raise the limit.",),
        )

    value = greedy_objective(portfolio, starts, objective)
    bound = _bound(portfolio, objective, raw_bound, value, proven)
    reasons = deferral_reasons(portfolio, starts)
    return Result(
        SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE,
        objective=value,
        bound=bound,
        gap=relative_gap(value, bound),
        wall_time=time.perf_counter() - began,
        strategy="cp-sat",
        projects=outcomes(portfolio, starts, reasons),
        utilisation=utilisation(portfolio, starts),
        problems=tuple(problems),
        baseline_objective=baseline_value,
        objective_name=objective.value,
    )


def diagnose(portfolio: Portfolio, objective: Objective, time_limit: float) -> list[str]:
    """A small set of rules that cannot all hold, in words (found by the solver, then shrunk)."""
    began = time.perf_counter()
    built = PortfolioModel(portfolio, objective, ModelOptions(diagnosis=True))
    solver = _solver(0, 1, time_limit)
    if solver.Solve(built.model) != cp_model.INFEASIBLE:
        return ["The rules conflict, but no smaller set could be isolated in the time allowed."]
    core = list(solver.SufficientAssumptionsForInfeasibility())
    # deletion filter: drop each rule whose absence still leaves the rest infeasible
    for literal in list(core):
        remaining = time_limit - (time.perf_counter() - began)
        if remaining <= 0.05 or len(core) == 1:
            break
        trial = [lit for lit in core if lit != literal]
        built.model.ClearAssumptions()
        built.model.AddAssumptions([built.guards[i] for i in trial])
        check = _solver(0, 1, min(remaining, 2.0))
        if check.Solve(built.model) == cp_model.INFEASIBLE:
            core = trial
    return [built.rules[index] for index in core if index in built.rules]


def _tie_break(portfolio, objective, options, starts, solver, began, limit, seed, workers):
    remaining = min(limit - (time.perf_counter() - began), TIE_BREAK_SHARE * limit)
    if remaining < 0.05:
        return starts
    best = _objective_units(portfolio, objective, starts)
    built = PortfolioModel(portfolio, objective, options)
    built.tie_break(best)
    built.hint(starts)
    second = _solver(seed, workers, remaining)
    status = second.Solve(built.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        better = built.plan(second)
        if _objective_units(portfolio, objective, better) == best or _better(
            objective,
            greedy_objective(portfolio, starts, objective),
            greedy_objective(portfolio, better, objective),
        ):
            return better
    return starts


def _warm_start(
    portfolio, objective, baseline, baseline_ok, options, limit, seed
) -> dict[str, int]:
    """`value`: the best of the waterline, the density-ranked greedy plan and (if asked) the
    LP one; `finish`: the shortest of several justified serial schedules."""
    if objective is not Objective.VALUE:
        if not baseline_ok:
            return baseline
        deadline = time.perf_counter() + JUSTIFY_SHARE * limit
        return shortest_schedule(portfolio, baseline, deadline=deadline, seed=seed)
    dense, unplaced = greedy_starts(portfolio, objective, by_density=True)
    plans = [baseline if baseline_ok else None]
    if _baseline_complete(portfolio, objective, unplaced):
        plans.append(dense)
    if options.lp_warm_start:
        plans.append(lp_guided_starts(portfolio, LP_SHARE * limit))
    if all(plan is None for plan in plans):
        return baseline
    return better_of(portfolio, *plans)


def _objective_units(portfolio, objective, starts) -> int:
    value = greedy_objective(portfolio, starts, objective)
    return round(value * SCORE_UNITS) if objective is Objective.VALUE else round(value)


def _bound(
    portfolio: Portfolio, objective: Objective, raw: float | None, value: float, proven: bool
) -> float | None:
    """The proven bound; a solver bound on the wrong side of the plan is not one (the solver
    stopped before proving anything), so fall back to the trivial bound."""
    if proven:
        return value
    if objective is Objective.VALUE:
        if raw is not None and raw / SCORE_UNITS >= value - 1e-9:
            return raw / SCORE_UNITS
        return sum(
            max(score, 0.0)
            for pid, score in scores(portfolio).items()
            if not portfolio.project(pid).out_of_play
        )
    if raw is not None and raw <= value + 1e-9:
        return float(raw)
    plan_start = portfolio.settings.plan_start
    earliest_ends = [
        starts[0] + p.duration - plan_start
        for p in portfolio.projects
        if not p.out_of_play and (starts := allowed_starts(portfolio, p))
    ]
    return float(max(earliest_ends, default=0))


def _better(objective: Objective, candidate: float | None, incumbent: float) -> bool:
    """Whether `candidate` is strictly better than `incumbent`."""
    if candidate is None:
        return False
    return (
        candidate > incumbent + 1e-9
        if objective is Objective.VALUE
        else candidate < incumbent - 1e-9
    )


def _baseline_complete(portfolio: Portfolio, objective: Objective, unplaced: list[str]) -> bool:
    for pid in unplaced:
        project = portfolio.project(pid)
        if project.must_run or (objective is Objective.FINISH and not project.out_of_play):
            return False
    return True


def _solve_in_stages(
    built: PortfolioModel, seed: int, workers: int, seconds: float, listener: _Listener
) -> tuple[int, cp_model.CpSolver]:
    """Solve; a small `finish` schedule not settled in its first second goes on with
    heavier precedence reasoning, from the best plan so far.

    That reasoning pays on the hard small schedules and slows the easy ones (PSPLIB J30 in
    docs/benchmarks.md), so the easy ones get their first second without it.
    """
    staged = (
        built.objective is Objective.FINISH
        and len(built.projects) <= SMALL_SCHEDULE
        and seconds > 2 * QUICK_SECONDS
    )
    solver = _solver(seed, workers, QUICK_SECONDS if staged else seconds)
    status = solver.Solve(built.model, listener)
    if not staged or status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        return status, solver
    if status == cp_model.FEASIBLE:
        built.hint(built.plan(solver))
    heavy = _solver(seed, workers, seconds - QUICK_SECONDS, heavy_precedences=True)
    heavy_status = heavy.Solve(built.model, listener)
    if heavy_status == cp_model.UNKNOWN and status == cp_model.FEASIBLE:
        return status, solver  # the second stage found nothing: keep the first stage's plan
    return heavy_status, heavy


def _solver(
    seed: int, workers: int, seconds: float, *, heavy_precedences: bool = False
) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    if heavy_precedences:
        solver.parameters.use_hard_precedences_in_cumulative = True
        solver.parameters.exploit_all_precedences = True
    return solver


class _Listener(cp_model.CpSolverSolutionCallback):
    """Forwards each improving solution to the progress callback."""

    def __init__(self, objective: Objective, began: float, progress: ProgressCallback | None):
        super().__init__()
        self._scale = SCORE_UNITS if objective is Objective.VALUE else 1
        self._began = began
        self._progress = progress

    def on_solution_callback(self) -> None:
        if self._progress is None:
            return
        value = self.ObjectiveValue() / self._scale
        bound = self.BestObjectiveBound() / self._scale
        self._progress(
            Progress(value, bound, relative_gap(value, bound), time.perf_counter() - self._began)
        )
