"""Write output grids into a workbook file without disturbing anything a person typed.

Only the output sheets change. The workbook is saved to a temporary file in the same
folder, re-opened and compared with the original (every input cell equal in value and type),
and only then moved over the original, whose previous version is kept as
`<name>.bak.xlsm` unless told otherwise. If Excel holds the file (a `~$` owner file beside
it) or the file changed since it was read, nothing is written. A failure at any point leaves
the original byte-identical.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.cell import get_column_letter, range_boundaries

from engine.errors import FileError
from workbook.book import schema
from workbook.book.grids import CellValue, Grid
from workbook.files.atomic import FileStamp, check_writable, keep_backup, replacing
from workbook.files.guard import check_workbook_file
from workbook.files.macros.ribbon import ensure_ribbon_relationship

FORMULA_LEAD = ("=", "+", "-", "@")


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """Where the results went and where the previous version was kept."""

    path: Path
    backup: Path | None


def write_grids(
    source: str | os.PathLike[str],
    grids: Iterable[Grid],
    *,
    out: str | os.PathLike[str] | None = None,
    stamp: FileStamp | None = None,
    backup: bool = True,
) -> WriteOutcome:
    """Write the grids into the output sheets of `source`, in place or into `out`.

    `stamp` is the source as it was read; if the file differs now, nothing is written.
    """
    source = Path(source)
    target = Path(out) if out is not None else source
    grids = list(grids)
    check_writable(source, stamp)
    if target != source:
        check_writable(target, None)
    book = openpyxl.load_workbook(source, keep_vba=True)
    inputs = _input_snapshot(book)
    for grid in grids:
        _write_grid(book, grid)
    with replacing(target, mode_from=source) as temp:
        _save(book, temp)
        _keep_ribbon(temp)
        _verify(temp, inputs, grids)
        # Check again just before replacing: Excel may have opened the file meanwhile.
        check_writable(source, stamp)
        kept = keep_backup(target) if target.exists() and backup else None
    return WriteOutcome(target, kept)


def _save(book, path: Path) -> None:
    """Save the workbook (a seam for tests that simulate a crash mid-save)."""
    book.save(path)


def _keep_ribbon(path: Path) -> None:
    ensure_ribbon_relationship(path)  # openpyxl drops the ribbon's relationship


# --- Writing one sheet ----------------------------------------------------------------------


def _set(cell, value: CellValue, number_format: str | None = None) -> None:
    """Put a value in a cell; text always stays text, even `=1+1` or `@SUM(A1)`."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_LEAD):
            cell.quotePrefix = True
        return
    cell.value = value
    if number_format and value is not None:
        cell.number_format = number_format


def _write_grid(book, grid: Grid) -> None:
    spec = grid.spec
    if spec.role is not schema.Role.OUTPUT:
        raise FileError(f'refusing to write into "{grid.sheet}": it is not an output sheet')
    ws = book[grid.sheet] if grid.sheet in book.sheetnames else _new_sheet(book, spec)
    table = ws.tables.get(spec.table) if spec.table else None
    header_row = range_boundaries(table.ref)[1] if table is not None else spec.header_row
    width = len(grid.header)
    fixed = {c.header: c for c in spec.columns}
    formats = [fixed[h].number_format if h in fixed else None for h in grid.header]
    first = header_row + 1
    if grid.append:
        first = _first_free_row(ws, header_row, width)
    else:
        _clear(ws, header_row)
    for column, text in enumerate(grid.header, start=1):
        _set(ws.cell(header_row, column), text)
    for offset, row in enumerate(grid.rows):
        r = first + offset
        row_format = grid.row_formats[offset] if offset < len(grid.row_formats) else None
        for column, value in enumerate(row, start=1):
            number_format = formats[column - 1] or (row_format if column > len(fixed) else None)
            _set(ws.cell(r, column), value, number_format)
    last = max(first + len(grid.rows) - 1, header_row + 1)
    if table is not None:
        ref = f"A{header_row}:{get_column_letter(width)}{last}"
        table.ref = ref
        if table.autoFilter is not None:
            table.autoFilter.ref = ref


def _new_sheet(book, spec: schema.Sheet):
    """An output sheet someone deleted comes back, without its table."""
    ws = book.create_sheet(spec.name)
    ws.cell(1, 1, spec.name)
    ws.cell(2, 1, spec.description)
    return ws


def _clear(ws, header_row: int) -> None:
    """Empty the header row and everything below it, keeping formats (sparse: no new cells)."""
    for (row, _column), cell in list(ws._cells.items()):
        if row >= header_row and cell.value is not None:
            cell.value = None


def _first_free_row(ws, header_row: int, width: int) -> int:
    used = [
        row
        for (row, column), cell in ws._cells.items()
        if row > header_row and column <= width and cell.value is not None
    ]
    return max(used, default=header_row) + 1


# --- Checking the written file ----------------------------------------------------------------


def _input_snapshot(book) -> dict[str, dict[tuple[int, int], tuple[object, str]]]:
    """Value and type of every cell on the sheets people type into."""
    protected = {s.name for s in schema.SHEETS if s.role is not schema.Role.OUTPUT}
    return {
        ws.title: {
            key: (cell.value, cell.data_type)
            for key, cell in ws._cells.items()
            if cell.value is not None
        }
        for ws in book.worksheets
        if ws.title in protected or ws.title not in {s.name for s in schema.SHEETS}
    }


def _verify(path: Path, inputs, grids: list[Grid]) -> None:
    """Re-open the written file: it must parse, keep every input cell and hold the outputs."""
    try:
        check_workbook_file(path)
        # read-only streams the sheets: only the input sheets are walked, not the outputs
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception as error:
        raise FileError(
            f"the written workbook could not be read back ({error}); the original "
            "was left as it was"
        ) from error
    try:
        for title, cells in inputs.items():
            if title not in book.sheetnames:
                raise FileError(
                    f'writing lost the sheet "{title}"; the original was left as it was'
                )
            written = {
                (c.row, c.column): c
                for row in book[title].iter_rows()
                for c in row
                if c.value is not None
            }
            for key, (value, data_type) in cells.items():
                cell = written.get(key)
                if cell is None or cell.value != value or cell.data_type != data_type:
                    where = f"{get_column_letter(key[1])}{key[0]}"
                    raise FileError(
                        f"writing would have changed {title}!{where}; the original "
                        "was left as it was"
                    )
        sheetnames = book.sheetnames
    finally:
        book.close()
    missing = [g.sheet for g in grids if g.sheet not in sheetnames]
    if missing:
        raise FileError(
            f"writing lost the output sheet(s) {', '.join(missing)}; the original "
            "was left as it was"
        )
