"""A `Portfolio` written as a workbook of plain sheets, as a PMO that keeps its data in
ordinary sheets has it: on each input sheet a header row, then one row per record; no Excel
Tables, no formulas, no validation; Capacity one column per month (`YYYY-MM`).

A benchmark and test fixture, not product code: the product never writes input sheets (its
own books are built with Tables by `workbook.files.template`, and a run writes back only the
output sheets), so a plain book stands for the user's file that `pmo optimise` is given.
The headers come from `workbook.book.schema`, the one source of truth for them.

    write_plain_book(as_kept(portfolio), "j301_1.xlsx")
    differences(as_kept(portfolio), read_workbook("j301_1.xlsx").portfolio)  # [] when equal
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path

import openpyxl

from engine.model import Portfolio
from engine.months import month_text
from workbook.book import schema
from workbook.book.schema import ColType, Column, Sheet

HEADER_ROW = 1  # a user's sheet: the header on top, the data right below


def as_kept(portfolio: Portfolio) -> Portfolio:
    """The portfolio as a user keeps it in sheets: Intake needs a name for every project, so
    a project without one is named by its ID. Reading the book back gives exactly this."""
    projects = tuple(dataclasses.replace(p, name=p.name or p.id) for p in portfolio.projects)
    return dataclasses.replace(portfolio, projects=projects)


def write_plain_book(portfolio: Portfolio, path: str | Path) -> Path:
    """Write the portfolio's inputs into a new plain-sheet workbook (.xlsx) at `path`.

    Settings, Criteria, Intake, Scoring, Demand, Capacity, Dependencies and Budget; raises
    ValueError for a portfolio with hiring options, balance rules, gate reviews or managers,
    which this fixture does not write (nothing is left out silently).
    """
    left_out = [
        name
        for name, present in (
            ("hiring options", portfolio.hiring),
            ("balance rules", portfolio.balance),
            ("gate reviews", portfolio.gates),
            ("managers", portfolio.managers),
        )
        if present
    ]
    if left_out:
        raise ValueError(f"a plain book holds no {', '.join(left_out)}")
    book = openpyxl.Workbook()
    book.remove(book.active)
    criteria = [c.name for c in portfolio.criteria]
    tags = list(dict.fromkeys(h for p in portfolio.projects for h in p.tags))
    _sheet(book, schema.SETTINGS_SHEET, ["Setting", "Value"], _settings_rows(portfolio))
    _records(book, schema.CRITERIA, portfolio.criteria)
    intake = [c for c in schema.INTAKE.inputs if c.field or c.header in tags]
    _sheet(
        book,
        schema.INTAKE,
        [c.header for c in intake],
        (
            [_cell(c, getattr(p, c.field) if c.field else p.tags.get(c.header)) for c in intake]
            for p in portfolio.projects
        ),
    )
    _sheet(
        book,
        schema.SCORING,
        ["ID", *criteria],
        ([p.id, *(p.scores.get(name) for name in criteria)] for p in portfolio.projects),
    )
    _records(book, schema.DEMAND, portfolio.demands)
    months = range(portfolio.settings.plan_start, portfolio.settings.plan_start + _width(portfolio))
    _sheet(
        book,
        schema.CAPACITY,
        ["Role", *(month_text(m) for m in months)],
        ([role, *values] for role, values in portfolio.capacity.items()),
    )
    _records(book, schema.DEPENDENCIES, portfolio.dependencies)
    _sheet(book, schema.BUDGET, ["Year", "Budget"], sorted(portfolio.budget.items()))
    path = Path(path)
    book.save(path)
    return path


def _width(portfolio: Portfolio) -> int:
    """Months of capacity: the longest role's row (the horizon, in a valid portfolio)."""
    return max((len(v) for v in portfolio.capacity.values()), default=portfolio.settings.horizon)


def _settings_rows(portfolio: Portfolio) -> list[list[object]]:
    """One row per Settings entry that feeds `engine.model.Settings`."""
    fields = {f.name for f in dataclasses.fields(portfolio.settings)}
    rows = []
    for entry in schema.SETTINGS:
        if entry.field in fields:
            column = Column(entry.name, entry.field, entry.type)
            rows.append([entry.name, _cell(column, getattr(portfolio.settings, entry.field))])
    return rows


def _records(book, item: Sheet, records: Sequence[object]) -> None:
    """A sheet of dataclass records, one column per schema input column that has a field."""
    columns = [c for c in item.inputs if c.field]
    rows = ([_cell(c, getattr(r, c.field)) for c in columns if c.field] for r in records)
    _sheet(book, item, [c.header for c in columns], rows)


def _sheet(book, item: Sheet, header: list[str], rows: Iterable[Sequence[object]]) -> None:
    ws = book.create_sheet(item.name)
    for r, values in enumerate([header, *rows], start=HEADER_ROW):
        for c, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = ws.cell(r, c, value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text, even one that starts with "="


def _cell(column: Column, value: object) -> object:
    """A field's value as a person types it: months as YYYY-MM, Yes/No, choices as words."""
    if value is None or value == ():
        return None
    if column.type is ColType.MONTH:
        assert isinstance(value, int), value
        return month_text(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return value


# --- Comparison ---------------------------------------------------------------------------


def differences(expected: Portfolio, found: Portfolio, most: int = 20) -> list[str]:
    """What differs between two portfolios, part by part, in words (at most `most` lines):
    settings, criteria, projects (field by field), demands, capacity, links, budget and the
    parts a plain book does not hold. An empty list: the two are equal."""
    lines: list[str] = []
    for f in dataclasses.fields(expected.settings):
        a, b = getattr(expected.settings, f.name), getattr(found.settings, f.name)
        if a != b:
            lines.append(f"Settings {f.name}: {a!r} != {b!r}")
    lines += _listed("criterion", expected.criteria, found.criteria)
    found_projects = {p.id: p for p in found.projects}
    if [p.id for p in expected.projects] != list(found_projects):
        lines.append(f"project IDs: {len(expected.projects)} != {len(found_projects)} or order")
    for p in expected.projects:
        q = found_projects.get(p.id)
        if q is not None:
            lines += [
                f"project {p.id} {f.name}: {getattr(p, f.name)!r} != {getattr(q, f.name)!r}"
                for f in dataclasses.fields(p)
                if getattr(p, f.name) != getattr(q, f.name)
            ]
    lines += _listed("demand", expected.demands, found.demands)
    for role in dict.fromkeys([*expected.capacity, *found.capacity]):
        a, b = expected.capacity.get(role), found.capacity.get(role)
        if a != b:
            lines.append(f"capacity {role}: {_short(a)} != {_short(b)}")
    lines += _listed("link", expected.dependencies, found.dependencies)
    if dict(expected.budget) != dict(found.budget):
        lines.append(f"budget: {dict(expected.budget)} != {dict(found.budget)}")
    for part in ("hiring", "balance", "gates", "managers"):
        if getattr(expected, part) != getattr(found, part):
            lines.append(f"{part} differ")
    return lines[:most]


def _listed(what: str, expected: Sequence[object], found: Sequence[object]) -> list[str]:
    """Records that differ place by place; when the counts differ, the count and the records
    only one side has (a deleted row shifts every place after it)."""
    if len(expected) == len(found):
        return [
            f"{what} {i + 1}: {a!r} != {b!r}"
            for i, (a, b) in enumerate(zip(expected, found, strict=True))
            if a != b
        ]
    lines = [f"{what}s: {len(expected)} != {len(found)}"]
    lines += [f"{what} missing: {r!r}" for r in (Counter(expected) - Counter(found)).elements()]
    lines += [f"{what} extra: {r!r}" for r in (Counter(found) - Counter(expected)).elements()]
    return lines


def _short(values: Sequence[float] | None) -> str:
    if values is None:
        return "none"
    return f"{len(values)} months {tuple(values[:3])}..."
