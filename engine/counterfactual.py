"""Solved, not guessed: what a deferred project would displace, and the least extra capacity
that would let it in; for a selected one, what leaving it out would cost.

Within one time budget (Settings "Reasons time", by default a tenth of the time limit, at
most what is left of the limit when the plan is made: engine.time_split), deferred projects
first, highest score first, then the projects selected on their merit:

- the least extra FTE per role and month (then money per year) that lets a project held
  back by capacity in, with nobody dropped or moved: a small model over its group only
  (`engine.insertion`), reported only when proven least;
- the project forced in (or, selected, forced out) and the portfolio re-solved, in two
  stages: first with every other project of the plan kept where it is or dropped (a small
  model, usually proven at once: "best with nobody else moved"), then the whole portfolio
  from that plan with the time left, where a change to the plan costs a thousandth of a
  point so nothing moves for nothing. The better plan is reported: who leaves, who comes
  in, who moves, and the total score; "best possible" only when proven.

Whatever the budget does not reach says `NOT_COMPUTED`, never a guess.

The budget is wall-clock time, each model solved by one worker: what it reaches depends on
the machine, so two runs may explain a different number of projects (never differently: an
answer given is a plan found or a bound proven).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping

from ortools.sat.python import cp_model

from engine.cpsat_model import PortfolioModel
from engine.determinism import limit_by_work, work_seconds
from engine.explain import insertion_inputs, plan_ledger
from engine.greedy import greedy_objective, greedy_starts
from engine.hiring import Units, hire_runs
from engine.insertion import least_extra
from engine.model import Force, Objective, Portfolio
from engine.plan import priority_order, scores
from engine.reasons import (
    NOT_COMPUTED,
    Displacement,
    Extra,
    MoneyShort,
    Reason,
    ReasonKind,
    Shortage,
)
from engine.stability import Baseline
from engine.units import FTE_UNITS, MONEY_UNITS
from engine.wording import reason_text

BUDGET_SHARE = 0.1  # of the time limit, when Settings leave "Reasons time" blank
EXTRA_SECONDS = 2.0  # at most, per least-extra model
STEADY_POINTS = "0.001"  # stability of the re-solves: a change must gain something
MIN_SLICE = 0.05  # seconds: less than this left, and no least-extra model is started
RESOLVE_SLICE = 0.3  # seconds at least per re-solve: the highest scores get them first
RESOLVE_SECONDS_PER_PROJECT = 0.001  # ... and at least this per project of the portfolio

# deferrals the plan could change: capacity, timing it causes, rivals it holds
DISPLACEABLE = frozenset(
    {
        ReasonKind.CAPACITY,
        ReasonKind.TIMING,
        ReasonKind.EXCLUDED,
        ReasonKind.GROUP_TAKEN,
        ReasonKind.NOT_CHOSEN,
    }
)


def reasons_budget(portfolio: Portfolio, time_limit: float | None = None) -> float:
    """Seconds for counterfactuals: Settings "Reasons time", else a tenth of the time limit
    (the run's, when it overrides the Settings)."""
    given = portfolio.settings.explain_time
    if given is not None:
        return float(given)
    return BUDGET_SHARE * (time_limit if time_limit is not None else portfolio.settings.time_limit)


def add_counterfactuals(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    reasons: Mapping[str, Reason],
    *,
    budget: float,
    seed: int = 0,
    hires: Units | None = None,
    managers: Mapping[str, str] | None = None,
    reproducible: bool = False,
) -> dict[str, Reason]:
    """The reasons with their counterfactuals, solved within `budget` seconds (the plan's
    hires counted, and its managers under Assign); `reproducible`: seconds counted as work
    done (engine.determinism), so the same reasons come on any machine and load."""
    clock = _Budget(budget, reproducible)
    score = scores(portfolio)
    out = dict(reasons)
    deferred = sorted(
        (pid for pid, r in reasons.items() if pid not in starts and _displaceable(r)),
        key=lambda pid: (-score[pid], pid),
    )
    merit = sorted(
        (pid for pid, r in reasons.items() if r.kind is ReasonKind.ON_MERIT),
        key=lambda pid: (-score[pid], pid),
    )
    ledger = plan_ledger(portfolio, starts, hires, managers)
    value_before = greedy_objective(portfolio, dict(starts), Objective.VALUE)
    todo = [(pid, Force.IN) for pid in deferred] + [(pid, Force.OUT) for pid in merit]
    for index, (pid, force) in enumerate(todo):
        if out[pid].kind is ReasonKind.CAPACITY:
            out[pid] = _with_extra(portfolio, starts, ledger, out[pid], pid, clock, seed)
        remaining = clock.left()
        if remaining < resolve_slice(len(portfolio.projects)):
            out[pid] = dataclasses.replace(out[pid], displacement_note=NOT_COMPUTED)
            continue
        share = min(remaining, max(remaining / (len(todo) - index), RESOLVE_SLICE))
        first = reasons[pid].group or (pid,)
        found = _displace(portfolio, starts, pid, first, force, share, clock, seed, value_before)
        if isinstance(found, Displacement):
            out[pid] = dataclasses.replace(out[pid], displacement=found)
        else:
            out[pid] = dataclasses.replace(out[pid], displacement_note=found)
    return {
        pid: r.with_text(reason_text(portfolio, pid, r)) if r is not reasons[pid] else r
        for pid, r in out.items()
    }


def resolve_slice(n_projects: int) -> float:
    """Seconds that must be left to start a re-solve: building its two models of the whole
    portfolio takes time that grows with it (about half a millisecond a project each, on
    the bench machine), and a re-solve begun without it would end past the budget."""
    return max(RESOLVE_SLICE, RESOLVE_SECONDS_PER_PROJECT * n_projects)


def _displaceable(reason: Reason) -> bool:
    if reason.kind not in DISPLACEABLE:
        return False
    return not (reason.timing is not None and reason.timing.structural)


class _Budget:
    """Seconds left until the deadline; reproducible: seconds of work left (deterministic
    time, engine.determinism), the same on any machine."""

    def __init__(self, seconds: float, reproducible: bool = False) -> None:
        self.seconds = max(seconds, 0.0)
        self.deadline = time.perf_counter() + self.seconds
        self.reproducible = reproducible
        self.spent = 0.0

    def left(self) -> float:
        if self.reproducible:
            return max(self.seconds - self.spent, 0.0)
        return max(self.deadline - time.perf_counter(), 0.0)

    def limit(self, solver: cp_model.CpSolver, seconds: float) -> None:
        """Stop the solver after `seconds`, on the clock or by work done."""
        if self.reproducible:
            limit_by_work(solver, seconds)
        else:
            solver.parameters.max_time_in_seconds = seconds

    def spend(self, seconds_of_work: float) -> None:
        """Count work done against the budget (reproducible; the clock counts by itself)."""
        self.spent += seconds_of_work


def _with_extra(portfolio, starts, ledger, reason: Reason, pid: str, clock: _Budget, seed: int):
    remaining = clock.left()
    if remaining < MIN_SLICE:
        return dataclasses.replace(reason, extra_note=NOT_COMPUTED)
    members = reason.group or (pid,)
    candidates, links = insertion_inputs(portfolio, starts, members)
    found = least_extra(
        portfolio,
        ledger,
        candidates,
        links,
        time_limit=min(remaining, EXTRA_SECONDS),
        seed=seed,
        by_work=clock.reproducible,
    )
    clock.spend(found.work)
    if not (found.found and found.proven):
        return dataclasses.replace(reason, extra_note=NOT_COMPUTED)
    extra = Extra(
        starts=tuple((m, found.starts[m]) for m in members),
        fte=tuple(
            Shortage(role, month, units / FTE_UNITS)
            for (role, month), units in sorted(
                found.fte.items(),
                key=lambda kv: (list(portfolio.capacity).index(kv[0][0]), kv[0][1]),
            )
        ),
        money=tuple(
            MoneyShort(year, cents / MONEY_UNITS) for year, cents in sorted(found.money.items())
        ),
    )
    return dataclasses.replace(reason, extra=extra)


def _displace(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    pid: str,
    group: tuple[str, ...],
    force: Force,
    seconds: float,
    clock: _Budget,
    seed: int,
    value_before: float,
) -> Displacement | str:
    """The best plan found with the project forced in (or out), against the plan as it is:
    first with the others kept in place (or dropped), then re-solved as a whole."""
    kept_in_place = _in_place(portfolio, starts, pid, group, force)
    first = _solve(kept_in_place, starts, None, seconds / 2, clock, seed)
    if first == cp_model.INFEASIBLE:
        return "no plan holds it with every project that must run"
    forced = _forced(portfolio, pid, force)
    hint = first[0] if isinstance(first, tuple) else _repaired(forced, starts, group, pid, force)
    rest = min(seconds / 2, clock.left())
    second = _solve(forced, starts, hint, rest, clock, seed) if rest > MIN_SLICE else None
    found = [c for c in (first, second) if isinstance(c, tuple)]
    if not found:
        return NOT_COMPUTED

    def worth(plan: dict[str, int]) -> float:
        return greedy_objective(portfolio, plan, Objective.VALUE)

    # the better plan; at equal value the first stage's, which moves nobody
    best = max(found, key=lambda c: worth(c[0]))
    plan = best[0]
    proven = isinstance(second, tuple) and second[1] == cp_model.OPTIMAL
    proven = proven and worth(plan) >= worth(second[0])  # type: ignore[index]
    in_place = isinstance(first, tuple) and first[1] == cp_model.OPTIMAL and plan is first[0]
    return Displacement(
        forced=force.value.lower(),
        start=plan.get(pid),
        dropped=tuple(p for p in starts if p not in plan and p != pid),
        added=tuple(p for p in plan if p not in starts and p != pid),
        moved=tuple((p, starts[p], plan[p]) for p in plan if p in starts and plan[p] != starts[p]),
        value_before=value_before,
        value_after=worth(plan),
        proven=proven,
        proven_in_place=in_place and not proven,
        plan=tuple(sorted(plan.items())),
        hires=tuple(
            (h.role, h.option, h.first, h.last, h.units, h.cost)
            for h in hire_runs(portfolio, best[2])
        ),
        managers=tuple(sorted(best[3].items())),
    )


Solved = tuple[dict[str, int], cp_model.CpSolverStatus, Units, dict[str, str]]


def _solve(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    hint: Mapping[str, int] | None,
    seconds: float,
    clock: _Budget,
    seed: int,
) -> Solved | cp_model.CpSolverStatus:
    """(plan, status, hires, managers) of a `value` re-solve that keeps `starts` steady;
    the status alone when no plan was found."""
    built = PortfolioModel(portfolio, Objective.VALUE, baseline=Baseline(dict(starts)))
    built.hint(dict(hint) if hint is not None else {p: s for p, s in starts.items()})
    solver = cp_model.CpSolver()
    # CP-SAT's own SIGINT handling would leave Ctrl-C killing the process afterwards
    # (engine.optimiser._run): the interrupt is Python's, raised when this small solve ends
    solver.parameters.catch_sigint_signal = False
    clock.limit(solver, max(min(seconds, clock.left()), 0.01))
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(built.model)
    clock.spend(work_seconds(solver))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status
    return built.plan(solver), status, built.hired(solver), built.variables.managers(solver)


def _in_place(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    pid: str,
    group: tuple[str, ...],
    force: Force,
) -> Portfolio:
    """The first stage: every project of the plan but `pid` may only stay where it is or go;
    forced in, only its group may come in; forced out, any deferred project may."""
    projects = []
    for p in portfolio.projects:
        if p.id == pid:
            p = dataclasses.replace(p, force=force)
        elif p.id in starts:
            p = dataclasses.replace(p, fixed_start=starts[p.id])
        elif force is Force.IN and p.id not in group and not p.out_of_play:
            p = dataclasses.replace(p, force=Force.OUT)
        projects.append(p)
    settings = dataclasses.replace(portfolio.settings, stability=STEADY_POINTS)
    return dataclasses.replace(portfolio, projects=tuple(projects), settings=settings)


def _forced(portfolio: Portfolio, pid: str, force: Force) -> Portfolio:
    projects = tuple(
        dataclasses.replace(p, force=force) if p.id == pid else p for p in portfolio.projects
    )
    settings = dataclasses.replace(portfolio.settings, stability=STEADY_POINTS)
    return dataclasses.replace(portfolio, projects=projects, settings=settings)


def _repaired(
    forced: Portfolio, starts: Mapping[str, int], first: tuple[str, ...], pid: str, force: Force
) -> dict[str, int]:
    """A hint: the plan as it stands, with the forced project's group placed first (the
    waterline puts what still fits around it); or without the project forced out."""
    rank = {m: i for i, m in enumerate(first)} if force is Force.IN else {}
    order = sorted(
        priority_order(forced),
        key=lambda p: (
            p.id not in rank,
            rank.get(p.id, 0),
            p.fixed_start is None,
            not p.must_run,
            p.id not in starts,
        ),
    )
    preferred = {p: [s] for p, s in starts.items() if p != pid}
    plan, _unplaced = greedy_starts(forced, Objective.VALUE, order=order, preferred=preferred)
    return plan
