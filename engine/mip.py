"""The selection-and-scheduling problem as a time-indexed MIP, solved with HiGHS.

The optimiser runs it first on portfolios where its LP is worth having (`engine.optimiser`:
CP-SAT then starts from HiGHS's plan, and HiGHS's dual bound is kept when it is the better
one); the benchmarks run it alone as the baseline to beat.

Binary y[p, s] means "project p starts in month s", one per start the engine allows
(`engine.feasibility.allowed_starts`); x_p = sum_s y[p, s] says whether p is selected. Demand
profiles, costs per year and FTE / money units come from `engine.feasibility`, so a plan
that fits here fits the engine's ledger to the unit. The objective is always the total
score the optimiser maximises (`engine.plan.scores`: the weighted score in 0.001s, or a
stoppable project's Remaining value), whatever the portfolio's objective setting.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import highspy
import numpy as np

from engine.feasibility import (
    allowed_starts,
    demand_profile,
    fte_units,
    money_units,
    year_costs,
)
from engine.model import DependencyType, Portfolio, Project
from engine.plan import scores as value_of
from engine.result import SolveStatus
from engine.units import SCORE_UNITS

HALF_A_POINT = 0.5 / SCORE_UNITS  # scores move in steps of 1 / SCORE_UNITS


class MipResult(NamedTuple):
    """What `solve_mip` returns; `value` and `plan` are None / empty when there is no plan."""

    value: float | None  # total weighted score of the plan, recomputed from the plan
    bound: float | None  # HiGHS's proven upper bound on the total score
    status: SolveStatus
    wall_time: float  # seconds, model building included
    plan: dict[str, int]  # project ID -> calendar start month, selected projects only


@dataclass
class _Model:
    """Columns (one per project start) and rows (sparse) before they go to HiGHS."""

    starts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # id -> (s, col)
    costs: list[float] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)

    def x(self, project_id: str) -> dict[int, float]:
        """The selection x_p as a linear expression (column -> coefficient)."""
        return {col: 1.0 for _, col in self.starts.get(project_id, ())}

    def add(self, terms: dict[int, float], lower: float, upper: float) -> None:
        """Add `lower <= sum(terms) <= upper`."""
        self.rows.append((terms, lower, upper))


def solve_mip(
    portfolio: Portfolio,
    *,
    time_limit: float | None = None,
    threads: int = 2,
    gap: float = 1e-6,
    seed: int = 0,
    log: bool = False,
    initial: Mapping[str, int] | None = None,
    build_in_limit: bool = False,
    on_plan: Callable[[float, float], None] | None = None,
    patience: float | None = None,
    soft_limit: float | None = None,
    tight_gap: float = 0.0,
) -> MipResult:
    """Maximise the total weighted score of a feasible selection and schedule with HiGHS.

    Holds capacity per role-month, budget per year, must-run and forced-out projects,
    windows and fixed starts (through the allowed starts), exclusive groups and FS /
    Requires / Excludes / With links. `time_limit` defaults to the portfolio's setting; it
    holds for HiGHS's search, or (`build_in_limit`) for building the model and the search.
    `initial`: a plan ({project ID: start month}) HiGHS begins from, if it keeps the MIP's rules.
    `on_plan(value, bound)` is called (from HiGHS's thread) for every better plan it finds.
    `patience`: seconds of search (after presolve, if presolve ends within them) after
    which HiGHS gives up if it has found nothing better than
    `initial` (where the LP is weak it rarely does, and the time is better spent elsewhere).
    `soft_limit`: seconds (counted like `time_limit`, and at most it) after which HiGHS stops
    unless its own gap has come within `tight_gap`: a tight gap means a tight LP, where
    HiGHS is the stronger solver and makes the most of the time up to `time_limit`.
    Ctrl-C stops HiGHS and raises KeyboardInterrupt.
    """
    began = time.perf_counter()
    projects = [p for p in portfolio.projects if not p.out_of_play]
    model = _Model()
    scores = value_of(portfolio)
    for project in projects:
        cols = []
        for start in allowed_starts(portfolio, project):
            cols.append((start, len(model.costs)))
            model.costs.append(scores[project.id])
        model.starts[project.id] = cols
        if project.must_run and not cols:
            return MipResult(None, None, SolveStatus.INFEASIBLE, time.perf_counter() - began, {})

    _selection(model, projects)
    _capacity(model, portfolio, projects)
    _budget(model, portfolio, projects)
    _groups(model, projects)
    _links(model, portfolio)
    limit = time_limit or portfolio.settings.time_limit
    highs = _highs(model, limit, threads, gap, seed, log)
    floor = -np.inf
    if initial and model.costs:
        _set_start(highs, model, initial)
        floor = sum(scores[pid] for pid in initial if pid in scores)
    if model.costs:
        searching = time.perf_counter()
        origin = began if build_in_limit else searching  # where the limits count from
        hard = origin + limit
        soft = min(origin + soft_limit, hard) if soft_limit is not None else hard
        _run(highs, on_plan, floor, _Stops(patience, soft, hard, tight_gap))
    status, plan = _read(highs, model)
    value = sum(scores[pid] for pid in plan) if status.has_plan else None
    bound = _bound(highs, status, value)
    return MipResult(value, bound, status, time.perf_counter() - began, plan)


class _Stops(NamedTuple):
    """Where HiGHS stops (`soft`, `hard`: perf_counter times). Each is a HiGHS time
    limit, which HiGHS honours wherever it is in its search (its interrupt callbacks can be
    minutes apart on a weak LP); the callbacks only ever move the limit later."""

    patience: float | None  # seconds: if it has found no plan above its start by then (this
    # starts again when presolve ends: presolving 1,000 projects takes a second)
    soft: float  # unless its gap is at most `tight_gap` by then
    hard: float  # in any case
    tight_gap: float


def _patience_again(now: float, until: float, stops: _Stops) -> float | None:
    """When presolve ends at `now` with HiGHS due to stop at `until`: the later stop that
    counts its patience again from `now`, or None to keep `until`.

    Also when presolve outlasted the patience (HiGHS checks no clock while it presolves): at
    1,000 small projects and 10 s the first callback comes just after a 1.5-s patience and
    HiGHS's first better plan soon after it; without the second patience the engine fell
    from 0.984 to 0.956 of HiGHS alone (docs/benchmarks.md §10). Where a MIP's build and
    presolve alone would take much of the limit, HiGHS is not started at all
    (`engine.time_split.highs_fits`).
    """
    if stops.patience is None or until >= stops.soft:
        return None
    return min(max(until, now + stops.patience), stops.soft)


def _gap_of(out: object) -> float:
    """HiGHS's relative gap from a callback's data (inf while it has no plan or bound)."""
    primal = float(out.mip_primal_bound)  # type: ignore[attr-defined]
    dual = float(out.mip_dual_bound)  # type: ignore[attr-defined]
    if not (np.isfinite(primal) and np.isfinite(dual)) or primal <= 0:
        return np.inf
    return max(dual - primal, 0.0) / primal


def _run(
    highs: highspy.Highs,
    on_plan: Callable[[float, float], None] | None,
    floor: float,
    stops: _Stops,
) -> None:
    """HiGHS's search in a thread of its own, so that Ctrl-C stops it within moments (then
    KeyboardInterrupt is raised here). It runs for `stops.patience` (counted
    again from the end of presolve); a plan above `floor`
    (the value of its start) moves the limit to `stops.soft`, a gap within
    `stops.tight_gap` to `stops.hard`. highspy's own threaded solve shares one lock among
    all its instances, so it is not used."""
    stop = threading.Event()
    done = threading.Event()
    now = time.perf_counter()
    until = [stops.soft if stops.patience is None else min(now + stops.patience, stops.soft)]
    presolved: list[bool] = []

    def stop_at(when: float) -> None:
        """Move HiGHS's time limit (seconds on its own clock) to perf_counter time `when`."""
        until[0] = when
        left = max(when - time.perf_counter(), 0.01)
        highs.setOptionValue("time_limit", float(highs.getRunTime()) + left)

    def later(out: object, better: bool) -> None:
        if not presolved:  # the first callback comes after presolve: patience starts again
            presolved.append(True)
            again = _patience_again(time.perf_counter(), until[0], stops)
            if again is not None and not better:
                stop_at(again)
        if better and until[0] < stops.soft:
            stop_at(stops.soft)
        if until[0] < stops.hard and _gap_of(out) <= stops.tight_gap:
            stop_at(stops.hard)

    def interrupt(event: object) -> None:
        if stop.is_set():
            event.interrupt()  # type: ignore[attr-defined]
        else:
            later(event.data_out, better=False)  # type: ignore[attr-defined]

    def improved(event: object) -> None:
        out = event.data_out  # type: ignore[attr-defined]
        value = float(out.objective_function_value)
        later(out, better=value > floor + HALF_A_POINT)  # not float noise on its start
        if on_plan is not None:
            with contextlib.suppress(Exception):  # a report must never break the search
                on_plan(value, float(out.mip_dual_bound))

    def search() -> None:
        try:
            highs.run()
        finally:
            done.set()

    highs.cbMipInterrupt.subscribe(interrupt)
    highs.cbSimplexInterrupt.subscribe(interrupt)
    highs.cbMipImprovingSolution.subscribe(improved)
    stop_at(until[0])
    threading.Thread(target=search, name="highs", daemon=True).start()
    try:
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        stop.set()
        while True:
            with contextlib.suppress(KeyboardInterrupt):
                if done.wait(0.1):
                    break
        raise


def _set_start(highs: highspy.Highs, model: _Model, start: Mapping[str, int]) -> None:
    """Give HiGHS the plan `start` as its first incumbent (HiGHS checks it and drops it if
    it breaks a row)."""
    values = np.zeros(len(model.costs))
    for pid, month in start.items():
        for s, col in model.starts.get(pid, ()):
            if s == month:
                values[col] = 1.0
    solution = highspy.HighsSolution()
    solution.col_value = list(values)
    solution.value_valid = True
    highs.setSolution(solution)


def holds_every_rule(portfolio: Portfolio) -> bool:
    """Whether the MIP has every rule of `portfolio`, so that its plans keep them all and its
    dual bound bounds every plan: no balance rules and no managers to assign (it has
    neither; under "Check" the plan ignores managers), no hiring options (hires add capacity
    it does not see)."""
    return not (portfolio.hiring or portfolio.balance or portfolio.assigns_managers)


def _selection(model: _Model, projects: list[Project]) -> None:
    """At most one start per project; exactly one when it must run."""
    for project in projects:
        model.add(model.x(project.id), 1.0 if project.must_run else 0.0, 1.0)


def capacity_nonzeros(portfolio: Portfolio) -> int:
    """About the size of the MIP, before building it: (project, start) pairs times the
    project's demand cells in roles with capacity; at least the capacity rows' nonzeros."""
    total = 0
    for project in portfolio.projects:
        if project.out_of_play:
            continue
        profile = demand_profile(portfolio, project)
        cells = sum(
            1 for role, row in profile.items() if role in portfolio.capacity for u in row if u > 0
        )
        total += len(allowed_starts(portfolio, project)) * cells
    return total


def _capacity(model: _Model, portfolio: Portfolio, projects: list[Project]) -> None:
    """Per role and horizon month, planned FTE units within capacity units."""
    plan_start, horizon = portfolio.settings.plan_start, portfolio.settings.horizon
    terms: dict[tuple[str, int], dict[int, float]] = defaultdict(dict)
    for project in projects:
        profile = demand_profile(portfolio, project)
        for start, col in model.starts[project.id]:
            for role, row in profile.items():
                if role not in portfolio.capacity:
                    continue
                for k, need in enumerate(row):
                    offset = start + k - plan_start
                    if need > 0 and 0 <= offset < horizon:
                        terms[role, offset][col] = float(need)
    for (role, offset), row_terms in terms.items():
        limit = fte_units(portfolio.capacity[role][offset])
        if sum(row_terms.values()) > limit:  # rows that can never bind are left out
            model.add(row_terms, -np.inf, float(limit))


def _budget(model: _Model, portfolio: Portfolio, projects: list[Project]) -> None:
    """Per budgeted year, the cents falling in that year within the budget."""
    terms: dict[int, dict[int, float]] = defaultdict(dict)
    for project in projects:
        for start, col in model.starts[project.id]:
            for year, cents in year_costs(portfolio, project, start).items():
                if cents > 0:
                    terms[year][col] = float(cents)
    for year, row_terms in terms.items():
        model.add(row_terms, -np.inf, float(money_units(portfolio.budget[year])))


def _groups(model: _Model, projects: list[Project]) -> None:
    """At most one project of each exclusive group."""
    members: dict[str, list[str]] = defaultdict(list)
    for project in projects:
        if project.exclusive_group:
            members[project.exclusive_group].append(project.id)
    for ids in members.values():
        if len(ids) > 1:
            model.add({c: 1.0 for pid in ids for c in model.x(pid)}, 0.0, 1.0)


def _links(model: _Model, portfolio: Portfolio) -> None:
    """Dependencies; a project out of play (or without starts) counts as not selected."""
    durations = {p.id: p.duration for p in portfolio.projects}
    for dep in portfolio.dependencies:
        pred, succ = dep.predecessor, dep.successor
        x_pred, x_succ = model.x(pred), model.x(succ)
        if dep.type is DependencyType.FS:
            # y[succ, s] <= sum of y[pred, s'] with s' + d_pred + lag <= s
            for start, col in model.starts.get(succ, ()):
                terms = {
                    c: -1.0
                    for s2, c in model.starts.get(pred, ())
                    if s2 + durations[pred] + dep.lag <= start
                }
                terms[col] = 1.0
                model.add(terms, -np.inf, 0.0)
        elif dep.type is DependencyType.REQUIRES:
            model.add(_combine(x_succ, x_pred, -1.0), -np.inf, 0.0)
        elif dep.type is DependencyType.EXCLUDES:
            model.add(_combine(x_succ, x_pred, 1.0), -np.inf, 1.0)
        elif dep.type is DependencyType.WITH:
            model.add(_combine(x_succ, x_pred, -1.0), 0.0, 0.0)


def _combine(first: dict[int, float], second: dict[int, float], factor: float) -> dict[int, float]:
    terms = dict(first)
    for col, coef in second.items():
        terms[col] = terms.get(col, 0.0) + factor * coef
    return terms


def _highs(
    model: _Model, time_limit: float, threads: int, gap: float, seed: int, log: bool
) -> highspy.Highs:
    highs = _new_highs()
    highs.setOptionValue("output_flag", log)
    highs.setOptionValue("time_limit", float(time_limit))
    highs.setOptionValue("threads", int(threads))
    highs.setOptionValue("mip_rel_gap", float(gap))
    highs.setOptionValue("random_seed", int(seed))
    n = len(model.costs)
    if n == 0:
        return highs
    empty = np.zeros(0)
    highs.addCols(
        n,
        np.array(model.costs),
        np.zeros(n),
        np.ones(n),
        0,
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        empty,
    )
    highs.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger, dtype=np.uint8)
    )
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    rows = [r for r in model.rows if r[0]]
    lower = np.array([r[1] for r in rows], dtype=float)
    upper = np.array([r[2] for r in rows], dtype=float)
    starts = np.cumsum([0] + [len(r[0]) for r in rows[:-1]], dtype=np.int32)
    index = np.array([c for r in rows for c in r[0]], dtype=np.int32)
    value = np.array([v for r in rows for v in r[0].values()], dtype=float)
    if rows:
        highs.addRows(len(rows), lower, upper, len(index), starts, index, value)
    return highs


def _read(highs: highspy.Highs, model: _Model) -> tuple[SolveStatus, dict[str, int]]:
    if not model.costs:
        infeasible = any(lo > 0 for terms, lo, _ in model.rows if not terms)
        return (SolveStatus.INFEASIBLE if infeasible else SolveStatus.OPTIMAL), {}
    status = highs.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return SolveStatus.INFEASIBLE, {}
    has_solution = highs.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
    if not has_solution:
        return SolveStatus.NO_SOLUTION, {}
    values = highs.getSolution().col_value
    plan = {
        pid: start for pid, cols in model.starts.items() for start, col in cols if values[col] > 0.5
    }
    optimal = status == highspy.HighsModelStatus.kOptimal
    return (SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE), plan


def _bound(highs: highspy.Highs, status: SolveStatus, value: float | None) -> float | None:
    if status is SolveStatus.OPTIMAL and not highs.getNumCol():
        return value
    if status is SolveStatus.INFEASIBLE:
        return None
    bound = highs.getInfo().mip_dual_bound
    return float(bound) if np.isfinite(bound) else None


_quiet_once: list[bool] = []


def _new_highs() -> highspy.Highs:
    """A HiGHS instance; the first of a process prints a banner on standard output, which
    would land in `pmo`'s JSON or table, so that one is made with the output sent away."""
    if _quiet_once:
        return highspy.Highs()
    _quiet_once.append(True)
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no real standard output (e.g. in Excel)
        return highspy.Highs()
    with contextlib.ExitStack() as stack:
        sink = os.open(os.devnull, os.O_WRONLY)
        stack.callback(os.close, saved)
        stack.callback(os.dup2, saved, 1)
        stack.callback(os.close, sink)
        os.dup2(sink, 1)
        return highspy.Highs()
