"""Balance: the shares of the selection that groups of projects must take.

A `BalanceRule` says that the projects whose `dimension` (Department, Programme, Strategic
objective, any Intake column, or Perspective) equals `value` take at least `min_share` and at
most `max_share` of the selected projects' cost, FTE-months, count or score. A share is a
ratio, but `share >= min` is linear once multiplied out:

    sum over selected p of (in_group(p) - min) * weight(p) >= 0

with the shares in integer units (`SHARE_UNITS`, the minimum rounded up and the maximum down,
so every plan the model accepts keeps the rule as written) and the weights in the engine's
integer units. A project's Perspective is the balanced-scorecard perspective of the criteria
that give it the most weighted score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from engine.feasibility import demand_profile
from engine.groups import in_group
from engine.model import BalanceRule, DependencyType, Measure, Portfolio, Project
from engine.plan import score_units

SHARE_UNITS = 10_000  # shares to 0.01 %


def weight(portfolio: Portfolio, project: Project, measure: Measure) -> int:
    """What the project counts for under a measure, in integer units: whole money, FTE units
    per month summed, 1, or score units."""
    if measure is Measure.COST:
        return round(project.cost)
    if measure is Measure.FTE:
        return sum(sum(row) for row in demand_profile(portfolio, project).values())
    if measure is Measure.COUNT:
        return 1
    return score_units(portfolio, project)


def share_limits(rule: BalanceRule) -> tuple[int | None, int | None]:
    """The rule's minimum (rounded up) and maximum (rounded down) in share units."""
    low = None if rule.min_share is None else math.ceil(rule.min_share * SHARE_UNITS - 1e-9)
    high = None if rule.max_share is None else math.floor(rule.max_share * SHARE_UNITS + 1e-9)
    return low, high


def coefficients(portfolio: Portfolio, rule: BalanceRule) -> dict[str, tuple[int, int]]:
    """Per project in play: (coefficient of its selection in `share >= min`, in `share <=
    max`); each row reads sum(coefficient x selected) >= 0. A side without a limit is 0."""
    low, high = share_limits(rule)
    result = {}
    for project in portfolio.projects:
        if project.out_of_play:
            continue
        w = weight(portfolio, project, rule.measure)
        member = SHARE_UNITS if in_group(portfolio, project, rule) else 0
        result[project.id] = (
            0 if low is None else (member - low) * w,
            0 if high is None else (high - member) * w,
        )
    return result


def shares(portfolio: Portfolio, selected: Iterable[str]) -> list[tuple[BalanceRule, float | None]]:
    """Each rule with the share its group takes of the selection (None when the selection
    has none of the measure)."""
    chosen = [portfolio.project(pid) for pid in selected]
    found: list[tuple[BalanceRule, float | None]] = []
    for rule in portfolio.balance:
        total = sum(weight(portfolio, p, rule.measure) for p in chosen)
        part = sum(
            weight(portfolio, p, rule.measure) for p in chosen if in_group(portfolio, p, rule)
        )
        found.append((rule, part / total if total else None))
    return found


def broken_rules(portfolio: Portfolio, selected: Iterable[str]) -> list[BalanceRule]:
    """The rules the selection breaks (by the model's integer arithmetic)."""
    ids = list(selected)
    broken = []
    for rule in portfolio.balance:
        rows = coefficients(portfolio, rule)
        low = sum(rows[pid][0] for pid in ids if pid in rows)
        high = sum(rows[pid][1] for pid in ids if pid in rows)
        if low < 0 or high < 0:
            broken.append(rule)
    return broken


def members(portfolio: Portfolio, rule: BalanceRule) -> Mapping[str, bool]:
    """{project ID: in the rule's group} for every project."""
    return {p.id: in_group(portfolio, p, rule) for p in portfolio.projects}


def rebalanced(portfolio: Portfolio, starts: Mapping[str, int]) -> dict[str, int] | None:
    """The plan with projects taken out until every balance rule holds, or None.

    A plan made without the rules (the waterline) loses, one at a time, the lowest-scored
    project whose removal moves a broken share the right way (a member of a group over its
    cap, a non-member of a group under its floor), with everything that needs it. Taking
    projects out frees capacity and budget, so the rest still fits. Must-run projects are
    never taken out: None when only they could be.
    """
    plan = dict(starts)
    scores = {p.id: score_units(portfolio, p) for p in portfolio.projects}
    while True:
        broken = broken_rules(portfolio, plan)
        if not broken:
            return plan
        candidates: set[str] = set()
        for rule in broken:
            rows = coefficients(portfolio, rule)
            low = sum(rows[pid][0] for pid in plan if pid in rows)
            for pid in plan:
                project = portfolio.project(pid)
                if project.must_run or pid not in rows:
                    continue
                # removing p changes the row by -coefficient: it helps when that is positive
                side = 0 if low < 0 else 1
                if rows[pid][side] < 0:
                    candidates.add(pid)
        if not candidates:
            return None
        victim = min(candidates, key=lambda pid: (scores[pid], pid))
        gone = _with_dependants(portfolio, plan, victim)
        if any(portfolio.project(pid).must_run for pid in gone):
            return None
        for pid in gone:
            plan.pop(pid, None)


def _with_dependants(portfolio: Portfolio, plan: Mapping[str, int], first: str) -> set[str]:
    """The project and every planned project that cannot stay without it."""
    gone, todo = {first}, [first]
    while todo:
        pid = todo.pop()
        for dep in portfolio.dependencies:
            other = None
            if dep.type in (DependencyType.FS, DependencyType.REQUIRES) and dep.predecessor == pid:
                other = dep.successor
            elif dep.type is DependencyType.WITH and pid in (dep.predecessor, dep.successor):
                other = dep.successor if dep.predecessor == pid else dep.predecessor
            if other is not None and other in plan and other not in gone:
                gone.add(other)
                todo.append(other)
    return gone
