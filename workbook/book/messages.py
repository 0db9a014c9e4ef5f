"""A message for the Messages sheet and the console: what is wrong or worth knowing, and where."""

from __future__ import annotations

from dataclasses import dataclass

from engine.validation import Severity

__all__ = ["Message", "Severity"]


@dataclass(frozen=True, slots=True)
class Message:
    """A problem or note for the Messages sheet, at a sheet and cell when known."""

    sheet: str | None
    cell: str | None
    message: str
    severity: Severity = Severity.ERROR

    @property
    def location(self) -> str:
        """`Intake!F12`, `Intake` or empty."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message
