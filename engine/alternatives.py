"""`finish` with alternatives: of projects that exclude each other, schedule one.

The `finish` objective schedules every project in play as early as possible, but an exclusive
group or an Excludes pair holds alternatives, of which at most one may run. The rule keeps one
per conflict. Projects take their turn in this order of priority: those that must run
(mandatory, forced in, in flight), then by weighted score, highest first, then as listed on
Intake. At its turn a project is kept together with everything it goes in only with (the
predecessors it needs through FS and Requires, its With partners), unless one of them is an
alternative to a project kept before it: then it is set aside. Each set-aside project gets
its reason: which rule picked which alternative (`ReasonKind.ALTERNATIVE`), or which set-aside
project it needs (`NEEDS`).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from engine.model import DependencyType, Force, Portfolio, Project
from engine.plan import scores
from engine.reasons import Reason, ReasonKind
from engine.wording import alternative_pick_words, dependency_rule, exclusive_group_rule, label


def finish_alternatives(portfolio: Portfolio) -> dict[str, Reason]:
    """{project ID: reason} of the projects the `finish` objective sets aside."""
    in_play = [p for p in _unique(portfolio) if not p.out_of_play]
    by_id = {p.id: p for p in in_play}
    rivals = _rivals(portfolio, in_play)
    ties = _ties(portfolio, by_id)
    score = scores(portfolio)
    position = {p.id: i for i, p in enumerate(in_play)}
    order = sorted(by_id, key=lambda pid: (not by_id[pid].must_run, -score[pid], position[pid]))
    kept: dict[str, str] = {}  # kept project -> the project whose turn kept it
    aside: dict[str, Reason] = {}
    for pid in order:
        if pid in kept or pid in aside:
            continue
        unit = _unit(pid, ties)
        if by_id[pid].must_run:  # kept whatever it conflicts with: the diagnosis will say
            kept.update({m: pid for m in unit if m not in kept})
            continue
        blocked = next(((m, path) for m, path in unit.items() if m in aside), None)
        clash = next(
            (
                (m, other, rule)
                for m in unit
                for other, rule in rivals[m]
                if other in kept and other not in unit
            ),
            None,
        )
        if blocked is not None:
            member, path = blocked
            aside[pid] = _needs(portfolio, path, member)
        elif clash is not None:
            member, other, rule = clash
            if member == pid:
                note = _picked(portfolio, other, kept[other], pid)
                aside[pid] = Reason(ReasonKind.ALTERNATIVE, rule=rule, projects=(other,), note=note)
            else:
                # the member loses to `other` as the project itself would: set it aside first
                note = _picked(portfolio, other, kept[other], member)
                aside[member] = Reason(
                    ReasonKind.ALTERNATIVE, rule=rule, projects=(other,), note=note
                )
                aside[pid] = _needs(portfolio, unit[member], member)
        else:
            kept.update({m: pid for m in unit if m not in kept})
    return aside


def _picked(portfolio: Portfolio, kept: str, turn: str, other: str) -> str:
    """Which rule picked `kept` over `other`: its own priority, or that of the project whose
    turn kept it (`turn`), which needs it or goes with it."""
    if turn == kept:
        return alternative_pick_words(portfolio, kept, other)
    why = alternative_pick_words(portfolio, turn, other)
    return f"which {label(portfolio, turn)} needs or goes with ({why})"


def _needs(portfolio: Portfolio, path: tuple[str, ...], member: str) -> Reason:
    deps = [
        d
        for d in portfolio.dependencies
        if {d.predecessor, d.successor} == {path[-2], path[-1]}
        and d.type is not DependencyType.EXCLUDES
    ]
    return Reason(
        ReasonKind.NEEDS,
        rule=dependency_rule(deps[0], portfolio) if deps else "",
        projects=(member,),
        via=path,
    )


def _ties(portfolio: Portfolio, by_id: dict[str, Project]) -> dict[str, list[str]]:
    """What each project goes in only with: FS and Requires predecessors, With partners."""
    ties: dict[str, list[str]] = defaultdict(list)
    for dep in portfolio.dependencies:
        a, b = dep.predecessor, dep.successor
        if a not in by_id or b not in by_id:
            continue
        if dep.type in (DependencyType.FS, DependencyType.REQUIRES, DependencyType.WITH):
            ties[b].append(a)
        if dep.type is DependencyType.WITH:
            ties[a].append(b)
    return ties


def _unit(pid: str, ties: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """The project and everything it goes in only with, each with the path from the project."""
    unit: dict[str, tuple[str, ...]] = {pid: (pid,)}
    todo = [pid]
    while todo:
        current = todo.pop(0)
        for other in ties[current]:
            if other not in unit:
                unit[other] = (*unit[current], other)
                todo.append(other)
    return unit


def with_alternatives_set_aside(portfolio: Portfolio, aside: dict[str, Reason]) -> Portfolio:
    """The portfolio with the set-aside projects forced out, for the model and the waterline."""
    if not aside:
        return portfolio
    projects = tuple(
        dataclasses.replace(p, force=Force.OUT) if p.id in aside else p for p in portfolio.projects
    )
    return dataclasses.replace(portfolio, projects=projects)


def _unique(portfolio: Portfolio) -> list[Project]:
    seen: set[str] = set()
    unique = []
    for p in portfolio.projects:
        if p.id not in seen:
            seen.add(p.id)
            unique.append(p)
    return unique


def _rivals(portfolio: Portfolio, in_play: list[Project]) -> dict[str, list[tuple[str, str]]]:
    """Each project's alternatives (Excludes partners, exclusive group members) and the rule."""
    ids = {p.id for p in in_play}
    rivals: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for dep in portfolio.dependencies:
        a, b = dep.predecessor, dep.successor
        if dep.type is DependencyType.EXCLUDES and a in ids and b in ids and a != b:
            rule = dependency_rule(dep, portfolio)
            rivals[a].append((b, rule))
            rivals[b].append((a, rule))
    groups: dict[str, list[str]] = defaultdict(list)
    for p in in_play:
        if p.exclusive_group:
            groups[p.exclusive_group].append(p.id)
    for name, members in groups.items():
        rule = exclusive_group_rule(name, members, portfolio)
        for pid in members:
            rivals[pid] += [(other, rule) for other in members if other != pid]
    return rivals
