"""Stable re-planning: the plan last written is the baseline of the next run.

The objective gives up `points per change` for every baseline project that is moved or
dropped (Settings "Stability": Off, Low, Normal, High, or a number of points), so a small
change of the inputs changes the plan only where it pays. Approved projects of the baseline
are kept unless the rules leave no choice. After the solve, `plan_changes` lists what changed
since the baseline (in, out, moved from -> to), each with the input change that caused it
where one can be named: a capacity cell, a score, a window, a new project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.changes import Cause, Change, ChangeKind
from engine.feasibility import allowed_starts, demand_profile, fte_units
from engine.model import STABILITY_LEVELS, Portfolio, Project, ProjectStatus, parse_stability
from engine.months import month_text
from engine.plan import scores
from engine.units import SCORE_UNITS

SCORE_EPS = 0.0005  # a score written to the sheet rounded to 0.001 is the same score
NOTHING_SEEN = (
    "no change of capacity, score, duration, cost or projects seen: the optimiser re-planned "
    "(a window, demand or link may have changed)"
)


@dataclass(frozen=True, slots=True)
class Baseline:
    """The plan last written to the workbook, and what its inputs were (where known)."""

    starts: Mapping[str, int]  # selected projects and their start months
    listed: frozenset[str] = frozenset()  # every project ID the plan listed
    scores: Mapping[str, float] = field(default_factory=dict)  # weighted score then
    durations: Mapping[str, int] = field(default_factory=dict)
    costs: Mapping[str, float] = field(default_factory=dict)
    capacity: Mapping[tuple[str, int], float] = field(default_factory=dict)  # (role, month)

    def __bool__(self) -> bool:
        return bool(self.starts) or bool(self.listed)


def stability_weight(portfolio: Portfolio) -> float:
    """Points the objective gives up per baseline project moved or dropped (0 when Off)."""
    points = parse_stability(portfolio.settings.stability)
    if isinstance(points, float):
        return points
    in_play = [s for pid, s in scores(portfolio).items() if not portfolio.project(pid).out_of_play]
    mean = sum(max(s, 0.0) for s in in_play) / len(in_play) if in_play else 0.0
    return STABILITY_LEVELS[points] * mean


def penalty_units(portfolio: Portfolio, baseline: Baseline | None) -> dict[str, tuple[int, int]]:
    """Per baseline project still in play: (its baseline start as an offset from the plan
    start, points per change in score units)."""
    if not baseline:
        return {}
    weight = round(stability_weight(portfolio) * SCORE_UNITS)
    result = {}
    for pid, start in baseline.starts.items():
        try:
            project = portfolio.project(pid)
        except KeyError:
            continue
        if project.out_of_play:
            continue
        result[pid] = (start - portfolio.settings.plan_start, weight)
    return result


def approved_penalty(portfolio: Portfolio) -> int:
    """Score units that outweigh every plan's worth: dropping an approved baseline project
    costs this, so it happens only when no plan keeps it."""
    total = sum(max(s, 0.0) for s in scores(portfolio).values())
    return round(total * SCORE_UNITS) + SCORE_UNITS


def kept_approved(portfolio: Portfolio, baseline: Baseline | None) -> list[str]:
    """Approved projects of the baseline (still in play): the plan must keep them if it can."""
    if not baseline:
        return []
    kept = []
    for pid in baseline.starts:
        try:
            project = portfolio.project(pid)
        except KeyError:
            continue
        if project.status is ProjectStatus.APPROVED and not project.out_of_play:
            kept.append(pid)
    return kept


def penalty_of(portfolio: Portfolio, baseline: Baseline | None, starts: Mapping[str, int]) -> int:
    """What the plan gives up for changing the baseline, in score units, as the model counts
    it (`engine.cpsat_model.PortfolioModel._stability`)."""
    if not baseline:
        return 0
    first = portfolio.settings.plan_start
    units = sum(
        weight
        for pid, (offset, weight) in penalty_units(portfolio, baseline).items()
        if weight > 0 and starts.get(pid) != first + offset
    )
    dropped = [pid for pid in kept_approved(portfolio, baseline) if pid not in starts]
    return units + approved_penalty(portfolio) * len(dropped)


def plan_changes(
    portfolio: Portfolio, baseline: Baseline | None, starts: Mapping[str, int]
) -> tuple[Change, ...]:
    """In, out and moved projects since the baseline, in input order, each with its causes."""
    if not baseline:
        return ()
    finder = _Causes(portfolio, baseline, starts)
    changes = []
    seen: set[str] = set()
    for index, project in enumerate(portfolio.projects):
        pid = project.id
        if pid in seen:
            continue
        seen.add(pid)
        before, after = baseline.starts.get(pid), starts.get(pid)
        if before == after:
            continue
        kind = (
            ChangeKind.IN
            if before is None
            else ChangeKind.OUT
            if after is None
            else ChangeKind.MOVED
        )
        changes.append(Change(pid, kind, before, after, finder.causes(index, project, kind)))
    # projects of the baseline no longer on Intake
    for pid, before in baseline.starts.items():
        if pid not in seen:
            changes.append(
                Change(pid, ChangeKind.OUT, before, None, (Cause("no longer on Intake"),))
            )
    return tuple(changes)


class _Causes:
    """Finds the input changes behind a plan change."""

    def __init__(self, portfolio: Portfolio, baseline: Baseline, starts: Mapping[str, int]) -> None:
        self.portfolio = portfolio
        self.baseline = baseline
        self.starts = starts
        self.score = scores(portfolio)
        self.first = portfolio.settings.plan_start
        self.capacity_changes = {
            (role, month): (old, new)
            for (role, month), old in baseline.capacity.items()
            if role in portfolio.capacity
            and 0 <= month - self.first < len(portfolio.capacity[role])
            and fte_units(new := portfolio.capacity[role][month - self.first]) != fte_units(old)
        }
        self._seen: list[Cause] | None = None

    def causes(self, index: int, project: Project, kind: ChangeKind) -> tuple[Cause, ...]:
        """The project's own input changes and the capacity cells it uses that changed; else
        the changes elsewhere it follows from, or that none could be seen."""
        found = self._own(index, project, kind) + self._capacity(project)
        if found:
            return tuple(found)
        elsewhere = self.seen()
        if not elsewhere:
            return (Cause(NOTHING_SEEN),)
        more = f" and {len(elsewhere) - 1} more input change(s)" if len(elsewhere) > 1 else ""
        return (Cause(f"knock-on of {elsewhere[0].text}{more}"),)

    def seen(self) -> list[Cause]:
        """Every input change the baseline lets us see: new projects, scores, durations,
        costs, capacity cells."""
        if self._seen is None:
            found: list[Cause] = []
            for index, project in enumerate(self.portfolio.projects):
                found += [
                    c
                    for c in self._own(index, project, ChangeKind.MOVED)
                    if not c.text.startswith(("its window", "now "))
                ]
            for (role, month), (old, new) in sorted(self.capacity_changes.items()):
                found.append(_capacity_cause(role, month, old, new))
            self._seen = found
        return self._seen

    def _own(self, index: int, project: Project, kind: ChangeKind) -> list[Cause]:
        """Changes of the project's own inputs."""
        pid = project.id
        base = self.baseline
        found = []
        if base.listed and pid not in base.listed:
            found.append(Cause("new project", ("project", index, None)))
        if pid in base.scores and abs(base.scores[pid] - self.score[pid]) > SCORE_EPS:
            key = (
                ("project", index, f"score:{self.portfolio.criteria[0].name}")
                if (self.portfolio.criteria)
                else ("project", index, None)
            )
            found.append(Cause(f"score {base.scores[pid]:g} -> {self.score[pid]:g}", key))
        if pid in base.durations and base.durations[pid] != project.duration:
            found.append(
                Cause(
                    f"duration {base.durations[pid]} -> {project.duration} months",
                    ("project", index, "duration"),
                )
            )
        if pid in base.costs and abs(base.costs[pid] - project.cost) > 0.005:
            found.append(
                Cause(
                    f"cost {base.costs[pid]:,.0f} -> {project.cost:,.0f}",
                    ("project", index, "cost"),
                )
            )
        if kind is ChangeKind.IN and project.must_run and pid not in base.starts:
            field_name = "mandatory" if project.mandatory else "force"
            if project.status is ProjectStatus.IN_FLIGHT:
                field_name = "status"
            found.append(Cause("now must run", ("project", index, field_name)))
        before = base.starts.get(pid)
        if before is not None and kind is not ChangeKind.IN:
            if project.out_of_play:
                field_name = "force" if project.force.value == "Out" else "status"
                found.append(Cause(f"now {_out_words(project)}", ("project", index, field_name)))
            elif before not in allowed_starts(self.portfolio, project):
                found.append(
                    Cause(
                        f"its window no longer allows {month_text(before)}",
                        ("project", index, _window_field(project, before)),
                    )
                )
        return found

    def _capacity(self, project: Project) -> list[Cause]:
        """Capacity cells that changed in the roles and months the project uses, at its old
        or new start."""
        if not self.capacity_changes:
            return []
        months: set[tuple[str, int]] = set()
        profile = demand_profile(self.portfolio, project)
        for start in (self.baseline.starts.get(project.id), self.starts.get(project.id)):
            if start is None:
                continue
            for role, row in profile.items():
                months.update((role, start + k) for k, units in enumerate(row) if units > 0)
        return [
            _capacity_cause(role, month, old, new)
            for (role, month), (old, new) in sorted(self.capacity_changes.items())
            if (role, month) in months
        ]


def _capacity_cause(role: str, month: int, old: float, new: float) -> Cause:
    return Cause(
        f"capacity of {role} in {month_text(month)} {old:g} -> {new:g} FTE",
        ("capacity", role, str(month)),
    )


def _out_words(project: Project) -> str:
    return "forced out" if project.force.value == "Out" else project.status.value.lower()


def _window_field(project: Project, month: int) -> str:
    if project.fixed_start is not None:
        return "fixed_start"
    if project.earliest_start is not None and month < project.earliest_start:
        return "earliest_start"
    return "latest_start"
