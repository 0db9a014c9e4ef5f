"""Worksheet functions for Excel (xlwings UDFs): thin wrappers over the engine.

Import them with the xlwings add-in's "Import Functions" (the `xlwings.conf` sheet names this
module under "UDF Modules"). Every argument arrives as a 2-D list (`ndim=2`) so a cell, a row
and a column are read alike; blanks arrive as None. A function never lets a Python error reach
its cell: bad arguments give a text starting with `#PMO!` that says what to fix.

Without Excel (Linux, tests) the xlwings decorators do nothing and these are plain functions
that accept scalars, flat lists or lists of rows.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple, cast

import pandas as pd
import xlwings as xw

from engine.errors import InputError
from engine.evm import earned_value, rag
from engine.feasibility import FTE_UNITS, Ledger, demand_profile, describe_shortfalls
from engine.frames import utilisation_frame
from engine.lessons import Lesson, search_lessons
from engine.managers import split_list
from engine.model import Demand, Direction, Portfolio, Project, Settings
from engine.months import month_range_text, month_text, parse_month
from engine.result import UtilisationCell
from engine.scoring import ahp, parse_direction, score_rows
from workbook.book import schema

CATEGORY = "PMO"
ERROR_PREFIX = "#PMO! "
NO_CAPACITY = "no capacity"  # as on the Utilisation sheet
FITS = "Fits"
RANKING_HEADER = ("ID", "Score", "Rank")
FIT_TABLE_HEADER = ("Role", "Month", "Need (FTE)", "Capacity (FTE)", "Left (FTE)", "Load")
LESSONS_HEADER = (
    "ID",
    "Project",
    "Category",
    "Tags",
    "What happened",
    "Recommendation",
    "Relevance",
)

Cell = object
Matrix = list[list[Cell]]


class ArgumentError(InputError):
    """A worksheet function's argument is unusable; the message names it and the fix."""


def _scoring_arguments(function: Callable) -> Callable:
    """The five arguments every scoring function takes, as Excel's function wizard shows them."""
    for decorate in reversed(
        (
            xw.arg(
                "scores", ndim=2, doc="Score table: one row per project, one column per criterion."
            ),
            xw.arg("weights", ndim=2, doc="Weight of each criterion (a row or a column)."),
            xw.arg(
                "directions",
                ndim=2,
                doc='Optional: "Higher is better" or "Lower is better" per criterion '
                "(default higher).",
            ),
            xw.arg(
                "mins", ndim=2, doc="Optional: lowest score of each scale (one for all; default 0)."
            ),
            xw.arg(
                "maxs",
                ndim=2,
                doc="Optional: highest score of each scale (one for all; default 10).",
            ),
        )
    ):
        function = decorate(function)
    return function


def _excel_safe(function: Callable) -> Callable:
    """Turn any error into a `#PMO! ...` text for the cell, never a traceback."""

    @functools.wraps(function)
    def wrapper(*args):
        try:
            return function(*args)
        except InputError as error:
            return ERROR_PREFIX + str(error)
        except Exception as error:  # a bug must still not print a traceback into a cell
            return f"{ERROR_PREFIX}unexpected {type(error).__name__}: {error}"

    # Excel's function wizard shows the docstring as one paragraph of at most 255 characters.
    wrapper.__doc__ = " ".join((function.__doc__ or "").split())
    return wrapper


# --- Reading arguments ----------------------------------------------------------------------


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(value: Cell) -> Matrix:
    """Any argument as a list of rows: a scalar is 1x1, a flat list is one row."""
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list):
        return [[value]]
    if not value:
        return []
    if all(isinstance(row, list | tuple) for row in value):
        return [list(row) for row in value]
    return [list(value)]


def _vector(value: Cell, name: str) -> list[Cell]:
    """A single row or column as a flat list."""
    rows = _rows(value)
    if not rows:
        return []
    if len(rows) == 1:
        return rows[0]
    if all(len(row) == 1 for row in rows):
        return [row[0] for row in rows]
    raise ArgumentError(
        f"{name} must be one row or one column; found {len(rows)} rows by "
        f"{max(len(row) for row in rows)} columns"
    )


def _number(value: Cell, what: str) -> float:
    """A cell as a number: numbers, numeric text ("1,200", " 7 ") and fractions ("1/3")."""
    if isinstance(value, bool):
        raise ArgumentError(f"{what} must be a number; found {value}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        fraction = re.fullmatch(r"([0-9.]+)\s*/\s*([0-9.]+)", text)
        try:
            if fraction:
                number = float(fraction.group(1)) / float(fraction.group(2))
            else:
                number = float(text)
        except (ValueError, ZeroDivisionError):
            raise ArgumentError(f'{what} must be a number; found "{value}"') from None
    else:
        raise ArgumentError(f"{what} must be a number; found {value!r}")
    if not math.isfinite(number):
        raise ArgumentError(f"{what} must be a finite number; found {value!r}")
    return number


def _numbers(value: Cell, name: str) -> list[float]:
    return [_number(v, f"{name} item {i}") for i, v in enumerate(_vector(value, name), start=1)]


def _spread(value: Cell, count: int, name: str) -> list[Cell]:
    """A per-criterion argument: one value for all, or exactly `count` values."""
    items = _vector(value, name)
    if len(items) == 1:
        return items * count
    if len(items) != count:
        raise ArgumentError(
            f"{name} has {len(items)} values for {count} weights; give one "
            "per criterion, or a single value for all"
        )
    return items


def _blank_out(value: float | None) -> float | str:
    """None (undefined) as an empty text, which Excel shows as a blank cell, not 0."""
    return "" if value is None else value


# --- Scoring ----------------------------------------------------------------------------------


def _weighted_scores(scores, weights, directions, mins, maxs) -> list[float | None]:
    """The weighted score of each row of `scores`; None for a blank row."""
    weight_list = _numbers(weights, "weights")
    count = len(weight_list)
    if count == 0:
        raise ArgumentError("weights is empty; give one weight per criterion")
    if any(w < 0 for w in weight_list):
        raise ArgumentError("weights must be 0 or more")
    direction_list = [
        Direction.HIGHER if _blank(d) else parse_direction(cast(str, d))
        for d in _spread(directions, count, "directions")
    ]
    min_list = [0.0 if _blank(v) else _number(v, "mins") for v in _spread(mins, count, "mins")]
    max_list = [10.0 if _blank(v) else _number(v, "maxs") for v in _spread(maxs, count, "maxs")]
    for i, (low, high) in enumerate(zip(min_list, max_list, strict=True), start=1):
        if low >= high:
            raise ArgumentError(f"criterion {i}: min {low:g} must be below max {high:g}")
    table = _rows(scores)
    filled: list[tuple[int, list[float]]] = []
    for r, row in enumerate(table, start=1):
        if all(_blank(v) for v in row):
            continue
        if len(row) != count:
            raise ArgumentError(
                f"weights and scores differ in length: {count} weights for {len(row)} score columns"
            )
        values = []
        for c, v in enumerate(row):
            if _blank(v):  # as the optimiser does: a missing score is the scale's worst
                worst = min_list[c] if direction_list[c] is Direction.HIGHER else max_list[c]
                values.append(worst)
            else:
                values.append(_number(v, f"scores row {r} column {c + 1}"))
        filled.append((r - 1, values))
    results = score_rows([v for _, v in filled], weight_list, direction_list, min_list, max_list)
    by_row = {index: score for (index, _), score in zip(filled, results, strict=True)}
    return [by_row.get(index) for index in range(len(table))]


@xw.func(category=CATEGORY)
@_scoring_arguments
@_excel_safe
def PMO_SCORE(scores, weights, directions=None, mins=None, maxs=None):
    """Weighted score of each row: sum(weight x score) / sum(weight), lower-is-better scores
    flipped within their scale. A blank score counts as the scale's worst; a blank row gives a
    blank. Spills one score per row."""
    out: Matrix = [
        ["" if score is None else score]
        for score in _weighted_scores(scores, weights, directions, mins, maxs)
    ]
    return out or [[""]]


def _id_text(value: Cell) -> str:
    """An ID cell as text; Excel sends numbers as floats (101 arrives as 101.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@xw.func(category=CATEGORY)
@xw.arg("ids", ndim=2, doc="Project IDs (or names), one per row of scores.")
@_scoring_arguments
@xw.ret(index=False)
@_excel_safe
def PMO_RANKING(ids, scores, weights, directions=None, mins=None, maxs=None):
    """League table of projects by weighted score (as PMO_SCORE): spills ID, Score and Rank
    with headers, best first; equal scores share a rank. Rows with a blank ID or blank scores
    are left out."""
    id_list = _vector(ids, "ids")
    weighted = _weighted_scores(scores, weights, directions, mins, maxs)
    if len(id_list) != len(weighted):
        raise ArgumentError(
            f"ids has {len(id_list)} values for {len(weighted)} rows of scores; give one ID per row"
        )
    rows = [
        (_id_text(pid), score)
        for pid, score in zip(id_list, weighted, strict=True)
        if not _blank(pid) and score is not None
    ]
    ordered = sorted(rows, key=lambda row: -row[1])  # stable: input order among equal scores
    ranks: list[int] = []
    for position, (_, score) in enumerate(ordered, start=1):
        tie = ranks and math.isclose(score, ordered[position - 2][1], rel_tol=0, abs_tol=1e-9)
        ranks.append(ranks[-1] if tie else position)
    return pd.DataFrame(
        {
            "ID": [pid for pid, _ in ordered],
            "Score": [score for _, score in ordered],
            "Rank": ranks,
        },
        columns=RANKING_HEADER,
    )


def _pairwise_matrix(matrix: Cell) -> list[list[float]]:
    """The comparison matrix with blanks filled: 1 on the diagonal, reciprocals below it."""
    rows = _rows(matrix)
    n = len(rows)
    if n == 0 or any(len(row) != n for row in rows):
        width = max((len(row) for row in rows), default=0)
        raise ArgumentError(
            f"the comparison matrix must be square; found {n} rows by {width} columns"
        )
    out = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            value = rows[i][j]
            if not _blank(value):
                out[i][j] = _number(value, f"matrix row {i + 1} column {j + 1}")
            elif i == j:
                out[i][j] = 1.0
            elif not _blank(rows[j][i]):
                mirror = _number(rows[j][i], f"matrix row {j + 1} column {i + 1}")
                if mirror == 0:
                    raise ArgumentError(
                        f"matrix row {j + 1} column {i + 1} is 0; judgements run from 1/9 to 9"
                    )
                out[i][j] = 1.0 / mirror
            else:
                raise ArgumentError(
                    f"matrix row {i + 1} column {j + 1} and its mirror are both "
                    "blank; fill at least the upper triangle"
                )
    return out


@xw.func(category=CATEGORY)
@xw.arg("matrix", ndim=2, doc="Square pairwise matrix; upper triangle is enough (1/3 as =1/3).")
@_excel_safe
def PMO_AHP_WEIGHTS(matrix):
    """Criterion weights from a pairwise comparison matrix (AHP, principal eigenvector); they
    add up to 1. Fill the upper triangle: blanks below the diagonal are taken as reciprocals.
    Spills one weight per row."""
    return [[w] for w in ahp(_pairwise_matrix(matrix)).weights]


@xw.func(category=CATEGORY)
@xw.arg("matrix", ndim=2, doc="Square pairwise matrix; upper triangle is enough (1/3 as =1/3).")
@_excel_safe
def PMO_AHP_CR(matrix):
    """Consistency ratio of a pairwise comparison matrix (Saaty). Below 0.10 the judgements are
    usually taken as consistent enough; above it, revisit them."""
    return ahp(_pairwise_matrix(matrix)).consistency_ratio


# --- Earned value and status ------------------------------------------------------------------


def _columns(named: dict[str, Cell]) -> tuple[int, dict[str, list[Cell]]]:
    """Equal-length vectors from arguments that are each one value or one per row."""
    vectors = {name: _vector(value, name) for name, value in named.items()}
    count = max(len(v) for v in vectors.values())
    for name, items in vectors.items():
        if len(items) == 1:
            vectors[name] = items * count
        elif len(items) != count:
            raise ArgumentError(
                f"{name} has {len(items)} values but another argument has "
                f"{count}; give one value, or one per row"
            )
    return count, vectors


@xw.func(category=CATEGORY)
@xw.arg("pv", ndim=2, doc="Planned value: budgeted cost of the work scheduled to date.")
@xw.arg("ev", ndim=2, doc="Earned value: budgeted cost of the work actually done.")
@xw.arg("ac", ndim=2, doc="Actual cost of the work done.")
@xw.arg("bac", ndim=2, doc="Budget at completion.")
@_excel_safe
def PMO_EVM(pv, ev, ac, bac):
    """Earned value: spills SPI, CPI, EAC and VAC across one row (SPI = EV/PV, CPI = EV/AC,
    EAC = BAC/CPI, VAC = BAC - EAC). Give cells or equal columns (one row per project).
    Undefined values (PV or AC of 0) and rows without PV, EV and AC are blank."""
    count, columns = _columns({"pv": pv, "ev": ev, "ac": ac, "bac": bac})
    out: Matrix = []
    for i in range(count):
        row = {k: columns[k][i] for k in columns}
        if all(_blank(row[k]) for k in ("pv", "ev", "ac")):  # no status reported for this row
            out.append(["", "", "", ""])
            continue
        values = {k: _number(v, k.upper()) if not _blank(v) else 0.0 for k, v in row.items()}
        result = earned_value(values["pv"], values["ev"], values["ac"], values["bac"])
        out.append(
            [
                _blank_out(result.spi),
                _blank_out(result.cpi),
                _blank_out(result.eac),
                _blank_out(result.vac),
            ]
        )
    return out


@xw.func(category=CATEGORY)
@xw.arg("value", ndim=2, doc="The measure: a cell or a column (e.g. SPI).")
@xw.arg("amber", ndim=2, doc="Amber threshold.")
@xw.arg("red", ndim=2, doc="Red threshold. Amber > red: lower is worse; amber < red: higher.")
@_excel_safe
def PMO_RAG(value, amber, red):
    """Red, Amber or Green. If amber > red, lower is worse (SPI: amber 0.95, red 0.9; below 0.9
    is Red). If amber < red, higher is worse (overrun: amber 5%, red 10%). On a threshold: the
    better colour. Blank value: blank."""
    count, columns = _columns({"value": value, "amber": amber, "red": red})
    out: Matrix = []
    for i in range(count):
        v, a, r = columns["value"][i], columns["amber"][i], columns["red"][i]
        if _blank(v):
            out.append([""])
            continue
        colour = rag(_number(v, "value"), _number(a, "amber"), _number(r, "red"))
        out.append([colour.value])
    return out if count > 1 else out[0][0]


# --- Capacity ---------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("demand", ndim=2, doc="Demand in FTE: roles down, months across.")
@xw.arg("capacity", ndim=2, doc="Capacity in FTE, the same shape as demand.")
@_excel_safe
def PMO_UTILISATION(demand, capacity):
    """Load per role and month: demand / capacity, cell by cell (1 = fully used). Blank counts
    as 0; demand on zero capacity gives "no capacity". Spills the same shape as its inputs."""
    need, have = _rows(demand), _rows(capacity)
    shape = (len(need), max((len(r) for r in need), default=0))
    other = (len(have), max((len(r) for r in have), default=0))
    if shape != other or any(len(r) != shape[1] for r in need + have):
        raise ArgumentError(
            f"demand is {shape[0]}x{shape[1]} but capacity is "
            f"{other[0]}x{other[1]}; give ranges of the same shape"
        )
    out: Matrix = []
    for r, (need_row, have_row) in enumerate(zip(need, have, strict=True), start=1):
        row: list[Cell] = []
        for c, (d, k) in enumerate(zip(need_row, have_row, strict=True), start=1):
            d_value = 0.0 if _blank(d) else _number(d, f"demand row {r} column {c}")
            k_value = 0.0 if _blank(k) else _number(k, f"capacity row {r} column {c}")
            load = UtilisationCell("", 0, d_value, k_value).load
            if math.isinf(load):
                row.append(NO_CAPACITY)
            elif k_value <= 0:
                row.append("")
            else:
                row.append(load)
        out.append(row)
    return out


def _month_of(value: Cell) -> int | None:
    """A capacity header or start as a month number; None when it is not a month."""
    if isinstance(value, datetime | date):
        return parse_month(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 20_000 <= value <= 80_000:  # an Excel date serial
            return parse_month(datetime(1899, 12, 30) + timedelta(days=int(value)))
        return None
    if isinstance(value, str):
        try:
            return parse_month(value)
        except ValueError:
            return None
    return None


def _capacity_table(capacity: Cell) -> tuple[list[int], dict[str, list[float]]]:
    rows = _rows(capacity)
    if len(rows) < 2 or len(rows[0]) < 2:
        raise ArgumentError(
            "capacity needs a header row of months and at least one role row "
            "(use the whole Capacity table: tblCapacity[#All])"
        )
    parsed = [_month_of(v) for v in rows[0][1:]]
    if any(m is None for m in parsed):
        bad = next(v for v, m in zip(rows[0][1:], parsed, strict=True) if m is None)
        raise ArgumentError(
            f"the first row of capacity must hold the months (YYYY-MM) after "
            f'the role column; found "{bad}" (use tblCapacity[#All])'
        )
    months = [m for m in parsed if m is not None]
    first = months[0]
    if months != list(range(first, first + len(months))):
        raise ArgumentError("the capacity months must follow each other without gaps")
    table: dict[str, list[float]] = {}
    for r, row in enumerate(rows[1:], start=2):
        if all(_blank(v) for v in row):
            continue
        role = str(row[0]).strip() if not _blank(row[0]) else ""
        if not role:
            raise ArgumentError(f"capacity row {r} has no role in its first column")
        if role in table:
            raise ArgumentError(f'capacity lists role "{role}" twice')
        table[role] = [0.0 if _blank(v) else _number(v, f'capacity of "{role}"') for v in row[1:]]
    return months, table


def _demand_rows(demand: Cell) -> list[tuple[str, float, int | None, int | None]]:
    rows = [row for row in _rows(demand) if not all(_blank(v) for v in row)]
    if not rows:
        raise ArgumentError("demand is empty; give rows of role, FTE, from month, to month")
    width = len(rows[0])
    if not 2 <= width <= 5:
        raise ArgumentError(
            f"demand rows need 2 to 5 columns (role, FTE, from month, to "
            f"month; or ID first, as on the Demand sheet); found {width}"
        )
    found: list[tuple[str, float, int | None, int | None]] = []
    for r, row in enumerate(rows, start=1):
        cells = list(row[1:] if width == 5 else row) + [None] * 4
        role = "" if _blank(cells[0]) else str(cells[0]).strip()
        if not role:
            raise ArgumentError(f"demand row {r} has no role")
        fte = _number(cells[1], f"demand row {r} FTE")
        if fte < 0:
            raise ArgumentError(f"demand row {r}: FTE must be 0 or more")
        bounds: list[int | None] = []
        for k, label in ((2, "from month"), (3, "to month")):
            if _blank(cells[k]):
                bounds.append(None)
                continue
            value = _number(cells[k], f"demand row {r} {label}")
            if not value.is_integer() or value < 1:
                raise ArgumentError(
                    f"demand row {r}: {label} must be a whole month of the "
                    f"project's life, 1 or more; found {value:g}"
                )
            bounds.append(int(value))
        found.append((role, fte, bounds[0], bounds[1]))
    return found


def _start_month(start: Cell, months: list[int]) -> int:
    if _blank(start):
        raise ArgumentError(
            "start is blank; give a month (YYYY-MM) or a month number of the "
            "capacity table (1 = its first month)"
        )
    month = _month_of(start)
    if month is None:
        index = _number(start, "start")
        if not index.is_integer() or not 1 <= index <= len(months):
            raise ArgumentError(
                f"start {index:g} is not a month (YYYY-MM) nor a column number "
                f"1..{len(months)} of the capacity months"
            )
        month = months[int(index) - 1]
    if month not in months:
        raise ArgumentError(
            f"start {month_text(month)} is outside the capacity months "
            f"({month_range_text(months[0], months[-1])})"
        )
    return month


class _Trial(NamedTuple):
    """One project on the remaining capacity, as PMO_FITS and PMO_FIT_TABLE read it."""

    months: list[int]  # the capacity's months
    first: int  # the start month
    length: int  # months the project runs
    demands: list[tuple[str, float, int | None, int | None]]
    portfolio: Portfolio  # just this project ("project") and the capacity

    @property
    def project(self) -> Project:
        return self.portfolio.projects[0]


def _trial(demand: Cell, capacity: Cell, start: Cell, duration: Cell) -> _Trial:
    months, table = _capacity_table(capacity)
    demands = _demand_rows(demand)
    first = _start_month(_vector(start, "start")[0] if isinstance(start, list) else start, months)
    if _blank(duration):
        if any(to is None for *_, to in demands):
            raise ArgumentError(
                "give the duration: a demand row without a to month runs to the project's end"
            )
        length = max(to for *_, to in demands if to is not None)
    else:
        value = _number(duration, "duration")
        if not value.is_integer() or value < 1:
            raise ArgumentError(
                f"duration must be a whole number of months, 1 or more; found {value:g}"
            )
        length = int(value)
    portfolio = Portfolio(
        settings=Settings(plan_start=months[0], horizon=len(months)),
        projects=(Project("project", duration=length),),
        demands=tuple(
            Demand("project", role, fte, start_at, end_at)
            for role, fte, start_at, end_at in demands
        ),
        capacity={role: tuple(values) for role, values in table.items()},
    )
    return _Trial(months, first, length, demands, portfolio)


@xw.func(category=CATEGORY)
@xw.arg("demand", ndim=2, doc="The project's demand rows: role, FTE, from month, to month.")
@xw.arg("capacity", ndim=2, doc="Remaining capacity with its header: roles down, months across.")
@xw.arg("start", doc="Start month (YYYY-MM or a date), or a month number of the capacity.")
@xw.arg("duration", doc="Optional: length in months (default: the largest to month).")
@_excel_safe
def PMO_FITS(demand, capacity, start, duration=None):
    """Whether a project fits the remaining capacity when it starts in the given month: "Fits",
    or "Blocked:" with each role and month that is short and by how much FTE."""
    trial = _trial(demand, capacity, start, duration)
    months, capacity_rows = trial.months, trial.portfolio.capacity
    blockers = []
    missing = sorted(
        {role for role, fte, *_ in trial.demands if fte > 0 and role not in capacity_rows}
    )
    blockers += [f'no capacity row for role "{role}"' for role in missing]
    last = trial.first + trial.length - 1
    if last > months[-1]:
        blockers.append(
            f"it runs to {month_text(last)}, past {month_text(months[-1])}, the "
            "last month of the capacity"
        )
    shortfalls = Ledger(trial.portfolio).shortfalls(trial.project, trial.first)
    if shortfalls:
        blockers.append(describe_shortfalls(shortfalls))
    return FITS if not blockers else "Blocked: " + "; ".join(blockers)


@xw.func(category=CATEGORY)
@xw.arg("demand", ndim=2, doc="The project's demand rows: role, FTE, from month, to month.")
@xw.arg("capacity", ndim=2, doc="Remaining capacity with its header: roles down, months across.")
@xw.arg("start", doc="Start month (YYYY-MM or a date), or a month number of the capacity.")
@xw.arg("duration", doc="Optional: length in months (default: the largest to month).")
@xw.ret(index=False)
@_excel_safe
def PMO_FIT_TABLE(demand, capacity, start, duration=None):
    """PMO_FITS as a table: spills, with headers, each role and month the project needs: need,
    capacity and what is left (FTE; negative = short) and the load (need / capacity). Months
    past the capacity or roles without a capacity row show "no capacity"."""
    trial = _trial(demand, capacity, start, duration)
    months, capacity_rows = trial.months, trial.portfolio.capacity
    cells = []
    for role, units in demand_profile(trial.portfolio, trial.project).items():
        row = capacity_rows.get(role)
        for offset, need in enumerate(units):
            if need <= 0:
                continue
            month = trial.first + offset
            index = month - months[0]
            have = row[index] if row is not None and 0 <= index < len(row) else 0.0
            cells.append(UtilisationCell(role, month, need / FTE_UNITS, have))
    order = {role: position for position, role in enumerate(capacity_rows)}  # as the capacity
    cells.sort(key=lambda cell: (order.get(cell.role, len(order)), cell.role, cell.month))
    frame = utilisation_frame(cells)
    return pd.DataFrame(
        {
            "Role": frame["role"].tolist(),
            "Month": [month_text(cell.month) for cell in cells],
            "Need (FTE)": frame["demand_fte"].tolist(),
            "Capacity (FTE)": frame["capacity_fte"].tolist(),
            "Left (FTE)": frame["remaining_fte"].tolist(),
            "Load": [NO_CAPACITY if math.isinf(load) else load for load in frame["load"]],
        },
        columns=FIT_TABLE_HEADER,
    )


# --- Lessons learned --------------------------------------------------------------------------


def _text_cell(value: Cell) -> str:
    """A cell as text: whole numbers without ".0", dates as YYYY-MM-DD, blanks as ""."""
    if _blank(value):
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _lessons_from_table(table: Cell) -> list[Lesson]:
    """The rows of a Lessons table given with its header row (tblLessons[#All])."""
    rows = _rows(table)
    header = [_text_cell(v).casefold() for v in rows[0]] if rows else []
    columns = {c.header.casefold(): c.field for c in schema.LESSONS.columns if c.field}
    where = {columns[h]: i for i, h in enumerate(header) if h in columns}
    if "id" not in where or not ({"what_happened", "recommendation"} & where.keys()):
        raise ArgumentError(
            "lessons must be the Lessons table with its header row (tblLessons[#All]): ID, "
            "What happened, Recommendation, ..."
        )
    found = []
    for row in rows[1:]:
        cells = {name: _text_cell(row[i]) if i < len(row) else "" for name, i in where.items()}
        if not cells["id"]:
            continue
        found.append(
            Lesson(
                id=cells["id"],
                project=cells.get("project", ""),
                date=cells.get("date") or None,
                phase=cells.get("phase", ""),
                category=cells.get("category", ""),
                tags=split_list(cells.get("tags", "")),
                what_happened=cells.get("what_happened", ""),
                root_cause=cells.get("root_cause", ""),
                recommendation=cells.get("recommendation", ""),
                owner=cells.get("owner", ""),
                status=cells.get("status", ""),
            )
        )
    return found


def _lessons_of_caller(caller) -> list[Lesson]:
    """The Lessons sheet of the workbook the formula is in (Excel passes `caller`)."""
    if caller is None:
        raise ArgumentError(
            "give the Lessons table as the third argument (tblLessons[#All]); only a "
            "formula in Excel can read its own workbook's Lessons sheet"
        )
    from workbook.excel.transport import snapshot, to_openpyxl
    from workbook.files.reader import read_lessons_loaded

    book = caller.sheet.book
    snap = snapshot(book, [s.name for s in book.sheets if s.name.casefold() == "lessons"])
    if not snap.sheets:
        raise ArgumentError('this workbook has no "Lessons" sheet; add it from a new template')
    return list(read_lessons_loaded(to_openpyxl(snap), book.name))


@xw.func(category=CATEGORY)
@xw.arg("query", ndim=2, doc='Words to look for (any may match), e.g. "data migration".')
@xw.arg(
    "tags",
    ndim=2,
    doc="Optional: tags every lesson found must carry (cells, or comma-separated text).",
)
@xw.arg(
    "lessons",
    ndim=2,
    doc="Optional: the Lessons table with its header, tblLessons[#All] (default: this "
    "workbook's Lessons sheet).",
)
@xw.ret(index=False)
@_excel_safe
def PMO_LESSONS(query, tags=None, lessons=None, caller=None):
    """Lessons learned most relevant to the query, best first (SQLite FTS5, BM25): spills ID,
    Project, Category, Tags, What happened, Recommendation and Relevance with headers. Tags
    filter the lessons; no match spills the header only."""
    words = " ".join(_text_cell(v) for v in _vector(query, "query"))
    wanted = [t for v in _vector(tags, "tags") for t in split_list(_text_cell(v))]
    found = (
        _lessons_from_table(lessons) if not _blank_range(lessons) else _lessons_of_caller(caller)
    )
    hits = search_lessons(found, words, wanted)
    return pd.DataFrame(
        [
            [
                h.lesson.id,
                h.lesson.project,
                h.lesson.category,
                ", ".join(h.lesson.tags),
                h.lesson.what_happened,
                h.lesson.recommendation,
                round(h.relevance, 4),
            ]
            for h in hits
        ],
        columns=LESSONS_HEADER,
    )


def _blank_range(value: Cell) -> bool:
    """An argument left out, or a range with nothing in it."""
    return all(_blank(v) for row in _rows(value) for v in row)


FUNCTIONS: Sequence[Callable] = (
    PMO_SCORE,
    PMO_AHP_WEIGHTS,
    PMO_AHP_CR,
    PMO_EVM,
    PMO_RAG,
    PMO_UTILISATION,
    PMO_FITS,
    PMO_RANKING,
    PMO_FIT_TABLE,
    PMO_LESSONS,
)
