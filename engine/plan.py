"""Shared plan bookkeeping: rounded scores, ranks, utilisation and how a Result is assembled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from engine.feasibility import demand_profile
from engine.model import Force, Portfolio, Project, ProjectStatus
from engine.months import month_text
from engine.reasons import Reason
from engine.result import ProjectOutcome, UtilisationCell
from engine.scoring import weighted_score
from engine.units import EPS, FTE_UNITS, SCORE_UNITS
from engine.validation import finished_before


def score_units(portfolio: Portfolio, project: Project) -> int:
    """The project's weighted score in integer units of 0.001 (for work in flight that may be
    stopped, its Remaining value when given: what finishing it still brings)."""
    if project.stoppable and project.remaining_value is not None:
        return round(project.remaining_value * SCORE_UNITS)
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
    """Waterline order: must-run projects (fixed starts first), then the other fixed starts,
    then by score, then ID.

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
        key=lambda p: (not p.must_run, p.fixed_start is None, -key[p.id], p.id),
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


def utilisation(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    added: Mapping[str, list[int]] | None = None,
) -> tuple[UtilisationCell, ...]:
    """Demand of the selected projects against capacity, per role and horizon month;
    `added`: FTE units hires add per role and month (`engine.hiring.hired_fte_units`)."""
    plan_start, horizon = portfolio.settings.plan_start, portfolio.settings.horizon
    added = added or {}
    load = {role: [0.0] * horizon for role in portfolio.capacity}
    by_id = {p.id: p for p in portfolio.projects}
    for project_id, start in starts.items():
        for role, row in demand_profile(portfolio, by_id[project_id]).items():
            for k, units in enumerate(row):
                offset = start + k - plan_start
                if role in load and 0 <= offset < horizon:
                    load[role][offset] += units
    return tuple(
        UtilisationCell(
            role,
            plan_start + t,
            load[role][t] / FTE_UNITS,
            capacity[t] + (added[role][t] / FTE_UNITS if role in added else 0.0),
        )
        for role, capacity in portfolio.capacity.items()
        for t in range(horizon)
    )


SELECTED = "Selected"  # the decisions, as the Portfolio sheet and the frames write them
DEFERRED = "Deferred"
NOT_IN_PLAY = "Not in play"
STOPPED = "Stopped"  # work in flight the plan stops (Can stop)


def decision(project: Project, outcome: ProjectOutcome | None, plan_start: int) -> str:
    """Selected, Deferred, Stopped (work in flight the plan stops) or Not in play (closed, on
    hold, forced out, stopped or held at a gate, or in flight but finished before the plan
    starts)."""
    if outcome is not None and outcome.selected:
        return NOT_IN_PLAY if finished_before(project, plan_start) else SELECTED
    if project.out_of_play:
        return NOT_IN_PLAY
    return STOPPED if project.stoppable else DEFERRED


def selection_reason(project: Project, plan_start: int) -> str:
    """Why a selected project is in, when that is not simply its score."""
    if finished_before(project, plan_start):
        assert project.fixed_start is not None
        end = month_text(project.fixed_start + max(project.duration, 1) - 1)
        return f"In flight, but finished in {end}, before the plan starts: set its Status to Closed"
    if project.status is ProjectStatus.IN_FLIGHT:
        return "In flight: keeps its start"
    if project.mandatory:
        return "Mandatory"
    if project.force is Force.IN:
        return "Forced in"
    return "Selected"


def outcomes(
    portfolio: Portfolio,
    starts: Mapping[str, int],
    reasons: Mapping[str, str | Reason],
    managers: Mapping[str, str] | None = None,
) -> tuple[ProjectOutcome, ...]:
    """One outcome per project in input order: start and end for the selected, a reason for all
    (a record, `engine.reasons.Reason`, or just words).

    The manager is the assigned one (`managers`, under Assign) for a selected project, else
    the one Intake names (Check).
    """
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
            reason = selection_reason(project, portfolio.settings.plan_start)
        else:
            reason = given if isinstance(given, str) else ""
        outcome = ProjectOutcome(
            project.id,
            selected,
            start,
            None if start is None else start + project.duration,
            score_by_id[project.id],
            rank_by_id[project.id],
            reason,
            _manager(portfolio, project, selected, managers),
            why=why,
        )
        result.append(
            replace(outcome, decision=decision(project, outcome, portfolio.settings.plan_start))
        )
    return tuple(result)


def _manager(
    portfolio: Portfolio, project: Project, selected: bool, managers: Mapping[str, str] | None
) -> str | None:
    if portfolio.assigns_managers:
        return (managers or {}).get(project.id) if selected else None
    return project.manager
