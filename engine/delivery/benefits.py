"""Benefits against plan, and the post-project review of a closed project.

Variance = realised - planned, per benefit row. A review sums the planned and realised
benefits of its project (best kept in one measure, money, per project) and gives the share
realised.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.delivery.records import Benefit, Review


@dataclass(frozen=True, slots=True)
class ReviewFigures:
    """A post-project review with the project's benefits, planned against realised."""

    review: Review
    planned: float
    realised: float
    realised_share: float | None  # realised / planned; None when nothing was planned


def variance(benefit: Benefit) -> float | None:
    """Realised - planned; None unless both are given."""
    if benefit.planned is None or benefit.realised is None:
        return None
    return benefit.realised - benefit.planned


def review_figures(review: Review, benefits: Iterable[Benefit]) -> ReviewFigures:
    """The review with its project's benefits summed (blank amounts count as 0)."""
    rows = [b for b in benefits if b.project_id == review.project_id]
    planned = sum(b.planned or 0.0 for b in rows)
    realised = sum(b.realised or 0.0 for b in rows)
    share = realised / planned if planned else None
    return ReviewFigures(review, planned, realised, share)
