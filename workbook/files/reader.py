"""Read the input sheets of a PMO workbook into a `Portfolio`, with every problem located.

Each table is found by its Excel Table name, or else by its header row anywhere near the top
of its sheet (people paste data). Blank rows, stray spaces, numbers stored as text, months
as `YYYY-MM` text or real dates, and yes/no as Y/N/Yes/No/TRUE/FALSE/1/0 are all accepted.
Every problem names its sheet and cell and says what is expected, for example:

    Intake!I12: "Duration (months)" must be a whole number of months; found "3.5 mo"

The file is checked by `workbook.files.guard` before openpyxl parses it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import overload

import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries

from engine.delivery.records import (
    HEALTH_DIMENSIONS,
    Benefit,
    Delivery,
    DeliverySettings,
    HealthCheck,
    RaidItem,
    RaidStatus,
    RaidType,
    Review,
    StatusReport,
)
from engine.delivery.validation import validate_delivery
from engine.errors import FileError
from engine.gates import GATE_CRITERIA, GateDecision, GateReview
from engine.lessons import Lesson
from engine.limits import MAX_MONTHS
from engine.managers import EVALUATION_CRITERIA, EVALUATION_SCALE, Evaluation, split_list
from engine.model import (
    BalanceRule,
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Direction,
    Force,
    HiringOption,
    Manager,
    ManagerMode,
    Measure,
    Objective,
    Perspective,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.months import month_range_text, month_runs_text, month_text, parse_month
from engine.scoring import ahp
from engine.stability import Baseline
from engine.validation import Problem, Severity, gate_notes, validate
from workbook.book import schema
from workbook.book.messages import Message
from workbook.book.scenarios import SheetInputs, input_cell
from workbook.book.schema import NO_WORDS, YES_WORDS, CellValue, ColType, Column, Sheet
from workbook.files.atomic import FileStamp
from workbook.files.guard import DEFAULT_LIMITS, Limits, check_workbook_file

HEADER_SCAN_ROWS = 100  # how far down a pasted header row is looked for (it is read whole)
Key = tuple[str, object, object]  # (entity, index, field) as in engine.validation.Problem
DELIVERY_SETTINGS = frozenset(
    {"status_date", "rag_green", "rag_amber", "health_green", "health_amber"}
)
_STEERING = frozenset({"project_id", "gate", "date", "decision"})  # gate fields the plan obeys


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
    inputs: dict[str, SheetInputs] = field(default_factory=dict)  # every input cell, by sheet
    stored: list[tuple[object, object, object]] = field(default_factory=list)  # scenario store
    delivery: Delivery = field(default_factory=Delivery)  # status, RAID, health, benefits
    plan: dict[str, int] = field(default_factory=dict)  # the last plan on Portfolio: ID -> start
    sheet_names: tuple[str, ...] = ()  # the workbook's sheets, as it spells them
    unreadable: frozenset[str] = frozenset()  # sheets whose table could not be read
    folded: Counter[str] = field(default_factory=Counter)  # rows waiting on those, by sheet
    folded_note: Message | None = None  # the one line that says so

    def has_sheet(self, name: str) -> bool:
        """Whether the workbook has this sheet (names compare as Excel compares them)."""
        return _normal(name) in {_normal(n) for n in self.sheet_names}

    lessons: tuple[Lesson, ...] = ()  # the Lessons sheet
    evaluations: tuple[Evaluation, ...] = ()  # the PM evaluation sheet
    department: str | None = None  # Settings "Department"
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

    def notes(self) -> list[Message]:
        """What the gate decisions do to the plan, each located on its review."""
        located = []
        for note in gate_notes(self.portfolio):
            sheet_name, cell = self.locate(note)
            located.append(Message(sheet_name, cell, note.message, note.severity))
        return located

    def messages(self, problems: Iterable[Problem] | None = None) -> list[Message]:
        """Workbook problems plus the engine's validation problems, each located.

        Engine problems about a value the reader already reported (it saw a stand-in for
        the unreadable cell) are left out, so each mistake is reported once.
        """
        found = list(self.problems)
        if problems is None:
            problems = validate(self.portfolio)
        delivery = validate_delivery(self.portfolio, self.delivery, self.plan)
        folded = Counter(self.folded)
        for problem in [*problems, *delivery]:
            key = (problem.entity, problem.index, problem.field)
            if key in self.covered or (problem.entity, problem.index, "*") in self.covered:
                continue
            sheet_name, cell = self.locate(problem)
            if "Intake" in self.unreadable and (
                problem.field in _NAMES_A_PROJECT
                or (problem.entity == "balance" and problem.field == "value")
            ):
                folded[sheet_name or problem.entity] += 1
                continue
            found.append(Message(sheet_name, cell, problem.message, problem.severity))
        if folded != self.folded:
            note = folded_message(folded, self.unreadable)
            at = next((i for i, m in enumerate(found) if m is self.folded_note), len(found))
            found[at : at + (self.folded_note is not None)] = [note] if note else []
        return found


def folded_message(folded: Counter[str], unreadable: Iterable[str]) -> Message | None:
    """One line for every row that waits on an unreadable Intake or Capacity sheet."""
    counts = [f"{n} on {sheet}" for sheet, n in folded.items() if n]
    if not counts:
        return None
    counts[0] = counts[0].replace(" on ", " rows on ", 1)
    sources = [s for s in ("Intake", "Capacity") if s in unreadable]
    what = " or ".join({"Intake": "projects", "Capacity": "roles"}[s] for s in sources)
    return Message(
        None,
        None,
        f"{_and(counts)} name {what} from {' and '.join(sources)}, which could not "
        "be read; they are checked once the problem above is fixed",
        Severity.INFO,
    )


# Problems that only say a row names a project Intake would have had: consequences of an
# unreadable Intake, folded into the one line above.
_NAMES_A_PROJECT = {"project_id", "predecessor", "successor"}


_ENTITY_SHEETS = {
    "settings": "Settings",
    "project": "Intake",
    "demand": "Demand",
    "capacity": "Capacity",
    "dependency": "Dependencies",
    "criterion": "Criteria",
    "budget": "Budget",
    "hiring": "Hiring",
    "balance": "Balance",
    "status": "Status",
    "raid": "RAID",
    "gate": "Gates",
    "health": "Health",
    "benefit": "Benefits",
    "review": "Reviews",
    "manager": "People",
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


def read_capacity_file(
    path: str | os.PathLike[str], settings: Settings, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict[str, tuple[float, ...]], list[Message]]:
    """The Capacity table of any workbook (an enterprise's shared pool, say) over the months
    of `settings`, and its problems, each located; raises FileError for an unreadable file."""
    path = Path(path)
    check_workbook_file(path, limits)
    reader = _Reader(path, _load(path, data_only=False))
    return reader.read_capacity(settings), reader.problems


def read_lessons_file(
    path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS
) -> tuple[tuple[Lesson, ...], list[Message]]:
    """Only the Lessons sheet of a workbook (none when it has no such sheet), with its
    problems as warnings; raises FileError for an unreadable file."""
    path = Path(path)
    check_workbook_file(path, limits)
    reader = _Reader(path, _load(path, data_only=False))
    return reader.read_lessons(), reader.problems


def read_lessons_loaded(book, name: str) -> tuple[Lesson, ...]:
    """The Lessons sheet of an openpyxl workbook already in memory (a live book's copy)."""
    return _Reader(Path(name), book).read_lessons()


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


def _excel_serial_day(value: float) -> date | None:
    if value.is_integer() and 20_000 <= value <= 80_000:
        return (datetime(1899, 12, 30) + timedelta(days=int(value))).date()
    return None


def _day(value: object) -> date:
    """A date, a datetime, `YYYY-MM-DD` text or an Excel date serial as a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        day = _excel_serial_day(float(value))
        if day is not None:
            return day
    if isinstance(value, str):
        text = value.strip()[:10]
        try:
            return date.fromisoformat(text)
        except ValueError:
            parts = text.split("-")
            if len(parts) == 3 and all(part.isdigit() for part in parts):
                try:
                    return date(int(parts[0]), int(parts[1]), int(parts[2]))
                except ValueError:
                    pass
    raise ValueError(value)


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
    if kind is ColType.DATE:
        try:
            return _day(value).isoformat()
        except ValueError:
            return _date_text(value, header)  # YYYY-MM, or the message
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


def _date_text(value: object, header: str) -> str:
    """A date cell as YYYY-MM-DD: a real date, an Excel serial, or YYYY-MM-DD / YYYY-MM text."""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 20_000 <= number <= 80_000:  # an Excel date serial
            return (datetime(1899, 12, 30) + timedelta(days=int(number))).strftime("%Y-%m-%d")
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%Y-%m"):
        try:
            return datetime.strptime(text, pattern).strftime("%Y-%m-%d")
        except ValueError:
            continue
    raise _Bad(f"{header} must be a date (e.g. 2027-03-14); found {_found(value)}")


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


def _date(value: CellValue) -> date | None:
    """A date cell (read as `YYYY-MM-DD` text)."""
    if value is None:
        return None
    assert isinstance(value, str), value
    return date.fromisoformat(value)


def _and(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


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
        self.weights_from = "criteria"  # Settings "Weights from", lower case
        self.severity = Severity.ERROR  # of cell problems; delivery sheets only warn
        self.setting_values: dict[str, CellValue] = {}
        self.department: str | None = None
        self.unreadable: set[str] = set()  # sheets whose table could not be read
        self.folded: Counter[str] = Counter()  # rows per sheet that depend on an unreadable one
        self.folded_note: Message | None = None

    # plumbing

    def error(
        self,
        sheet_name: str | None,
        cell: str | None,
        message: str,
        covers: Key | None = None,
        severity: Severity | None = None,
    ) -> None:
        self.problems.append(Message(sheet_name, cell, message, severity or self.severity))
        if covers is not None:
            self.covered.add(covers)

    def where(self, key: Key, table: _Table, header: str, row: int) -> None:
        if _normal(header) in table.columns:
            self.locations[key] = f"{table.sheet}!{table.cell(header, row)}"

    def worksheet(self, item: Sheet, lost: str | None = None):
        """The sheet; when it is missing, an error (or, with `lost`, a warning saying what
        is lost without it)."""
        name = self._sheets.get(_normal(item.name))
        if name is None and lost is not None:
            self.error(
                item.name,
                None,
                f'the workbook has no sheet "{item.name}", so {lost}; copy it from a new '
                "template (pmo new) to use it",
                severity=Severity.WARNING,
            )
            return None
        if name is None:
            self.unreadable.add(item.name)
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
                key: _cell_value(ws.title, key, cell)
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
        cell = self._values_book[value.sheet].cell(value.row, value.column)
        return _ExcelError(str(cell.value)) if cell.data_type == "e" else cell.value

    def find_table(self, item: Sheet, ws, extra_required: Iterable[str] = ()) -> _Table | None:
        """The sheet's table by its Excel Table name, else by a header row near the top.

        An Excel Table whose range misses its header row (moved) or its last rows (short) is
        one error, saying how to resize it; its data is read all the same, so the rows it
        missed do not come back as a cascade of errors elsewhere.
        """
        grid = self.grid(ws)
        required = [c.header for c in item.columns if not c.optional and not c.computed]
        required += list(extra_required)
        placed = self._from_excel_table(item, ws, grid, required)
        if placed is None:
            found = self._scan_header(grid, required)
            if found is None:
                self.unreadable.add(item.name)
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
        else:
            min_row, headers, last = placed
        last = min(last, max((r for r, _ in grid), default=min_row))
        headers = {c: self.plain(v) for c, v in headers.items()}
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
        if missing:
            self.unreadable.add(item.name)
            return None
        return result

    def _excel_table(self, item: Sheet, ws):
        table = ws.tables.get(item.table) if item.table else None
        if table is None and item.table:
            table = next(
                (t for t in ws.tables.values() if _normal(t.displayName) == _normal(item.table)),
                None,
            )
        return table

    def _from_excel_table(
        self, item: Sheet, ws, grid: dict[tuple[int, int], object], required: list[str]
    ) -> tuple[int, dict[int, object], int] | None:
        """(header row, headers, last data row) of the sheet's Excel Table; None when there is
        none, or its range is malformed or misses the header row (the header row is then
        looked for, as for a sheet without a table)."""
        table = self._excel_table(item, ws)
        if table is None:
            return None
        try:
            min_col, min_row, max_col, max_row = range_boundaries(str(table.ref))
        except (ValueError, TypeError):
            self.error(
                item.name,
                None,
                f'the table "{table.displayName}" has a malformed range {table.ref!r}; its '
                "header row is looked for instead. Open the workbook in Excel and save it again",
            )
            return None
        if None in (min_col, min_row, max_col, max_row):
            return None
        headers = {c: grid.get((min_row, c)) for c in range(min_col, max_col + 1)}
        wanted = {_normal(h) for h in required}
        if not wanted & {_normal(self.plain(v)) for v in headers.values()}:
            found = self._scan_header(grid, required)
            if found is None:
                return min_row, headers, max_row - (table.totalsRowCount or 0)
            header_row, headers = found
            last = max(max_row, self._last_data_row(grid, header_row, min_col, max_col))
            self.error(
                item.name,
                f"{get_column_letter(min_col)}{min_row}",
                f'the table "{table.displayName}" ({table.ref}) does not start at its header '
                f"row (row {header_row}); resize it to "
                f"{get_column_letter(min_col)}{header_row}:{get_column_letter(max_col)}{last} "
                "(Table Design > Resize Table)",
            )
            return header_row, headers, last
        last = max_row - (table.totalsRowCount or 0)
        below = self._last_data_row(grid, max_row, min_col, max_col)
        if below > max_row:
            self.error(
                item.name,
                f"{get_column_letter(min_col)}{max_row + 1}",
                f'rows {max_row + 1}..{below} below the table "{table.displayName}" '
                f"({table.ref}) hold data but are not part of it; resize the table to "
                f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{below} "
                "(Table Design > Resize Table), or move them away",
            )
            last = below
        return min_row, headers, last

    @staticmethod
    def _last_data_row(
        grid: dict[tuple[int, int], object], after: int, min_col: int, max_col: int
    ) -> int:
        """The last row after `after` with two or more values in the columns min..max (a
        lone note under a table is not data); `after` when there is none."""
        counts: dict[int, int] = {}
        for (r, c), value in grid.items():
            if r > after and min_col <= c <= max_col and not _is_blank(value):
                counts[r] = counts.get(r, 0) + 1
        return max((r for r, n in counts.items() if n >= 2), default=after)

    def _scan_header(
        self, grid: dict[tuple[int, int], object], required: list[str]
    ) -> tuple[int, dict[int, object]] | None:
        wanted = {_normal(h) for h in required}
        rows: dict[int, dict[int, object]] = {}
        for (r, c), value in grid.items():
            if r <= HEADER_SCAN_ROWS:
                rows.setdefault(r, {})[c] = value
        for r in sorted(rows):
            if wanted <= {_normal(v) for v in rows[r].values()}:
                return r, dict(sorted(rows[r].items()))
        return None

    def _missing_column(self, item: Sheet, table: _Table, header: str) -> None:
        found = [str(v) for v in table.headers.values()]
        close = (
            difflib.get_close_matches(header, found, n=1, cutoff=0.6)
            or [
                v
                for v in found
                if _normal(header) in _normal(v).split()  # "Project ID" for "ID"
            ][:1]
        )
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
        # only the rows that hold a cell: a stray value in row 1,048,576 costs nothing
        present = sorted({r for r, _ in grid if table.first_row <= r <= table.last_row})
        for r in present:
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
        if isinstance(raw, _ExcelError):
            self.error(
                table.sheet,
                cell,
                f'"{column.header}" holds the error {raw}; correct the formula or the value '
                "it refers to, or type the value",
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
        if self.weights_from == "pairwise":
            criteria = self.read_pairwise(criteria)
        rows, details, project_rows = self.read_intake(settings)
        projects = self.read_scoring(rows, criteria, project_rows)
        demands = self.read_demand()
        capacity = self.read_capacity(settings)
        dependencies = self.read_dependencies()
        budget = self.read_budget()
        hiring = self.read_hiring()
        balance = self.read_balance()
        projects = tuple(
            dataclasses.replace(p, tags=_tags(details.get(p.id, {}))) for p in projects
        )
        gates = self.read_gates()
        managers = self.read_people()
        lessons = self.read_lessons()
        evaluations = self.read_evaluations(managers, projects)
        baseline = self.read_baseline()
        portfolio = Portfolio(
            settings=settings,
            projects=projects,
            demands=demands,
            capacity=capacity,
            dependencies=dependencies,
            criteria=criteria,
            budget=budget,
            hiring=hiring,
            balance=balance,
            gates=gates,
            managers=managers,
        )
        self._fold(portfolio)
        delivery = self.read_delivery()
        return ReadResult(
            portfolio,
            self.problems,
            self.locations,
            details,
            covered=self.covered,
            inputs=self.input_cells(),
            stored=self.store_rows(),
            delivery=delivery,
            plan=self.read_plan(),
            sheet_names=tuple(self.book.sheetnames),
            unreadable=frozenset(self.unreadable),
            folded=self.folded,
            folded_note=self.folded_note,
            lessons=lessons,
            evaluations=evaluations,
            department=self.department,
            baseline=baseline,
        )

    def input_cells(self) -> dict[str, SheetInputs]:
        """Every non-empty cell of every input sheet, and its Tables' ranges (scenarios)."""
        found: dict[str, SheetInputs] = {}
        for item in schema.INPUT_SHEETS:
            name = self._sheets.get(_normal(item.name))
            if name is None or item is schema.START:
                continue
            ws = self.book[name]
            cells = []
            for (r, c), cell in sorted(ws._cells.items()):
                kind = input_cell(r, c, cell.value, cell.data_type, cell.number_format)
                if kind is not None:
                    cells.append(kind)
            tables = {t.displayName: t.ref for t in ws.tables.values()}
            found[name] = SheetInputs(tuple(cells), tables)
        return found

    def store_rows(self) -> list[tuple[object, object, object]]:
        """The rows of the scenario store sheet (name, part, JSON), if the workbook has one."""
        name = self._sheets.get(_normal(schema.SCENARIO_STORE.name))
        if name is None:
            return []
        grid = self.grid(self.book[name])
        rows = sorted({r for r, _ in grid if r > schema.SCENARIO_STORE.header_row})
        return [(grid.get((r, 1)), grid.get((r, 2)), grid.get((r, 3))) for r in rows]

    def _fold(self, portfolio: Portfolio) -> None:
        """Rows that name a project or role from a sheet that could not be read are not each
        an error: one line says they wait for the problem above (root causes first)."""
        if "Intake" in self.unreadable:
            for i, _demand in enumerate(portfolio.demands):
                self.covered.add(("demand", i, "project_id"))
                self.folded["Demand"] += 1
            for i, _dependency in enumerate(portfolio.dependencies):
                self.covered.update(
                    {("dependency", i, "predecessor"), ("dependency", i, "successor")}
                )
                self.folded["Dependencies"] += 1
        if "Capacity" in self.unreadable:
            for i, _demand in enumerate(portfolio.demands):
                self.covered.add(("demand", i, "role"))
            self.folded["Demand"] = max(self.folded["Demand"], len(portfolio.demands))
        self.folded_note = folded_message(self.folded, self.unreadable)
        if self.folded_note is not None:
            self.problems.append(self.folded_note)

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
                # a delivery setting only colours and dates the reports: a bad one warns
                self.severity = (
                    Severity.WARNING if entry.field in DELIVERY_SETTINGS else Severity.ERROR
                )
                values[entry.field] = self.value(
                    table,
                    column,
                    r,
                    raw.get(value_col.header),
                    key,
                    table.cell(value_col.header, r),
                )
                self.severity = Severity.ERROR
            for entry in schema.SETTINGS:
                if entry.required and entry.field not in seen:
                    self.error(
                        item.name,
                        table.header_cell(),
                        f'no "{entry.name}" setting; add a row "{entry.name}" with '
                        f"{entry.help[0].lower()}{entry.help[1:]}",
                    )
        self.weights_from = (_text(values.get("weights_from")) or "Criteria").casefold()
        self.setting_values = values
        plan_start = _whole(values["plan_start"])
        if plan_start is None:
            plan_start = fallback.plan_start
            self.covered.add(("settings", "*", "*"))
        self.department = _text(values["department"]) or None
        return Settings(
            plan_start=plan_start,
            horizon=_whole(values["horizon"], fallback.horizon),
            objective=Objective(_text(values["objective"]) or Objective.VALUE.value),
            time_limit=float(_real(values["time_limit"], fallback.time_limit)),
            random_seed=int(_whole(values["random_seed"]) or 0),
            project_managers=ManagerMode(
                _text(values["project_managers"]) or ManagerMode.CHECK.value
            ),
            stability=_text(values["stability"]) or fallback.stability,
            explain_time=_real(values["explain_time"]),
            reproducible=values["reproducible"] is True,
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
                    if not _is_blank(value):  # shown on Portfolio as it is (an error as text)
                        extra[column.header] = (
                            str(value) if isinstance(value, _ExcelError) else value
                        )
                    continue
                if column.optional and _normal(column.header) not in table.columns:
                    values[column.field] = column.default  # a book without the column
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
                if i is None and "Intake" in self.unreadable:
                    self.folded["Scoring"] += 1  # a consequence: said once, in `_fold`
                    continue
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
                    can_stop=bool(values.get("can_stop")),
                    remaining_cost=_real(values.get("remaining_cost")),
                    remaining_value=_real(values.get("remaining_value")),
                    manager=_text(values.get("manager")) or None,
                    pm_grade=_text(values.get("pm_grade")) or None,
                    pm_skills=split_list(_text(values.get("pm_skills"))),
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
        # a horizon out of range is reported on Settings; its months are not looked for
        horizon = settings.horizon if 1 <= settings.horizon <= MAX_MONTHS else 0
        wanted = list(range(settings.plan_start, settings.plan_start + horizon))
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

    def read_pairwise(self, criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        """The criteria with their weights from the Pairwise judgements (Settings "Weights
        from: Pairwise"); a warning names the judgement that most breaks consistency."""
        item = schema.PAIRWISE
        names = [c.name for c in criteria if c.name]
        if _normal(item.name) not in self._sheets:
            self.error(
                "Settings",
                None,
                'Weights from is "Pairwise" but the workbook has no Pairwise sheet; add it '
                "(pmo new shows one) or set Weights from to Criteria",
            )
            return criteria
        ws = self.worksheet(item)
        table = self.find_table(item, ws, extra_required=names) if ws is not None else None
        if table is None or len(names) < 2:
            return criteria
        grid = self.grid(ws)
        row_of: dict[str, int] = {}
        for r in range(table.first_row, table.last_row + 1):
            label = grid.get((r, table.columns[_normal("Criterion")]))
            if label is not None and not isinstance(label, _Formula):
                row_of.setdefault(_normal(label), r)
        missing = [n for n in names if _normal(n) not in row_of]
        if missing:
            self.error(
                item.name,
                table.header_cell(),
                f"no row for {', '.join(repr(n) for n in missing)}; the Pairwise sheet needs "
                "one row and one column per criterion of the Criteria sheet",
            )
            return criteria
        n = len(names)
        matrix = [[1.0] * n for _ in range(n)]
        cells: dict[tuple[int, int], str] = {}
        bad = False
        for i, a in enumerate(names):
            for j in range(i + 1, n):
                b = names[j]
                r, c = row_of[_normal(a)], table.columns[_normal(b)]
                cell = f"{get_column_letter(c)}{r}"
                cells[i, j] = cell
                value = self.plain(grid.get((r, c)))
                mirror = self.plain(grid.get((row_of[_normal(b)], table.columns[_normal(a)])))
                judged = _judgement(value) or (
                    1 / inverse if (inverse := _judgement(mirror)) else None
                )
                if judged is None:
                    self.error(
                        item.name,
                        cell,
                        f'"{a}" against "{b}": a judgement from 1/9 to 9 is needed '
                        f"(found {_found(value)}); 1 = equally important, 3 = moderately "
                        "more, 5 = strongly, 7 = very strongly, 9 = extremely more",
                    )
                    bad = True
                    continue
                matrix[i][j], matrix[j][i] = judged, 1 / judged
        if bad:
            return criteria
        result = ahp(matrix)
        if result.consistency_ratio > CONSISTENT and result.worst_judgement is not None:
            i, j = result.worst_judgement
            fix = result.suggested_value or 1.0
            self.error(
                item.name,
                cells[i, j],
                f"the judgements are inconsistent (consistency ratio "
                f"{result.consistency_ratio:.2f}, above {CONSISTENT:.2f}): "
                f'"{names[i]}" against "{names[j]}" ({saaty_text(matrix[i][j])}) breaks '
                f"consistency most; about {saaty_text(fix)} (exactly {fix:.2f}) would fit "
                "the other judgements",
                severity=Severity.WARNING,
            )
        weights = dict(zip(names, result.weights, strict=True))
        return tuple(
            dataclasses.replace(c, weight=round(weights[c.name] * 100, 6))
            if c.name in weights
            else c
            for c in criteria
        )

    def read_balance(self) -> tuple[BalanceRule, ...]:
        item = schema.BALANCE
        if _normal(item.name) not in self._sheets:
            return ()  # an optional sheet: a workbook without it has no balance rules
        ws = self.worksheet(item)
        table = self.find_table(item, ws) if ws is not None else None
        if table is None:
            return ()
        rules: list[BalanceRule] = []
        for r, raw in self.rows(table, item.inputs, ws):
            i = len(rules)
            values: dict[str | None, CellValue] = {}
            for column in item.inputs:
                key: Key = ("balance", i, column.field)
                self.where(key, table, column.header, r)
                values[column.field] = self.value(table, column, r, raw.get(column.header), key)
            self.locations[("balance", i, None)] = f"{table.sheet}!{table.cell('Dimension', r)}"
            rules.append(
                BalanceRule(
                    dimension=_text(values["dimension"]) or "",
                    value=_text(values["value"]) or "",
                    measure=_measure(_text(values["measure"])),
                    min_share=_real(values["min_share"]),
                    max_share=_real(values["max_share"]),
                )
            )
        return tuple(rules)

    def read_hiring(self) -> tuple[HiringOption, ...]:
        item = schema.HIRING
        if _normal(item.name) not in self._sheets:
            return ()  # an optional sheet: a workbook without it has no hiring options
        ws = self.worksheet(item)
        table = self.find_table(item, ws) if ws is not None else None
        if table is None:
            return ()
        options: list[HiringOption] = []
        for r, raw in self.rows(table, item.inputs, ws):
            i = len(options)
            values: dict[str | None, CellValue] = {}
            for column in item.inputs:
                key: Key = ("hiring", i, column.field)
                self.where(key, table, column.header, r)
                values[column.field] = self.value(table, column, r, raw.get(column.header), key)
            self.locations[("hiring", i, None)] = f"{table.sheet}!{table.cell('Role', r)}"
            options.append(
                HiringOption(
                    role=_text(values["role"]) or "",
                    option=_text(values["option"]) or "",
                    fte=_real(values["fte"], 0.0),
                    monthly_cost=_real(values["monthly_cost"], 0.0),
                    earliest=_whole(values["earliest"]),
                    max_units=_whole(values["max_units"], 1),
                    min_months=_whole(values["min_months"], 1),
                )
            )
        return tuple(options)

    # delivery: gates (they steer the plan), then the reporting sheets

    def records(
        self, item: Sheet, entity: str, lost: str, steering: frozenset[str] = frozenset()
    ) -> list[dict[str | None, CellValue]]:
        """The rows of a delivery sheet as {field: value}; problems in `steering` fields are
        errors, the others warnings. Rows missing a required value are left out."""
        ws = self.worksheet(item, lost)
        table = self.find_table(item, ws) if ws is not None else None
        if table is None:
            return []
        found: list[dict[str | None, CellValue]] = []
        first = item.columns[0].header
        for r, raw in self.rows(table, item.inputs, ws):
            typed = [v for h, v in raw.items() if not isinstance(v, _Formula)]
            if all(_is_blank(v) for v in typed):
                continue  # only the table's own formulas: an empty row
            i = len(found)
            values: dict[str | None, CellValue] = {}
            complete = True
            for column in item.inputs:
                key: Key = (entity, i, column.field)
                self.where(key, table, column.header, r)
                cell = raw.get(column.header)
                if column.formula and isinstance(cell, _Formula):
                    values[column.field] = None  # the column's own default formula
                    continue
                self.severity = Severity.ERROR if column.field in steering else Severity.WARNING
                value = self.value(table, column, r, cell, key)
                self.severity = Severity.ERROR
                values[column.field] = value
                complete = complete and not (column.required and value is None)
                text_period = column.field == "period" and isinstance(self.plain(cell), str)
                if item is schema.STATUS and text_period and value:  # the views compare dates
                    self._text_month(table, column, r)
            self.locations[(entity, i, None)] = f"{table.sheet}!{table.cell(first, r)}"
            if complete:
                found.append(values)
            else:
                self.locations.pop((entity, i, None), None)
        return found

    def _text_month(self, table: _Table, column: Column, row: int) -> None:
        self.error(
            table.sheet,
            table.cell(column.header, row),
            f'"{column.header}" is text; type it as a date (2027-03 becomes a date in Excel) '
            "so that the Latest status and Dashboard formulas can compare it",
            severity=Severity.WARNING,
        )

    def read_gates(self) -> tuple[GateReview, ...]:
        item = schema.GATES_SHEET
        rows = self.records(item, "gate", "gate decisions do not steer the plan", _STEERING)
        return tuple(
            GateReview(
                project_id=_text(v["project_id"]) or "",
                gate=_text(v["gate"]) or "",
                date=_date(v["date"]),
                decision=GateDecision(d) if (d := _text(v["decision"])) else None,
                reviewer=_text(v["reviewer"]) or "",
                scores=tuple(_real(v[f"score:{name}"]) for name in GATE_CRITERIA),
                notes=_text(v["notes"]) or "",
            )
            for v in rows
        )

    def read_delivery(self) -> Delivery:
        return Delivery(
            settings=self.delivery_settings(),
            status=self.read_status(),
            raid=self.read_raid(),
            health=self.read_health(),
            benefits=self.read_benefits(),
            reviews=self.read_reviews(),
        )

    def delivery_settings(self) -> DeliverySettings:
        values, default = self.setting_values, DeliverySettings()
        return DeliverySettings(
            status_date=_date(values.get("status_date")),
            rag_green=_real(values.get("rag_green"), default.rag_green),
            rag_amber=_real(values.get("rag_amber"), default.rag_amber),
            health_green=_real(values.get("health_green"), default.health_green),
            health_amber=_real(values.get("health_amber"), default.health_amber),
        )

    def read_status(self) -> tuple[StatusReport, ...]:
        rows = self.records(schema.STATUS, "status", "no status is reported")
        return tuple(
            StatusReport(
                project_id=_text(v["project_id"]) or "",
                period=_whole(v["period"], 0),
                percent_complete=_real(v["percent_complete"]),
                actual_cost=_real(v["actual_cost"]),
                planned_value=_real(v["planned_value"]),
                commentary=_text(v["commentary"]) or "",
                next_steps=_text(v["next_steps"]) or "",
            )
            for v in rows
        )

    def read_raid(self) -> tuple[RaidItem, ...]:
        rows = self.records(schema.RAID, "raid", "there is no RAID log")
        return tuple(
            RaidItem(
                type=RaidType(_text(v["type"]) or RaidType.RISK.value),
                id=_text(v["id"]) or "",
                project_id=_text(v["project_id"]) or "",
                title=_text(v["title"]) or "",
                owner=_text(v["owner"]) or "",
                raised=_date(v["raised"]),
                due=_date(v["due"]),
                probability=_whole(v["probability"]),
                impact=_whole(v["impact"]),
                response=_text(v["response"]) or "",
                status=RaidStatus(_text(v["status"]) or RaidStatus.OPEN.value),
            )
            for v in rows
        )

    def read_health(self) -> tuple[HealthCheck, ...]:
        rows = self.records(schema.HEALTH, "health", "there are no health checks")
        return tuple(
            HealthCheck(
                project_id=_text(v["project_id"]) or "",
                date=_date(v["date"]),
                reviewer=_text(v["reviewer"]) or "",
                scores=tuple(_real(v[f"score:{name}"]) for name in HEALTH_DIMENSIONS),
                notes=_text(v["notes"]) or "",
            )
            for v in rows
        )

    def read_benefits(self) -> tuple[Benefit, ...]:
        rows = self.records(schema.BENEFITS, "benefit", "there are no benefits")
        return tuple(
            Benefit(
                project_id=_text(v["project_id"]) or "",
                benefit=_text(v["benefit"]) or "",
                measure=_text(v["measure"]) or "",
                owner=_text(v["owner"]) or "",
                baseline=_real(v["baseline"]),
                target=_real(v["target"]),
                period=_whole(v["period"]),
                planned=_real(v["planned"]),
                realised=_real(v["realised"]),
            )
            for v in rows
        )

    def read_reviews(self) -> tuple[Review, ...]:
        rows = self.records(schema.REVIEWS, "review", "there are no post-project reviews")
        return tuple(
            Review(
                project_id=_text(v["project_id"]) or "",
                date=_date(v["date"]),
                reviewer=_text(v["reviewer"]) or "",
                went_well=_text(v["went_well"]) or "",
                lessons=_text(v["lessons"]) or "",
            )
            for v in rows
        )

    def read_plan(self) -> dict[str, int]:
        """The last plan on the Portfolio sheet: {ID: start} of its Selected rows (none when
        the sheet or its table is missing or still empty)."""
        item = schema.PORTFOLIO
        name = self._sheets.get(_normal(item.name))
        ws = self.book[name] if name is not None else None
        table = ws.tables.get(item.table) if ws is not None and item.table else None
        if ws is None or table is None:
            return {}
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        grid = self.grid(ws)
        headers = {_normal(grid.get((min_row, c))): c for c in range(min_col, max_col + 1)}
        id_col, decision_col, start_col = (
            headers.get(_normal(h)) for h in ("ID", "Decision", "Start")
        )
        if id_col is None or decision_col is None or start_col is None:
            return {}
        plan: dict[str, int] = {}
        for r in range(min_row + 1, max_row + 1):
            raw_id, decision = grid.get((r, id_col)), grid.get((r, decision_col))
            if _is_blank(raw_id) or _normal(self.plain(decision)) != "selected":
                continue
            try:
                start = parse_month(self.plain(grid.get((r, start_col))))
            except ValueError:
                continue
            project_id = convert(Column("ID", None, ColType.ID), self.plain(raw_id))
            plan[str(project_id)] = start
        return plan

    # the centre-of-excellence sheets: optional, so books made before them still read

    def optional_table(self, item: Sheet) -> tuple[object, _Table] | None:
        """The sheet's table, or None (and no problem) when the sheet is not there at all."""
        name = self._sheets.get(_normal(item.name))
        if name is None:
            return None
        ws = self.book[name]
        table = self.find_table(item, ws)
        return None if table is None else (ws, table)

    def row_values(
        self, entity: str, i: int, table: _Table, item: Sheet, r: int, raw: dict[str, object]
    ) -> dict[str | None, CellValue]:
        """One row's input cells, each converted and located as (entity, i, field)."""
        values: dict[str | None, CellValue] = {}
        for column in item.inputs:
            key: Key = (entity, i, column.field)
            self.where(key, table, column.header, r)
            values[column.field] = self.value(table, column, r, raw.get(column.header), key)
        self.locations[(entity, i, None)] = f"{table.sheet}!{table.cell(item.columns[0].header, r)}"
        return values

    def read_people(self) -> tuple[Manager, ...]:
        item = schema.PEOPLE
        found = self.optional_table(item)
        if found is None:
            return ()
        ws, table = found
        managers: list[Manager] = []
        for r, raw in self.rows(table, item.inputs, ws):
            values = self.row_values("manager", len(managers), table, item, r, raw)
            name = _text(values["name"])
            if not name:
                continue
            managers.append(
                Manager(
                    name=name,
                    grade=_text(values["grade"]) or None,
                    skills=split_list(_text(values["skills"])),
                    certifications=split_list(_text(values["certifications"])),
                    max_projects=_whole(values["max_projects"], 1),
                    available_from=_whole(values["available_from"]),
                    available_to=_whole(values["available_to"]),
                )
            )
        return tuple(managers)

    def read_lessons(self) -> tuple[Lesson, ...]:
        """The Lessons sheet; its problems are warnings: a lesson never stops a plan."""
        item = schema.LESSONS
        with self.advisory():
            found = self.optional_table(item)
            if found is None:
                return ()
            ws, table = found
            lessons: list[Lesson] = []
            seen: dict[str, int] = {}
            for r, raw in self.rows(table, item.inputs, ws):
                values = self.row_values("lesson", len(lessons), table, item, r, raw)
                lesson_id = _text(values["id"])
                if not lesson_id:
                    continue
                if lesson_id in seen:
                    self.error(
                        table.sheet,
                        table.cell("ID", r),
                        f'lesson "{lesson_id}" is listed twice (also row {seen[lesson_id]}); '
                        "give each lesson its own ID",
                    )
                seen.setdefault(lesson_id, r)
                lessons.append(
                    Lesson(
                        id=lesson_id,
                        project=_text(values["project"]) or "",
                        date=_text(values["date"]) or None,
                        phase=_text(values["phase"]) or "",
                        category=_text(values["category"]) or "",
                        tags=split_list(_text(values["tags"])),
                        what_happened=_text(values["what_happened"]) or "",
                        root_cause=_text(values["root_cause"]) or "",
                        recommendation=_text(values["recommendation"]) or "",
                        owner=_text(values["owner"]) or "",
                        status=_text(values["status"]) or "",
                        source=self.path.name,
                    )
                )
        return tuple(lessons)

    def read_evaluations(
        self, managers: tuple[Manager, ...], projects: tuple[Project, ...]
    ) -> tuple[Evaluation, ...]:
        """The PM evaluation sheet; its problems are warnings: they never stop a plan."""
        item = schema.PM_EVALUATION
        low, high = EVALUATION_SCALE
        names = {m.name for m in managers}
        status = {p.id: p.status for p in projects}
        with self.advisory():
            found = self.optional_table(item)
            if found is None:
                return ()
            ws, table = found
            evaluations: list[Evaluation] = []
            for r, raw in self.rows(table, item.inputs, ws):
                values = self.row_values("evaluation", len(evaluations), table, item, r, raw)
                manager, project = _text(values["manager"]), _text(values["project"])
                if not manager or not project:
                    continue
                if names and manager not in names:
                    self.error(
                        table.sheet,
                        table.cell("Manager", r),
                        f'"{manager}" is not on the People sheet; correct the name or add them',
                    )
                running = status.get(project)
                if running is not None and running is not ProjectStatus.CLOSED:
                    self.error(
                        table.sheet,
                        table.cell("Project", r),
                        f'project "{project}" is {running.value} on Intake; evaluate its '
                        "manager once it has closed",
                    )
                scores: dict[str, float] = {}
                for criterion in EVALUATION_CRITERIA:
                    score = _real(values[f"score:{criterion}"])
                    if score is None:
                        continue
                    if not low <= score <= high:
                        self.error(
                            table.sheet,
                            table.cell(criterion, r),
                            f'"{criterion}" must be between {low:g} and {high:g}; found '
                            f"{score:g}; the score is left out",
                        )
                        continue
                    scores[criterion] = score
                evaluations.append(
                    Evaluation(
                        manager=manager,
                        project=project,
                        closed=_whole(values["closed"]),
                        evaluator=_text(values["evaluator"]) or "",
                        scores=scores,
                        comments=_text(values["comments"]) or "",
                    )
                )
        return tuple(evaluations)

    @contextlib.contextmanager
    def advisory(self) -> Iterator[None]:
        """Problems found inside are warnings: the sheet informs, it does not block a plan."""
        first = len(self.problems)
        try:
            yield
        finally:
            self.problems[first:] = [
                dataclasses.replace(m, severity=Severity.WARNING)
                if m.severity is Severity.ERROR
                else m
                for m in self.problems[first:]
            ]


CONSISTENT = 0.1  # Saaty: a consistency ratio above this calls for a second look


def _judgement(value: object) -> float | None:
    """A pairwise judgement from 1/9 to 9 (numbers, or text such as "1/3"); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        top, slash, bottom = text.partition("/")
        try:
            number = float(top) / float(bottom) if slash else float(text)
        except (ValueError, ZeroDivisionError):
            return None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        return None
    if not (1 / 9 - 1e-9 <= number <= 9 + 1e-9):
        return None
    return number


def saaty_text(value: float) -> str:
    """The nearest judgement on Saaty's scale, as a PMO writes it: `3`, `1/3`, `1`."""
    steps = [*(1 / k for k in range(9, 1, -1)), *range(1, 10)]
    nearest = min(steps, key=lambda step: abs(math.log(step) - math.log(value)))
    return f"{round(nearest):d}" if nearest >= 1 else f"1/{round(1 / nearest):d}"


def _measure(text: str | None) -> Measure:
    """The measure named (case as in the schema's list), cost when blank."""
    for measure in Measure:
        if text is not None and measure.value.casefold() == text.casefold():
            return measure
    return Measure.COST


def _tags(extra: dict[str, object]) -> dict[str, str]:
    """The optional Intake columns of a project as text (12.0 reads as 12)."""
    tags = {}
    for header, value in extra.items():
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        tags[header] = str(value).strip()
    return tags


@dataclass(frozen=True, slots=True)
class _ExcelError:
    """An error value in a cell (#REF!, #N/A, ...): never a valid input."""

    code: str

    def __str__(self) -> str:
        return self.code


def _cell_value(sheet: str, key: tuple[int, int], cell) -> object:
    if cell.data_type == "e":
        return _ExcelError(str(cell.value))
    return _Formula(sheet, *key) if _is_formula(cell) else cell.value


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
        # Utilisation shows capacity with the plan's hires: the baseline's own is without them
        for (role, month), fte in self._hired().items():
            if (role, month) in capacity:
                capacity[role, month] = round(capacity[role, month] - fte, 6)
        return capacity

    def _hired(self) -> dict[tuple[str, int], float]:
        """(role, month) -> FTE the last plan's hires added (its Hiring plan rows)."""
        reader = self.reader
        name = reader._sheets.get(_normal(schema.HIRING_PLAN.name))
        if name is None:
            return {}
        ws = reader.book[name]
        table = self._table(ws, schema.HIRING_PLAN, ("Role", "From", "To", "FTE"))
        if table is None:
            return {}
        hired: dict[tuple[str, int], float] = defaultdict(float)
        month_column = Column("", None, ColType.MONTH)
        for _r, raw in reader.rows(table, list(schema.HIRING_PLAN.columns), ws):
            values = {h: reader.plain(v) for h, v in raw.items()}
            first = _quiet(month_column, values.get("From"))
            last = _quiet(month_column, values.get("To"))
            fte = _quiet(Column("", None, ColType.FLOAT), values.get("FTE"))
            role = values.get("Role")
            if _is_blank(role) or not isinstance(first, int) or not isinstance(last, int):
                continue
            if isinstance(fte, float):
                for month in range(first, last + 1):
                    hired[str(role).strip(), month] += fte
        return hired


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
