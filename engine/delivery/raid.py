"""The RAID log's figures: risk scores, the 5x5 heat map of open risks, overdue entries.

Score = probability x impact (both 1-5), for any entry that has both. An entry is overdue when
it is open (a blank status counts as open) and its due date is before the status date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from engine.delivery.records import RaidItem, RaidStatus, RaidType
from engine.gates import SCORE_SCALE

LOW, HIGH = SCORE_SCALE


def risk_score(item: RaidItem) -> int | None:
    """Probability x impact; None unless both are given."""
    if item.probability is None or item.impact is None:
        return None
    return item.probability * item.impact


def is_open(item: RaidItem) -> bool:
    """Whether the entry still needs attention."""
    return item.status is not RaidStatus.CLOSED


def is_overdue(item: RaidItem, as_of: date) -> bool:
    """Open, with a due date before `as_of`."""
    return is_open(item) and item.due is not None and item.due < as_of


def open_risks(items: Iterable[RaidItem]) -> list[RaidItem]:
    """The open risks, highest score first (then by ID); unscored ones last."""
    risks = [i for i in items if i.type is RaidType.RISK and is_open(i)]
    return sorted(risks, key=lambda i: (-(risk_score(i) or 0), i.id))


def heat_map(items: Iterable[RaidItem]) -> list[list[int]]:
    """Open risks counted by probability (rows, 5 at the top) and impact (columns, 1 first)."""
    counts = [[0] * (HIGH - LOW + 1) for _ in range(HIGH - LOW + 1)]
    for item in open_risks(items):
        p, i = item.probability, item.impact
        if p is not None and i is not None and LOW <= p <= HIGH and LOW <= i <= HIGH:
            counts[HIGH - p][i - LOW] += 1
    return counts


def overdue(items: Iterable[RaidItem], as_of: date, kind: RaidType | None = None) -> list[RaidItem]:
    """The overdue entries (of one type, if given), earliest due first."""
    found = [i for i in items if is_overdue(i, as_of) and (kind is None or i.type is kind)]
    return sorted(found, key=lambda i: (i.due or as_of, i.id))
