"""The live-Excel transport: read an open `xlwings.Book`, and write output grids into it.

Reading copies the values and Excel Tables of the workbook's sheets into an in-memory
openpyxl workbook, so the very reader that reads files (`workbook.files.reader`) reads the open
workbook too: same rules, same messages, same sheet and cell names.

Writing is planned first and done after: `plan_writes` turns the grids of
`workbook.book.grids` into a list of sheet edits (clear, values, number formats, table size)
following the same layout rules as the file writer (`workbook.files.writer`), without touching
Excel; `apply` then makes the edits through xlwings. Nothing is written if planning fails.

Every function here takes any object with xlwings' Book API: desktop Excel through
`xw.Book.caller()`, or xlwings' remote `xw.Book(json=...)` in tests.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table

from engine.errors import FileError
from workbook.book import schema
from workbook.book.grids import Formula, Grid
from workbook.files.guard import DEFAULT_LIMITS
from workbook.files.layout import Layout, SheetState, plan_layout
from workbook.files.reader import ReadResult, read_loaded

MAX_CELLS = DEFAULT_LIMITS.max_cells  # the file guard's limit: what a sheet may hand over
# Excel turns typed-in text like "2027-03", "1.5", "TRUE", "Mar 27" or "=A1" into dates,
# numbers and formulas; a leading apostrophe keeps such text as text, as the file writer does.
_PLAIN_TEXT = re.compile(r"^[^\W\d_]")
_DATE_LIKE = re.compile(
    r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[\s\-/.,]*\d", re.IGNORECASE
)
_WORDS_EXCEL_READS = frozenset({"true", "false"})


@dataclass
class SheetData:
    """Values and Excel Tables of one sheet as read from the open workbook."""

    name: str
    cells: dict[tuple[int, int], object]  # (row, column), 1-based -> value; no blanks
    tables: dict[str, str] = field(default_factory=dict)  # table name -> "A3:K4"
    totals: dict[str, int] = field(default_factory=dict)  # table name -> totals rows

    @property
    def last_row(self) -> int:
        """The last row holding a value (0 on an empty sheet)."""
        return max((r for r, _ in self.cells), default=0)

    @property
    def last_column(self) -> int:
        """The last column holding a value (0 on an empty sheet)."""
        return max((c for _, c in self.cells), default=0)


@dataclass
class Snapshot:
    """The sheets of an open workbook that the reader and the writer need."""

    book_name: str
    sheets: dict[str, SheetData]

    def sheet(self, name: str) -> SheetData | None:
        """The sheet with this name (ignoring case and spaces, as Excel does), if it was read."""
        if name in self.sheets:
            return self.sheets[name]
        key = _key(name)
        return next((s for n, s in self.sheets.items() if _key(n) == key), None)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def cell_name(row: int, column: int) -> str:
    """`B7` for row 7, column 2."""
    return f"{get_column_letter(column)}{row}"


def table_header_row(data: SheetData, table: str | None) -> int | None:
    """The header row of a table on the sheet, if the sheet has that table."""
    ref = data.tables.get(table) if table else None
    return range_boundaries(ref)[1] if ref else None


def _wanted(name: str) -> bool:
    known = {_key(s.name) for s in schema.SHEETS if s not in (schema.START, schema.XLWINGS_CONF)}
    return _key(name) in known


def snapshot(book, names: Iterable[str] | None = None) -> Snapshot:
    """Read the values and tables of the PMO sheets (or only `names`) of an open workbook."""
    wanted = set(names) if names is not None else None
    sheets: dict[str, SheetData] = {}
    for sheet in book.sheets:
        name = sheet.name
        if (name not in wanted) if wanted is not None else not _wanted(name):
            continue
        sheets[name] = read_sheet(sheet)
    return Snapshot(book.name, sheets)


def read_sheet(sheet) -> SheetData:
    """One sheet's values (from A1 to its last used cell) and Excel Tables."""
    used = sheet.used_range
    last = used.last_cell
    rows, columns = last.row, last.column
    if rows * columns > MAX_CELLS:
        raise FileError(
            f'sheet "{sheet.name}" uses {rows:,} rows by {columns:,} columns, more '
            f"than the {MAX_CELLS:,} cells a PMO sheet may have; delete the empty "
            "rows and columns below and right of the data, save, and run again"
        )
    cells: dict[tuple[int, int], object] = {}
    if rows and columns:
        values = sheet.range((1, 1), (rows, columns)).options(ndim=2).value or []
        for r, row in enumerate(values, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None and not (isinstance(value, str) and value == ""):
                    cells[(r, c)] = value
    tables, totals = {}, {}
    for table in sheet.tables:
        address = table.range.address.replace("$", "")
        tables[table.name] = address
        totals[table.name] = 1 if table.show_totals else 0
    return SheetData(sheet.name, cells, tables, totals)


# --- Reading: the file reader over a copy in memory -------------------------------------------


def to_openpyxl(snap: Snapshot) -> openpyxl.Workbook:
    """An in-memory openpyxl workbook holding the snapshot's values and tables."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for data in snap.sheets.values():
        ws = book.create_sheet(data.name)
        for (r, c), value in data.cells.items():
            cell = ws.cell(r, c)
            if isinstance(value, str):
                # values read from Excel are results, never formulas: keep "=..." as text
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"
            else:
                cell.value = value
        for name, ref in data.tables.items():
            ws.add_table(
                Table(displayName=name, ref=ref, totalsRowCount=data.totals.get(name) or None)
            )
    return book


def read_snapshot(snap: Snapshot) -> ReadResult:
    """The portfolio and its problems, read from a snapshot by the file reader's rules.

    A snapshot holds values, not formulas: its input cells are marked so (a scenario saved
    from it restores the typed cells and leaves the workbook's formula cells alone)."""
    read = read_loaded(to_openpyxl(snap), snap.book_name)
    read.inputs = {
        name: dataclasses.replace(data, formulas=False) for name, data in read.inputs.items()
    }
    return read


def read_book(book) -> tuple[Snapshot, ReadResult]:
    """Snapshot an open workbook and read its portfolio."""
    snap = snapshot(book)
    return snap, read_snapshot(snap)


# --- Writing: plan first, then apply ----------------------------------------------------------


def excel_text(value: object) -> object:
    """A value as it must be handed to Excel so that text stays text.

    The value is a grid's `CellValue`, or anything read from Excel (a date, say); only text
    changes. A grid's own `Formula` goes as a formula.
    """
    if isinstance(value, Formula):
        return str(value)
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text:
        return None
    if (
        _PLAIN_TEXT.match(text)
        and not _DATE_LIKE.match(text)
        and text.casefold() not in _WORDS_EXCEL_READS
    ):
        return text
    return "'" + text


def _state(data: SheetData | None, grid: Grid) -> SheetState:
    if data is None:
        return SheetState(exists=False)
    return SheetState(True, frozenset(data.cells), table_header_row(data, grid.spec.table))


def plan_writes(snap: Snapshot, grids: Iterable[Grid]) -> list[Layout]:
    """The edits that put the grids on their sheets, laid out as the file writer lays them out."""
    return [plan_layout(_state(snap.sheet(grid.sheet), grid), grid) for grid in grids]


def apply(book, layouts: list[Layout]) -> None:
    """Make the planned edits through xlwings (Excel recalculates by itself afterwards)."""
    for layout in layouts:
        if layout.create:
            sheet = book.sheets.add(layout.sheet, after=book.sheets[len(book.sheets) - 1])
            sheet.range((1, 1)).value = layout.title
        else:
            sheet = book.sheets[_existing_name(book, layout.sheet)]
        if layout.clear is not None:
            r1, c1, r2, c2 = layout.clear
            sheet.range((r1, c1), (r2, c2)).clear_contents()
        header = [excel_text(v) for v in layout.header]
        rows = [[excel_text(v) for v in row] for row in layout.rows]
        if layout.first_row == layout.header_row + 1:
            sheet.range((layout.header_row, 1)).value = [header, *rows]
        else:
            sheet.range((layout.header_row, 1)).value = [header]
            if rows:
                sheet.range((layout.first_row, 1)).value = rows
        for (r1, c1, r2, c2), number_format in layout.formats:
            sheet.range((r1, c1), (r2, c2)).number_format = number_format
        if layout.table is not None:
            name, ref = layout.table
            sheet.tables[name].resize(sheet.range(ref))


def _existing_name(book, name: str) -> str:
    """The sheet's name as the workbook spells it (sheet names ignore case in Excel)."""
    return next((s.name for s in book.sheets if _key(s.name) == _key(name)), name)


def write_grids(book, grids: Iterable[Grid], snap: Snapshot | None = None) -> list[Layout]:
    """Plan and apply: the grids written into the open workbook; returns the edits made."""
    grids = list(grids)
    if snap is None:
        wanted = {_key(g.sheet) for g in grids}
        snap = snapshot(book, [s.name for s in book.sheets if _key(s.name) in wanted])
    layouts = plan_writes(snap, grids)
    apply(book, layouts)
    return layouts


@dataclass
class ExcelTransport:
    """A workbook open in Excel (or xlwings' remote Book), for `workbook.service`."""

    book: object
    snap: Snapshot | None = None

    def read(self) -> ReadResult:
        """Snapshot the open workbook and read it by the file reader's rules."""
        self.snap, read = read_book(self.book)
        return read

    def check_writable(self) -> None:
        """Excel holds the workbook itself: there is nothing to refuse here."""

    def write(self, grids: list[Grid]) -> None:
        """Plan every edit, then make them; nothing is written if planning fails."""
        write_grids(self.book, grids, self.snap)
