"""What changed in a plan since the baseline, and the input changes behind it, as records.

`engine.stability.plan_changes` finds them; the Changes sheet shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ChangeKind(StrEnum):
    """How a project's decision changed since the baseline."""

    IN = "In"
    OUT = "Out"
    MOVED = "Moved"


@dataclass(frozen=True, slots=True)
class Cause:
    """An input change that explains a plan change; `key` locates it like a validation
    problem (entity, index, field), for the workbook to name the sheet and cell."""

    text: str
    key: tuple[str, object, object] | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One project whose decision changed since the baseline."""

    project_id: str
    kind: ChangeKind
    before: int | None  # baseline start
    after: int | None  # new start
    causes: tuple[Cause, ...] = ()
