"""Earned value and RAG for every status row, and the latest status of each project.

Planned value (PV) defaults from the plan: the project's cost (its budget at completion, BAC)
spread evenly over its scheduled months, counted up to and including the reporting month; a
PV typed into the Status sheet replaces it. Earned value EV = % complete x BAC; SPI = EV / PV,
CPI = EV / AC, EAC = BAC / CPI (the budget itself while nothing is spent), VAC = BAC - EAC, as
`engine.evm.earned_value`. A figure whose inputs are missing, or whose divisor is 0, is None
(a blank on the sheet). Schedule RAG rates SPI, Cost RAG rates CPI, Overall RAG is the worse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.delivery.records import Delivery, DeliverySettings, StatusReport
from engine.evm import Rag
from engine.model import Portfolio, Project

_ORDER = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}


@dataclass(frozen=True, slots=True)
class StatusFigures:
    """A status row with everything the Status sheet computes for it."""

    report: StatusReport
    bac: float | None  # budget at completion: the project's cost on Intake
    pv: float | None
    ev: float | None
    spi: float | None
    cpi: float | None
    eac: float | None
    vac: float | None
    schedule_rag: Rag | None
    cost_rag: Rag | None
    overall_rag: Rag | None

    @property
    def project_id(self) -> str:
        """The project the row reports on."""
        return self.report.project_id


def planned_value(cost: float, start: int, duration: int, period: int) -> float:
    """The cost planned to be spent by the end of `period`: an even spread from `start` over
    `duration` months (a milestone, 0 months, spends it all in its month)."""
    share = (period - start + 1) / max(1, duration)
    return cost * min(1.0, max(0.0, share))


def scheduled_start(project: Project, plan: Mapping[str, int]) -> int | None:
    """Where the plan has the project start: its fixed start, else the last plan's start."""
    if project.fixed_start is not None:
        return project.fixed_start
    return plan.get(project.id)


def rag_of(value: float | None, green: float, amber: float) -> Rag | None:
    """Green from `green` up, Amber from `amber` up, Red below; None for no value.

    `engine.evm.rag(value, green, amber)` when green > amber (as validation demands); written
    as the sheet's formula writes it, so that even odd thresholds rate a value alike.
    """
    if value is None:
        return None
    if value >= green:
        return Rag.GREEN
    return Rag.AMBER if value >= amber else Rag.RED


def worst(*colours: Rag | None) -> Rag | None:
    """The worst of the colours given (None ones left out)."""
    given = [c for c in colours if c is not None]
    return max(given, key=_ORDER.__getitem__) if given else None


def status_figures(
    report: StatusReport,
    project: Project | None,
    plan: Mapping[str, int],
    settings: DeliverySettings,
) -> StatusFigures:
    """PV, EV, SPI, CPI, EAC, VAC and the three RAGs of one status row."""
    bac = project.cost if project is not None else None
    pv = report.planned_value
    start = scheduled_start(project, plan) if project is not None else None
    if pv is None and project is not None and start is not None:
        pv = planned_value(project.cost, start, project.duration, report.period)
    pct, ac = report.percent_complete, report.actual_cost
    ev = pct * bac if pct is not None and bac is not None else None
    spi = ev / pv if ev is not None and pv else None
    cpi = ev / ac if ev is not None and ac else None
    eac: float | None = None
    if ac is not None and bac is not None:
        eac = bac if ac == 0 else (bac / cpi if cpi else None)
    vac = bac - eac if bac is not None and eac is not None else None
    schedule = rag_of(spi, settings.rag_green, settings.rag_amber)
    cost = rag_of(cpi, settings.rag_green, settings.rag_amber)
    return StatusFigures(
        report, bac, pv, ev, spi, cpi, eac, vac, schedule, cost, worst(schedule, cost)
    )


def status_rows(
    portfolio: Portfolio, delivery: Delivery, plan: Mapping[str, int]
) -> list[StatusFigures]:
    """The figures of every status row, in the sheet's order."""
    projects = {p.id: p for p in portfolio.projects}
    return [
        status_figures(report, projects.get(report.project_id), plan, delivery.settings)
        for report in delivery.status
    ]


def latest_status(
    portfolio: Portfolio, delivery: Delivery, plan: Mapping[str, int]
) -> list[StatusFigures]:
    """Each project's latest status row (its latest period; of equal periods, the later row),
    projects in Intake order, then IDs Intake does not know in the order first reported."""
    latest: dict[str, StatusFigures] = {}
    for figures in status_rows(portfolio, delivery, plan):
        held = latest.get(figures.project_id)
        if held is None or figures.report.period >= held.report.period:
            latest[figures.project_id] = figures
    order = {p.id: i for i, p in enumerate(portfolio.projects)}
    first_seen = {pid: i for i, pid in enumerate(latest)}
    return sorted(
        latest.values(),
        key=lambda f: (
            f.project_id not in order,
            order.get(f.project_id, first_seen[f.project_id]),
        ),
    )
