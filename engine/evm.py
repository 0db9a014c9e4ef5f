"""Earned value (SPI, CPI, EAC, VAC) and the red / amber / green rule of the status sheet.

Definitions (PMI, PMBOK): SPI = EV / PV, CPI = EV / AC, EAC = BAC / CPI (the "typical"
forecast: the cost efficiency so far continues), VAC = BAC - EAC. A ratio whose divisor is 0
is undefined and comes back as None rather than infinity, so a sheet shows a blank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from engine.errors import InputError


class Rag(StrEnum):
    """Status colour of a measure."""

    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"


@dataclass(frozen=True, slots=True)
class EarnedValue:
    """The earned-value indices and forecasts of one project at one date."""

    spi: float | None  # schedule performance index, EV / PV
    cpi: float | None  # cost performance index, EV / AC
    eac: float | None  # estimate at completion, BAC / CPI
    vac: float | None  # variance at completion, BAC - EAC
    sv: float  # schedule variance, EV - PV
    cv: float  # cost variance, EV - AC


def _amount(name: str, value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number; found {value!r}") from None
    if not math.isfinite(number):
        raise InputError(f"{name} must be a finite number; found {value!r}")
    if number < 0:
        raise InputError(f"{name} must be 0 or more; found {number:g}")
    return number


def _ratio(top: float, bottom: float) -> float | None:
    return None if bottom == 0 else top / bottom


def earned_value(pv: float, ev: float, ac: float, bac: float) -> EarnedValue:
    """SPI, CPI, EAC, VAC, SV and CV from planned value, earned value, actual cost and budget.

    Raises InputError when an amount is not a number or is negative.
    """
    pv, ev = _amount("PV (planned value)", pv), _amount("EV (earned value)", ev)
    ac, bac = _amount("AC (actual cost)", ac), _amount("BAC (budget at completion)", bac)
    spi = _ratio(ev, pv)
    cpi = _ratio(ev, ac)
    # Nothing spent yet: the budget still stands as the forecast.
    eac = bac if ac == 0 else (None if not cpi else bac / cpi)
    vac = None if eac is None else bac - eac
    return EarnedValue(spi=spi, cpi=cpi, eac=eac, vac=vac, sv=ev - pv, cv=ev - ac)


def rag(value: float, amber: float, red: float) -> Rag:
    """Red, amber or green for a value against two thresholds; the thresholds set the direction.

    When `amber > red`, lower values are worse (SPI, CPI: amber 0.95, red 0.9): below `red` is
    Red, below `amber` is Amber, otherwise Green. When `amber < red`, higher values are worse
    (cost overrun share: amber 0.05, red 0.10): above `red` is Red, above `amber` is Amber.
    A value exactly on a threshold takes the better colour. Equal thresholds are refused
    because they leave the direction open.
    """
    value = _finite("value", value)
    amber, red = _finite("amber threshold", amber), _finite("red threshold", red)
    if amber == red:
        raise InputError(
            "the amber and red thresholds are equal, so it is unclear whether "
            "higher or lower is worse; make amber > red when lower is worse "
            "(SPI), amber < red when higher is worse (overrun)"
        )
    if amber > red:
        if value < red:
            return Rag.RED
        return Rag.AMBER if value < amber else Rag.GREEN
    if value > red:
        return Rag.RED
    return Rag.AMBER if value > amber else Rag.GREEN


def _finite(name: str, value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number; found {value!r}") from None
    if not math.isfinite(number):
        raise InputError(f"{name} must be a finite number; found {value!r}")
    return number
