"""The waterline: what a PMO does by hand, and the baseline every benchmark compares against.

Rank by weighted score (work in flight and mandatory projects first), put each project at its
earliest start that fits the capacity and budget left, skip what does not fit. A project that
must run brings in what it needs first: its Requires and FS predecessors (and theirs, and those
of its With partners), each at its earliest fit, all or nothing. With the `finish` objective
every project must be placed, in dependency order (a serial schedule).
"""

from __future__ import annotations

import heapq
import random
import time
from collections import defaultdict

from engine.alternatives import finish_alternatives, with_alternatives_set_aside
from engine.balance import broken_rules
from engine.explain import impossible_projects
from engine.feasibility import Ledger, allowed_starts
from engine.managers import assign_managers
from engine.model import DependencyType, Objective, Portfolio, Project
from engine.plan import outcomes, priority_order, score_units, utilisation
from engine.reasons import Reason
from engine.result import Result, SolveStatus
from engine.units import SCORE_UNITS
from engine.validation import errors, validate
from engine.wording import reason_text


def greedy(portfolio: Portfolio, *, objective: Objective | None = None) -> Result:
    """Plan by the waterline; status FEASIBLE when every rule holds, NO_SOLUTION otherwise."""
    began = time.perf_counter()
    objective = objective or portfolio.settings.objective
    problems = validate(portfolio)
    if errors(problems):
        return Result(
            SolveStatus.INVALID_INPUT,
            problems=tuple(problems),
            strategy="greedy",
            objective_name=objective.value,
        )
    everyone = objective is Objective.FINISH
    aside: dict[str, Reason] = {}
    if everyone:
        aside = impossible_projects(portfolio)
        aside.update(finish_alternatives(with_alternatives_set_aside(portfolio, aside)))
    planned = with_alternatives_set_aside(portfolio, aside)
    starts, unplaced = greedy_starts(planned, objective)
    missing_must = [pid for pid in unplaced if portfolio.project(pid).must_run]
    failed = (
        missing_must
        or (everyone and any(not planned.project(pid).out_of_play for pid in unplaced))
        or bool(broken_rules(portfolio, starts))  # the waterline knows no balance rules
    )
    reasons: dict[str, str | Reason] = {
        pid: "Did not fit when its turn came in the waterline" for pid in unplaced
    }
    reasons.update({pid: r.with_text(reason_text(portfolio, pid, r)) for pid, r in aside.items()})
    value = greedy_objective(portfolio, starts, objective)
    managers = assign_managers(portfolio, starts) if portfolio.assigns_managers else None
    return Result(
        SolveStatus.NO_SOLUTION if failed else SolveStatus.FEASIBLE,
        objective=None if failed else value,
        wall_time=time.perf_counter() - began,
        strategy="greedy",
        projects=outcomes(portfolio, starts, reasons, managers),
        utilisation=utilisation(portfolio, starts),
        problems=tuple(problems),
        objective_name=objective.value,
    )


def greedy_objective(portfolio: Portfolio, starts: dict[str, int], objective: Objective) -> float:
    """Total score of the placed projects, or the month count until the last one finishes."""
    if objective is Objective.FINISH:
        ends = [s + portfolio.project(pid).duration for pid, s in starts.items()]
        return float(
            max(ends, default=portfolio.settings.plan_start) - portfolio.settings.plan_start
        )
    return sum(score_units(portfolio, portfolio.project(pid)) for pid in starts) / SCORE_UNITS


def greedy_starts(
    portfolio: Portfolio,
    objective: Objective = Objective.VALUE,
    *,
    by_density: bool = False,
    order: list[Project] | None = None,
    preferred: dict[str, list[int]] | None = None,
    jitter: dict[str, float] | None = None,
) -> tuple[dict[str, int], list[str]]:
    """The waterline plan as {project ID: start month}, and the IDs it could not place.

    Warm-start variants: `by_density` ranks by score per scarce FTE-month instead of by
    score; `order` gives the ranking outright, and `preferred` the starts to try first;
    `jitter` (for `finish`) replaces projects' latest starts in the serial schedule's order.
    """
    ledger = Ledger(portfolio)
    links = _Links(portfolio, preferred or {})
    order = order or priority_order(portfolio, by_density=by_density)
    if objective is Objective.FINISH:
        # a serial schedule by latest start (the classic RCPSP priority rule), fixed first
        latest = {**links.latest_starts(), **(jitter or {})}
        order = links.topological(
            sorted(order, key=lambda p: (p.fixed_start is None, latest[p.id], p.id))
        )
    starts: dict[str, int] = {}
    skipped: list[str] = []
    rank = {p.id: i for i, p in enumerate(order)}
    for project in order:
        if project.id in starts:
            continue
        if project.out_of_play:
            placed = False
        elif project.must_run:
            placed = _place_with_needs(portfolio, ledger, links, project, starts, rank)
        else:
            placed = _place(portfolio, ledger, links, project, starts)
        if not placed:
            skipped.append(project.id)
    return starts, [pid for pid in skipped if pid not in starts]


def shortest_schedule(
    portfolio: Portfolio,
    serial: dict[str, int],
    *,
    deadline: float,
    seed: int = 0,
    patience: int = 10,
) -> dict[str, int]:
    """The shortest of several justified serial schedules, for the `finish` warm start.

    `serial` is the complete serial schedule by latest start (`greedy_starts`); the others
    perturb that order at random (biased random sampling), each shortened by `justify`.
    Stops at `deadline` (a perf_counter time) or after `patience` tries in a row that found
    nothing shorter.
    """
    best = justify(portfolio, serial, deadline=deadline)
    if not best:
        return best
    finish = greedy_objective(portfolio, best, Objective.FINISH)
    latest = _Links(portfolio, {}).latest_starts()
    end = portfolio.settings.plan_start + portfolio.settings.horizon
    longest_path = end - min(latest[pid] for pid in serial)  # no plan can finish sooner
    spread = max(1.0, 0.2 * (max(latest.values()) - min(latest.values())))
    rng = random.Random(seed)
    idle = 0
    while finish > longest_path and idle < patience and time.perf_counter() < deadline:
        idle += 1
        jitter = {pid: value + rng.random() * spread for pid, value in latest.items()}
        plan, missing = greedy_starts(portfolio, Objective.FINISH, jitter=jitter)
        if any(not portfolio.project(pid).out_of_play for pid in missing):
            continue
        plan = justify(portfolio, plan, deadline=deadline)
        length = greedy_objective(portfolio, plan, Objective.FINISH)
        if length < finish:
            best, finish, idle = plan, length, 0
    return best


def justify(
    portfolio: Portfolio, starts: dict[str, int], *, deadline: float | None = None
) -> dict[str, int]:
    """A schedule that ends no later: right-justify every project, then left-justify.

    Forward-backward improvement (Valls, Ballestin & Quintanilla, EJOR 165, 2005): shifting
    each project as late as its successors allow (latest finisher first) and then as early
    as its predecessors allow (earliest starter first) closes gaps a serial schedule leaves.
    Every move keeps capacity, budget, windows, fixed starts and FS lags: a project's own
    slot stays free for it while the others move, so each pass can only shorten the plan.
    Repeats while the finish improves, until `deadline` (a perf_counter time) if given.
    """
    if not starts:
        return {}
    ledger = Ledger(portfolio)
    for pid, start in starts.items():
        ledger.commit(portfolio.project(pid), start)
    links = _Links(portfolio, {})
    followers: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for succ, preds in links.needs.items():
        for pred, kind, lag in preds:
            if kind is DependencyType.FS and succ in starts:
                followers[pred].append((succ, lag))
    best, current = dict(starts), dict(starts)
    finish = greedy_objective(portfolio, current, Objective.FINISH)
    while deadline is None or time.perf_counter() < deadline:
        for backward in (True, False):
            _shift_all(portfolio, ledger, links, followers, current, backward, deadline)
        shorter = greedy_objective(portfolio, current, Objective.FINISH)
        if shorter >= finish:
            break
        best, finish = dict(current), shorter
    return best


def _shift_all(portfolio, ledger, links, followers, starts, backward, deadline) -> None:
    """One justification pass: every movable project to its latest (or earliest) fit."""
    durations = {pid: portfolio.project(pid).duration for pid in starts}
    if backward:
        order = sorted(starts, key=lambda pid: (-(starts[pid] + durations[pid]), pid))
        end = max(starts[pid] + max(durations[pid], 0) for pid in starts)
    else:
        order = sorted(starts, key=lambda pid: (starts[pid], pid))
    for pid in order:
        if deadline is not None and time.perf_counter() >= deadline:
            return
        project = portfolio.project(pid)
        if project.fixed_start is not None:
            continue
        window = allowed_starts(portfolio, project)
        now = starts[pid]
        if backward:
            last = min(
                [window[-1], end - max(project.duration, 0)]
                + [starts[s] - lag - project.duration for s, lag in followers[pid]]
            )
            candidates = range(last, now, -1)
        else:
            first = max(window[0], links.earliest_after_predecessors(pid, starts))
            candidates = range(first, now)
        ledger.release(project, now)
        for start in candidates:
            if ledger.fits(project, start):
                now = start
                break
        ledger.commit(project, now)
        starts[pid] = now


def _place(portfolio, ledger, links, project, starts) -> bool:
    """Place the project (and any `With` partners) at their earliest fitting starts."""
    group = links.together(project.id)
    members = [portfolio.project(pid) for pid in links.within(group, first=project.id)]
    if any(m.out_of_play or m.id in starts for m in members if m.id != project.id):
        return False
    trial = ledger.copy()  # a dry run: With-partners go in together or not at all
    placed: dict[str, int] = {}
    for member in members:
        start = _earliest(portfolio, trial, links, member, {**starts, **placed})
        if start is None:
            return False
        trial.commit(member, start)
        placed[member.id] = start
    for member in members:
        ledger.commit(member, placed[member.id])
    starts.update(placed)
    return True


def _place_with_needs(portfolio, ledger, links, project, starts, rank) -> bool:
    """Place a project that must run with everything it needs that is not placed yet: its
    With partners, Requires / FS predecessors, theirs, and theirs again (`_Links.needed`),
    one at a time in dependency order, each at its earliest fit, the higher-ranked first
    among those ready. All or nothing: tried on a copy of the ledger, kept only if every
    one of them fits."""
    pending = links.needed(project.id, starts)
    if pending <= links.together(project.id):
        return _place(portfolio, ledger, links, project, starts)  # nothing missing before it
    if any(portfolio.project(pid).out_of_play for pid in pending):
        return False
    trial, placed = ledger.copy(), dict(starts)
    while pending:
        ready = [pid for pid in pending if all(pred in placed for pred, _, _ in links.needs[pid])]
        if not ready:
            return False  # a cycle of links: no plan holds them
        pid = min(ready, key=lambda p: (rank.get(p, len(rank)), p))
        member = portfolio.project(pid)
        start = _earliest(portfolio, trial, links, member, placed)
        if start is None:
            return False
        trial.commit(member, start)
        placed[pid] = start
        pending.discard(pid)
    for pid in placed.keys() - starts.keys():
        ledger.commit(portfolio.project(pid), placed[pid])
    starts.update(placed)
    return True


def _earliest(portfolio, ledger, links, project: Project, starts) -> int | None:
    if not links.allowed(project.id, starts):
        return None
    first = links.earliest_after_predecessors(project.id, starts)
    window = allowed_starts(portfolio, project)
    for start in [*links.preferred.get(project.id, ()), *window]:
        if start >= first and start in window and ledger.fits(project, start):
            return start
    return None


class _Links:
    """Dependencies indexed for the greedy pass."""

    def __init__(self, portfolio: Portfolio, preferred: dict[str, list[int]]) -> None:
        self.portfolio = portfolio
        self.preferred = preferred
        self.needs: dict[str, list[tuple[str, DependencyType, int]]] = defaultdict(list)
        self.excludes: dict[str, set[str]] = defaultdict(set)
        self.with_: dict[str, set[str]] = defaultdict(set)
        self.group_of = {p.id: p.exclusive_group for p in portfolio.projects if p.exclusive_group}
        for dep in portfolio.dependencies:
            if dep.type in (DependencyType.FS, DependencyType.REQUIRES):
                self.needs[dep.successor].append((dep.predecessor, dep.type, dep.lag))
            elif dep.type is DependencyType.EXCLUDES:
                self.excludes[dep.predecessor].add(dep.successor)
                self.excludes[dep.successor].add(dep.predecessor)
            else:
                self.with_[dep.predecessor].add(dep.successor)
                self.with_[dep.successor].add(dep.predecessor)

    def together(self, project_id: str) -> set[str]:
        """The project and everything tied to it by `With`, transitively."""
        seen, todo = {project_id}, [project_id]
        while todo:
            for other in self.with_[todo.pop()]:
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return seen

    def needed(self, project_id: str, starts: dict[str, int]) -> set[str]:
        """What must be placed for the project to be, and is not yet: itself, its With
        partners, their Requires / FS predecessors, and theirs, transitively."""
        found: set[str] = set()
        todo = [project_id]
        while todo:
            for member in self.together(todo.pop()):
                if member not in starts and member not in found:
                    found.add(member)
                    todo.extend(pred for pred, _, _ in self.needs[member])
        return found

    def within(self, group: set[str], *, first: str) -> list[str]:
        """A With group in placing order: `first` (then the others by ID) as soon as what
        they need inside the group is placed; a cycle inside the group keeps the rest."""
        pending = sorted(group, key=lambda g: (g != first, g))
        ordered: list[str] = []
        while pending:
            ready = next(
                (
                    pid
                    for pid in pending
                    if all(pred in ordered or pred not in group for pred, _, _ in self.needs[pid])
                ),
                pending[0],
            )
            ordered.append(ready)
            pending.remove(ready)
        return ordered

    def allowed(self, project_id: str, starts: dict[str, int]) -> bool:
        """Predecessors placed, nothing excluding it placed, its exclusive group still free."""
        if any(pred not in starts for pred, _, _ in self.needs[project_id]):
            return False
        if self.excludes[project_id] & starts.keys():
            return False
        group = self.group_of.get(project_id)
        return not group or not any(
            self.group_of.get(other) == group for other in starts if other != project_id
        )

    def earliest_after_predecessors(self, project_id: str, starts: dict[str, int]) -> int:
        """The first start that every FS predecessor (finish + lag) allows."""
        first = -(10**9)
        for pred, kind, lag in self.needs[project_id]:
            if kind is DependencyType.FS:
                first = max(first, starts[pred] + self.portfolio.project(pred).duration + lag)
        return first

    def latest_starts(self) -> dict[str, int]:
        """Each project's latest start with no capacity limit: a backward pass over FS links."""
        end = self.portfolio.settings.plan_start + self.portfolio.settings.horizon
        duration = {p.id: p.duration for p in self.portfolio.projects}
        followers: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for succ, preds in self.needs.items():
            for pred, kind, lag in preds:
                if kind is DependencyType.FS:
                    followers[pred].append((succ, lag))
        latest: dict[str, int] = {}

        def visit(pid: str) -> int:
            stack = [pid]
            while stack:  # iterative: chains of thousands of activities exceed recursion
                top = stack[-1]
                pending = [s for s, _ in followers[top] if s not in latest]
                if pending:
                    stack.extend(pending)
                    continue
                stack.pop()
                if top not in latest:
                    latest[top] = min(
                        [end - max(duration.get(top, 1), 1)]
                        + [latest[s] - lag - duration.get(top, 0) for s, lag in followers[top]]
                    )
            return latest[pid]

        for pid in duration:
            visit(pid)
        return latest

    def topological(self, order: list[Project]) -> list[Project]:
        """The same order, moved only as far as needed to put predecessors first."""
        position = {p.id: i for i, p in enumerate(order)}
        indegree = {p.id: len(self.needs[p.id]) for p in order}
        children: dict[str, list[str]] = defaultdict(list)
        for succ, preds in self.needs.items():
            for pred, _, _ in preds:
                children[pred].append(succ)
        ready = [(position[pid], pid) for pid, deg in indegree.items() if deg == 0]
        heapq.heapify(ready)
        by_id = {p.id: p for p in order}
        result = []
        while ready:
            _, pid = heapq.heappop(ready)
            result.append(by_id[pid])
            for child in children[pid]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    heapq.heappush(ready, (position[child], child))
        return result
