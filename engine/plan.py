"""Shared plan bookkeeping: rounded scores, ranks, utilisation and how a Result is assembled."""

from __future__ import annotations

from collections.abc import Mapping

from engine.feasibility import demand_profile
from engine.model import Force, Portfolio, Project, ProjectStatus
from engine.reasons import Reason
from engine.result import ProjectOutcome, UtilisationCell
from engine.scoring import weighted_score
from engine.units import EPS, FTE_UNITS, SCORE_UNITS


def score_units(portfolio: Portfolio, project: Project) -> int:
    """The project's weighted score in integer units of 0.001."""
    return round(weighted_score(project.scores, portfolio.criteria) * SCORE_UNITS)


def scores(portfolio: Portfolio) -> dict[str, float]:
    """Each project's weighted score, rounded to the 0.001 the optimiser works in."""
    return {p.id: score_units(portfolio, p) / SCORE_UNITS for p in portfolio.projects}


def ranks(score_by_id: Mapping[str, float]) -> dict[str, int]:
    """1 = highest score; ties share the better rank."""
    ordered = sorted(score_by_id.values(), reverse=True)
    first_place: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_place.setdefault(value, position)
    return {pid: first_place[value] for pid, value in score_by_id.items()}


def priority_order(portfolio: Portfolio, *, by_density: bool = False) -> list[Project]:
    """Waterline order: fixed starts, then other must-run projects, then by score, then ID.

    `by_density` ranks by score per unit of scarce capacity instead (score / sqrt(weight),
    weight = FTE-months per role, weighted by how over-demanded the role is): a better start
    for the optimiser than the waterline, as bench/run_engine.py measured.
    """
    score_by_id = scores(portfolio)
    key = score_by_id
    if by_density:
        weight = _scarce_weight(portfolio)
        key = {pid: s / max(weight[pid], EPS) ** 0.5 for pid, s in score_by_id.items()}
    return sorted(
        portfolio.projects,
        key=lambda p: (p.fixed_start is None, not p.must_run, -key[p.id], p.id),
    )


def _scarce_weight(portfolio: Portfolio) -> dict[str, float]:
    """FTE-months per role, weighted by how over-demanded the role is, summed per project."""
    profiles = {p.id: demand_profile(portfolio, p) for p in portfolio.projects}
    capacity = {role: max(sum(values), EPS) for role, values in portfolio.capacity.items()}
    demand: dict[str, float] = dict.fromkeys(capacity, 0.0)
    for profile in profiles.values():
        for role, row in profile.items():
            if role in demand:
                demand[role] += sum(row) / FTE_UNITS
    return {
        pid: sum(
            sum(row) / FTE_UNITS * (demand[role] / capacity[role]) / capacity[role]
            for role, row in profile.items()
            if role in capacity
        )
        for pid, profile in profiles.items()
    }


def utilisation(portfolio: Portfolio, starts: Mapping[str, int]) -> tuple[UtilisationCell, ...]:
    """Demand of the selected projects against capacity, per role and horizon month."""
    plan_start, horizon = portfolio.settings.plan_start, portfolio.settings.horizon
    load = {role: [0.0] * horizon for role in portfolio.capacity}
    by_id = {p.id: p for p in portfolio.projects}
    for project_id, start in starts.items():
        for role, row in demand_profile(portfolio, by_id[project_id]).items():
            for k, units in enumerate(row):
                offset = start + k - plan_start
                if role in load and 0 <= offset < horizon:
                    load[role][offset] += units
    return tuple(
        UtilisationCell(role, plan_start + t, load[role][t] / FTE_UNITS, capacity[t])
        for role, capacity in portfolio.capacity.items()
        for t in range(horizon)
    )


def selection_reason(project: Project) -> str:
    """Why a selected project is in, when that is not simply its score."""
    if project.status is ProjectStatus.IN_FLIGHT:
        return "In flight: keeps its start"
    if project.mandatory:
        return "Mandatory"
    if project.force is Force.IN:
        return "Forced in"
    return "Selected"


def outcomes(
    portfolio: Portfolio, starts: Mapping[str, int], reasons: Mapping[str, str | Reason]
) -> tuple[ProjectOutcome, ...]:
    """One outcome per project in input order: start and end for the selected, a reason for all
    (a record, `engine.reasons.Reason`, or just words)."""
    score_by_id = scores(portfolio)
    rank_by_id = ranks(score_by_id)
    result = []
    for project in portfolio.projects:
        start = starts.get(project.id)
        selected = start is not None
        given = reasons.get(project.id)
        why = given if isinstance(given, Reason) else None
        if why is not None:
            reason = why.text
        elif selected:
            reason = selection_reason(project)
        else:
            reason = given if isinstance(given, str) else ""
        result.append(
            ProjectOutcome(
                project.id,
                selected,
                start,
                None if start is None else start + project.duration,
                score_by_id[project.id],
                rank_by_id[project.id],
                reason,
                why,
            )
        )
    return tuple(result)
