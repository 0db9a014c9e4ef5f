"""Hiring as a decision: the units of each option per month, as runs of hires, and their cost.

The model (`engine.cpsat_model`) decides `units[h, t]`, the units of option `h` active in
horizon month `t`. A PMO reads hires as runs: "2 contractors from 2027-03 to 2027-08". A
month-by-month count becomes runs first in, first out: when the count drops, the units hired
earliest leave first, which is the reading under which the model's minimum-months rule holds
for every run (a run cut short by the end of the horizon excepted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from engine.feasibility import fte_units, money_units
from engine.model import HiringOption, Portfolio
from engine.months import year_of
from engine.result import Hire
from engine.units import MONEY_UNITS

Units = Mapping[tuple[int, int], int]  # (option index, horizon offset) -> units active


def first_offset(portfolio: Portfolio, option: HiringOption) -> int:
    """The first horizon offset the option may add capacity in (0 = the plan start)."""
    start = portfolio.settings.plan_start
    return max(0, (option.earliest if option.earliest is not None else start) - start)


def options_by_role(portfolio: Portfolio) -> dict[str, list[int]]:
    """Indexes of the hiring options of each role that has capacity."""
    by_role: dict[str, list[int]] = defaultdict(list)
    for index, option in enumerate(portfolio.hiring):
        if option.role in portfolio.capacity:
            by_role[option.role].append(index)
    return dict(by_role)


def hired_fte_units(portfolio: Portfolio, units: Units) -> dict[str, list[int]]:
    """FTE units added to each role per horizon month."""
    horizon = portfolio.settings.horizon
    added: dict[str, list[int]] = {}
    for (index, t), count in units.items():
        option = portfolio.hiring[index]
        if count and 0 <= t < horizon:
            row = added.setdefault(option.role, [0] * horizon)
            row[t] += count * fte_units(option.fte)
    return added


def hire_cost_by_year(portfolio: Portfolio, units: Units) -> dict[int, int]:
    """Cents the hires cost in each calendar year."""
    plan_start = portfolio.settings.plan_start
    cents: dict[int, int] = defaultdict(int)
    for (index, t), count in units.items():
        if count:
            rate = money_units(portfolio.hiring[index].monthly_cost)
            cents[year_of(plan_start + t)] += count * rate
    return dict(cents)


def hire_runs(portfolio: Portfolio, units: Units) -> tuple[Hire, ...]:
    """The month-by-month units as runs of hires, first in, first out, by option and start."""
    plan_start, horizon = portfolio.settings.plan_start, portfolio.settings.horizon
    runs: list[Hire] = []
    for index, option in enumerate(portfolio.hiring):
        cohorts: list[list[int]] = []  # [first offset, units] still active, oldest first
        previous = 0
        for t in range(horizon + 1):
            count = units.get((index, t), 0) if t < horizon else 0
            if count > previous:
                cohorts.append([t, count - previous])
            leaving = previous - count
            while leaving > 0:
                first, size = cohorts[0]
                gone = min(size, leaving)
                runs.append(_run(option, plan_start + first, plan_start + t - 1, gone))
                leaving -= gone
                if gone == size:
                    cohorts.pop(0)
                else:
                    cohorts[0][1] -= gone
            previous = count
    merged: dict[tuple[str, str, int, int], int] = defaultdict(int)
    for run in runs:
        merged[run.role, run.option, run.first, run.last] += run.units
    options = {(o.role, o.option): o for o in portfolio.hiring}
    return tuple(
        _run(options[role, name], first, last, count)
        for (role, name, first, last), count in sorted(
            merged.items(), key=lambda item: (item[0][2], item[0][0], item[0][1], item[0][3])
        )
    )


def _run(option: HiringOption, first: int, last: int, units: int) -> Hire:
    months = last - first + 1
    return Hire(
        option.role,
        option.option,
        first,
        last,
        units,
        round(units * months * money_units(option.monthly_cost) / MONEY_UNITS, 2),
    )


def units_from_runs(portfolio: Portfolio, hires: tuple[Hire, ...]) -> dict[tuple[int, int], int]:
    """The runs back as units per (option index, horizon offset): a plan's hires as a hint."""
    index = {(o.role, o.option): i for i, o in enumerate(portfolio.hiring)}
    plan_start = portfolio.settings.plan_start
    units: dict[tuple[int, int], int] = defaultdict(int)
    for hire in hires:
        h = index.get((hire.role, hire.option))
        if h is None:
            continue
        for month in range(hire.first, hire.last + 1):
            units[h, month - plan_start] += hire.units
    return dict(units)
