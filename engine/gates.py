"""Stage gates: the decisions a review board takes on a project, and which one counts now.

A project passes gates (G0 Idea .. G5 Close by default; the names are the PMO's own). At each
review the board decides Go, Hold, Stop or Recycle. The plan obeys the *latest* decision: Stop
takes the project out of the plan, Hold keeps it out while it is held (until a later review
decides otherwise), Go and Recycle leave the optimiser free. A review with a date but no
decision yet is pending and changes nothing.

Nothing here imports the portfolio model: `engine.model.Portfolio` attaches each project's
latest decision (`Project.gate`) from its reviews.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

GATES = ("G0 Idea", "G1 Business case", "G2 Plan", "G3 Build", "G4 Handover", "G5 Close")
GATE_CRITERIA = ("Business case", "Plan", "Risk", "Readiness")  # each scored 1-5
SCORE_SCALE = (1, 5)
_CODE = re.compile(r"^\s*(G\d+)\b", re.IGNORECASE)


class GateDecision(StrEnum):
    """What a gate review decided."""

    GO = "Go"
    HOLD = "Hold"
    STOP = "Stop"
    RECYCLE = "Recycle"

    @property
    def blocks(self) -> bool:
        """Whether the decision keeps the project out of the plan (Stop, Hold)."""
        return self in (GateDecision.STOP, GateDecision.HOLD)


@dataclass(frozen=True, slots=True)
class GateReview:
    """One gate review of one project: the gate, when, by whom, the scores and the decision."""

    project_id: str
    gate: str
    date: date | None = None
    decision: GateDecision | None = None  # None: the decision is still pending
    reviewer: str = ""
    scores: tuple[float | None, ...] = ()  # in GATE_CRITERIA order
    notes: str = ""

    @property
    def code(self) -> str:
        """`G2` for a gate named "G2 Plan"; the whole name when it does not start with a code."""
        found = _CODE.match(self.gate)
        return found.group(1).upper() if found else self.gate.strip()

    @property
    def blocks(self) -> bool:
        """Whether this review's decision keeps the project out of the plan."""
        return self.decision is not None and self.decision.blocks

    @property
    def pending(self) -> bool:
        """A review that is dated but has no decision yet."""
        return self.decision is None and self.date is not None


def latest_decisions(reviews: Iterable[GateReview]) -> dict[str, GateReview]:
    """{project ID: its latest decided review}: the latest date wins, then the later row.

    Reviews without a decision (pending) or without a date cannot be ordered and are left
    out; `engine.validation` reports a decision without a date.
    """
    latest: dict[str, tuple[date, int, GateReview]] = {}
    for index, review in enumerate(reviews):
        if review.decision is None or review.date is None:
            continue
        key = (review.date, index, review)
        held = latest.get(review.project_id)
        if held is None or key[:2] >= held[:2]:
            latest[review.project_id] = key
    return {pid: review for pid, (_, _, review) in latest.items()}


def pending_reviews(reviews: Sequence[GateReview]) -> list[GateReview]:
    """The reviews still waiting for a decision, by date."""
    waiting = [r for r in reviews if r.pending]
    return sorted(waiting, key=lambda r: (r.date or date.min, r.project_id))


def gate_score(review: GateReview) -> float | None:
    """The mean of the criteria scores given (blank ones left out); None when none is given."""
    given = [s for s in review.scores if s is not None]
    return sum(given) / len(given) if given else None
