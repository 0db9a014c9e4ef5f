"""Where an output grid goes on its sheet: one pure plan that both writers apply.

The file writer (`workbook.files.writer`, openpyxl) and the live-Excel writer
(`workbook.excel.transport`, xlwings) look at a sheet differently, so each describes the
sheet as it is in a `SheetState`; `plan_layout` then decides, the same way for both: the
header row (the Table's, else the schema's), where the rows start (below the header, or
below the last used row for a grid that appends), what to clear, the number format of each
block of cells, and the Table's new range. Nothing here touches a workbook.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from openpyxl.utils.cell import get_column_letter

from engine.errors import FileError
from workbook.book import schema
from workbook.book.grids import CellValue, Grid

MAX_ROWS = 1_048_576  # the last row of a sheet
Box = tuple[int, int, int, int]  # first row, first column, last row, last column (1-based)


@dataclass(frozen=True)
class SheetState:
    """What the layout needs to know of an output sheet as it stands."""

    exists: bool
    used: frozenset[tuple[int, int]] = frozenset()  # (row, column) of every non-empty cell
    table_header_row: int | None = None  # the first row of the sheet's Table, if it has one

    @property
    def last_row(self) -> int:
        """The last row holding a value (0 for an empty sheet)."""
        return max((r for r, _ in self.used), default=0)

    @property
    def last_column(self) -> int:
        """The last column holding a value (0 for an empty sheet)."""
        return max((c for _, c in self.used), default=0)


@dataclass
class Layout:
    """Everything to do to one output sheet, in order: create, clear, values, formats, table."""

    sheet: str
    header_row: int
    first_row: int  # where the grid's rows start
    create: bool = False  # the sheet is missing: make it, with its title and description
    clear: Box | None = None
    header: list[CellValue] = field(default_factory=list)
    rows: list[list[CellValue]] = field(default_factory=list)  # each padded to the width
    formats: list[tuple[Box, str]] = field(default_factory=list)  # applied to value cells
    table: tuple[str, str] | None = None  # (Table name, new range)

    @property
    def title(self) -> list[list[CellValue]]:
        """The two lines a sheet made anew starts with: its name and its description."""
        spec = schema.sheet(self.sheet)
        return [[spec.name], [spec.description]]


def plan_layout(state: SheetState, grid: Grid) -> Layout:
    """The edits that put `grid` on its sheet; refuses any sheet that is not an output."""
    spec = grid.spec
    if spec.role is not schema.Role.OUTPUT:
        raise FileError(f'refusing to write into "{grid.sheet}": it is not an output sheet')
    header_row = state.table_header_row or spec.header_row
    width = len(grid.header)
    layout = Layout(grid.sheet, header_row, header_row + 1, create=not state.exists)
    if grid.append:
        used = [r for (r, c) in state.used if r > header_row and c <= width]
        layout.first_row = max(used, default=header_row) + 1
        if layout.first_row + len(grid.rows) - 1 > MAX_ROWS:
            raise FileError(
                f'the sheet "{grid.sheet}" has no room below row {layout.first_row - 1:,} (a '
                f"sheet ends at row {MAX_ROWS:,}); delete the rows below its table and run again"
            )
    elif state.last_row >= header_row:
        layout.clear = (header_row, 1, state.last_row, max(state.last_column, width))
    layout.header = [text if text != "" else None for text in grid.header]
    layout.rows = [_padded(row, width) for row in grid.rows]
    layout.formats = _formats(spec, grid, layout.first_row)
    if state.table_header_row is not None and spec.table:
        last = max(layout.first_row + len(grid.rows) - 1, header_row + 1)
        layout.table = (spec.table, f"A{header_row}:{get_column_letter(width)}{last}")
    return layout


def _padded(row: Iterable[CellValue], width: int) -> list[CellValue]:
    values = list(row)[:width]
    return values + [None] * (width - len(values))


def _formats(spec: schema.Sheet, grid: Grid, first: int) -> list[tuple[Box, str]]:
    """The schema's format for each fixed column; each row's own format for the others."""
    if not grid.rows:
        return []
    last = first + len(grid.rows) - 1
    fixed = {c.header: c for c in spec.columns}
    per_column = [fixed[h].number_format if h in fixed else None for h in grid.header]
    boxes = _column_runs(per_column, first, last)
    width = len(grid.header)
    for offset, row_format in enumerate(grid.row_formats[: len(grid.rows)]):
        if row_format and width > len(fixed):
            row = first + offset
            boxes.append(((row, len(fixed) + 1, row, width), row_format))
    return boxes


def _column_runs(formats: list[str | None], first: int, last: int) -> list[tuple[Box, str]]:
    """One box per run of neighbouring columns that share a number format."""
    runs: list[tuple[Box, str]] = []
    start = 0
    for column in range(1, len(formats) + 1):
        here = formats[column - 1]
        after = formats[column] if column < len(formats) else None
        if here and here != after:
            runs.append(((first, start + 1, last, column), here))
        if here != after:
            start = column
    return runs
