"""The dashboard's figures: one function that the Dashboard sheet, `pmo status` and its JSON
all show, so the three agree.

`plan` is the plan the figures are about, {project ID: start month}: the one just solved, or
the last one written to the Portfolio sheet. Before any plan, the projects that must run at a
fixed start (work in flight) stand in for it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from engine.delivery.raid import heat_map, is_open, open_risks, overdue
from engine.delivery.records import Delivery, RaidItem, RaidType
from engine.delivery.status import StatusFigures, latest_status
from engine.evm import Rag
from engine.gates import GateReview, pending_reviews
from engine.model import Direction, Portfolio, ProjectStatus
from engine.months import year_of
from engine.plan import scores, utilisation

WORST = 5  # projects listed by worst SPI and by worst CPI
TOP_RISKS = 10  # open risks listed by score
NO_DEPARTMENT = "(no department)"
NO_PERSPECTIVE = "(no perspective)"


@dataclass(frozen=True, slots=True)
class KeyFigures:
    """The headline numbers."""

    as_of: date
    in_flight: int  # projects in flight (and not stopped or held at a gate)
    selected: int  # projects in the plan
    in_play: int  # projects the optimiser may choose from
    overdue_actions: int
    overdue_entries: int  # any open RAID entry past its due date
    pending_gates: int
    open_risks: int
    open_issues: int
    bac: float  # summed over the latest status rows
    eac: float
    vac: float


@dataclass(frozen=True, slots=True)
class YearSpend:
    """Planned spend of the plan in one calendar year, against that year's budget."""

    year: int
    budget: float | None
    planned: float


@dataclass(frozen=True, slots=True)
class RoleLoad:
    """A role's planned demand against its capacity over the horizon."""

    role: str
    average: float | None  # total demand / total capacity
    peak: float | None  # the highest monthly load; None when no month has capacity


@dataclass(frozen=True, slots=True)
class ValuePoint:
    """A project in play: its cost and weighted score, and whether the plan selects it."""

    project_id: str
    name: str
    cost: float
    score: float
    selected: bool


@dataclass(frozen=True, slots=True)
class Split:
    """A share of the portfolio (one department or perspective): selected and deferred."""

    label: str
    selected: float
    deferred: float


@dataclass(frozen=True)
class Dashboard:
    """Everything the Dashboard sheet shows."""

    key: KeyFigures
    latest: list[StatusFigures]
    rag_counts: dict[str, dict[Rag, int]]  # "Schedule", "Cost", "Overall" -> colour -> count
    worst_spi: list[StatusFigures]
    worst_cpi: list[StatusFigures]
    top_risks: list[RaidItem]
    heat_map: list[list[int]]
    pending: list[GateReview]
    overdue: list[RaidItem]
    spend: list[YearSpend]
    load: list[RoleLoad]
    value: list[ValuePoint]
    perspectives: list[Split]  # weighted-score points by balanced-scorecard perspective
    departments: list[Split] = field(default_factory=list)  # cost by department


def commitments(portfolio: Portfolio) -> dict[str, int]:
    """The plan before any run: the must-run projects that have a fixed start."""
    return {
        p.id: p.fixed_start
        for p in portfolio.projects
        if p.must_run and not p.out_of_play and p.fixed_start is not None
    }


def dashboard(
    portfolio: Portfolio,
    delivery: Delivery,
    plan: Mapping[str, int],
    departments: Mapping[str, str] | None = None,
    *,
    today: date | None = None,
) -> Dashboard:
    """The dashboard of `portfolio` and its delivery records under `plan`."""
    as_of = delivery.settings.as_of(today)
    latest = latest_status(portfolio, delivery, plan)
    raid = delivery.raid
    return Dashboard(
        key=_key_figures(portfolio, delivery, plan, latest, as_of),
        latest=latest,
        rag_counts=_rag_counts(latest),
        worst_spi=_worst(latest, "spi"),
        worst_cpi=_worst(latest, "cpi"),
        top_risks=open_risks(raid)[:TOP_RISKS],
        heat_map=heat_map(raid),
        pending=pending_reviews(portfolio.gates),
        overdue=overdue(raid, as_of),
        spend=_spend(portfolio, plan),
        load=_load(portfolio, plan),
        value=_value(portfolio, plan),
        perspectives=_perspectives(portfolio, plan),
        departments=_departments(portfolio, plan, departments or {}),
    )


def _key_figures(
    portfolio: Portfolio,
    delivery: Delivery,
    plan: Mapping[str, int],
    latest: list[StatusFigures],
    as_of: date,
) -> KeyFigures:
    raid = delivery.raid
    bac = sum(f.bac for f in latest if f.bac is not None)
    eac = sum(f.eac for f in latest if f.eac is not None)
    vac = sum(f.vac for f in latest if f.vac is not None)
    return KeyFigures(
        as_of=as_of,
        in_flight=sum(
            p.status is ProjectStatus.IN_FLIGHT and not p.gate_blocked for p in portfolio.projects
        ),
        selected=sum(p.id in plan for p in portfolio.projects),
        in_play=sum(not p.out_of_play for p in portfolio.projects),
        overdue_actions=len(overdue(raid, as_of, RaidType.ACTION)),
        overdue_entries=len(overdue(raid, as_of)),
        pending_gates=len(pending_reviews(portfolio.gates)),
        open_risks=len(open_risks(raid)),
        open_issues=sum(i.type is RaidType.ISSUE and is_open(i) for i in raid),
        bac=bac,
        eac=eac,
        vac=vac,
    )


def _rag_counts(latest: list[StatusFigures]) -> dict[str, dict[Rag, int]]:
    counts: dict[str, dict[Rag, int]] = {}
    for name, attribute in (
        ("Schedule", "schedule_rag"),
        ("Cost", "cost_rag"),
        ("Overall", "overall_rag"),
    ):
        found = Counter(getattr(f, attribute) for f in latest)
        counts[name] = {colour: found.get(colour, 0) for colour in Rag}
    return counts


def _worst(latest: list[StatusFigures], attribute: str) -> list[StatusFigures]:
    rated = [f for f in latest if getattr(f, attribute) is not None]
    rated.sort(key=lambda f: (getattr(f, attribute), f.project_id))
    return rated[:WORST]


def _spend(portfolio: Portfolio, plan: Mapping[str, int]) -> list[YearSpend]:
    """Planned spend per year (each project's cost spread evenly over its months) and budget."""
    spend: dict[int, float] = defaultdict(float)
    for project in portfolio.projects:
        start = plan.get(project.id)
        if start is None or not project.cost:
            continue
        if project.duration == 0:
            spend[year_of(start)] += project.cost
        for k in range(project.duration):
            spend[year_of(start + k)] += project.cost / project.duration
    years = sorted({year_of(m) for m in portfolio.months} | set(portfolio.budget))
    return [YearSpend(y, portfolio.budget.get(y), spend.get(y, 0.0)) for y in years]


def _load(portfolio: Portfolio, plan: Mapping[str, int]) -> list[RoleLoad]:
    known = {p.id for p in portfolio.projects}
    cells = utilisation(portfolio, {pid: s for pid, s in plan.items() if pid in known})
    by_role: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for cell in cells:
        by_role[cell.role].append((cell.demand, cell.capacity))
    loads = []
    for role in portfolio.capacity:
        months = by_role.get(role, [])
        demand = sum(d for d, _ in months)
        capacity = sum(c for _, c in months)
        peaks = [d / c for d, c in months if c > 0]
        loads.append(
            RoleLoad(role, demand / capacity if capacity > 0 else None, max(peaks, default=None))
        )
    return loads


def _value(portfolio: Portfolio, plan: Mapping[str, int]) -> list[ValuePoint]:
    score_by_id = scores(portfolio)
    return [
        ValuePoint(p.id, p.name, p.cost, score_by_id[p.id], p.id in plan)
        for p in portfolio.projects
        if not p.out_of_play
    ]


def _perspectives(portfolio: Portfolio, plan: Mapping[str, int]) -> list[Split]:
    """Each perspective's part of the weighted scores, selected and deferred projects."""
    total_weight = sum(c.weight for c in portfolio.criteria)
    parts: dict[str, list[float]] = {}
    for c in portfolio.criteria:
        parts.setdefault(c.perspective.value if c.perspective else NO_PERSPECTIVE, [0.0, 0.0])
    if total_weight <= 0:
        return [Split(label, 0.0, 0.0) for label in parts]
    for p in portfolio.projects:
        if p.out_of_play:
            continue
        for c in portfolio.criteria:
            score = p.scores.get(c.name, c.min)
            if c.direction is Direction.LOWER:
                score = c.min + c.max - score
            label = c.perspective.value if c.perspective else NO_PERSPECTIVE
            parts[label][0 if p.id in plan else 1] += c.weight * score / total_weight
    return [Split(label, sel, rest) for label, (sel, rest) in parts.items()]


def _departments(
    portfolio: Portfolio, plan: Mapping[str, int], departments: Mapping[str, str]
) -> list[Split]:
    """Cost of the selected and deferred projects in play, by department, largest first."""
    parts: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for p in portfolio.projects:
        if p.out_of_play:
            continue
        label = departments.get(p.id) or NO_DEPARTMENT
        parts[label][0 if p.id in plan else 1] += p.cost
    ordered = sorted(parts.items(), key=lambda item: (-sum(item[1]), item[0]))
    return [Split(label, sel, rest) for label, (sel, rest) in ordered]


def risk_label(item: RaidItem) -> str:
    """`R-03 Data migration slips (P-101)`: how the dashboard names a risk."""
    project = f" ({item.project_id})" if item.project_id else ""
    return f"{item.id} {item.title}{project}".strip()
