"""`solve`: one CP-SAT model selects and schedules, warm-started from the waterline.

The solve runs in two phases within the time limit: the objective itself, then (with what
time is left, at most a quarter of the limit) a tie-break on the same model that keeps the
objective and moves projects as early as possible. When the rules cannot all hold, a
diagnosis model with assumption literals names a small set of rules in conflict.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from engine.alternatives import finish_alternatives, with_alternatives_set_aside
from engine.counterfactual import add_counterfactuals, reasons_budget
from engine.cpsat_model import ModelOptions, PortfolioModel
from engine.explain import explain_plan, impossible_projects
from engine.feasibility import allowed_starts
from engine.greedy import greedy_objective, greedy_starts, shortest_schedule
from engine.lp_start import lp_guided_starts
from engine.model import DependencyType, Objective, Portfolio
from engine.plan import outcomes, priority_order, scores, utilisation
from engine.reasons import Reason
from engine.result import Result, SolveStatus, relative_gap
from engine.stability import (
    Baseline,
    kept_approved,
    penalty_of,
    plan_changes,
    stability_weight,
)
from engine.units import EPS, SCORE_UNITS
from engine.validation import Problem, errors, validate

TIE_BREAK_SHARE = 0.25  # of the time limit, at most, for moving projects earlier
DIAGNOSIS_SECONDS = 10.0
LP_SHARE = 0.2  # of the time limit, at most, for the LP relaxation of an LP warm start
SMALL_SCHEDULE = 40  # projects: up to this many, a slow `finish` solve gets heavier reasoning
QUICK_SECONDS = 1.0  # ... after this first stage without it
JUSTIFY_SHARE = 0.1  # of the time limit, at most, for the `finish` warm start's restarts
PROBE_SHARE = 0.3  # `finish` without a full waterline: time to find a schedule of everything


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
    baseline: Baseline | None = None,
) -> Result:
    """Select and schedule projects optimally (or as well as the time limit allows).

    `baseline`: the plan last written; with Settings "Stability" the plan changes from it
    only where that pays (engine.stability), and the Result lists what changed and why.
    Never raises for bad input or infeasibility: the Result's status says what happened.
    """
    run = _Run.start(portfolio, objective, time_limit, seed, workers, options)
    run.baseline = baseline or None
    if run.baseline and (stability_weight(portfolio) > 0 or kept_approved(portfolio, baseline)):
        run.steady = run.baseline  # Stability Off and nothing approved: plan afresh
    if errors(run.problems):
        return _invalid_input(run)
    _set_alternatives_aside(run)
    _waterline(run)
    built = PortfolioModel(run.portfolio, run.objective, run.options, run.steady)
    if run.objective is Objective.FINISH and not run.waterline_ok:
        found = _probe_full_schedule(run, built, progress)
        if found is None:
            return _finish_what_fits(run, progress)
        solver = found
    else:
        solver = _search(run, built, progress)
    if run.status == cp_model.INFEASIBLE:
        return _infeasible(run)
    if run.status == cp_model.MODEL_INVALID:  # a bug of ours, not the user's: say so plainly
        raise RuntimeError(f"internal model error: {built.model.validate()}")
    _take_plan(run, built, solver)
    if run.found and tie_break:
        _tie_break(run, built)
    if not run.found:
        return _no_solution(run)
    return _planned(run)


@dataclass
class _Run:
    """What the steps of one solve share: the request, the waterline and the plan so far."""

    portfolio: Portfolio  # what the model sees (`finish`: alternatives set aside)
    objective: Objective
    options: ModelOptions
    limit: float  # seconds for the whole solve
    seed: int
    workers: int
    began: float  # perf_counter time
    problems: tuple[Problem, ...]
    waterline: dict[str, int] = field(default_factory=dict)  # the waterline plan
    waterline_ok: bool = False  # the waterline placed every project it had to
    waterline_value: float | None = None
    status: cp_model.CpSolverStatus = cp_model.UNKNOWN  # of the main search
    starts: dict[str, int] = field(default_factory=dict)  # the plan: project ID -> month
    found: bool = False
    proven: bool = False
    raw_bound: float | None = None  # the solver's bound, in model units
    given: Portfolio | None = None  # the portfolio as given, when the model sees another
    aside: dict[str, Reason] = field(default_factory=dict)  # `finish`: alternatives left out
    impossible: dict[str, Reason] = field(default_factory=dict)  # `finish`: no plan holds them
    overflow: tuple[str, ...] = ()  # `finish`: projects left out so the rest fits the horizon
    baseline: Baseline | None = None  # the plan last written: changes are counted from it
    steady: Baseline | None = None  # the same, when the objective keeps it steady

    @classmethod
    def start(
        cls,
        portfolio: Portfolio,
        objective: Objective | str | None,
        time_limit: float | None,
        seed: int | None,
        workers: int | None,
        options: ModelOptions | None,
    ) -> _Run:
        """The request with the portfolio's settings filled in, and the input's problems."""
        began = time.perf_counter()
        settings = portfolio.settings
        return cls(
            portfolio,
            Objective(objective) if objective else settings.objective,
            options or ModelOptions(),
            float(time_limit if time_limit is not None else settings.time_limit),
            seed if seed is not None else settings.random_seed,
            workers if workers is not None else settings.workers,
            began,
            tuple(validate(portfolio)),
        )

    def elapsed(self) -> float:
        """Seconds since the solve began."""
        return time.perf_counter() - self.began


def _set_alternatives_aside(run: _Run) -> None:
    """`finish`: leave out what no plan can hold, then keep one project of each set of
    alternatives (engine.alternatives); the model schedules the rest."""
    if run.objective is not Objective.FINISH:
        return
    run.impossible = impossible_projects(run.portfolio)
    possible = with_alternatives_set_aside(run.portfolio, run.impossible)
    run.aside = finish_alternatives(possible)
    if run.impossible or run.aside:
        run.given = run.portfolio
        run.portfolio = with_alternatives_set_aside(possible, run.aside)


def _waterline(run: _Run) -> None:
    """The waterline plan: the hint's starting point and the plan to beat."""
    run.waterline, unplaced = greedy_starts(run.portfolio, run.objective)
    run.waterline_ok = _baseline_complete(run.portfolio, run.objective, unplaced)
    if run.waterline_ok:
        run.waterline_value = greedy_objective(run.portfolio, run.waterline, run.objective)


def _search(
    run: _Run, built: PortfolioModel, progress: ProgressCallback | None, share: float = 1.0
) -> cp_model.CpSolver:
    """Warm-start the model and search it with (a share of) the time left; the solver holds
    the answer."""
    built.hint(_warm_start(run))
    run.status, solver = _solve_in_stages(
        built,
        run.seed,
        run.workers,
        max(share * (run.limit - run.elapsed()), 0.01),
        _Listener(run.objective, run.began, progress),
    )
    return solver


def _probe_full_schedule(
    run: _Run, built: PortfolioModel, progress: ProgressCallback | None
) -> cp_model.CpSolver | None:
    """`finish` when the waterline could not place everything: look for a schedule of every
    project for a share of the time, then improve it with the rest; None when none was found
    (none exists, or none in time), and the most valuable set that fits is planned instead."""
    solver = _search(run, built, progress, share=PROBE_SHARE)
    if run.status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"internal model error: {built.model.validate()}")
    if run.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    if run.status == cp_model.FEASIBLE:
        built.hint(built.plan(solver))
        status, more = _solve_in_stages(
            built,
            run.seed,
            run.workers,
            max(run.limit - run.elapsed(), 0.01),
            _Listener(run.objective, run.began, progress),
        )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            run.status, solver = status, more
    return solver


def _finish_what_fits(run: _Run, progress: ProgressCallback | None) -> Result:
    """`finish` when the waterline cannot place every project inside the horizon: schedule
    the most valuable set that fits, then make that set finish as early as it can.

    When everything fits after all, the most valuable set is everything, and this is the
    plain `finish` schedule; otherwise the projects left out get their reasons as usual. The
    value model keeps one project of each set of alternatives by itself (the one worth most
    with the rest), so nothing is set aside beforehand.
    """
    run.portfolio, run.given = run.given or run.portfolio, None
    run.aside, run.impossible = {}, {}
    run.objective = Objective.VALUE
    _waterline(run)
    built = PortfolioModel(run.portfolio, Objective.VALUE, run.options, run.steady)
    solver = _search(run, built, progress, share=1.0 - TIE_BREAK_SHARE)
    if run.status == cp_model.INFEASIBLE:
        return _infeasible(run)
    if run.status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"internal model error: {built.model.validate()}")
    _take_plan(run, built, solver)
    if not run.found:
        run.objective = Objective.FINISH
        return _no_solution(run)
    value = _value_units(run, run.starts)
    run.objective = Objective.FINISH
    run.raw_bound, run.proven, run.waterline_value = None, False, None
    remaining = run.limit - run.elapsed()
    if remaining >= 0.05:
        built.finish_after_value(value)
        built.hint(run.starts)
        second = _solver(run.seed, run.workers, remaining)
        status = second.solve(built.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            shorter = built.plan(second)
            if _value_units(run, shorter) >= value and (
                greedy_objective(run.portfolio, shorter, Objective.FINISH)
                <= greedy_objective(run.portfolio, run.starts, Objective.FINISH)
            ):
                run.starts = shorter
                run.proven = status == cp_model.OPTIMAL
    left = [p.id for p in run.portfolio.projects if not p.out_of_play and p.id not in run.starts]
    run.overflow = tuple(left)
    return _planned(run)


def _take_plan(run: _Run, built: PortfolioModel, solver: cp_model.CpSolver) -> None:
    """The solver's plan and bound; the waterline instead when it is better or all there is."""
    found = run.status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    run.starts = built.plan(solver) if found else {}
    run.proven = run.status == cp_model.OPTIMAL
    if found or run.status == cp_model.UNKNOWN:
        run.raw_bound = solver.best_objective_bound
    if found and run.waterline_ok and _improves(run, run.waterline, run.starts):
        run.starts, run.proven = dict(run.waterline), False  # never worse than the waterline
    if not found and run.waterline_ok:
        run.starts, found = dict(run.waterline), True
    run.found = found


def _tie_break(run: _Run, built: PortfolioModel) -> None:
    """A second solve on the same model: keep the objective, move projects earlier (those of
    the baseline stay where they are).

    The model is reused, not rebuilt: `tie_break` replaces its objective and `hint` its
    hints, which gives the very model a fresh build would (the tests compare the two).
    """
    remaining = min(run.limit - run.elapsed(), TIE_BREAK_SHARE * run.limit)
    if remaining < 0.05:
        return
    best = _objective_units(run, run.starts)
    built.tie_break(best)
    built.hint(run.starts)
    second = _solver(run.seed, run.workers, remaining)
    if second.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    better = built.plan(second)
    if _objective_units(run, better) == best or _improves(run, better, run.starts):
        run.starts = better


def _invalid_input(run: _Run) -> Result:
    return Result(
        SolveStatus.INVALID_INPUT,
        problems=run.problems,
        objective_name=run.objective.value,
        wall_time=run.elapsed(),
    )


def _infeasible(run: _Run) -> Result:
    """The rules in conflict, named by a diagnosis model."""
    conflicts = diagnose(run.portfolio, run.objective, max(0.5, min(DIAGNOSIS_SECONDS, run.limit)))
    return Result(
        SolveStatus.INFEASIBLE,
        conflicts=tuple(conflicts),
        problems=run.problems,
        objective_name=run.objective.value,
        wall_time=run.elapsed(),
        baseline_objective=run.waterline_value,
    )


def _no_solution(run: _Run) -> Result:
    return Result(
        SolveStatus.NO_SOLUTION,
        problems=run.problems,
        objective_name=run.objective.value,
        wall_time=run.elapsed(),
        notes=("No plan was found within the time limit; raise the limit.",),
    )


def _planned(run: _Run) -> Result:
    """The plan with its value, proven bound, reasons and utilisation."""
    starts = run.starts
    value = greedy_objective(run.portfolio, starts, run.objective)
    scheduled = run.portfolio
    if run.overflow:  # the bound is over the projects scheduled, not over all in play
        scheduled = dataclasses.replace(
            run.portfolio, projects=tuple(p for p in run.portfolio.projects if p.id in starts)
        )
    # `value` with a baseline maximises the score less the stability penalty: its bound is
    # shown on the score's scale, with the plan's own penalty added back
    offset = 0.0
    if run.objective is Objective.VALUE:
        offset = penalty_of(run.portfolio, run.steady, starts) / SCORE_UNITS
    bound = _bound(scheduled, run.objective, run.raw_bound, value, run.proven, offset)
    portfolio = run.given or run.portfolio
    approved = {
        pid: (
            "the rules leave no choice"
            if run.proven
            else "no plan found in the time allowed keeps it"
        )
        for pid in kept_approved(portfolio, run.baseline)
        if pid not in starts
    }
    reasons = explain_plan(portfolio, starts, set_aside=run.aside, approved=approved)
    if run.objective is Objective.VALUE:
        reasons = add_counterfactuals(
            portfolio,
            starts,
            reasons,
            budget=reasons_budget(portfolio, run.limit),
            seed=run.seed,
        )
    notes: list[str] = []
    if run.aside or run.impossible:
        left = [f"{len(run.aside)} alternative(s) (and what needs them)"] if run.aside else []
        if run.impossible:
            left.append(f"{len(run.impossible)} project(s) no plan can hold")
        notes.append(
            f"The finish objective scheduled every project in play except {' and '.join(left)}: "
            "see their reasons on Portfolio."
        )
    if run.overflow:
        notes.append(
            f"Not every project fits inside the {portfolio.settings.horizon}-month horizon: the "
            "finish objective scheduled the most valuable set that fits, finishing as early as "
            f"that set allows; {len(run.overflow)} project(s) left out, each with its reason."
        )
    return Result(
        SolveStatus.OPTIMAL if run.proven else SolveStatus.FEASIBLE,
        objective=value,
        bound=bound,
        gap=relative_gap(value, bound),
        wall_time=run.elapsed(),
        strategy="cp-sat",
        projects=outcomes(portfolio, starts, reasons),
        utilisation=utilisation(portfolio, starts),
        problems=run.problems,
        baseline_objective=run.waterline_value,
        objective_name=run.objective.value,
        notes=tuple(notes),
        everyone_fits=not run.overflow,
        changes=plan_changes(portfolio, run.baseline, starts),
        baseline_size=len(run.baseline.starts) if run.baseline else None,
        stability_points=stability_weight(portfolio) if run.baseline else 0.0,
    )


def diagnose(portfolio: Portfolio, objective: Objective, time_limit: float) -> list[str]:
    """A small set of rules that cannot all hold, in words (found by the solver, then shrunk)."""
    began = time.perf_counter()
    built = PortfolioModel(portfolio, objective, ModelOptions(diagnosis=True))
    solver = _solver(0, 1, time_limit)
    if solver.solve(built.model) != cp_model.INFEASIBLE:
        return ["The rules conflict, but no smaller set could be isolated in the time allowed."]
    core = list(solver.sufficient_assumptions_for_infeasibility())
    # deletion filter: drop each rule whose absence still leaves the rest infeasible
    for literal in list(core):
        remaining = time_limit - (time.perf_counter() - began)
        if remaining <= 0.05 or len(core) == 1:
            break
        trial = [lit for lit in core if lit != literal]
        built.model.clear_assumptions()
        built.model.add_assumptions([built.guards[i] for i in trial])
        check = _solver(0, 1, min(remaining, 2.0))
        if check.solve(built.model) == cp_model.INFEASIBLE:
            core = trial
    return [built.rules[index] for index in core if index in built.rules]


def _warm_start(run: _Run) -> dict[str, int]:
    """`value`: the best of the waterline, the density-ranked greedy plan, the baseline kept
    where it still fits and (if asked) the LP one; `finish`: the shortest of several
    justified serial schedules."""
    portfolio, objective, waterline = run.portfolio, run.objective, run.waterline
    if objective is not Objective.VALUE:
        if not run.waterline_ok:
            return waterline
        deadline = time.perf_counter() + JUSTIFY_SHARE * run.limit
        return shortest_schedule(portfolio, waterline, deadline=deadline, seed=run.seed)
    dense, unplaced = greedy_starts(portfolio, objective, by_density=True)
    plans: list[dict[str, int] | None] = [waterline if run.waterline_ok else None]
    if _baseline_complete(portfolio, objective, unplaced):
        plans.append(dense)
    if run.steady:
        plans.append(_steady_plan(run))
    if run.options.lp_warm_start:
        plans.append(lp_guided_starts(portfolio, LP_SHARE * run.limit))
    found = [plan for plan in plans if plan is not None]
    if not found:
        return waterline
    return max(found, key=lambda plan: _value_units(run, plan))


def _steady_plan(run: _Run) -> dict[str, int] | None:
    """The waterline with the baseline's projects first, each at its baseline start if it
    still fits there: a warm start that changes little."""
    assert run.steady is not None
    kept = run.steady.starts
    depth = _link_depths(run.portfolio)
    # the baseline first, predecessors before what needs them, each at its old start
    order = sorted(
        priority_order(run.portfolio),
        key=lambda p: (p.id not in kept, depth[p.id], p.fixed_start is None, not p.must_run),
    )
    preferred = {pid: [start] for pid, start in kept.items()}
    plan, unplaced = greedy_starts(run.portfolio, Objective.VALUE, order=order, preferred=preferred)
    return plan if _baseline_complete(run.portfolio, Objective.VALUE, unplaced) else None


def _link_depths(portfolio: Portfolio) -> dict[str, int]:
    """How many FS / Requires predecessors each project has in a row (0: none)."""
    depth = dict.fromkeys((p.id for p in portfolio.projects), 0)
    needs = [
        (d.predecessor, d.successor)
        for d in portfolio.dependencies
        if d.type in (DependencyType.FS, DependencyType.REQUIRES)
        and d.predecessor in depth
        and d.successor in depth
    ]
    for _ in range(len(depth)):  # longest chains settle within as many rounds (no cycles)
        changed = False
        for before, after in needs:
            if depth[after] <= depth[before]:
                depth[after] = depth[before] + 1
                changed = True
        if not changed:
            break
    return depth


def _value_units(run: _Run, starts: dict[str, int]) -> int:
    """The plan's total score less what changing the baseline costs, in score units: the
    `value` model's objective (engine.stability)."""
    total = round(greedy_objective(run.portfolio, starts, Objective.VALUE) * SCORE_UNITS)
    return total - penalty_of(run.portfolio, run.steady, starts)


def _objective_units(run: _Run, starts: dict[str, int]) -> int:
    """The plan's objective in the model's integer units."""
    if run.objective is Objective.VALUE:
        return _value_units(run, starts)
    return round(greedy_objective(run.portfolio, starts, run.objective))


def _improves(run: _Run, candidate: dict[str, int], incumbent: dict[str, int]) -> bool:
    """Whether the plan `candidate` is strictly better than `incumbent` by the objective."""
    a, b = _objective_units(run, candidate), _objective_units(run, incumbent)
    return a > b if run.objective is Objective.VALUE else a < b


def _bound(
    portfolio: Portfolio,
    objective: Objective,
    raw: float | None,
    value: float,
    proven: bool,
    offset: float = 0.0,
) -> float | None:
    """The proven bound; a solver bound on the wrong side of the plan is not one (the solver
    stopped before proving anything), so fall back to the trivial bound. `offset` is added to
    the solver's bound (the plan's stability penalty)."""
    if proven:
        return value
    if objective is Objective.VALUE:
        if raw is not None and raw / SCORE_UNITS + offset >= value - EPS:
            return raw / SCORE_UNITS + offset
        return sum(
            max(score, 0.0)
            for pid, score in scores(portfolio).items()
            if not portfolio.project(pid).out_of_play
        )
    if raw is not None and raw <= value + EPS:
        return float(raw)
    plan_start = portfolio.settings.plan_start
    earliest_ends = [
        starts[0] + p.duration - plan_start
        for p in portfolio.projects
        if not p.out_of_play and (starts := allowed_starts(portfolio, p))
    ]
    return float(max(earliest_ends, default=0))


def _baseline_complete(portfolio: Portfolio, objective: Objective, unplaced: list[str]) -> bool:
    """Whether the waterline placed every project the objective requires."""
    for pid in unplaced:
        project = portfolio.project(pid)
        if project.must_run or (objective is Objective.FINISH and not project.out_of_play):
            return False
    return True


def _solve_in_stages(
    built: PortfolioModel, seed: int, workers: int, seconds: float, listener: _Listener
) -> tuple[cp_model.CpSolverStatus, cp_model.CpSolver]:
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
    status = solver.solve(built.model, listener)
    if not staged or status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        return status, solver
    if status == cp_model.FEASIBLE:
        built.hint(built.plan(solver))
    heavy = _solver(seed, workers, seconds - QUICK_SECONDS, heavy_precedences=True)
    heavy_status = heavy.solve(built.model, listener)
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

    def __init__(
        self, objective: Objective, began: float, progress: ProgressCallback | None
    ) -> None:
        super().__init__()
        self._scale = SCORE_UNITS if objective is Objective.VALUE else 1
        self._began = began
        self._progress = progress

    def on_solution_callback(self) -> None:
        if self._progress is None:
            return
        value = self.objective_value / self._scale
        bound = self.best_objective_bound / self._scale
        self._progress(
            Progress(value, bound, relative_gap(value, bound), time.perf_counter() - self._began)
        )
