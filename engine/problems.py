"""What is wrong with an input, and how much it matters: the words validation and results share.

Kept apart from `engine.validation` so that a result (which carries its input problems)
does not depend on the checks that find them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Errors stop a run; warnings are written and the run goes on; info only tells."""

    ERROR = "Error"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, and where."""

    entity: str
    index: int | str | None
    field: str | None
    message: str
    severity: Severity = Severity.ERROR
