"""Scenarios: a plan's inputs and results kept inside the workbook, listed and compared.

A scenario is one JSON document: its name, when it was saved, a note, every input cell of
every input sheet (value, kind and number format, with each sheet's Table ranges: enough to
put the inputs back exactly, see `workbook.files.restore`) and the results that came of them
(value, bound, gap, selected projects and their starts, spend per year against the budget,
FTE-months per role, hires). Saved from live Excel, formula cells come as their values, and
a restore leaves the workbook's own formulas in place.

The documents live on the very hidden sheet "PMO scenarios", one row per piece of at most
`PIECE` characters (an Excel cell holds at most 32,767), so the workbook carries its
scenarios wherever it goes and nobody edits them by accident. The Scenarios sheet lists
them; the Compare sheet sets two or more side by side.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from engine.model import Portfolio
from engine.months import month_text, year_of
from engine.result import Result
from workbook.book import schema
from workbook.book.grids import CellValue, Grid

PIECE = 30_000  # characters of JSON per store cell
FORMAT = 1  # version of the document layout
MOST_INPUT_DIFFERENCES = 60  # rows of input differences on the Compare sheet

# One input cell: row, column, kind ("n" number, "s" text, "b" yes/no, "d" date-time,
# "f" formula), value as JSON can hold it, number format.
InputCell = tuple[int, int, str, object, str]


@dataclass(frozen=True)
class SheetInputs:
    """Every non-empty cell of one input sheet and the ranges of its Excel Tables."""

    cells: tuple[InputCell, ...]
    tables: Mapping[str, str] = field(default_factory=dict)
    formulas: bool = True  # False: read from live Excel, formulas came as their values

    def values(self) -> dict[tuple[int, int], tuple[str, object]]:
        """{(row, column): (kind, value)}."""
        return {(r, c): (kind, value) for r, c, kind, value, _ in self.cells}


@dataclass(frozen=True)
class Scenario:
    """A saved scenario: its inputs and its results."""

    name: str
    saved: str  # ISO date and time
    note: str
    inputs: Mapping[str, SheetInputs]
    results: Mapping[str, object]

    def to_json(self) -> str:
        """The scenario as one JSON document."""
        return json.dumps(
            {
                "format": FORMAT,
                "name": self.name,
                "saved": self.saved,
                "note": self.note,
                "inputs": {
                    sheet: {
                        "cells": [list(c) for c in data.cells],
                        "tables": dict(data.tables),
                        "formulas": data.formulas,
                    }
                    for sheet, data in self.inputs.items()
                },
                "results": self.results,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        """A scenario from its JSON document (ValueError when it is not one)."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a scenario document of this version")
        inputs = {
            sheet: SheetInputs(
                tuple((int(r), int(c), str(k), v, str(f)) for r, c, k, v, f in item["cells"]),
                dict(item.get("tables", {})),
                bool(item.get("formulas", True)),
            )
            for sheet, item in data["inputs"].items()
        }
        return cls(data["name"], data["saved"], data.get("note", ""), inputs, data["results"])


# --- Input cells as JSON values ------------------------------------------------------------------


def input_cell(row: int, column: int, value: object, data_type: str, number_format: str):
    """One cell as an `InputCell` (None for an empty one)."""
    if value is None:
        return None
    if data_type == "f" or (isinstance(value, str) and data_type == "f"):
        return (row, column, "f", str(value), number_format)
    if isinstance(value, bool):
        return (row, column, "b", value, number_format)
    if isinstance(value, int | float):
        return (row, column, "n", value, number_format)
    if isinstance(value, datetime):
        return (row, column, "d", value.isoformat(), number_format)
    if isinstance(value, date):
        return (row, column, "d", datetime.combine(value, time()).isoformat(), number_format)
    if isinstance(value, time):
        return (row, column, "t", value.isoformat(), number_format)
    return (row, column, "s", str(value), number_format)


def cell_value(kind: str, value: object) -> object:
    """The Python value to put back into a cell of this kind."""
    if kind == "d":
        return datetime.fromisoformat(str(value))
    if kind == "t":
        return time.fromisoformat(str(value))
    return value


# --- The store sheet ---------------------------------------------------------------------------


def store_grid(scenarios: Sequence[Scenario]) -> Grid:
    """The very hidden store: one row per piece of each scenario's JSON document."""
    rows: list[list[CellValue]] = []
    for scenario in scenarios:
        text = scenario.to_json()
        pieces = [text[i : i + PIECE] for i in range(0, len(text), PIECE)] or [""]
        for index, piece in enumerate(pieces, start=1):
            rows.append([scenario.name, index, piece])
    spec = schema.SCENARIO_STORE
    return Grid(spec.name, [c.header for c in spec.columns], rows)


def read_store(rows: Iterable[tuple[object, object, object]]) -> tuple[list[Scenario], list[str]]:
    """The scenarios from the store's rows (name, piece, text), and what could not be read."""
    pieces: dict[str, list[tuple[int, str]]] = defaultdict(list)
    order: list[str] = []
    for name, index, text in rows:
        if name is None or text is None:
            continue
        key = str(name)
        if key not in pieces:
            order.append(key)
        try:
            pieces[key].append((int(str(index)), str(text)))
        except ValueError:
            pieces[key].append((0, str(text)))
    found, problems = [], []
    for name in order:
        text = "".join(piece for _, piece in sorted(pieces[name]))
        try:
            found.append(Scenario.from_json(text))
        except (ValueError, KeyError, TypeError) as error:
            problems.append(f'scenario "{name}" could not be read back ({error}); save it again')
    return found, problems


# --- Results -----------------------------------------------------------------------------------


def results_of(portfolio: Portfolio, result: Result) -> dict[str, object]:
    """What a scenario keeps of a run: the numbers, the plan, spend and FTE."""
    selected = {o.project_id: o.start for o in result.selected if o.start is not None}
    spend: dict[int, float] = defaultdict(float)
    fte: dict[str, float] = defaultdict(float)
    for pid, start in selected.items():
        project = portfolio.project(pid)
        months = max(project.duration, 1)
        for k in range(months):
            spend[year_of(start + k)] += project.cost / months
    for cell in result.utilisation:
        fte[cell.role] += cell.demand
    for hire in result.hiring:
        for month in range(hire.first, hire.last + 1):
            spend[year_of(month)] += hire.cost / hire.months
    years = sorted(set(spend) | set(portfolio.budget))
    horizon_years = max(portfolio.settings.horizon / 12, 1e-9)
    return {
        "status": result.status.value,
        "objective": result.objective_name,
        "value": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "selected": {pid: month_text(start) for pid, start in sorted(selected.items())},
        "spend": {str(y): round(spend.get(y, 0.0), 2) for y in years},
        "budget": {str(y): portfolio.budget.get(y) for y in years},
        "cost_per_year": round(sum(spend.values()) / horizon_years, 2),
        "fte_months": {role: round(v, 3) for role, v in fte.items()},
        "hiring": [
            {
                "role": h.role,
                "option": h.option,
                "from": month_text(h.first),
                "to": month_text(h.last),
                "units": h.units,
                "cost": h.cost,
            }
            for h in result.hiring
        ],
        "names": {p.id: p.name for p in portfolio.projects},
    }


def scenarios_grid(scenarios: Sequence[Scenario]) -> Grid:
    """The Scenarios sheet: one row per saved scenario."""
    rows: list[list[CellValue]] = []
    for s in scenarios:
        r = s.results
        selected = r.get("selected") or {}
        rows.append(
            [
                s.name,
                s.saved,
                str(r.get("objective") or ""),
                _number(r.get("value")),
                _number(r.get("gap")),
                len(selected) if isinstance(selected, dict) else None,
                _number(r.get("cost_per_year")),
                s.note,
            ]
        )
    spec = schema.SCENARIOS
    return Grid(spec.name, [c.header for c in spec.columns], rows)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


# --- Compare -----------------------------------------------------------------------------------


def compare_grid(scenarios: Sequence[Scenario]) -> Grid:
    """The Compare sheet: the scenarios side by side, section by section."""
    names = [s.name for s in scenarios]
    width = 2 + len(scenarios)
    rows: list[list[CellValue]] = []
    formats: list[str | None] = []

    def row(
        section: str, item: str, values: Sequence[CellValue], number_format: str | None = None
    ) -> None:
        rows.append([section, item, *values][:width] + [None] * (width - 2 - len(values)))
        formats.append(number_format)

    results = [s.results for s in scenarios]
    money, score = schema.FMT_MONEY, schema.FMT_SCORE
    row("Result", "Value", [_number(r.get("value")) for r in results], score)
    row("Result", "Bound", [_number(r.get("bound")) for r in results], score)
    row("Result", "Gap", [_number(r.get("gap")) for r in results], "0.0%")
    row("Result", "Status", [str(r.get("status", "")) for r in results])
    row("Result", "Selected projects", [len(_dict(r.get("selected"))) for r in results])
    row("Result", "Cost per year", [_number(r.get("cost_per_year")) for r in results], money)
    years = sorted({y for r in results for y in _dict(r.get("spend"))})
    for year in years:
        spend = [_number(_dict(r.get("spend")).get(year)) for r in results]
        budget = [_number(_dict(r.get("budget")).get(year)) for r in results]
        row("Spend", f"{year} spend", spend, money)
        row("Spend", f"{year} budget", budget, money)
    roles = sorted({role for r in results for role in _dict(r.get("fte_months"))})
    for role in roles:
        fte = [_number(_dict(r.get("fte_months")).get(role)) for r in results]
        row("FTE-months", role, fte, "0.0")
    plans = [_dict(r.get("selected")) for r in results]
    labels: dict[str, str] = {}
    for r in results:
        labels.update({str(k): str(v) for k, v in _dict(r.get("names")).items()})
    every = sorted({pid for plan in plans for pid in plan})
    for pid in every:
        inside = [pid in plan for plan in plans]
        name = f"{pid} {labels.get(pid, '')}".strip()
        if not all(inside):
            row("Only in some", name, ["in" if flag else "-" for flag in inside])
    for pid in every:
        starts = [plan.get(pid) for plan in plans]
        present = {s for s in starts if s is not None}
        if all(s is not None for s in starts) and len(present) > 1:
            row("Moved", f"{pid} {labels.get(pid, '')}".strip(), [str(s) for s in starts])
    for where, values in input_differences(scenarios)[:MOST_INPUT_DIFFERENCES]:
        row("Input", where, values)
    header = ["Section", "Item", *names]
    return Grid(schema.COMPARE.name, header, rows, formats)


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def input_differences(scenarios: Sequence[Scenario]) -> list[tuple[str, list[CellValue]]]:
    """Every input cell whose value differs between the scenarios: ("Sheet!B7", values)."""
    sheets = sorted({sheet for s in scenarios for sheet in s.inputs})
    found: list[tuple[str, list[CellValue]]] = []
    for sheet in sheets:
        grids = [s.inputs[sheet].values() if sheet in s.inputs else {} for s in scenarios]
        for key in sorted({k for g in grids for k in g}):
            values = [g.get(key) for g in grids]
            if len({repr(v) for v in values}) > 1:
                where = f"{sheet}!{column_letter(key[1])}{key[0]}"
                found.append((where, [_shown(v) for v in values]))
    return found


def column_letter(column: int) -> str:
    """`A` for 1, `AA` for 27."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _shown(item: tuple[str, object] | None) -> CellValue:
    if item is None:
        return "(blank)"
    kind, value = item
    if kind == "f":
        return f"formula {value}"
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)
