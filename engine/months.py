"""Calendar months as plain integers (year * 12 + month - 1), and their text form."""

from __future__ import annotations

import re
from datetime import date, datetime

from engine.units import MONTHS_PER_YEAR

_MONTH_TEXT = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-\d{1,2})?\s*$")


def month(year: int, month_of_year: int) -> int:
    """The month number of a calendar year and month (1-12)."""
    if not 1 <= month_of_year <= MONTHS_PER_YEAR:
        raise ValueError(f"month must be 1-12, got {month_of_year}")
    return year * MONTHS_PER_YEAR + month_of_year - 1


def parse_month(value: object) -> int:
    """Read `YYYY-MM` text, a date or a datetime as a month number; ValueError otherwise."""
    if isinstance(value, datetime | date):
        return month(value.year, value.month)
    if isinstance(value, str):
        found = _MONTH_TEXT.match(value)
        if found:
            return month(int(found.group(1)), int(found.group(2)))
    raise ValueError(f"expected a month as YYYY-MM or a date, found {value!r}")


def month_text(month_number: int) -> str:
    """`YYYY-MM` for a month number."""
    year, index = divmod(month_number, MONTHS_PER_YEAR)
    return f"{year:04d}-{index + 1:02d}"


def year_of(month_number: int) -> int:
    """The calendar year a month number falls in."""
    return month_number // MONTHS_PER_YEAR


def month_range_text(first: int, last: int) -> str:
    """`2027-03` or `2027-03..2027-05`."""
    if first == last:
        return month_text(first)
    return f"{month_text(first)}..{month_text(last)}"


def month_runs_text(months: list[int]) -> str:
    """Sorted months as runs: `2027-01..2027-03, 2027-06`."""
    runs, first, last = [], months[0], months[0]
    for m in months[1:]:
        if m == last + 1:
            last = m
            continue
        runs.append(month_range_text(first, last))
        first = last = m
    runs.append(month_range_text(first, last))
    return ", ".join(runs)
