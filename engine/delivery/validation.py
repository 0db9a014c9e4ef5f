"""Every problem in the delivery records, each naming the record and field it concerns.

Entities: "status", "raid", "health", "benefit", "review" (index = position in the
`Delivery` tuple) and "settings" (index = the setting's field). Delivery records do not steer
the plan, so their problems are warnings: the run goes on and the figures leave the row or the
value out. Gate reviews are checked with the portfolio (`engine.validation`), since they do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping

from engine.delivery.records import HEALTH_DIMENSIONS, Delivery, RaidType
from engine.delivery.status import scheduled_start
from engine.gates import SCORE_SCALE
from engine.model import Portfolio, ProjectStatus
from engine.months import month_text
from engine.validation import Problem, Severity

LOW, HIGH = SCORE_SCALE


def validate_delivery(
    portfolio: Portfolio, delivery: Delivery, plan: Mapping[str, int] | None = None
) -> list[Problem]:
    """Every problem in the delivery records, in a stable order."""
    plan = plan or {}
    problems: list[Problem] = []
    for check in (_settings, _status, _raid, _health, _benefits, _reviews):
        problems.extend(check(portfolio, delivery, plan))
    return problems


def _warn(entity: str, index: int | str, field: str | None, message: str) -> Problem:
    return Problem(entity, index, field, message, Severity.WARNING)


def _unknown(entity: str, index: int, project_id: str) -> Problem:
    return _warn(
        entity, index, "project_id", f'unknown project ID "{project_id}"; use an ID from Intake'
    )


def _settings(portfolio: Portfolio, delivery: Delivery, plan) -> Iterator[Problem]:
    s = delivery.settings
    for green, amber, what in (
        ("rag_green", "rag_amber", "SPI and CPI"),
        ("health_green", "health_amber", "health indexes"),
    ):
        if not getattr(s, green) > getattr(s, amber):
            yield _warn(
                "settings",
                green,
                green,
                f"the Green threshold for {what} ({getattr(s, green):g}) must be above the "
                f"Amber one ({getattr(s, amber):g})",
            )


def _status(portfolio: Portfolio, delivery: Delivery, plan) -> Iterator[Problem]:
    projects = {p.id: p for p in portfolio.projects}
    seen: Counter[tuple[str, int]] = Counter()
    for i, report in enumerate(delivery.status):
        project = projects.get(report.project_id)
        if project is None:
            yield _unknown("status", i, report.project_id)
        key = (report.project_id, report.period)
        seen[key] += 1
        if seen[key] == 2:
            yield _warn(
                "status",
                i,
                "period",
                f'"{report.project_id}" is reported twice for {month_text(report.period)}; '
                "keep one row per project and month (the later row counts)",
            )
        pct = report.percent_complete
        if pct is not None and not 0 <= pct <= 1:
            hint = f" (did you mean {pct:g}%?)" if 1 < pct <= 100 else ""
            yield _warn(
                "status",
                i,
                "percent_complete",
                f'"% complete" must be from 0% to 100%; found {pct:.0%}{hint}',
            )
        for name, value in (
            ("actual_cost", report.actual_cost),
            ("planned_value", report.planned_value),
        ):
            if value is not None and value < 0:
                words = name.replace("_", " ").capitalize()
                yield _warn("status", i, name, f'"{words}" must be 0 or more; found {value:g}')
        if (
            project is not None
            and report.planned_value is None
            and scheduled_start(project, plan) is None
        ):
            yield _warn(
                "status",
                i,
                "planned_value",
                f'"{project.id}" has no start in the plan (no Fixed start on Intake and not '
                "selected in the last run), so its planned value is unknown; type it in",
            )


def _raid(portfolio: Portfolio, delivery: Delivery, plan) -> Iterator[Problem]:
    ids = {p.id for p in portfolio.projects}
    counts = Counter(item.id for item in delivery.raid)
    reported: set[str] = set()
    for i, item in enumerate(delivery.raid):
        if item.project_id and item.project_id not in ids:
            yield _unknown("raid", i, item.project_id)
        if counts[item.id] > 1 and item.id not in reported:
            reported.add(item.id)
            yield _warn(
                "raid", i, "id", f'ID "{item.id}" is used {counts[item.id]} times; make it unique'
            )
        for name in ("probability", "impact"):
            value = getattr(item, name)
            if value is not None and not LOW <= value <= HIGH:
                yield _warn(
                    "raid",
                    i,
                    name,
                    f'"{name.capitalize()}" must be from {LOW} to {HIGH}; found {value:g}',
                )
        if item.type is RaidType.RISK and (item.probability is None or item.impact is None):
            yield _warn(
                "raid",
                i,
                "probability" if item.probability is None else "impact",
                f'risk "{item.id}" needs a Probability and an Impact ({LOW}-{HIGH}) to be scored',
            )
        if item.raised is not None and item.due is not None and item.due < item.raised:
            yield _warn(
                "raid",
                i,
                "due",
                f'"{item.id}" is due {item.due.isoformat()}, before it was raised '
                f"({item.raised.isoformat()})",
            )


def _health(portfolio: Portfolio, delivery: Delivery, plan) -> Iterator[Problem]:
    ids = {p.id for p in portfolio.projects}
    for i, check in enumerate(delivery.health):
        if check.project_id not in ids:
            yield _unknown("health", i, check.project_id)
        if check.date is None:
            yield _warn(
                "health", i, "date", "the health check has no date; give the day it was made"
            )
        for name, score in zip(HEALTH_DIMENSIONS, check.scores, strict=False):
            if score is not None and not LOW <= score <= HIGH:
                yield _warn(
                    "health",
                    i,
                    f"score:{name}",
                    f'"{name}" must be a score from {LOW} to {HIGH}; found {score:g}',
                )


def _benefits(portfolio: Portfolio, delivery: Delivery, plan) -> Iterator[Problem]:
    ids = {p.id for p in portfolio.projects}
    for i, benefit in enumerate(delivery.benefits):
        if benefit.project_id not in ids:
            yield _unknown("benefit", i, benefit.project_id)


def _reviews(portfolio: Portfolio, delivery: Delivery, plan) -> Iterator[Problem]:
    projects = {p.id: p for p in portfolio.projects}
    for i, review in enumerate(delivery.reviews):
        project = projects.get(review.project_id)
        if project is None:
            yield _unknown("review", i, review.project_id)
        elif project.status is not ProjectStatus.CLOSED:
            yield _warn(
                "review",
                i,
                "project_id",
                f'"{project.id}" has a post-project review but its status is '
                f"{project.status.value}; set it to Closed on Intake when it has closed",
            )
