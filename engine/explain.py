"""A reason for every project of a plan, as a record (`engine.reasons`), worked out against the
plan itself: the capacity and budget the selected projects leave, where they start, and the
links between projects.

A deferred project is explained through its *group*: the project with everything it can only
go in together with, namely the predecessors it needs (FS and Requires, through chains) that
are not in the plan and its With partners, transitively. What blocks the group as a unit is
the reason of the project, so partners never blame each other. The checks run from the rules
that hold whatever the plan to the ones the plan causes, and the first that blocks is the
reason: out of play; an alternative set aside (`finish`); no start window; a project of the
group out of play or without a window; links inside the group that contradict each other;
timing by the rules alone; a project in the plan it excludes (or shares an exclusive group
with); timing given where the plan starts its predecessors; capacity and budget.

For capacity every combination of starts of the group (FS inside it kept) is tried against
what the plan leaves: the roles short at every combination are named first, with the months
and FTE short at the cheapest combination, and the other roles after. A reason only ever
blames a project that is in the plan or cannot be in any plan, so no two reasons point at
each other.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise

from engine.balance import broken_rules, shares
from engine.feasibility import Ledger, allowed_starts, year_costs_left
from engine.hiring import Units, hire_cost_by_year, hired_fte_units
from engine.insertion import least_extra
from engine.managers import assign_managers
from engine.model import Dependency, DependencyType, Force, Portfolio, Project, ProjectStatus
from engine.months import month_text
from engine.plan import ranks, scores
from engine.reasons import MoneyShort, Reason, ReasonKind, Shortage, Step, Timing
from engine.result import ShortfallCell
from engine.units import FTE_UNITS, MONEY_UNITS
from engine.validation import finished_before
from engine.wording import (
    budget_rule,
    capacity_rule,
    dependency_rule,
    exclusive_group_rule,
    gate_words,
    reason_text,
)

COMBINATION_LIMIT = 20_000  # start combinations of a group tried one by one
INSERTION_SECONDS = 2.0  # per small model, for a group with more combinations than that
NEVER = 10**9  # the earliest start of a project that has no start month at all
REMATCH_SECONDS = 1.0  # in all, for re-matching the plan's managers (Assign)

Combination = tuple[tuple[str, int], ...]  # (project ID, start) per member of a group
Earliest = tuple[int, str, str | None, int]  # (month, because, predecessor setting it, lag)
_NO_SETTER: tuple[str | None, int] = (None, 0)


def explain_plan(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    *,
    set_aside: Mapping[str, Reason] | None = None,
    approved: Mapping[str, str] | None = None,
    hires: Units | None = None,
    managers: Mapping[str, str] | None = None,
) -> dict[str, Reason]:
    """{project ID: reason} for every project: why it is in, or why it is out.

    `set_aside`: `finish` alternatives the objective does not schedule, with their reasons.
    `approved`: Approved projects of the baseline left out, with why they had to go.
    `hires`: the plan's hires (their capacity counted); `managers`: its staffing (Assign).
    """
    explainer = _Explainer(portfolio, starts, set_aside or {}, hires, managers)
    reasons: dict[str, Reason] = {}
    for project in portfolio.projects:
        if project.id not in reasons:
            reason = explainer.reason(project)
            if approved and project.id in approved:
                reason = dataclasses.replace(reason, approved=approved[project.id])
            reasons[project.id] = reason.with_text(reason_text(portfolio, project.id, reason))
    return reasons


def impossible_projects(portfolio: Portfolio) -> dict[str, Reason]:
    """{project ID: reason} of the projects in play that no plan can hold, whatever else it
    holds: no start window, a group that can never go in (a project out of play, links that
    contradict each other, predecessors that cannot finish in time), or no room even alone
    on an empty plan. Projects that must run are left to the diagnosis."""
    explainer = _Explainer(portfolio, {}, {})
    found: dict[str, Reason] = {}
    for project in portfolio.projects:
        if project.out_of_play or project.must_run or project.id in found:
            continue
        if not explainer._window(project.id):
            reason = Reason(ReasonKind.NO_WINDOW, rule=explainer._no_window_rule(project))
        else:
            group = explainer._group(project.id)
            reason = (
                explainer._unplannable_member(group)
                or explainer._conflicts_inside(group)
                or explainer._structural_timing(group)
                or explainer._capacity(group)
            )
            if reason.kind is ReasonKind.NOT_CHOSEN:
                continue
        found[project.id] = reason.with_text(reason_text(portfolio, project.id, reason))
    return found


def insertion_inputs(
    portfolio: Portfolio, starts: Mapping[str, int], members: tuple[str, ...]
) -> tuple[dict[str, list[int]], list[tuple[str, str, int]]]:
    """For `engine.insertion.least_extra`: each member's possible starts (its window, after
    its predecessors in the plan) and the FS links between members."""
    explainer = _Explainer(portfolio, starts, {})
    group = _Group(members, {}, tuple(explainer._fs_order(list(members))), members)
    return explainer._insertion_inputs(group)


def deferral_reasons(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    hires: Units | None = None,
    managers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """{project ID: sentence} for every project not in `starts` (the plan's hires counted;
    `managers`: the plan's staffing under Assign)."""
    return {
        pid: reason.text
        for pid, reason in explain_plan(portfolio, starts, hires=hires, managers=managers).items()
        if pid not in starts
    }


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
    by_id = {p.id: p for p in reversed(portfolio.projects)}  # the first of a repeated ID
    for pid, start in starts.items():
        ledger.commit(by_id[pid], start, (managers or {}).get(pid))
    return ledger


def stopped_reason(portfolio: Portfolio, project: Project) -> Reason:
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
    return Reason(
        ReasonKind.STOPPED,
        rule="in flight, Can stop",
        score=scores(portfolio)[project.id],
        freed=freed / FTE_UNITS,
        saved=saved,
    )


class _Rematch:
    """Under Assign: would matching all the plan's managers anew free one for a group at its
    starts? A small solve each, within `REMATCH_SECONDS` in all for one set of reasons."""

    def __init__(self, portfolio: Portfolio, starts: Mapping[str, int]) -> None:
        self.portfolio = portfolio
        self.starts = starts
        self.deadline = time.perf_counter() + REMATCH_SECONDS

    def __call__(self, combo: Combination) -> bool:
        left = self.deadline - time.perf_counter()
        if left <= 0.01:
            return False  # the reason then says "as the plan assigns them": still true
        plan = {**self.starts, **dict(combo)}
        return assign_managers(self.portfolio, plan, time_limit=left) is not None


@dataclass(frozen=True, slots=True)
class _Group:
    """A deferred project and what it goes in only together with."""

    members: tuple[str, ...]  # the project first, then in the order they were reached
    parent: dict[str, tuple[str, Dependency]]  # member -> (member it was reached from, link)
    order: tuple[str, ...]  # members with FS predecessors first
    shown: tuple[str, ...]  # members in input order

    def via(self, member: str) -> tuple[str, ...]:
        """The chain from the project to this member."""
        chain = [member]
        while chain[-1] in self.parent:
            chain.append(self.parent[chain[-1]][0])
        return tuple(reversed(chain))


class _Explainer:
    """The plan's remaining capacity and the portfolio's links, indexed once."""

    def __init__(
        self,
        portfolio: Portfolio,
        starts: Mapping[str, int],
        set_aside: Mapping[str, Reason],
        hires: Units | None = None,
        managers: Mapping[str, str] | None = None,
    ) -> None:
        self.portfolio = portfolio
        self.starts = dict(starts)
        self.set_aside = set_aside
        self.by_id = {p.id: p for p in reversed(portfolio.projects)}  # the first of a repeated ID
        self.position = {p.id: i for i, p in reversed(list(enumerate(portfolio.projects)))}
        self.ledger = plan_ledger(portfolio, self.starts, hires, managers)
        self._alone: _Shorts = {}  # `_short_alone` against `self.ledger`, which never changes
        self.rematch = _Rematch(portfolio, self.starts)
        self.scores = scores(portfolio)
        self.ranks = ranks(self.scores)
        self.needs: dict[str, list[Dependency]] = defaultdict(list)  # successor -> FS/Requires
        self.partners: dict[str, list[Dependency]] = defaultdict(list)  # With, both ways
        self.excludes: dict[str, list[Dependency]] = defaultdict(list)  # Excludes, both ways
        for dep in portfolio.dependencies:
            if dep.predecessor not in self.by_id or dep.successor not in self.by_id:
                continue
            if dep.type in (DependencyType.FS, DependencyType.REQUIRES):
                self.needs[dep.successor].append(dep)
            elif dep.type is DependencyType.WITH:
                self.partners[dep.predecessor].append(dep)
                self.partners[dep.successor].append(dep)
            else:
                self.excludes[dep.predecessor].append(dep)
                self.excludes[dep.successor].append(dep)
        self._rules_earliest: dict[str, Earliest] = {}

    # ------------------------------------------------------------------ entry
    def reason(self, project: Project) -> Reason:
        """Why the project is in the plan, or why not."""
        if project.id in self.starts:
            return self._why_in(project)
        return self._why_out(project)

    def _why_in(self, project: Project) -> Reason:
        if project.status is ProjectStatus.IN_FLIGHT:
            if finished_before(project, self.portfolio.settings.plan_start):
                return Reason(ReasonKind.IN_FLIGHT, note="finished before the plan starts")
            return Reason(ReasonKind.IN_FLIGHT)
        if project.mandatory:
            return Reason(ReasonKind.MANDATORY)
        if project.force is Force.IN:
            return Reason(ReasonKind.FORCED_IN)
        return Reason(
            ReasonKind.ON_MERIT, score=self.scores[project.id], rank=self.ranks[project.id]
        )

    def _why_out(self, project: Project) -> Reason:
        if project.force is Force.OUT:
            return Reason(ReasonKind.FORCED_OUT, rule="Force is Out")
        if project.gate is not None and project.gate.blocks:
            return Reason(ReasonKind.GATE, rule=gate_words(project.gate))
        if project.stoppable:
            return stopped_reason(self.portfolio, project)
        if project.out_of_play:
            return Reason(ReasonKind.STATUS, rule=f"Status is {project.status.value}")
        if project.id in self.set_aside:
            return self.set_aside[project.id]
        if not self._window(project.id):
            return Reason(ReasonKind.NO_WINDOW, rule=self._no_window_rule(project))
        group = self._group(project.id)
        for check in (
            self._unplannable_member,
            self._conflicts_inside,
            self._structural_timing,
            self._conflicts_with_plan,
            self._plan_timing,
            self._capacity,
        ):
            found = check(group)
            if found is not None:
                return self._with_balance(group, found)
        raise AssertionError("the capacity check always gives a reason")

    def _with_balance(self, group: _Group, reason: Reason) -> Reason:
        """A group that fits (or lacks only room) and would break a balance rule: say so
        (BALANCE when it fits, else the rules named as well)."""
        if reason.kind not in (ReasonKind.NOT_CHOSEN, ReasonKind.CAPACITY, ReasonKind.NO_MANAGER):
            return reason
        if not self.portfolio.balance:
            return reason
        with_it = [*self.starts, *(m for m in group.members if m not in self.starts)]
        before = set(broken_rules(self.portfolio, list(self.starts)))
        after = dict(shares(self.portfolio, with_it))
        index = {id(rule): i for i, rule in enumerate(self.portfolio.balance)}
        broken = tuple(
            (index[id(rule)], after[rule] or 0.0)
            for rule in broken_rules(self.portfolio, with_it)
            if rule not in before
        )
        if not broken:
            return reason
        kind = ReasonKind.BALANCE if reason.kind is ReasonKind.NOT_CHOSEN else reason.kind
        return dataclasses.replace(reason, kind=kind, balance=broken)

    # ------------------------------------------------------------------ groups and windows
    def _window(self, pid: str) -> range:
        return allowed_starts(self.portfolio, self.by_id[pid])

    def _group(self, pid: str) -> _Group:
        """The project, the predecessors it needs that are not in the plan, its With partners:
        transitively. Out-of-play and windowless members end the search (nothing passes them)."""
        members, parent, todo = [pid], {}, [pid]
        while todo:
            current = todo.pop(0)
            if current != pid and self._unplannable(current):
                continue
            links = [(d.predecessor, d) for d in self.needs[current]]
            links += [
                (d.successor if d.predecessor == current else d.predecessor, d)
                for d in self.partners[current]
            ]
            for other, dep in links:
                if other in self.starts or other in parent or other == pid:
                    continue
                parent[other] = (current, dep)
                members.append(other)
                todo.append(other)
        shown = tuple(sorted(members, key=self.position.__getitem__))
        return _Group(tuple(members), parent, tuple(self._fs_order(members)), shown)

    def _unplannable(self, pid: str) -> bool:
        project = self.by_id[pid]
        return project.out_of_play or pid in self.set_aside or not self._window(pid)

    def _fs_order(self, members: list[str]) -> list[str]:
        """Members with their FS predecessors inside the group first (input order otherwise)."""
        inside = set(members)
        pending = {
            m: {d.predecessor for d in self._fs(m) if d.predecessor in inside} for m in members
        }
        order: list[str] = []
        while pending:
            ready = [m for m in members if m in pending and not pending[m]]
            if not ready:  # a cycle (invalid input): keep the rest as listed
                ready = [m for m in members if m in pending]
            for m in ready:
                order.append(m)
                del pending[m]
            for waiting in pending.values():
                waiting.difference_update(ready)
        return order

    def _fs(self, pid: str) -> list[Dependency]:
        return [d for d in self.needs[pid] if d.type is DependencyType.FS]

    def _no_window_rule(self, project: Project) -> str:
        settings = self.portfolio.settings
        first, end = settings.plan_start, settings.plan_start + settings.horizon
        need = max(project.duration, 1)
        if project.fixed_start is not None:
            return f"fixed start {_m(project.fixed_start)}: it leaves the horizon"
        if project.duration > settings.horizon:
            return f"{project.duration} months are longer than the {settings.horizon}-month horizon"
        lo = max(first, project.earliest_start or first)
        hi = min(end - need, project.latest_start if project.latest_start is not None else end)
        if project.latest_start is not None and project.latest_start < first:
            return f"latest start {_m(project.latest_start)} is before the plan start {_m(first)}"
        if project.earliest_start is not None and lo > end - need:
            return (
                f"earliest start {_m(project.earliest_start)} leaves fewer than "
                f"{project.duration} months before the horizon ends {_m(end - 1)}"
            )
        return f"start window {_m(lo)}..{_m(hi)} is empty"

    # ------------------------------------------------------------------ rules whatever the plan
    def _unplannable_member(self, group: _Group) -> Reason | None:
        for member in group.members[1:]:
            if self._unplannable(member):
                via = group.via(member)
                return Reason(
                    ReasonKind.NEEDS,
                    rule=dependency_rule(group.parent[member][1], self.portfolio),
                    projects=(member,),
                    via=via,
                )
        return None

    def _conflicts_inside(self, group: _Group) -> Reason | None:
        inside = set(group.members)
        for member in group.members:
            for dep in self.excludes[member]:
                other = dep.successor if dep.predecessor == member else dep.predecessor
                if other in inside:
                    return Reason(
                        ReasonKind.CONFLICTING_LINKS,
                        rule=dependency_rule(dep, self.portfolio),
                        group=group.members,
                    )
        by_group: dict[str, list[str]] = defaultdict(list)
        for member in group.members:
            name = self.by_id[member].exclusive_group
            if name:
                by_group[name].append(member)
        for name, members in by_group.items():
            if len(members) > 1:
                return Reason(
                    ReasonKind.CONFLICTING_LINKS,
                    rule=exclusive_group_rule(name, members, self.portfolio),
                    group=group.members,
                )
        return None

    def _structural_timing(self, group: _Group) -> Reason | None:
        earliest, setter = self._forward(group, lambda q: self._rules(q)[0])
        for member in group.order:
            latest = self._window(member)[-1]
            if earliest[member] > latest:
                chain = self._chain(member, earliest, setter, planned=False)
                return self._timing_reason(group, member, earliest[member], chain, None, True)
        return None

    # ------------------------------------------------------------------ rules the plan causes
    def _conflicts_with_plan(self, group: _Group) -> Reason | None:
        for member in group.members:
            for dep in self.excludes[member]:
                other = dep.successor if dep.predecessor == member else dep.predecessor
                if other in self.starts:
                    return Reason(
                        ReasonKind.EXCLUDED,
                        rule=dependency_rule(dep, self.portfolio),
                        projects=(other,),
                        group=_shown(group),
                        via=group.via(member),
                    )
            name = self.by_id[member].exclusive_group
            if name:
                rivals = [
                    pid
                    for pid in self.starts
                    if pid != member and self.by_id[pid].exclusive_group == name
                ]
                if rivals:
                    members = [member, *rivals]
                    return Reason(
                        ReasonKind.GROUP_TAKEN,
                        rule=exclusive_group_rule(name, members, self.portfolio),
                        projects=(rivals[0],),
                        group=_shown(group),
                        via=group.via(member),
                    )
        return None

    def _plan_timing(self, group: _Group) -> Reason | None:
        earliest, setter = self._forward(group, lambda q: self.starts.get(q, self._rules(q)[0]))
        for member in group.order:
            latest = self._window(member)[-1]
            if earliest[member] > latest:
                chain = self._chain(member, earliest, setter, planned=True)
                blocked = None
                last = chain[-1]
                if last.because == "placed" and last.planned is not None:
                    blocked = self._blocked_earlier(last.project, last.earliest, last.planned)
                return self._timing_reason(group, member, earliest[member], chain, blocked, False)
        return None

    def _forward(self, group: _Group, outside) -> tuple[dict[str, int], dict[str, tuple]]:
        """Earliest start of each member: its window and its FS predecessors (members at their
        own earliest, others where `outside` puts them); and what sets it."""
        earliest: dict[str, int] = {}
        setter: dict[str, tuple[str | None, int]] = {}
        for member in group.order:
            best, why = self._window(member)[0], _NO_SETTER
            for dep in self._fs(member):
                q = dep.predecessor
                q_start = earliest[q] if q in earliest else outside(q)
                ready = q_start + self.by_id[q].duration + dep.lag
                if ready > best:
                    best, why = ready, (q, dep.lag)
            earliest[member], setter[member] = best, why
        return earliest, setter

    def _rules(self, pid: str) -> Earliest:
        """Earliest start by the rules alone (windows, fixed starts, FS; no capacity):
        (month, because, predecessor that sets it, lag)."""
        if pid in self._rules_earliest:
            return self._rules_earliest[pid]
        stack, visiting = [pid], {pid}
        while stack:  # iterative: long FS chains would exhaust recursion
            top = stack[-1]
            pending = [
                d.predecessor
                for d in self._fs(top)
                if d.predecessor not in self._rules_earliest and d.predecessor not in visiting
            ]
            if pending:
                stack.extend(pending)
                visiting.update(pending)
                continue
            stack.pop()
            window = self._window(top)
            project = self.by_id[top]
            best: Earliest = (window[0] if window else NEVER, self._own_because(project), None, 0)
            for dep in self._fs(top):
                known = self._rules_earliest.get(dep.predecessor)
                if known is None:  # a cycle (invalid input): ignore the link
                    continue
                ready = known[0] + self.by_id[dep.predecessor].duration + dep.lag
                if ready > best[0]:
                    best = (ready, "after", dep.predecessor, dep.lag)
            self._rules_earliest[top] = best
        return self._rules_earliest[pid]

    def _own_because(self, project: Project) -> str:
        if project.fixed_start is not None:
            return "fixed start"
        if (
            project.earliest_start is not None
            and project.earliest_start > self.portfolio.settings.plan_start
        ):
            return "earliest start"
        return "plan start"

    def _plan_earliest(self, pid: str) -> Earliest:
        """Earliest start of a planned project given where the plan starts its predecessors."""
        project = self.by_id[pid]
        best: Earliest = (self._window(pid)[0], self._own_because(project), None, 0)
        for dep in self._fs(pid):
            before = self.starts.get(dep.predecessor)
            if before is None:  # a plan that breaks the link (inputs changed since): skip it
                continue
            ready = before + self.by_id[dep.predecessor].duration + dep.lag
            if ready > best[0]:
                best = (ready, "after", dep.predecessor, dep.lag)
        return best

    def _chain(self, member: str, earliest, setter, *, planned: bool) -> tuple[Step, ...]:
        """From the member back along the predecessors that set each earliest start."""
        steps: list[Step] = []
        current: str | None = member
        seen: set[str] = set()
        while current is not None and current not in seen:
            seen.add(current)
            if current in earliest:  # a member of the group
                after, lag = setter[current]
                own = self._own_because(self.by_id[current])
                steps.append(
                    Step(current, earliest[current], "after" if after else own, after, lag)
                )
                current = after
                continue
            if not planned:
                month, because, after, lag = self._rules(current)
                steps.append(Step(current, month, because, after, lag))
                current = after
                continue
            start = self.starts[current]
            month, because, after, lag = self._plan_earliest(current)
            if start > month:
                steps.append(Step(current, month, "placed", None, 0, planned=start))
                break
            steps.append(Step(current, month, because, after, lag, planned=start))
            current = after
        return tuple(steps)

    def _timing_reason(self, group, member, earliest, chain, blocked, structural) -> Reason:
        project = self.by_id[member]
        window = self._window(member)
        latest = window[-1]
        if project.fixed_start is not None:
            latest_from = "fixed start"
        elif project.latest_start is not None and project.latest_start == latest:
            latest_from = "latest start"
        else:
            latest_from = "horizon"
        timing = Timing(member, earliest, latest, latest_from, structural, chain, blocked)
        blamed = tuple(s.project for s in chain if s.project in self.starts)
        return Reason(
            ReasonKind.TIMING,
            rule=dependency_rule(self._link(chain[0]), self.portfolio) if chain[0].after else "",
            projects=blamed[:1],
            group=_shown(group),
            via=group.via(member),
            timing=timing,
        )

    def _link(self, step: Step) -> Dependency:
        return next(
            d for d in self._fs(step.project) if d.predecessor == step.after and d.lag == step.lag
        )

    def _blocked_earlier(self, pid: str, first: int, planned: int) -> Reason:
        """Why a planned project does not start before `planned` (its rules allow `first`):
        with it taken out of the plan, what each earlier start lacks."""
        project = self.by_id[pid]
        trial = self.ledger.copy()
        trial.release(project, planned)
        candidates = [s for s in self._window(pid) if first <= s < planned]
        combos: list[Combination] = [((pid, s),) for s in candidates]
        shorts = [_short(trial, self.portfolio, ((project, s),)) for s in candidates]
        return self._summarise(combos, shorts, first, planned - 1, (), trial)

    # ------------------------------------------------------------------ capacity and budget
    def _capacity(self, group: _Group) -> Reason:
        project = group.members[0]
        own = self._window(project)
        try:
            combos = list(self._combinations(group))
        except _TooMany:
            return self._capacity_by_model(group)
        projects = {m: self.by_id[m] for m in group.members}
        shorts = [
            _short(
                self.ledger,
                self.portfolio,
                tuple((projects[m], s) for m, s in combo),
                self._alone,
            )
            for combo in combos
        ]
        first = min((s for combo in combos for m, s in combo if m == project), default=own[0])
        last = max((s for combo in combos for m, s in combo if m == project), default=own[-1])
        return self._summarise(combos, shorts, first, last, _shown(group))

    def _combinations(self, group: _Group) -> Iterator[Combination]:
        """Every combination of starts of the members: windows, FS to the plan and inside."""
        order = group.order
        count = 0

        def extend(index: int, chosen: dict[str, int]) -> Iterator[Combination]:
            nonlocal count
            if index == len(order):
                count += 1
                if count > COMBINATION_LIMIT:
                    raise _TooMany
                yield tuple((m, chosen[m]) for m in group.shown)
                return
            member = order[index]
            lowest = -NEVER
            for dep in self._fs(member):
                q = dep.predecessor
                q_start = chosen.get(q, self.starts.get(q))
                if q_start is not None:
                    lowest = max(lowest, q_start + self.by_id[q].duration + dep.lag)
            for s in self._window(member):
                if s >= lowest:
                    chosen[member] = s
                    yield from extend(index + 1, chosen)
                    del chosen[member]

        yield from extend(0, {})

    def _summarise(
        self,
        combos: list[Combination],
        shorts: list[tuple[dict[tuple[str, int], int], dict[int, int]]],
        first: int,
        last: int,
        group: tuple[str, ...],
        ledger: Ledger | None = None,
    ) -> Reason:
        """NOT_CHOSEN at the first combination that fits (with a manager free, under Assign);
        else CAPACITY over the combinations short of room, binding first, and the ones that
        fit but find no manager (NO_MANAGER when that is every one)."""
        unstaffed: list[Combination] = []
        for combo, (fte, money) in zip(combos, shorts, strict=True):
            if not fte and not money:
                # re-matching the plan's managers is a small solve: tried once only
                if self._staffed(combo, ledger) or (not unstaffed and self.rematch(combo)):
                    return Reason(
                        ReasonKind.NOT_CHOSEN, group=group, first=first, last=last, at=combo
                    )
                unstaffed.append(combo)
        if unstaffed:
            kept = [(c, sh) for c, sh in zip(combos, shorts, strict=True) if c not in unstaffed]
            if not kept:
                return Reason(
                    ReasonKind.NO_MANAGER,
                    rule="no project manager on People is free (as the plan assigns them)",
                    group=group,
                    first=first,
                    last=last,
                    unstaffed=tuple(unstaffed),
                )
            combos, shorts = [c for c, _ in kept], [sh for _, sh in kept]
        reason = self._short_reason(combos, shorts, first, last, group)
        return dataclasses.replace(reason, unstaffed=tuple(unstaffed))

    def _staffed(self, combo: Combination, ledger: Ledger | None = None) -> bool:
        """Whether each member finds a manager free at its start (always, unless Assign), in
        what `ledger` (by default the plan's) leaves."""
        ledger = ledger or self.ledger
        trial = ledger.copy() if len(combo) > 1 else ledger
        for pid, start in combo:
            project = self.by_id[pid]
            if not trial.manager_free(project, start):
                return False
            if len(combo) > 1:
                trial.commit(project, start)
        return True

    def _short_reason(
        self,
        combos: list[Combination],
        shorts: list[tuple[dict[tuple[str, int], int], dict[int, int]]],
        first: int,
        last: int,
        group: tuple[str, ...],
    ) -> Reason:
        """CAPACITY: the roles and years short at every combination, the cheapest one's
        shortages."""
        roles = set.intersection(*({role for role, _ in fte} for fte, _ in shorts))
        years = set.intersection(*(set(money) for _, money in shorts))
        best = min(
            range(len(combos)),
            key=lambda i: (sum(shorts[i][0].values()), sum(shorts[i][1].values()), combos[i]),
        )
        fte, money = shorts[best]
        return self._capacity_reason(combos[best], fte, money, roles, years, first, last, group)

    def _capacity_reason(self, at, fte, money, roles, years, first, last, group) -> Reason:
        role_order = {role: i for i, role in enumerate(self.portfolio.capacity)}
        shortages = tuple(
            Shortage(role, month, units / FTE_UNITS, role in roles)
            for (role, month), units in sorted(
                fte.items(),
                key=lambda kv: (kv[0][0] not in roles, role_order.get(kv[0][0], 0), kv[0][1]),
            )
        )
        money_short = tuple(
            MoneyShort(year, cents / MONEY_UNITS, year in years)
            for year, cents in sorted(money.items(), key=lambda kv: (kv[0] not in years, kv[0]))
        )
        if roles:
            rule = capacity_rule(next(s.role for s in shortages if s.binding))
        elif years:
            year = min(years)
            rule = budget_rule(year, self.portfolio.budget[year])
        else:
            rule = "capacity and budget together"
        return Reason(
            ReasonKind.CAPACITY,
            rule=rule,
            group=group,
            first=first,
            last=last,
            at=tuple(at),
            shortages=shortages,
            money=money_short,
        )

    def _capacity_by_model(self, group: _Group) -> Reason:
        """Too many combinations to try one by one: ask small models, resource by resource."""
        candidates, links = self._insertion_inputs(group)
        by_work = self.portfolio.settings.reproducible  # the same reason on any machine
        whole = least_extra(
            self.portfolio,
            self.ledger,
            candidates,
            links,
            time_limit=INSERTION_SECONDS,
            by_work=by_work,
        )
        project = group.members[0]
        first, last = candidates[project][0], candidates[project][-1]
        if whole.fits:
            at = tuple((m, whole.starts[m]) for m in group.shown)
            return Reason(ReasonKind.NOT_CHOSEN, group=_shown(group), first=first, last=last, at=at)
        roles = {role for role, _ in whole.fte}
        binding_roles = {
            role
            for role in roles
            if (
                alone := least_extra(
                    self.portfolio,
                    self.ledger,
                    candidates,
                    links,
                    roles={role},
                    years=set(),
                    time_limit=INSERTION_SECONDS,
                    by_work=by_work,
                )
            ).proven
            and alone.fte
        }
        binding_years = {
            year
            for year in whole.money
            if (
                alone := least_extra(
                    self.portfolio,
                    self.ledger,
                    candidates,
                    links,
                    roles=set(),
                    years={year},
                    time_limit=INSERTION_SECONDS,
                    by_work=by_work,
                )
            ).proven
            and alone.money
        }
        at = tuple((m, whole.starts[m]) for m in group.shown) if whole.found else ()
        return self._capacity_reason(
            at, whole.fte, whole.money, binding_roles, binding_years, first, last, _shown(group)
        )

    def _insertion_inputs(
        self, group: _Group
    ) -> tuple[dict[str, list[int]], list[tuple[str, str, int]]]:
        """Each member's possible starts (window, after its planned predecessors) and the FS
        links inside the group, for `engine.insertion.least_extra`."""
        candidates: dict[str, list[int]] = {}
        links = []
        for member in group.order:
            lowest = -NEVER
            for dep in self._fs(member):
                q = dep.predecessor
                if q in self.starts:
                    lowest = max(lowest, self.starts[q] + self.by_id[q].duration + dep.lag)
                elif q in group.members:
                    links.append((q, member, self.by_id[q].duration + dep.lag))
            candidates[member] = [s for s in self._window(member) if s >= lowest]
        return candidates, links


class _TooMany(Exception):
    """More start combinations than COMBINATION_LIMIT."""


def _shown(group: _Group) -> tuple[str, ...]:
    """The group as reasons show it: in input order (so partners get the same record)."""
    return group.shown if len(group.members) > 1 else ()


_Short = tuple[dict[tuple[str, int], int], dict[int, int]]
_Shorts = dict[tuple[str, int], _Short]


def _short(
    ledger: Ledger,
    portfolio: Portfolio,
    placed: tuple[tuple[Project, int], ...],
    alone: _Shorts | None = None,
) -> _Short:
    """What is missing when the projects start where given: FTE units per (role, month)
    and cents per year, against what the ledger has left. `alone`: each project's own
    shortfall per start against this very ledger, kept between calls (read only)."""
    plan_start = portfolio.settings.plan_start
    if len(placed) == 1:  # most calls: one project, nothing to add up
        return _short_alone(ledger, plan_start, *placed[0], alone)
    cost: dict[int, int] = defaultdict(int)
    for project, start in placed:
        for year, cents in ledger.costs(project, start).items():
            cost[year] += cents
    money = {
        year: cents - ledger.budget[year]
        for year, cents in cost.items()
        if cents > ledger.budget[year]
    }
    if _apart(placed):  # no month has two of them: each one's shortfall is the group's
        fte = {}
        for project, start in placed:
            fte.update(_short_alone(ledger, plan_start, project, start, alone)[0])
        return fte, money
    need: dict[tuple[str, int], int] = defaultdict(int)
    for project, start in placed:
        for cell, units in ledger.needs(project, start):
            need[cell] += units
    fte = {}
    for (role, month), units in need.items():
        remaining = ledger.capacity.get(role)
        offset = month - plan_start
        if remaining is None or not 0 <= offset < len(remaining):
            continue
        if units > remaining[offset]:
            fte[role, month] = units - remaining[offset]
    return fte, money


def _apart(placed: tuple[tuple[Project, int], ...]) -> bool:
    """Whether no two of the projects run in the same month at these starts."""
    spans = sorted((start, start + max(project.duration, 1)) for project, start in placed)
    return all(end <= after for (_s, end), (after, _e) in pairwise(spans))


def _short_alone(
    ledger: Ledger, plan_start: int, project: Project, start: int, alone: _Shorts | None = None
) -> _Short:
    """`_short` of one project: what it lacks at this start (kept in `alone` if given)."""
    key = (project.id, start)
    if alone is not None and key in alone:
        return alone[key]
    fte = {}
    for role, row in ledger.profile(project).items():
        remaining = ledger.capacity.get(role)
        if remaining is None:
            continue
        offset = start - plan_start
        for k, units in enumerate(row):
            if units > 0 and 0 <= offset + k < len(remaining) and units > remaining[offset + k]:
                fte[role, start + k] = units - remaining[offset + k]
    money = {
        year: cents - ledger.budget[year]
        for year, cents in ledger.costs(project, start).items()
        if cents > ledger.budget[year]
    }
    if alone is not None:
        alone[key] = (fte, money)
    return fte, money


def _m(month_number: int) -> str:
    return month_text(month_number)


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


def _link_reason(portfolio: Portfolio, project: Project, starts) -> bool:
    """Whether a link keeps the project out whatever the capacity: a predecessor or With
    partner not in the plan, an excluded project or an exclusive-group rival in it."""
    for dep in portfolio.dependencies:
        a, b = dep.predecessor, dep.successor
        other = b if a == project.id else a
        if project.id not in (a, b):
            continue
        if dep.type in (DependencyType.FS, DependencyType.REQUIRES):
            blocked = b == project.id and a not in starts
        elif dep.type is DependencyType.EXCLUDES:
            blocked = other in starts
        else:
            blocked = other not in starts
        if blocked:
            return True
    group = project.exclusive_group
    return bool(group) and any(
        p.exclusive_group == group and p.id in starts and p.id != project.id
        for p in portfolio.projects
    )


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
