"""Health checks: a 1-5 score on each of eight dimensions, an index and a colour.

The health index is the mean of the scores given (blank dimensions left out); it is Green from
`health_green` up, Amber from `health_amber` up, and Red below (Settings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.delivery.records import DeliverySettings, HealthCheck
from engine.delivery.status import rag_of
from engine.evm import Rag


@dataclass(frozen=True, slots=True)
class HealthFigures:
    """A health check with its index and colour."""

    check: HealthCheck
    index: float | None
    rag: Rag | None


def health_index(check: HealthCheck) -> float | None:
    """The mean of the scores given; None when no dimension is scored."""
    given = [s for s in check.scores if s is not None]
    return sum(given) / len(given) if given else None


def health_figures(check: HealthCheck, settings: DeliverySettings) -> HealthFigures:
    """The check's index and RAG."""
    index = health_index(check)
    return HealthFigures(check, index, rag_of(index, settings.health_green, settings.health_amber))


def latest_health(
    checks: Iterable[HealthCheck], settings: DeliverySettings
) -> dict[str, HealthFigures]:
    """Each project's latest dated check (of equal dates, the later row)."""
    latest: dict[str, HealthFigures] = {}
    for check in checks:
        held = latest.get(check.project_id)
        if check.date is None:
            continue
        if held is None or (held.check.date is not None and check.date >= held.check.date):
            latest[check.project_id] = health_figures(check, settings)
    return latest
