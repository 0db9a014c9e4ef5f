"""Can a group of projects be added to a plan as it stands, and with how little extra?

A small CP-SAT model. Every project of the plan keeps its start; each project of the group
gets one literal per start it may take (its window, after the predecessors the plan holds) and
FS links inside the group hold. Role capacity per month and each year's budget may be exceeded
only through extra variables, which are minimised: FTE first (in FTE-months), then money, then
the starts as early as possible. With `roles` / `years` only those count and the others are
unlimited, so the least extra of one role alone is above zero exactly when that role is short
at every combination of starts (`engine.explain` asks this when there are too many
combinations to try one by one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from engine.determinism import limit_by_work, work_seconds
from engine.feasibility import Ledger, year_costs
from engine.model import Portfolio

Link = tuple[str, str, int]  # (predecessor, successor, gap: its duration + lag), inside the group


@dataclass(frozen=True, slots=True)
class Insertion:
    """The least extra that lets the group in: where it starts, the FTE units and cents."""

    proven: bool  # the solver proved no smaller extra exists
    found: bool  # a solution was found (always, when the starts allow one)
    starts: dict[str, int] = field(default_factory=dict)
    fte: dict[tuple[str, int], int] = field(default_factory=dict)  # (role, month) -> FTE units
    money: dict[int, int] = field(default_factory=dict)  # year -> cents
    work: float = 0.0  # by work: the seconds of the limit the solves used (engine.determinism)

    @property
    def fits(self) -> bool:
        """Whether the group fits with no extra at all."""
        return self.found and not self.fte and not self.money


def least_extra(
    portfolio: Portfolio,
    ledger: Ledger,
    candidates: Mapping[str, Sequence[int]],
    links: Sequence[Link] = (),
    *,
    roles: set[str] | None = None,
    years: set[int] | None = None,
    time_limit: float = 5.0,
    seed: int = 0,
    by_work: bool = False,
) -> Insertion:
    """The least extra capacity and budget that lets the group in at once.

    `ledger` holds what the plan leaves; `candidates` each member's allowed starts (calendar
    months). `roles` / `years`: only these resources count (None: all of them). `by_work`:
    `time_limit` counts work done, not the clock (engine.determinism); the result's `work`
    says how much of it the solves used.
    """
    if time_limit <= 0 or any(not starts for starts in candidates.values()):
        return Insertion(proven=False, found=False)
    model = cp_model.CpModel()
    plan_start = portfolio.settings.plan_start
    horizon = portfolio.settings.horizon
    chosen: dict[str, dict[int, cp_model.IntVar]] = {}
    start_of: dict[str, cp_model.LinearExprT] = {}
    for pid, starts in candidates.items():
        literals = {s: model.new_bool_var(f"y[{pid},{s}]") for s in starts}
        model.add_exactly_one(literals.values())
        chosen[pid] = literals
        start_of[pid] = sum(s * y for s, y in literals.items())
    for a, b, gap in links:
        if a in start_of and b in start_of:
            model.add(start_of[b] >= start_of[a] + gap)

    fte_extra: dict[tuple[str, int], cp_model.IntVar] = {}
    load: dict[tuple[str, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    spend: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for pid, literals in chosen.items():
        project = portfolio.project(pid)
        profile = ledger.profile(project)
        for s, y in literals.items():
            for role, row in profile.items():
                if role not in ledger.capacity or (roles is not None and role not in roles):
                    continue
                for k, units in enumerate(row):
                    if units > 0 and 0 <= s + k - plan_start < horizon:
                        load[role, s + k].append((units, y))
            for year, cents in year_costs(portfolio, project, s).items():
                if years is None or year in years:
                    spend[year].append((cents, y))
    for (role, month), items in sorted(load.items()):
        left = ledger.capacity[role][month - plan_start]
        most = sum(units for units, _ in items)  # at most one start per member counts
        if most <= left:
            continue
        extra = model.new_int_var(0, max(most - left, 0), f"fte[{role},{month}]")
        model.add(sum(u * y for u, y in items) <= left + extra)
        fte_extra[role, month] = extra
    money_extra: dict[int, cp_model.IntVar] = {}
    for year, items in sorted(spend.items()):
        left = ledger.budget[year]
        most = sum(cents for cents, _ in items)
        if most <= left:
            continue
        extra = model.new_int_var(0, max(most - left, 0), f"money[{year}]")
        model.add(sum(c * y for c, y in items) <= left + extra)
        money_extra[year] = extra

    # FTE first, then money, then early starts: three solves of one growing model
    proven = True
    solver = None
    work = 0.0
    objectives = [
        sum(fte_extra.values()),
        sum(money_extra.values()),
        sum(start_of.values()),
    ]
    for index, objective in enumerate(objectives):
        model.minimize(objective)
        solver = _solver(time_limit / len(objectives), seed, by_work)
        status = solver.solve(model)
        work += work_seconds(solver) if by_work else 0.0
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Insertion(proven=False, found=False, work=work)
        if status != cp_model.OPTIMAL:
            proven = False
            if index < 2:
                break  # an unproven stage: keep its solution rather than bound the next
        model.add(objective <= round(solver.objective_value))
        _hint(model, solver, chosen)
    assert solver is not None
    return Insertion(
        proven=proven,
        found=True,
        starts={pid: _value_start(solver, literals) for pid, literals in chosen.items()},
        fte={key: v for key, var in fte_extra.items() if (v := solver.value(var)) > 0},
        money={year: v for year, var in money_extra.items() if (v := solver.value(var)) > 0},
        work=work,
    )


def _value_start(solver: cp_model.CpSolver, literals: dict[int, cp_model.IntVar]) -> int:
    return next(s for s, y in literals.items() if solver.boolean_value(y))


def _hint(model: cp_model.CpModel, solver: cp_model.CpSolver, chosen) -> None:
    model.clear_hints()
    for literals in chosen.values():
        for y in literals.values():
            model.add_hint(y, solver.boolean_value(y))


def _solver(seconds: float, seed: int, by_work: bool = False) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    # CP-SAT's own SIGINT handling would leave Ctrl-C killing the process afterwards
    # (engine.optimiser._run): the interrupt is Python's, raised when this small solve ends
    solver.parameters.catch_sigint_signal = False
    solver.parameters.max_time_in_seconds = max(seconds, 0.01)
    if by_work:
        limit_by_work(solver, max(seconds, 0.01))
    solver.parameters.num_workers = 1  # the same answer every run
    solver.parameters.random_seed = seed
    return solver
