"""The delivery records as immutable data: status reports, RAID items, health checks, benefits.

Months are integers from `engine.months`; days are `datetime.date`. A blank cell is None.
Nothing here checks meaning: `engine.delivery.validation.validate_delivery` does, collecting
every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

HEALTH_DIMENSIONS = (
    "Schedule",
    "Cost",
    "Scope",
    "Quality",
    "Risk",
    "Resources",
    "Stakeholders",
    "Benefits",
)


class RaidType(StrEnum):
    """The kind of a RAID log entry."""

    RISK = "Risk"
    ASSUMPTION = "Assumption"
    ISSUE = "Issue"
    DEPENDENCY = "Dependency"
    ACTION = "Action"
    DECISION = "Decision"


class RaidStatus(StrEnum):
    """Whether a RAID entry still needs attention."""

    OPEN = "Open"
    CLOSED = "Closed"


@dataclass(frozen=True, slots=True)
class StatusReport:
    """One project's status in one reporting month."""

    project_id: str
    period: int  # the reporting month
    percent_complete: float | None = None  # 0..1
    actual_cost: float | None = None  # spent to date
    planned_value: float | None = None  # typed over; None: the default from the plan
    commentary: str = ""
    next_steps: str = ""


@dataclass(frozen=True, slots=True)
class RaidItem:
    """A risk, assumption, issue, dependency, action or decision in the RAID log."""

    type: RaidType
    id: str
    project_id: str = ""
    title: str = ""
    owner: str = ""
    raised: date | None = None
    due: date | None = None
    probability: int | None = None  # 1-5
    impact: int | None = None  # 1-5
    response: str = ""
    status: RaidStatus = RaidStatus.OPEN


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """A health check of one project on one date: a 1-5 score per dimension (5 = healthy)."""

    project_id: str
    date: date | None = None
    reviewer: str = ""
    scores: tuple[float | None, ...] = ()  # in HEALTH_DIMENSIONS order
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Benefit:
    """A benefit a project should bring, measured in one period: planned against realised."""

    project_id: str
    benefit: str
    measure: str = ""
    owner: str = ""
    baseline: float | None = None
    target: float | None = None
    period: int | None = None  # the month measured
    planned: float | None = None
    realised: float | None = None


@dataclass(frozen=True, slots=True)
class Review:
    """The post-project review of a closed project."""

    project_id: str
    date: date | None = None
    reviewer: str = ""
    went_well: str = ""
    lessons: str = ""


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """The status date and the red / amber / green thresholds.

    SPI and CPI are Green from `rag_green` up, Amber from `rag_amber` up, Red below; health
    indexes (1-5) likewise with `health_green` and `health_amber`. A value exactly on a
    threshold takes the better colour.
    """

    status_date: date | None = None  # None: today
    rag_green: float = 0.95
    rag_amber: float = 0.85
    health_green: float = 4.0
    health_amber: float = 3.0

    def as_of(self, today: date | None = None) -> date:
        """The date things are judged at (overdue, ...): the status date, else today."""
        return self.status_date or today or date.today()


@dataclass(frozen=True)
class Delivery:
    """Every delivery record of a workbook (gate reviews live in `Portfolio.gates`)."""

    settings: DeliverySettings = DeliverySettings()
    status: tuple[StatusReport, ...] = ()
    raid: tuple[RaidItem, ...] = ()
    health: tuple[HealthCheck, ...] = ()
    benefits: tuple[Benefit, ...] = ()
    reviews: tuple[Review, ...] = ()
