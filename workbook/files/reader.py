"""Read the input sheets of a PMO workbook into a `Portfolio`, with every problem located.

Each table is found by its Excel Table name, or else by its header row anywhere near the top
of its sheet (people paste data). Blank rows, stray spaces, numbers stored as text, months
as `YYYY-MM` text or real dates, and yes/no as Y/N/Yes/No/TRUE/FALSE/1/0 are all accepted.
Every problem names its sheet and cell and says what is expected, for example:

    Intake!I12: "Duration (months)" must be a whole number of months; found "3.5 mo"

The file is checked by `workbook.files.guard` before openpyxl parses it.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import overload

import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries

from engine.errors import FileError
from engine.model import (
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Direction,
    Force,
    Objective,
    Perspective,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.months import month_range_text, month_runs_text, month_text, parse_month
from engine.stability import Baseline
from engine.validation import Problem, Severity, validate
from workbook.book import schema
from workbook.book.messages import Message
from workbook.book.schema import NO_WORDS, YES_WORDS, CellValue, ColType, Column, Sheet
from workbook.files.atomic import FileStamp
from workbook.files.guard import DEFAULT_LIMITS, Limits, check_workbook_file

HEADER_SCAN_ROWS = 100  # how far down a pasted header row is looked for
HEADER_SCAN_COLUMNS = 100
Key = tuple[str, object, object]  # (entity, index, field) as in engine.validation.Problem


@dataclass
class ReadResult:
    """The portfolio read from a workbook, the workbook-level problems and where things are."""

    portfolio: Portfolio
    problems: list[Message]
    locations: dict[Key, str]  # engine Problem (entity, index, field) -> "Sheet!A1"
    details: dict[str, dict[str, object]] = field(default_factory=dict)  # optional columns
    stamp: FileStamp | None = None
    path: Path | None = None
    covered: set[Key] = field(default_factory=set)  # keys already reported by the reader
    baseline: Baseline | None = None  # the plan last written (Portfolio and Utilisation)

    @property
    def errors(self) -> list[Message]:
        """Workbook-level problems that stop a run."""
        return [m for m in self.problems if m.severity is Severity.ERROR]

    def locate(self, problem: Problem) -> tuple[str | None, str | None]:
        """(sheet, cell) of an engine problem, falling back to its row, then its sheet."""
        for key in (
            (problem.entity, problem.index, problem.field),
            (problem.entity, problem.index, None),
        ):
            where = self.locations.get(key)
            if where:
                sheet_name, _, cell = where.partition("!")
                return sheet_name, cell or None
        return _ENTITY_SHEETS.get(problem.entity), None

    def messages(self, problems: Iterable[Problem] | None = None) -> list[Message]:
        """Workbook problems plus the engine's validation problems, each located.

        Engine problems about a value the reader already reported (it saw a stand-in for
        the unreadable cell) are left out, so each mistake is reported once.
        """
        found = list(self.problems)
        if problems is None:
            problems = validate(self.portfolio)
        for problem in problems:
            key = (problem.entity, problem.index, problem.field)
            if key in self.covered or (problem.entity, problem.index, "*") in self.covered:
                continue
            sheet_name, cell = self.locate(problem)
            found.append(Message(sheet_name, cell, problem.message, problem.severity))
        return found


_ENTITY_SHEETS = {
    "settings": "Settings",
    "project": "Intake",
    "demand": "Demand",
    "capacity": "Capacity",
    "dependency": "Dependencies",
    "criterion": "Criteria",
    "budget": "Budget",
}


def read_workbook(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Read a PMO workbook; raise FileError when the file cannot be trusted or opened.

    Input problems never raise: they are collected in `ReadResult.problems`.
    """
    path = Path(path)
    check_workbook_file(path, limits)
    stamp = FileStamp.of(path)
    result = read_loaded(_load(path, data_only=False), path)
    result.stamp = stamp
    result.path = path
    return result


def read_loaded(book, name: str | os.PathLike[str]) -> ReadResult:
    """Read an openpyxl workbook already in memory (e.g. a copy of a live Excel book).

    `name` is the workbook's file name (or path, when the file exists, so cached formula
    results can be read from it). Input problems never raise.
    """
    result = _Reader(Path(name), book).read()
    result.path = None
    return result


def _load(path: Path, *, data_only: bool) -> openpyxl.Workbook:
    try:
        return openpyxl.load_workbook(path, data_only=data_only)
    except Exception as error:  # openpyxl and defusedxml raise many kinds
        kind = type(error).__name__
        if _entity_error(error):
            raise FileError(
                f"{path.name}: the workbook's XML declares entities, which "
                "workbooks never need; refusing to read it"
            ) from error
        raise FileError(
            f"{path.name}: cannot be read as a workbook ({kind}: {error}); open "
            "it in Excel and save it again as .xlsm"
        ) from error


def _entity_error(error: BaseException | None) -> bool:
    """Whether defusedxml refused the XML somewhere in the chain (openpyxl wraps its errors)."""
    seen = 0
    while error is not None and seen < 10:
        if type(error).__module__.startswith("defusedxml"):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


# --- Cell values ----------------------------------------------------------------------------


class _Bad(Exception):
    """A cell value that does not fit its column; the message says what was expected."""


def _found(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    text = text.lstrip("£$€¥")
    return float(text)


def _excel_serial_month(value: float) -> int | None:
    # a date typed into a cell without a date format arrives as its serial number
    if value.is_integer() and 20_000 <= value <= 80_000:
        day = datetime(1899, 12, 30) + timedelta(days=int(value))
        return parse_month(day)
    return None


def convert(column: Column, value: object) -> str | int | float | bool:
    """The cell value as the column's type; raises _Bad with the expectation when it is not."""
    header = f'"{column.header}"'
    kind = column.type
    if kind in (ColType.TEXT, ColType.ID):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, datetime | date):
            return value.strftime("%Y-%m-%d")
        return " ".join(str(value).split()) if kind is ColType.ID else str(value).strip()
    if kind is ColType.INT:
        unit = f" of {column.unit}" if column.unit else ""
        try:
            number = _number(value)
        except (TypeError, ValueError):
            raise _Bad(f"{header} must be a whole number{unit}; found {_found(value)}") from None
        if not math.isfinite(number) or not number.is_integer():
            raise _Bad(f"{header} must be a whole number{unit}; found {_found(value)}")
        return int(number)
    if kind is ColType.FLOAT:
        try:
            number = _number(value)
        except (TypeError, ValueError):
            raise _Bad(f"{header} must be a number; found {_found(value)}") from None
        if not math.isfinite(number):
            raise _Bad(f"{header} must be a number; found {_found(value)}")
        return number
    if kind is ColType.MONTH:
        if isinstance(value, int | float) and not isinstance(value, bool):
            serial = _excel_serial_month(float(value))
            if serial is not None:
                return serial
        try:
            return parse_month(value)
        except ValueError:
            raise _Bad(
                f"{header} must be a month as YYYY-MM (e.g. 2027-03) or a date; found "
                f"{_found(value)}"
            ) from None
    if kind is ColType.YESNO:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in YES_WORDS:
            return True
        if text in NO_WORDS:
            return False
        raise _Bad(f"{header} must be Yes or No; found {_found(value)}")
    if kind is ColType.CHOICE:
        text = " ".join(str(value).split()).casefold()
        for allowed in column.allowed:
            if allowed.casefold() == text:
                return allowed
        raise _Bad(f"{header} must be one of {', '.join(column.allowed)}; found {_found(value)}")
    raise AssertionError(kind)


# `_Reader.value` gives each cell as `convert` reads it for its column type (or the column's
# default): these narrow such a value to the type of the engine field it feeds.


def _text(value: CellValue) -> str | None:
    """A text, ID or choice cell."""
    assert value is None or isinstance(value, str), value
    return value


@overload
def _whole(value: CellValue) -> int | None: ...
@overload
def _whole(value: CellValue, blank: int) -> int: ...
def _whole(value: CellValue, blank: int | None = None) -> int | None:
    """A whole-number or month cell; `blank` when it is empty."""
    if value is None:
        return blank
    assert isinstance(value, int), value
    return value


@overload
def _real(value: CellValue) -> float | None: ...
@overload
def _real(value: CellValue, blank: float) -> float: ...
def _real(value: CellValue, blank: float | None = None) -> float | None:
    """A number cell; `blank` when it is empty."""
    if value is None:
        return blank
    assert isinstance(value, int | float), value
    return value


def _normal(text: object) -> str:
    return " ".join(str(text).split()).casefold() if text is not None else ""


# --- Tables ---------------------------------------------------------------------------------


@dataclass
class _Table:
    """Where a table sits on its sheet: header row, column of each header, data rows."""

    sheet: str
    header_row: int
    columns: dict[str, int]  # normalised header -> 1-based column
    headers: dict[int, object]  # 1-based column -> header as written
    first_row: int
    last_row: int

    def cell(self, header: str, row: int) -> str:
        return f"{get_column_letter(self.columns[_normal(header)])}{row}"

    def header_cell(self, column: int | None = None) -> str:
        if column is None:
            column = min(self.headers) if self.headers else 1
        return f"{get_column_letter(column)}{self.header_row}"


class _Reader:
    def __init__(self, path: Path, book) -> None:
        self.path = path
        self.book = book
        self.problems: list[Message] = []
        self.locations: dict[Key, str] = {}
        self.covered: set[Key] = set()
        self._values_book: openpyxl.Workbook | None = None
        self._sheets = {_normal(name): name for name in book.sheetnames}
        self._grids: dict[str, dict[tuple[int, int], object]] = {}
        self.bad_duration: set[str] = set()  # demand months cannot be checked against these

    # plumbing

    def error(
        self,
        sheet_name: str | None,
        cell: str | None,
        message: str,
        covers: Key | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.problems.append(Message(sheet_name, cell, message, severity))
        if covers is not None:
            self.covered.add(covers)

    def where(self, key: Key, table: _Table, header: str, row: int) -> None:
        if _normal(header) in table.columns:
            self.locations[key] = f"{table.sheet}!{table.cell(header, row)}"

    def worksheet(self, item: Sheet):
        name = self._sheets.get(_normal(item.name))
        if name is None:
            found = ", ".join(self.book.sheetnames)
            self.error(
                item.name,
                None,
                f'the workbook has no sheet "{item.name}" (sheets '
                f"found: {found}); add it back, copying it from a new template "
                "(pmo new)",
            )
            return None
        return self.book[name]

    def grid(self, ws) -> dict[tuple[int, int], object]:
        """The sheet's cells as a sparse dict (row, col) -> value.

        openpyxl's dense iteration would create every empty cell up to the last used one;
        a sparse view keeps a stray cell in XFD1048576 cheap.
        """
        if ws.title not in self._grids:
            cells = ws._cells
            self._grids[ws.title] = {
                key: (_Formula(ws.title, *key) if _is_formula(cell) else cell.value)
                for key, cell in cells.items()
                if cell.value is not None
            }
        return self._grids[ws.title]

    def plain(self, value: object) -> object:
        """A cell value, with a formula replaced by the result Excel saved for it."""
        if not isinstance(value, _Formula):
            return value
        # Formulas in input cells are rare: load the saved results only when one is met.
        if self._values_book is None:
            self._values_book = _load(self.path, data_only=True)
        return self._values_book[value.sheet].cell(value.row, value.column).value

    def find_table(self, item: Sheet, ws, extra_required: Iterable[str] = ()) -> _Table | None:
        """The sheet's table by its Excel Table name, else by a header row near the top."""
        grid = self.grid(ws)
        required = [c.header for c in item.columns if not c.optional and not c.computed]
        required += list(extra_required)
        table = ws.tables.get(item.table) if item.table else None
        if table is None and item.table:
            table = next(
                (t for t in ws.tables.values() if _normal(t.displayName) == _normal(item.table)),
                None,
            )
        if table is not None:
            min_col, min_row, max_col, max_row = range_boundaries(table.ref)
            headers = {c: grid.get((min_row, c)) for c in range(min_col, max_col + 1)}
            last = max_row - (table.totalsRowCount or 0)
        else:
            found = self._scan_header(grid, required)
            if found is None:
                self.error(
                    item.name,
                    None,
                    f'no table "{item.table}" and no header row with '
                    f"{', '.join(required)} in the first {HEADER_SCAN_ROWS} rows; "
                    "restore the header row (a new template shows it: pmo new)",
                )
                return None
            min_row, headers = found
            last = max((r for r, _ in grid), default=min_row)
        last = min(last, max((r for r, _ in grid), default=min_row))
        columns = {_normal(v): c for c, v in headers.items() if not _is_blank(v)}
        result = _Table(
            ws.title,
            min_row,
            columns,
            {c: v for c, v in headers.items() if not _is_blank(v)},
            min_row + 1,
            last,
        )
        missing = [h for h in required if _normal(h) not in columns]
        for header in missing:
            self._missing_column(item, result, header)
        return None if missing else result

    def _scan_header(
        self, grid: dict[tuple[int, int], object], required: list[str]
    ) -> tuple[int, dict[int, object]] | None:
        wanted = {_normal(h) for h in required}
        rows: dict[int, dict[int, object]] = {}
        for (r, c), value in grid.items():
            if r <= HEADER_SCAN_ROWS and c <= HEADER_SCAN_COLUMNS:
                rows.setdefault(r, {})[c] = value
        for r in sorted(rows):
            if wanted <= {_normal(v) for v in rows[r].values()}:
                return r, dict(sorted(rows[r].items()))
        return None

    def _missing_column(self, item: Sheet, table: _Table, header: str) -> None:
        found = [str(v) for v in table.headers.values()]
        close = difflib.get_close_matches(header, found, n=1, cutoff=0.6)
        if close:
            column = next(c for c, v in table.headers.items() if str(v) == close[0])
            self.error(
                item.name,
                table.header_cell(column),
                f'no column "{header}"; rename "{close[0]}" back to "{header}"',
            )
        else:
            next_column = max(table.headers, default=0) + 1
            self.error(
                item.name,
                table.header_cell(next_column),
                f'no column "{header}" (columns found: {", ".join(found) or "none"}); '
                f'add a column headed "{header}"',
            )

    def rows(
        self, table: _Table, columns: Iterable[Column], ws
    ) -> Iterable[tuple[int, dict[str, object]]]:
        """(row number, {header: raw value}) of each non-blank data row."""
        grid = self.grid(ws)
        wanted = [c for c in columns if _normal(c.header) in table.columns]
        for r in range(table.first_row, table.last_row + 1):
            raw = {c.header: grid.get((r, table.columns[_normal(c.header)])) for c in wanted}
            if all(_is_blank(v) for v in raw.values()):
                continue
            yield r, raw

    def value(
        self,
        table: _Table,
        column: Column,
        row: int,
        raw: object,
        key: Key | None,
        cell: str | None = None,
    ) -> CellValue:
        """Convert one cell, reporting a problem (and returning the column default) if bad."""
        cell = cell or table.cell(column.header, row)
        if isinstance(raw, _Formula):
            raw = self.plain(raw)
            if raw is None:
                self.error(
                    table.sheet,
                    cell,
                    f'"{column.header}" holds a formula with no saved '
                    "result; open and save the workbook in Excel, or type the value",
                    covers=key,
                )
                return column.default
        if _is_blank(raw):
            if column.required:
                self.error(
                    table.sheet, cell, f'"{column.header}" is blank; it is required', covers=key
                )
            return column.default
        try:
            return convert(column, raw)
        except _Bad as bad:
            self.error(table.sheet, cell, str(bad), covers=key)
            return column.default

    # the sheets

    def read(self) -> ReadResult:
        settings = self.read_settings()
        criteria = self.read_criteria()
        rows, details, project_rows = self.read_intake(settings)
        projects = self.read_scoring(rows, criteria, project_rows)
        demands = self.read_demand()
        capacity = self.read_capacity(settings)
        dependencies = self.read_dependencies()
        budget = self.read_budget()
        baseline = self.read_baseline()
        portfolio = Portfolio(
            settings=settings,
            projects=projects,
            demands=demands,
            capacity=capacity,
            dependencies=dependencies,
            criteria=criteria,
            budget=budget,
        )
        return ReadResult(
            portfolio,
            self.problems,
            self.locations,
            details,
            covered=self.covered,
            baseline=baseline,
        )

    def read_settings(self) -> Settings:
        item = schema.SETTINGS_SHEET
        values: dict[str, CellValue] = {e.field: e.default for e in schema.SETTINGS}
        fallback = Settings(plan_start=parse_month("2027-01"))
        ws = self.worksheet(item)
        table = self.find_table(item, ws) if ws is not None else None
        seen: dict[str, int] = {}
        if table is not None:
            name_col, value_col = item.columns[0], item.columns[1]
            by_name = {_normal(e.name): e for e in schema.SETTINGS}
            for r, raw in self.rows(table, [name_col, value_col], ws):
                entry = by_name.get(_normal(self.plain(raw.get(name_col.header))))
                if entry is None:
                    continue
                seen[entry.field] = r
                key: Key = ("settings", entry.field, entry.field)
                self.where(key, table, value_col.header, r)
                column = Column(
                    entry.name,
                    entry.field,
                    entry.type,
                    required=entry.required,
                    allowed=entry.allowed,
                    unit=entry.unit,
                    default=entry.default,
                )
                values[entry.field] = self.value(
                    table,
                    column,
                    r,
                    raw.get(value_col.header),
                    key,
                    table.cell(value_col.header, r),
                )
            for entry in schema.SETTINGS:
                if entry.required and entry.field not in seen:
                    self.error(
                        item.name,
                        table.header_cell(),
                        f'no "{entry.name}" setting; add a row "{entry.name}" with '
                        f"{entry.help[0].lower()}{entry.help[1:]}",
                    )
        plan_start = _whole(values["plan_start"])
        if plan_start is None:
            plan_start = fallback.plan_start
            self.covered.add(("settings", "*", "*"))
        return Settings(
            plan_start=plan_start,
            horizon=_whole(values["horizon"], fallback.horizon),
            objective=Objective(_text(values["objective"]) or Objective.VALUE.value),
            time_limit=float(_real(values["time_limit"], fallback.time_limit)),
            random_seed=int(_whole(values["random_seed"]) or 0),
            stability=_text(values["stability"]) or fallback.stability,
            explain_time=_real(values["explain_time"]),
        )

    def read_criteria(self) -> tuple[Criterion, ...]:
        item = schema.CRITERIA
        ws = self.worksheet(item)
        table = self.find_table(item, ws) if ws is not None else None
        if table is None:
            return ()
        criteria: list[Criterion] = []
        for r, raw in self.rows(table, item.inputs, ws):
            i = len(criteria)
            values: dict[str | None, CellValue] = {}
            for column in item.inputs:
                key: Key = ("criterion", i, column.field)
                self.where(key, table, column.header, r)
                values[column.field] = self.value(table, column, r, raw.get(column.header), key)
            self.locations[("criterion", i, None)] = f"{table.sheet}!{table.cell('Criterion', r)}"
            perspective = _text(values["perspective"])
            criteria.append(
                Criterion(
                    name=_text(values["name"]) or "",
                    weight=_real(values["weight"], 0.0),
                    direction=Direction(_text(values["direction"]) or Direction.HIGHER.value),
                    min=_real(values["min"], 0.0),
                    max=_real(values["max"], 10.0),
                    perspective=Perspective(perspective) if perspective else None,
                )
            )
        return tuple(criteria)

    def read_intake(
        self, settings: Settings
    ) -> tuple[list[dict[str, CellValue]], dict[str, dict[str, object]], dict[str, int]]:
        item = schema.INTAKE
        ws = self.worksheet(item)
        table = self.find_table(item, ws) if ws is not None else None
        if table is None:
            return [], {}, {}
        projects: list[dict[str, CellValue]] = []
        details: dict[str, dict[str, object]] = {}
        rows: dict[str, int] = {}
        for r, raw in self.rows(table, item.inputs, ws):
            i = len(projects)
            values: dict[str, CellValue] = {}
            extra: dict[str, object] = {}
            for column in item.inputs:
                if column.field is None:
                    value = self.plain(raw.get(column.header))
                    if not _is_blank(value):
                        extra[column.header] = value
                    continue
                key: Key = ("project", i, column.field)
                self.where(key, table, column.header, r)
                values[column.field] = self.value(table, column, r, raw.get(column.header), key)
            project_id = _text(values.get("id"))
            if not project_id:
                continue  # reported as a blank ID; nothing else can refer to this row
            if ("project", i, "duration") in self.covered:
                self.bad_duration.add(project_id)
            self.locations[("project", i, None)] = f"{table.sheet}!{table.cell('ID', r)}"
            self.locations[("project", i, "mandatory")] = (
                f"{table.sheet}!{table.cell('Mandatory', r)}"
            )
            rows.setdefault(project_id, i)
            details[project_id] = extra
            projects.append(values)
        return projects, details, rows

    def read_scoring(
        self,
        projects: list[dict[str, CellValue]],
        criteria: tuple[Criterion, ...],
        project_rows: dict[str, int],
    ) -> tuple[Project, ...]:
        item = schema.SCORING
        scores: list[dict[str, float]] = [{} for _ in projects]
        ws = self.worksheet(item)
        names = [c.name for c in criteria if c.name]
        table = self.find_table(item, ws, extra_required=names) if ws is not None else None
        if table is not None:
            id_column = item.columns[0]
            columns = [id_column] + [Column(n, f"score:{n}", ColType.FLOAT) for n in names]
            seen: dict[str, int] = {}
            for r, raw in self.rows(table, columns, ws):
                project_id = _text(self.value(table, id_column, r, raw.get(id_column.header), None))
                if not project_id:
                    continue
                i = project_rows.get(project_id)
                if i is None:
                    self.error(
                        table.sheet,
                        table.cell("ID", r),
                        f'project "{project_id}" is not '
                        "on the Intake sheet; add it there or delete this row",
                    )
                    continue
                if project_id in seen:
                    self.error(
                        table.sheet,
                        table.cell("ID", r),
                        f'project "{project_id}" is '
                        f"scored twice (also row {seen[project_id]}); delete one row",
                    )
                    continue
                seen[project_id] = r
                for column in columns[1:]:
                    key: Key = ("project", i, column.field)
                    self.where(key, table, column.header, r)
                    score = _real(self.value(table, column, r, raw.get(column.header), key))
                    if score is not None:
                        scores[i][column.header] = score
            for project_id, i in project_rows.items():
                if project_id not in seen and names:
                    where = self.locations.get(("project", i, None), "Intake!")
                    sheet_name, _, cell = where.partition("!")
                    self.error(
                        sheet_name,
                        cell or None,
                        f'project "{project_id}" has no row on '
                        "the Scoring sheet; add one with its scores",
                    )
                    for name in names:
                        self.covered.add(("project", i, f"score:{name}"))
        elif ws is not None:
            self.covered.update(("project", i, "*") for i in range(len(projects)))
        built = []
        for i, values in enumerate(projects):
            project_id = _text(values["id"])
            assert project_id  # read_intake drops the rows without an ID
            built.append(
                Project(
                    id=project_id,
                    name=_text(values.get("name")) or "",
                    status=ProjectStatus(
                        _text(values.get("status")) or ProjectStatus.PROPOSED.value
                    ),
                    mandatory=bool(values.get("mandatory")),
                    force=Force(_text(values.get("force")) or Force.NONE.value),
                    earliest_start=_whole(values.get("earliest_start")),
                    latest_start=_whole(values.get("latest_start")),
                    fixed_start=_whole(values.get("fixed_start")),
                    duration=_whole(values.get("duration"), 1),
                    cost=_real(values.get("cost"), 0.0),
                    exclusive_group=_text(values.get("exclusive_group")) or None,
                    scores=scores[i],
                )
            )
        return tuple(built)

    def read_demand(self) -> tuple[Demand, ...]:
        item = schema.DEMAND
        ws = self.worksheet(item)
        table = self.find_table(item, ws) if ws is not None else None
        if table is None:
            return ()
        demands: list[Demand] = []
        for r, raw in self.rows(table, item.inputs, ws):
            i = len(demands)
            values: dict[str | None, CellValue] = {}
            for column in item.inputs:
                key: Key = ("demand", i, column.field)
                self.where(key, table, column.header, r)
                values[column.field] = self.value(table, column, r, raw.get(column.header), key)
            self.locations[("demand", i, None)] = f"{table.sheet}!{table.cell('ID', r)}"
            if values["project_id"] in self.bad_duration:
                self.covered.update({("demand", i, "from_month"), ("demand", i, "to_month")})
            demands.append(
                Demand(
                    project_id=_text(values["project_id"]) or "",
                    role=_text(values["role"]) or "",
                    fte=_real(values["fte"], 0.0),
                    from_month=_whole(values["from_month"]),
                    to_month=_whole(values["to_month"]),
                )
            )
        return tuple(demands)

    def read_capacity(self, settings: Settings) -> dict[str, tuple[float, ...]]:
        item = schema.CAPACITY
        ws = self.worksheet(item)
        table = self.find_table(item, ws) if ws is not None else None
        if table is None:
            return {}
        month_columns: dict[int, int] = {}  # calendar month -> column
        role_column = table.columns[_normal("Role")]
        for column, header in table.headers.items():
            if column == role_column:
                continue
            try:
                month = convert(Column("", None, ColType.MONTH), self.plain(header))
            except _Bad:
                self.error(
                    table.sheet,
                    table.header_cell(column),
                    f"column header "
                    f"{_found(header)} is not a month (YYYY-MM); the column is ignored",
                    severity=Severity.WARNING,
                )
                continue
            assert isinstance(month, int)  # a MONTH cell converts to a month number
            month_columns.setdefault(month, column)
        wanted = list(range(settings.plan_start, settings.plan_start + max(settings.horizon, 0)))
        missing = [m for m in wanted if m not in month_columns]
        if missing:
            next_column = max(table.headers, default=1) + 1
            self.error(
                table.sheet,
                table.header_cell(next_column),
                f"no column for {month_runs_text(missing)}; the plan runs "
                f"{month_range_text(wanted[0], wanted[-1])} (Settings), so Capacity "
                "needs a column headed YYYY-MM for each of its months",
            )
        capacity: dict[str, tuple[float, ...]] = {}
        grid = self.grid(ws)
        role_col = Column("Role", "role", ColType.TEXT, required=True)
        for r, raw in self.rows(table, [role_col], ws):
            role = _text(self.value(table, role_col, r, raw.get("Role"), None))
            if not role:
                continue
            if role in capacity:
                self.error(
                    table.sheet,
                    table.cell("Role", r),
                    f'role "{role}" is listed twice; keep one row per role',
                )
                continue
            self.locations[("capacity", role, None)] = f"{table.sheet}!{table.cell('Role', r)}"
            values: list[float] = []
            for m in wanted:
                month_column = month_columns.get(m)
                if month_column is None:
                    values.append(0.0)
                    continue
                cell = f"{get_column_letter(month_column)}{r}"
                key: Key = ("capacity", role, str(m))
                self.locations[key] = f"{table.sheet}!{cell}"
                header = Column(month_text(m), None, ColType.FLOAT, default=0.0)
                value = self.value(table, header, r, grid.get((r, month_column)), key, cell)
                values.append(_real(value, 0.0))
            capacity[role] = tuple(values)
        return capacity

    def read_dependencies(self) -> tuple[Dependency, ...]:
        item = schema.DEPENDENCIES
        ws = self.worksheet(item)
        table = self.find_table(item, ws) if ws is not None else None
        if table is None:
            return ()
        found: list[Dependency] = []
        columns = [c for c in item.inputs if c.field]
        for r, raw in self.rows(table, columns, ws):
            i = len(found)
            values: dict[str | None, CellValue] = {}
            for column in columns:
                key: Key = ("dependency", i, column.field)
                self.where(key, table, column.header, r)
                values[column.field] = self.value(table, column, r, raw.get(column.header), key)
            self.locations[("dependency", i, None)] = (
                f"{table.sheet}!{table.cell('Predecessor', r)}"
            )
            found.append(
                Dependency(
                    predecessor=_text(values["predecessor"]) or "",
                    successor=_text(values["successor"]) or "",
                    type=DependencyType(_text(values["type"]) or DependencyType.FS.value),
                    lag=_whole(values["lag"], 0),
                )
            )
        return tuple(found)

    def read_baseline(self) -> Baseline | None:
        """The plan last written (engine.stability), or None before the first run."""
        return _BaselineReader(self).read()

    def read_budget(self) -> dict[int, float]:
        item = schema.BUDGET
        ws = self.worksheet(item)
        table = self.find_table(item, ws) if ws is not None else None
        if table is None:
            return {}
        budget: dict[int, float] = {}
        year_col, amount_col = item.columns
        for r, raw in self.rows(table, item.columns, ws):
            year = _whole(self.value(table, year_col, r, raw.get(year_col.header), None))
            if year is None:
                continue
            if year in budget:
                self.error(
                    table.sheet,
                    table.cell("Year", r),
                    f"year {year} is listed twice; keep one row per year",
                )
                continue
            self.where(("budget", year, "year"), table, "Year", r)
            self.where(("budget", year, "budget"), table, "Budget", r)
            self.where(("budget", year, None), table, "Year", r)
            amount = self.value(
                table, amount_col, r, raw.get(amount_col.header), ("budget", year, "budget")
            )
            budget[year] = _real(amount, 0.0)
        return budget


class _BaselineReader:
    """The plan last written, read back from the Portfolio and Utilisation sheets.

    These are output sheets: a missing or empty one means no baseline (the first run), and a
    row that cannot be read is left out with a warning, never an error.
    """

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader

    def read(self) -> Baseline | None:
        reader = self.reader
        name = reader._sheets.get(_normal(schema.PORTFOLIO.name))
        if name is None:
            return None
        ws = reader.book[name]
        table = self._table(ws, schema.PORTFOLIO, ("ID", "Decision", "Start"))
        if table is None:
            return None
        starts: dict[str, int] = {}
        listed: set[str] = set()
        scores: dict[str, float] = {}
        durations: dict[str, int] = {}
        costs: dict[str, float] = {}
        columns = list(schema.PORTFOLIO.columns)
        for r, raw in reader.rows(table, columns, ws):
            values = {h: reader.plain(v) for h, v in raw.items()}
            pid = values.get("ID")
            if _is_blank(pid):
                continue
            pid = str(convert(schema.PORTFOLIO.column("ID"), pid))
            listed.add(pid)
            number = _quiet(schema.PORTFOLIO.column("Score"), values.get("Score"))
            if isinstance(number, float):
                scores[pid] = number
            duration = _quiet(
                schema.INTAKE.column("Duration (months)"), values.get("Duration (months)")
            )
            if isinstance(duration, int):
                durations[pid] = duration
            cost = _quiet(schema.PORTFOLIO.column("Cost"), values.get("Cost"))
            if isinstance(cost, float):
                costs[pid] = cost
            if str(values.get("Decision") or "").strip() != "Selected":
                continue
            start = _quiet(Column("Start", None, ColType.MONTH), values.get("Start"))
            if not isinstance(start, int):
                reader.error(
                    table.sheet,
                    table.cell("Start", r),
                    f'the start of "{pid}" in the last plan is not a month; it is left out of '
                    "the baseline (the next run compares with the rest)",
                    severity=Severity.WARNING,
                )
                continue
            starts[pid] = start
        if not listed:
            return None
        return Baseline(starts, frozenset(listed), scores, durations, costs, self._capacity())

    def _table(self, ws, item: Sheet, headers: tuple[str, ...]):
        """The output table by its Excel Table name or its header row; silent when absent."""
        reader = self.reader
        before = len(reader.problems)
        table = reader.find_table(item, ws, extra_required=headers)
        del reader.problems[before:]  # an output sheet without its table: no baseline
        return table

    def _capacity(self) -> dict[tuple[str, int], float]:
        """(role, month) -> the capacity the last plan was made with (Utilisation's rows)."""
        reader = self.reader
        name = reader._sheets.get(_normal(schema.UTILISATION.name))
        if name is None:
            return {}
        ws = reader.book[name]
        grid = reader.grid(ws)
        header = None
        for (r, c), value in sorted(grid.items()):
            if c == 2 and _normal(value) == _normal("Measure") and r <= HEADER_SCAN_ROWS:
                header = r
                break
        if header is None:
            return {}
        months: dict[int, int] = {}
        for (r, c), value in grid.items():
            if r == header and c > 2:
                month = _quiet(Column("", None, ColType.MONTH), reader.plain(value))
                if isinstance(month, int):
                    months[c] = month
        capacity: dict[tuple[str, int], float] = {}
        for (r, c), value in grid.items():
            if r <= header or c != 2 or _normal(value) != _normal("Capacity (FTE)"):
                continue
            role = grid.get((r, 1))
            if _is_blank(role):
                continue
            for column, month in months.items():
                amount = _quiet(
                    Column("", None, ColType.FLOAT), reader.plain(grid.get((r, column)))
                )
                if isinstance(amount, float):
                    capacity[str(role).strip(), month] = amount
        return capacity


def _quiet(column: Column, value: object) -> CellValue:
    """`convert`, or None for a blank or unreadable cell (output sheets never stop a run)."""
    if _is_blank(value):
        return None
    try:
        return convert(column, value)
    except _Bad:
        return None


@dataclass(frozen=True, slots=True)
class _Formula:
    """Where a formula sits; its saved result is looked up only if an input needs it."""

    sheet: str
    row: int
    column: int


def _is_formula(cell) -> bool:
    return cell.data_type == "f" or not isinstance(
        cell.value, str | int | float | bool | datetime | date
    )
