"""A reason in plain words for every project left out of a plan.

Reasons are computed against the plan itself: capacity and budget left by the selected
projects, dependencies and exclusions among them. For capacity, the reason names the role
and months short at every allowed start, the cheapest start's extra FTE, and a lower-scored
selected project whose removal would let this one in.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping

from engine.balance import broken_rules, shares
from engine.feasibility import (
    Ledger,
    Shortfall,
    allowed_starts,
    describe_shortfalls,
    year_costs_left,
)
from engine.hiring import Units, hire_cost_by_year, hired_fte_units
from engine.managers import assign_managers
from engine.model import DependencyType, Force, Portfolio, Project, ProjectStatus
from engine.months import month_range_text, month_runs_text, month_text
from engine.plan import scores
from engine.result import ShortfallCell
from engine.units import FTE_UNITS, MONEY_UNITS
from engine.wording import balance_rule, gate_words, label, share_text

DISPLACEMENT_TRIES = 12  # lowest-scored selected projects tried as a swap, per deferral
MONEY_PER_FTE_MONTH = 1e6  # ranking starts: a million over budget weighs one FTE-month short
REMATCH_SECONDS = 1.0  # in all, for re-matching the plan's managers (Assign)


def plan_ledger(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    hires: Units | None = None,
    managers: Mapping[str, str] | None = None,
) -> Ledger:
    """The capacity and budget left by the plan: its hires added, its projects taken (under
    Assign, with the managers `managers` names)."""
    ledger = Ledger(portfolio)
    if hires:
        ledger.add_hires(hired_fte_units(portfolio, hires), hire_cost_by_year(portfolio, hires))
    for pid, start in starts.items():
        ledger.commit(portfolio.project(pid), start, (managers or {}).get(pid))
    return ledger


def deferral_reasons(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    hires: Units | None = None,
    managers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """{project ID: reason} for every project not in `starts` (the plan's hires counted;
    `managers`: the plan's staffing under Assign)."""
    ledger = plan_ledger(portfolio, starts, hires, managers)
    score_by_id = scores(portfolio)
    rematch = _Rematch(portfolio, starts)
    reasons = {}
    for project in portfolio.projects:
        if project.id not in starts:
            reasons[project.id] = _reason(portfolio, project, starts, ledger, score_by_id, rematch)
    return reasons


class _Rematch:
    """Under Assign: would matching all the plan's managers anew free one for a project at a
    start? A small solve each, within `REMATCH_SECONDS` in all for one set of reasons."""

    def __init__(self, portfolio: Portfolio, starts: Mapping[str, int]) -> None:
        self.portfolio = portfolio
        self.starts = starts
        self.deadline = time.perf_counter() + REMATCH_SECONDS

    def __call__(self, project: Project, start: int) -> bool:
        left = self.deadline - time.perf_counter()
        if left <= 0.01:
            return False  # the reason then says "as the plan assigns them": still true
        plan = {**self.starts, project.id: start}
        return assign_managers(self.portfolio, plan, time_limit=left) is not None


def _reason(portfolio, project: Project, starts, ledger: Ledger, score_by_id, rematch) -> str:
    if project.force is Force.OUT:
        return "Forced out"
    if project.gate is not None and project.gate.blocks:
        return gate_words(project.gate)
    if project.stoppable and project.status is ProjectStatus.IN_FLIGHT:
        return stopped_reason(portfolio, project)
    if project.status in (ProjectStatus.CLOSED, ProjectStatus.ON_HOLD):
        return f"Status is {project.status.value}"
    window = allowed_starts(portfolio, project)
    if not window:
        return (
            f"No start month lets its {project.duration} months finish inside the horizon "
            "and its start window; widen the window or extend the horizon"
        )
    link = _link_reason(portfolio, project, starts)
    if link:
        return link
    first, late = _earliest_after_predecessors(portfolio, project, starts)
    candidates = [s for s in window if s >= first]
    if not candidates:
        return (
            f"{label(portfolio, late)} finishes too late: the first possible start "
            f"{month_text(first)} is after its latest start {month_text(window[-1])}"
        )
    text = _capacity_reason(portfolio, project, candidates, starts, ledger, score_by_id, rematch)
    caps = _balance_block(portfolio, project, starts)
    if not caps:
        return text
    if text.startswith(FITS):
        return f"Held back by a balance rule: {caps}"
    return f"{text}. It would also break a balance rule: {caps}"


def _balance_block(portfolio: Portfolio, project: Project, starts) -> str:
    """The balance rules that adding the project to the plan would break, in words."""
    if not portfolio.balance:
        return ""
    with_it = [*starts, project.id]
    after = dict(shares(portfolio, with_it))
    broken = broken_rules(portfolio, with_it)
    return "; ".join(
        f"{balance_rule(rule)} (with it: {share_text(after[rule] or 0.0)})"
        for rule in broken
        if rule not in broken_rules(portfolio, starts)
    )


FITS = "Fits from"


def stopped_reason(portfolio: Portfolio, project: Project) -> str:
    """Why an in-flight project that may be stopped was: what stopping it frees."""
    plan_start = portfolio.settings.plan_start
    start = project.fixed_start if project.fixed_start is not None else plan_start
    freed = sum(
        units
        for row in Ledger(portfolio).profile(project).values()
        for k, units in enumerate(row)
        if start + k >= plan_start
    )
    saved = sum(year_costs_left(portfolio, project, start).values()) / MONEY_UNITS
    value = scores(portfolio)[project.id]
    return (
        f"Stopped (in flight, Can stop): finishing it would bring {value:g} of score; "
        f"stopping frees {freed / FTE_UNITS:g} FTE-months and {saved:,.0f} of remaining "
        "cost for projects worth more"
    )


def _link_reason(portfolio: Portfolio, project: Project, starts) -> str | None:
    for dep in portfolio.dependencies:
        a, b = dep.predecessor, dep.successor
        if dep.type in (DependencyType.FS, DependencyType.REQUIRES) and b == project.id:
            if a not in starts:
                return f"Needs {label(portfolio, a)}, which is not in the plan"
        elif dep.type is DependencyType.EXCLUDES and project.id in (a, b):
            other = b if a == project.id else a
            if other in starts:
                return f"Excludes {label(portfolio, other)}, which is in the plan"
        elif dep.type is DependencyType.WITH and project.id in (a, b):
            other = b if a == project.id else a
            if other not in starts:
                return f"Must go together with {label(portfolio, other)}, which is not in the plan"
    group = project.exclusive_group
    if group:
        rivals = [
            p.id
            for p in portfolio.projects
            if p.exclusive_group == group and p.id in starts and p.id != project.id
        ]
        if rivals:
            return f'Exclusive group "{group}": {label(portfolio, rivals[0])} is in the plan'
    return None


def _earliest_after_predecessors(portfolio: Portfolio, project: Project, starts):
    """The first start its FS predecessors allow, and the predecessor that sets it."""
    first, late = -(10**9), ""
    for dep in portfolio.dependencies:
        if (
            dep.type is DependencyType.FS
            and dep.successor == project.id
            and (dep.predecessor in starts)
        ):
            pred = portfolio.project(dep.predecessor)
            allowed = starts[pred.id] + pred.duration + dep.lag
            if allowed > first:
                first, late = allowed, pred.id
    return first, late


def _capacity_reason(
    portfolio, project, candidates, starts, ledger: Ledger, score_by_id, rematch: _Rematch
) -> str:
    per_start: list[tuple[int, list[Shortfall], dict[int, int]]] = []
    unstaffed: set[int] = set()  # starts where no project manager is free for it (Assign)
    for start in candidates:
        shortfalls, over = ledger.shortfalls(project, start), ledger.over_budget(project, start)
        if not shortfalls and not over:
            # re-matching the plan's managers is a small solve: tried at one start only
            if ledger.manager_free(project, start) or (not unstaffed and rematch(project, start)):
                return (
                    f"{FITS} {month_text(start)} with the capacity and budget left, but "
                    "the solver stopped before adding it; re-run with a longer time limit"
                )
            unstaffed.add(start)
            continue
        per_start.append((start, shortfalls, over))
    span = month_range_text(candidates[0], candidates[-1])
    if not per_start:
        return (
            f"No project manager on People is free for it at any start {span} (as the plan "
            "assigns them, each is at Max concurrent projects or not available then); add a "
            "manager, raise a limit or extend an availability"
        )
    if unstaffed:  # the other starts are blocked by capacity or budget: say which are which
        span = month_runs_text([s for s, _, _ in per_start])
    parts = []
    always_short = set.intersection(*({s.role for s in sf} for _, sf, _ in per_start))
    if always_short:
        parts.append(f"Not enough {', '.join(sorted(always_short))} left at any start {span}")
    always_over = set.intersection(*(set(over) for _, _, over in per_start))
    if always_over:
        years = ", ".join(str(y) for y in sorted(always_over))
        parts.append(f"would break the {years} budget at any start {span}")
    if not parts:
        parts.append(f"Blocked at every start {span} by capacity or budget")
    if unstaffed:
        parts.append(
            f"no project manager on People is free at {month_runs_text(sorted(unstaffed))} "
            "(as the plan assigns them)"
        )
    best_start, shortfalls, over = min(
        per_start,
        key=lambda item: (
            sum(s.missing for s in item[1]) / FTE_UNITS
            + sum(item[2].values()) / MONEY_UNITS / MONEY_PER_FTE_MONTH,
            item[0],
        ),
    )
    needs = []
    if shortfalls:
        needs.append(f"+FTE: {describe_shortfalls(shortfalls, most=3)}")
    for year, cents in sorted(over.items()):
        needs.append(f"+{cents / MONEY_UNITS:,.0f} of {year} budget")
    text = "; ".join(parts)
    text = (
        f"{text[0].upper()}{text[1:]}. To start {month_text(best_start)} it needs "
        + " and ".join(needs)
    )
    swap = _displaceable(portfolio, project, candidates, starts, ledger, score_by_id)
    if swap:
        text += f". It would fit if {swap} were dropped"
    return text


def _displaceable(
    portfolio, project, candidates, starts, ledger: Ledger, score_by_id
) -> str | None:
    """The lowest-scored selected project (not must-run) whose removal lets this one fit."""
    dependants = {
        d.predecessor
        for d in portfolio.dependencies
        if d.type is not DependencyType.EXCLUDES and d.successor in starts
    }
    tried = 0
    for other_id in sorted(starts, key=lambda pid: (score_by_id[pid], pid)):
        other = portfolio.project(other_id)
        if other.must_run or other_id in dependants:
            continue
        tried += 1
        if tried > DISPLACEMENT_TRIES:
            return None
        trial = ledger.copy()
        trial.release(other, starts[other_id])
        if any(trial.fits(project, s) for s in candidates):
            return f"{label(portfolio, other_id)} (score {score_by_id[other_id]:g})"
    return None


def deferred_shortfall(
    portfolio: Portfolio, starts: Mapping[str, int], hires: Units | None = None
) -> tuple[ShortfallCell, ...]:
    """By role and month, the FTE the deferred projects lack and the score they would bring.

    Each deferred project in play is taken at its allowed start that lacks the fewest
    FTE-months after the plan (its hires counted); projects blocked by links, or by money
    alone, lack no FTE and are not counted.
    """
    ledger = plan_ledger(portfolio, starts, hires)
    score_by_id = scores(portfolio)
    missing: dict[tuple[str, int], int] = defaultdict(int)
    who: dict[tuple[str, int], list[str]] = defaultdict(list)
    for project in portfolio.projects:
        if project.id in starts or project.out_of_play:
            continue
        if _link_reason(portfolio, project, starts):
            continue
        first, _late = _earliest_after_predecessors(portfolio, project, starts)
        window = [s for s in allowed_starts(portfolio, project) if s >= first]
        if not window:
            continue
        lacks = min(
            (ledger.shortfalls(project, s) for s in window),
            key=lambda items: sum(item.missing for item in items),
        )
        for item in lacks:
            missing[item.role, item.month] += item.missing
            who[item.role, item.month].append(project.id)
    return tuple(
        ShortfallCell(
            role,
            month,
            missing[role, month] / FTE_UNITS,
            round(sum(score_by_id[pid] for pid in who[role, month]), 3),
            tuple(who[role, month]),
        )
        for role, month in sorted(missing, key=lambda key: (portfolio.roles.index(key[0]), key[1]))
    )
