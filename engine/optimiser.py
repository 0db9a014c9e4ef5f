"""`solve`: one CP-SAT model selects and schedules, warm-started from the waterline.

The solve runs in two phases within the time limit: the objective itself, then (with what
time is left, at most a quarter of the limit) a tie-break on the same model that keeps the
objective and moves projects as early as possible. When the rules cannot all hold, a
diagnosis model with assumption literals names a small set of rules in conflict.

Under Settings "Reproducible" = Yes every step is bounded by work done, not by the clock:
CP-SAT gets a deterministic time limit (`engine.determinism`) with interleaved search, each
later step what the earlier ones left by the same count, and the plan depends only on the
workbook and the seed.

Under Settings "Project managers" = Assign, the managers' limits are rules of the model, and
the chosen plan is then staffed by preference (`engine.managers.assign_managers`): grade and
skills decide who runs what, never which projects run or when.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from engine.alternatives import finish_alternatives, with_alternatives_set_aside
from engine.balance import broken_rules, rebalanced
from engine.counterfactual import add_counterfactuals, reasons_budget
from engine.cpsat_model import ModelOptions, PortfolioModel
from engine.determinism import (
    DETERMINISTIC_PER_SECOND,
    WALL_FLOOR,
    WALL_SAFETY,
    limit_by_work,
    stopped_by_clock,
    work_seconds,
)
from engine.explain import deferred_shortfall, explain_plan, impossible_projects
from engine.feasibility import allowed_starts
from engine.greedy import greedy_objective, greedy_starts, shortest_schedule
from engine.hiring import hire_runs, hired_fte_units, units_from_runs
from engine.lp_start import lp_guided_starts
from engine.managers import ASSIGN_SECONDS, assign_managers
from engine.mip import capacity_nonzeros, holds_every_rule, solve_mip
from engine.model import DependencyType, Objective, Portfolio
from engine.plan import outcomes, priority_order, scores, utilisation
from engine.reasons import NOT_COMPUTED, Reason
from engine.result import Hint, Result, SolveStatus, relative_gap
from engine.stability import (
    Baseline,
    kept_approved,
    penalty_of,
    plan_changes,
    stability_weight,
)
from engine.time_split import (
    TIE_BREAK_SHARE,
    after_plan_reserve,
    highs_fits,
    highs_seconds,
    reasons_seconds,
    search_seconds,
    tie_break_seconds,
)
from engine.units import EPS, SCORE_UNITS
from engine.validation import Problem, errors, validate
from engine.wording import label

DIAGNOSIS_SECONDS = 10.0
LP_SHARE = 0.2  # of the time limit, at most, for the LP relaxation of an LP warm start
SMALL_SCHEDULE = 40  # projects: up to this many, a slow `finish` solve gets heavier reasoning
QUICK_SECONDS = 1.0  # ... after this first stage without it
JUSTIFY_SHARE = 0.1  # of the time limit, at most, for the `finish` warm start's restarts
ASSIGN_SHARE = 0.1  # of the time limit, at most, for matching managers to the plan (Assign)
PROBE_SHARE = 0.3  # `finish` without a full waterline: time to find a schedule of everything
HIGHS_TIGHT_GAP = 0.10  # HiGHS's own gap counted tight (many small projects: 1-8%; big: 11-50%)
HIGHS_MIN_SECONDS = 0.5  # not worth starting HiGHS for less
HIGHS_MIN_PROJECTS = 150  # ... nor on fewer projects (but a pure selection): CP-SAT alone
# proves those sooner
HIGHS_PATIENCE = 0.15  # of the limit: HiGHS gives up if it found nothing better by then
HIGHS_PATIENCE_SECONDS = 5.0  # ... and at most this long (CP-SAT's first plans come early)


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
    hints: Sequence[Mapping[str, int] | Hint] = (),
    baseline: Baseline | None = None,
) -> Result:
    """Select and schedule projects optimally (or as well as the time limit allows).

    `hints` are plans ({project ID: start month}, or a `Hint` with its hires) known to keep
    every rule of this portfolio, such as the plan of the same portfolio at a smaller
    budget: the best of them joins the warm start, and the result is never worth less.
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
    with run.phase("waterline"):
        _waterline(run)
        _known_plans(run, hints)
    with run.phase("highs"):
        _highs_first(run, progress)
    with run.phase("build"):
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
    if run.status == cp_model.MODEL_INVALID:
        return _model_refused(run, built.model.validate())
    _take_plan(run, built, solver)
    if run.found and tie_break:
        with run.phase("tie-break"):
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
    reproducible: bool = False  # Settings "Reproducible": limits by work done, not the clock
    spent: float = 0.0  # reproducible: the limit's seconds used so far, by work done
    clock_stopped: bool = False  # reproducible: a search hit the clock's safety stop
    waterline: dict[str, int] = field(default_factory=dict)  # the waterline plan
    waterline_ok: bool = False  # the waterline placed every project it had to
    waterline_value: float | None = None
    status: cp_model.CpSolverStatus = cp_model.UNKNOWN  # of the main search
    starts: dict[str, int] = field(default_factory=dict)  # the plan: project ID -> month
    managers: dict[str, str] = field(default_factory=dict)  # Assign: the solver's staffing
    found: bool = False
    proven: bool = False
    raw_bound: float | None = None  # the solver's bound, in model units
    highs_bound: float | None = None  # HiGHS's dual bound on the total score, when valid
    strategy: str = "cp-sat"  # the solvers that searched
    known: dict[str, int] | None = None  # the best plan given as a hint (keeps every rule)
    known_value: float | None = None
    known_hires: dict[tuple[int, int], int] = field(default_factory=dict)
    hires: dict[tuple[int, int], int] = field(default_factory=dict)  # the plan's hires
    given: Portfolio | None = None  # the portfolio as given, when the model sees another
    aside: dict[str, Reason] = field(default_factory=dict)  # `finish`: alternatives left out
    impossible: dict[str, Reason] = field(default_factory=dict)  # `finish`: no plan holds them
    overflow: tuple[str, ...] = ()  # `finish`: projects left out so the rest fits the horizon
    baseline: Baseline | None = None  # the plan last written: changes are counted from it
    steady: Baseline | None = None  # the same, when the objective keeps it steady
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step (Result.phases)
    reserve: float = 0.0  # seconds of the limit the searches leave for what follows the plan

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
        limit = float(time_limit if time_limit is not None else settings.time_limit)
        wanted = Objective(objective) if objective else settings.objective
        reasons = reasons_budget(portfolio, limit) if wanted is Objective.VALUE else 0.0
        return cls(
            portfolio,
            wanted,
            options or ModelOptions(),
            limit,
            seed if seed is not None else settings.random_seed,
            workers if workers is not None else settings.workers,
            began,
            tuple(validate(portfolio)),
            reproducible=settings.reproducible,
            reserve=after_plan_reserve(limit, len(portfolio.projects), reasons),
        )

    def elapsed(self) -> float:
        """Seconds since the solve began."""
        return time.perf_counter() - self.began

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Count the seconds of a step of the solve under `name` (Result.phases)."""
        began = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - began

    def left(self) -> float:
        """Seconds of the limit left: on the clock, or (reproducible) by work done."""
        return self.limit - (self.spent if self.reproducible else self.elapsed())

    def solver(
        self,
        seconds: float,
        *,
        heavy_precedences: bool = False,
        seed: int | None = None,
        neighbourhoods: bool = False,
    ) -> cp_model.CpSolver:
        """A CP-SAT solver for `seconds` of this run (by work done when reproducible)."""
        return _solver(
            self.seed if seed is None else seed,
            self.workers,
            seconds,
            heavy_precedences=heavy_precedences,
            reproducible=self.reproducible,
            neighbourhoods=neighbourhoods,
        )

    def spend(self, solver: cp_model.CpSolver) -> None:
        """Count a finished search's work against the limit (reproducible runs)."""
        if not self.reproducible:
            return
        self.spent += work_seconds(solver)
        self.clock_stopped = self.clock_stopped or stopped_by_clock(solver)


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
    if run.waterline_ok and broken_rules(run.portfolio, run.waterline):
        # the waterline knows no balance rules: take projects out until they hold
        repaired = rebalanced(run.portfolio, run.waterline)
        run.waterline_ok = repaired is not None and run.objective is Objective.VALUE
        run.waterline = repaired if repaired is not None else run.waterline
    if run.waterline_ok:
        run.waterline_value = greedy_objective(run.portfolio, run.waterline, run.objective)


def _known_plans(run: _Run, hints: Sequence[Mapping[str, int] | Hint]) -> None:
    """The best of the plans given as hints: a warm start and a floor for the result."""
    if run.objective is not Objective.VALUE:
        return
    for hint in hints:
        given = hint if isinstance(hint, Hint) else Hint(hint)
        plan = {pid: int(start) for pid, start in given.starts.items()}
        if broken_rules(run.portfolio, plan):
            continue  # not a plan of this portfolio after all
        if run.portfolio.assigns_managers and (
            assign_managers(run.portfolio, plan, **_assign_limit(run)) is None
        ):
            continue  # its projects cannot all have a manager here
        value = greedy_objective(run.portfolio, plan, run.objective)
        if run.known_value is None or value > run.known_value + EPS:
            run.known, run.known_value = plan, value
            run.known_hires = units_from_runs(run.portfolio, given.hires)


def _highs_first(run: _Run, progress: ProgressCallback | None) -> None:
    """`value`: HiGHS on the time-indexed MIP for a share of the time; its plan (checked
    against every rule) joins the hints CP-SAT starts from, its dual bound is kept if valid.

    Where the LP is tight (many small projects) HiGHS finds good plans and bounds that
    CP-SAT alone does not, and while its own gap is tight it keeps going up to a larger
    share of the time on larger portfolios (`engine.time_split.highs_seconds`); where it is
    weak, CP-SAT improves on HiGHS's plan or the waterline with the rest of the time
    (docs/benchmarks.md). Only on portfolios of `HIGHS_MIN_PROJECTS` or more (unless
    ModelOptions.highs says otherwise), only where its MIP is small enough for the limit
    (`engine.time_split.highs_fits`: at 2,000 big projects and 20 s its build and presolve
    took 6.5 s and left CP-SAT too little), and only where the MIP holds
    every rule of the portfolio (`engine.mip.holds_every_rule`). Not under Settings
    "Reproducible": HiGHS stops by the clock alone. Not with a baseline to keep steady:
    the MIP knows no stability penalty.
    """
    if (
        run.objective is not Objective.VALUE
        or not _highs_pays(run)
        or run.reproducible
        or run.steady is not None
        or not holds_every_rule(run.portfolio)
        or not highs_fits(capacity_nonzeros(run.portfolio), run.limit)
    ):
        return
    seconds, longest = highs_seconds(run.left(), run.reserve, len(run.portfolio.projects))
    if seconds < HIGHS_MIN_SECONDS:
        return
    floor = run.known_value if run.known_value is not None else run.waterline_value

    def report(value: float, bound: float) -> None:
        if progress is not None and (floor is None or value > floor + EPS):
            gap = relative_gap(value, bound) if math.isfinite(bound) else None
            progress(Progress(value, bound, gap, run.elapsed()))

    found = solve_mip(
        run.portfolio,
        time_limit=longest,
        soft_limit=seconds,
        tight_gap=HIGHS_TIGHT_GAP,
        threads=run.workers,
        seed=run.seed,
        initial=run.known if run.known is not None else run.waterline if run.waterline_ok else None,
        build_in_limit=True,
        on_plan=report,
        patience=min(HIGHS_PATIENCE * run.limit, HIGHS_PATIENCE_SECONDS),
    )
    run.strategy = "highs+cp-sat"
    if found.plan:
        _known_plans(run, [found.plan])
    if found.bound is not None:
        run.highs_bound = found.bound


def _highs_pays(run: _Run) -> bool:
    """ModelOptions.highs, or by default whether the portfolio is big enough, or a pure
    selection (every start fixed: the MIP is then the multidimensional knapsack itself).

    On 40-100 projects with start windows HiGHS first took longer than CP-SAT alone to the
    proof (or never proved what CP-SAT alone did), for no better plan; on knapsacks of 100
    items it found better plans (docs/benchmarks.md, "The button" and mknapcb).
    """
    if run.options.highs is not None:
        return run.options.highs
    portfolio = run.portfolio
    if len(portfolio.projects) >= HIGHS_MIN_PROJECTS:
        return True
    return all(len(allowed_starts(portfolio, p)) <= 1 for p in portfolio.projects)


def _search(
    run: _Run, built: PortfolioModel, progress: ProgressCallback | None, share: float = 1.0
) -> cp_model.CpSolver:
    """Warm-start the model and search it with (a share of) the time left; the solver holds
    the answer."""
    with run.phase("warm start"):
        start = _warm_start(run)
        built.hint(start, run.known_hires if start == run.known else None)
    with run.phase("search"):
        run.status, solver = _solve_in_stages(
            run,
            built,
            search_seconds(run.left(), run.reserve, share),
            _Listener(run.objective, run.began, progress, built.value_units),
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
        return solver  # `solve` says why the model was refused
    if run.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    if run.status == cp_model.FEASIBLE:
        built.hint(built.plan(solver), built.hired(solver))
        status, more = _solve_in_stages(
            run,
            built,
            search_seconds(run.left(), run.reserve),
            _Listener(run.objective, run.began, progress, built.value_units),
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
        return _model_refused(run, built.model.validate())
    _take_plan(run, built, solver)
    if not run.found:
        run.objective = Objective.FINISH
        return _no_solution(run)
    value = _value_units(run, run.starts)
    run.objective = Objective.FINISH
    run.raw_bound, run.proven, run.waterline_value = None, False, None
    remaining = max(run.left() - run.reserve, 0.0)
    if remaining >= 0.05:
        built.finish_after_value(value)
        built.hint(run.starts, run.hires)
        second = run.solver(remaining)
        status = _run(second, built)
        run.spend(second)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            shorter = built.plan(second)
            if _value_units(run, shorter) >= value and (
                greedy_objective(run.portfolio, shorter, Objective.FINISH)
                <= greedy_objective(run.portfolio, run.starts, Objective.FINISH)
            ):
                run.starts, run.hires = shorter, built.hired(second)
                run.managers = built.variables.managers(second)
                run.proven = status == cp_model.OPTIMAL
    left = [p.id for p in run.portfolio.projects if not p.out_of_play and p.id not in run.starts]
    run.overflow = tuple(left)
    return _planned(run)


def _take_plan(run: _Run, built: PortfolioModel, solver: cp_model.CpSolver) -> None:
    """The solver's plan and bound; the waterline instead when it is better or all there is."""
    found = run.status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    run.starts = built.plan(solver) if found else {}
    run.hires = built.hired(solver) if found else {}
    run.managers = built.variables.managers(solver) if found else {}
    run.proven = run.status == cp_model.OPTIMAL
    if found or run.status == cp_model.UNKNOWN:
        raw = solver.best_objective_bound
        run.raw_bound = built.value_units(raw) if run.objective is Objective.VALUE else raw
    if found and run.waterline_ok and _improves(run, run.waterline, run.starts):
        run.starts, run.proven = dict(run.waterline), False  # never worse than the waterline
        run.hires, run.managers = {}, {}
    if not found and run.waterline_ok:
        run.starts, found, run.hires, run.managers = dict(run.waterline), True, {}, {}
    if run.known is not None and (not found or _improves(run, run.known, run.starts)):
        run.starts, run.proven, found = dict(run.known), False, True  # never worse than a hint
        run.hires, run.managers = dict(run.known_hires), {}
    run.found = found


def _tie_break(run: _Run, built: PortfolioModel) -> None:
    """A second solve on the same model: keep the objective, move projects earlier (those of
    the baseline stay where they are).

    The model is reused, not rebuilt: `tie_break` replaces its objective and `hint` its
    hints, which gives the very model a fresh build would (the tests compare the two).
    """
    remaining = tie_break_seconds(run.left(), run.reserve, run.limit)
    if remaining < 0.05:
        return
    best = _objective_units(run, run.starts)
    built.tie_break(best, hire_cost(run.portfolio, run.hires))
    built.hint(run.starts, run.hires)
    second = run.solver(remaining)
    status = _run(second, built)
    run.spend(second)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    better = built.plan(second)
    if _objective_units(run, better) == best or _improves(run, better, run.starts):
        run.starts, run.hires = better, built.hired(second)
        run.managers = built.variables.managers(second)


def _invalid_input(run: _Run) -> Result:
    return Result(
        SolveStatus.INVALID_INPUT,
        problems=run.problems,
        objective_name=run.objective.value,
        wall_time=run.elapsed(),
    )


def _model_refused(run: _Run, why: str) -> Result:
    """CP-SAT refused the model (numbers beyond its 64-bit sums that `engine.limits` did not
    foresee, or a bug of ours): a message, never a traceback."""
    problem = Problem(
        "settings",
        None,
        None,
        f"the optimiser cannot take this portfolio ({why.strip() or 'model refused'}); if "
        "costs, budgets or FTE are very large, enter them in thousands, otherwise please "
        "report this workbook",
    )
    return Result(
        SolveStatus.INVALID_INPUT,
        problems=(*run.problems, problem),
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
    bound, source = _bound(scheduled, run, value, offset)
    portfolio = run.given or run.portfolio
    with run.phase("assign"):
        managers = _staffing(run)
    approved = {
        pid: (
            "the rules leave no choice"
            if run.proven
            else "no plan found in the time allowed keeps it"
        )
        for pid in kept_approved(portfolio, run.baseline)
        if pid not in starts
    }
    with run.phase("explain"):
        reasons = explain_plan(
            portfolio,
            starts,
            set_aside=run.aside,
            approved=approved,
            hires=run.hires,
            managers=managers,
        )
    notes: list[str] = []
    if run.objective is Objective.VALUE:
        asked = reasons_budget(portfolio, run.limit)
        given = reasons_seconds(asked, run.left())
        with run.phase("reasons"):
            reasons = add_counterfactuals(
                portfolio,
                starts,
                reasons,
                budget=given,
                seed=run.seed,
                hires=run.hires,
                managers=managers,
                reproducible=run.reproducible,
            )
        notes += _reasons_cut_short(reasons, asked, given)
    if run.clock_stopped:
        notes.append(
            "Reproducible: a search ran into its safety stop on the clock (a very slow or busy "
            "machine), so this plan may not repeat exactly; raise the time limit or run again "
            "on a less busy machine."
        )
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
    notes += [
        f"{label(portfolio, p.id)}: {reasons[p.id].text}"
        for p in portfolio.projects
        if p.stoppable and p.id not in starts and p.id in reasons
    ]
    return Result(
        SolveStatus.OPTIMAL if run.proven or source == "optimal" else SolveStatus.FEASIBLE,
        objective=value,
        bound=bound,
        gap=relative_gap(value, bound),
        bound_source=source,
        wall_time=run.elapsed(),
        strategy=run.strategy,
        projects=outcomes(portfolio, starts, reasons, managers),
        utilisation=utilisation(portfolio, starts, hired_fte_units(portfolio, run.hires)),
        problems=run.problems,
        baseline_objective=run.waterline_value,
        objective_name=run.objective.value,
        hiring=hire_runs(portfolio, run.hires),
        shortfall=deferred_shortfall(portfolio, starts, run.hires),
        notes=tuple(notes),
        everyone_fits=not run.overflow,
        changes=plan_changes(portfolio, run.baseline, starts),
        baseline_size=len(run.baseline.starts) if run.baseline else None,
        stability_points=stability_weight(portfolio) if run.baseline else 0.0,
        phases=tuple(run.phases.items()),
    )


def _reasons_cut_short(reasons: Mapping[str, Reason], asked: float, given: float) -> list[str]:
    """A note when some solved reasons (what a project would displace, the least extra
    capacity) did not fit in what was left of the time limit; none when all did."""
    cut = sum(1 for r in reasons.values() if NOT_COMPUTED in (r.displacement_note, r.extra_note))
    if not cut or asked <= 0:  # none asked for (Reasons time 0): nothing was cut
        return []
    room = (
        f'only {given:.1f} s of the {asked:.1f} s of Settings "Reasons time" were left '
        "within the time limit"
        if given < asked
        else f'the {asked:.1f} s of Settings "Reasons time" were not enough'
    )
    return [
        f'Reasons cut short: {room}, so {cut} project(s) say "{NOT_COMPUTED}" for what '
        "they would displace or the least extra capacity they need; raise the time limit or "
        '"Reasons time" to have them all.'
    ]


def hire_cost(portfolio: Portfolio, hires: Mapping[tuple[int, int], int]) -> int:
    """The hires' cost in the model's units (`PortfolioModel.hiring_cost`)."""
    return sum(
        max(1, round(portfolio.hiring[h].monthly_cost)) * units for (h, _t), units in hires.items()
    )


def _staffing(run: _Run) -> dict[str, str] | None:
    """Assign: the plan's preference-best managers (the solver's own when that model cannot
    finish in time, which a plan the model accepted always allows); None under Check."""
    if not run.portfolio.assigns_managers:
        return None
    return assign_managers(run.portfolio, run.starts, **_assign_limit(run)) or (run.managers)


def _assign_limit(run: _Run) -> dict[str, float]:
    """The limit for matching managers to one fixed plan: seconds on the clock, or
    (reproducible) as much work, in CP-SAT's deterministic time."""
    seconds = min(ASSIGN_SHARE * run.limit, ASSIGN_SECONDS)
    if run.reproducible:
        return {
            "time_limit": max(WALL_SAFETY * seconds, WALL_FLOOR),
            "work": seconds * DETERMINISTIC_PER_SECOND,
        }
    return {"time_limit": seconds}


def diagnose(portfolio: Portfolio, objective: Objective, time_limit: float) -> list[str]:
    """A small set of rules that cannot all hold, in words (found by the solver, then shrunk)."""
    began = time.perf_counter()
    built = PortfolioModel(portfolio, objective, ModelOptions(diagnosis=True))
    solver = _solver(0, 1, time_limit)
    if _run(solver, built) != cp_model.INFEASIBLE:
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
        if _run(check, built) == cp_model.INFEASIBLE:
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
        # reproducible: no clock, the restarts end by `patience` alone
        deadline = math.inf if run.reproducible else time.perf_counter() + JUSTIFY_SHARE * run.limit
        shortest = shortest_schedule(portfolio, waterline, deadline=deadline, seed=run.seed)
        if portfolio.assigns_managers and assign_managers(portfolio, shortest) is None:
            return waterline  # justification moves projects without asking the managers
        return shortest
    dense, unplaced = greedy_starts(portfolio, objective, by_density=True)
    plans: list[dict[str, int] | None] = [waterline if run.waterline_ok else None, run.known]
    if _baseline_complete(portfolio, objective, unplaced) and not broken_rules(portfolio, dense):
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
    if not _baseline_complete(run.portfolio, Objective.VALUE, unplaced):
        return None
    return None if broken_rules(run.portfolio, plan) else plan


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
    portfolio: Portfolio, run: _Run, value: float, offset: float = 0.0
) -> tuple[float | None, str | None]:
    """The best proven bound and what proves it. A solver bound on the wrong side of the plan
    is not one (the solver stopped before proving anything); without one, the trivial bound.
    `offset` is added to CP-SAT's bound (the plan's stability penalty)."""
    if run.proven:
        return value, "optimal"
    raw = run.raw_bound
    if run.objective is Objective.VALUE:
        found = []
        if raw is not None and raw / SCORE_UNITS + offset >= value - EPS:
            found.append((raw / SCORE_UNITS + offset, "cp-sat"))
        if run.highs_bound is not None and run.highs_bound >= value - EPS:
            found.append((run.highs_bound, "highs"))
        if found:
            bound, source = min(found)
            return (value, "optimal") if bound <= value + EPS else (bound, source)
        trivial = sum(
            max(score, 0.0)
            for pid, score in scores(portfolio).items()
            if not portfolio.project(pid).out_of_play
        )
        return trivial, "scores"
    if raw is not None and raw <= value + EPS:
        return float(raw), "cp-sat"
    plan_start = portfolio.settings.plan_start
    earliest_ends = [
        starts[0] + p.duration - plan_start
        for p in portfolio.projects
        if not p.out_of_play and (starts := allowed_starts(portfolio, p))
    ]
    return float(max(earliest_ends, default=0)), "earliest finish"


def _baseline_complete(portfolio: Portfolio, objective: Objective, unplaced: list[str]) -> bool:
    """Whether the waterline placed every project the objective requires."""
    for pid in unplaced:
        project = portfolio.project(pid)
        if project.must_run or (objective is Objective.FINISH and not project.out_of_play):
            return False
    return True


def _solve_in_stages(
    run: _Run, built: PortfolioModel, seconds: float, listener: _Listener
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
    solver = run.solver(
        QUICK_SECONDS if staged else seconds, neighbourhoods=run.options.neighbourhoods
    )
    status = _run(solver, built, listener)
    run.spend(solver)
    if not staged or status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        return status, solver
    if status == cp_model.FEASIBLE:
        built.hint(built.plan(solver), built.hired(solver))
    heavy = run.solver(seconds - QUICK_SECONDS, heavy_precedences=True)
    heavy_status = _run(heavy, built, listener)
    run.spend(heavy)
    if heavy_status == cp_model.UNKNOWN and status == cp_model.FEASIBLE:
        return status, solver  # the second stage found nothing: keep the first stage's plan
    return heavy_status, heavy


def _run(
    solver: cp_model.CpSolver, built: PortfolioModel, listener: _Listener | None = None
) -> cp_model.CpSolverStatus:
    """`solver.solve(built.model)`, stopped at once by Ctrl-C, which then raises
    KeyboardInterrupt as it would in any Python code.

    CP-SAT's own SIGINT handling is off (`_solver`): it ended the search quietly, so a
    partial plan was written as if complete, and afterwards left SIGINT at its default,
    killing the process with no clean-up. Called from the main thread, the search runs in a
    helper thread while the main thread waits, where Python can deliver the interrupt.
    """
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(built.model, listener)
    outcome: dict[str, object] = {}

    def search() -> None:
        try:
            outcome["status"] = solver.solve(built.model, listener)
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    worker = threading.Thread(target=search, name="cp-sat", daemon=True)
    worker.start()
    try:
        worker.join()
    except KeyboardInterrupt:
        while worker.is_alive():  # the search may not have begun yet: ask until it ends
            solver.stop_search()
            with contextlib.suppress(KeyboardInterrupt):
                worker.join(0.05)
        raise
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    status = outcome["status"]
    assert isinstance(status, cp_model.CpSolverStatus)
    return status


def _solver(
    seed: int,
    workers: int,
    seconds: float,
    *,
    heavy_precedences: bool = False,
    reproducible: bool = False,
    neighbourhoods: bool = False,
) -> cp_model.CpSolver:
    """A CP-SAT solver; `reproducible`: stopped by work done (deterministic time) with the
    workers' searches interleaved, so the answer depends on the model and seed alone.

    `neighbourhoods` (ModelOptions, off in the product): one full-problem search keeps
    proving the bound and every other thread searches neighbourhoods of the best plan, with
    one thread more than `workers`. Measured, not shipped: +1.2% / +2.8% over CP-SAT's own
    10 s from HiGHS's plan at 500 / 1,000 big projects, but within the noise in the whole
    engine at 10 s and 60 s (docs/benchmarks.md, "Levers on the regimes").
    """
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False  # Ctrl-C is the caller's (see `_run`)
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    if reproducible:
        limit_by_work(solver, seconds)
    if neighbourhoods and workers >= 2 and not reproducible:
        solver.parameters.num_workers = workers + 1
        solver.parameters.num_full_subsolvers = 1
    if heavy_precedences:
        solver.parameters.use_hard_precedences_in_cumulative = True
        solver.parameters.exploit_all_precedences = True
    return solver


class _Listener(cp_model.CpSolverSolutionCallback):
    """Forwards each improving solution to the progress callback."""

    def __init__(
        self,
        objective: Objective,
        began: float,
        progress: ProgressCallback | None,
        units: Callable[[float], float] = float,
    ) -> None:
        super().__init__()
        self._scale = SCORE_UNITS if objective is Objective.VALUE else 1
        self._units = units if objective is Objective.VALUE else float
        self._began = began
        self._progress = progress

    def on_solution_callback(self) -> None:
        if self._progress is None:
            return
        value = self._units(self.objective_value) / self._scale
        bound = self._units(self.best_objective_bound) / self._scale
        self._progress(
            Progress(value, bound, relative_gap(value, bound), time.perf_counter() - self._began)
        )
