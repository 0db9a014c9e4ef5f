"""Write output grids into a workbook file without disturbing anything a person typed.

Only the output sheets change. The workbook is saved to a temporary file in the same
folder, re-opened and compared with the original (every input cell equal in value and type),
and only then moved over the original, whose previous version is kept as
`<name>.bak.xlsm` unless told otherwise. If Excel holds the file (a `~$` owner file beside
it) or the file changed since it was read, nothing is written. A failure at any point leaves
the original byte-identical.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.table import TableColumn

from engine.errors import FileError
from workbook.book import schema
from workbook.book.grids import CellValue, Formula, Grid
from workbook.files.atomic import (
    FileStamp,
    backup_path,
    check_target,
    check_writable,
    os_error_words,
    replacing,
)
from workbook.files.guard import check_workbook_file
from workbook.files.layout import SheetState, plan_layout
from workbook.files.macros.ribbon import ensure_ribbon_relationship

FORMULA_LEAD = ("=", "+", "-", "@")
MACRO_SUFFIXES = (".xlsm", ".xltm")  # packages that may hold a VBA project


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
    target = output_path(source, out)
    grids = list(grids)
    check_writable(source, stamp)
    if target != source:
        check_writable(target, None)
    try:
        book = _open_for_writing(source)
        inputs = _input_snapshot(book)
        for grid in grids:
            _write_grid(book, grid)
        kept = backup_path(Path(os.path.realpath(target))) if backup and target.exists() else None
        # checked again at the commit, under its lock: Excel may have opened the file, or
        # another run saved it, while this one was solving
        recheck = functools.partial(check_writable, source, stamp)
        with replacing(
            target, mode_from=source, backup=kept is not None, before_commit=recheck
        ) as temp:
            _save_whole(book, temp, source)
            _verify(temp, inputs, grids)
    except OSError as error:
        left = f"{source.name} was left as it was"
        if target.exists() and target != source:
            left = f"{target.name} and {left}"
        raise FileError(
            f"{target.name} could not be written: {os_error_words(error)}; {left}"
        ) from error
    return WriteOutcome(target, kept)


def output_path(source: Path, out: str | os.PathLike[str] | None) -> Path:
    """Where the results of `source` go (`source` itself when `out` is None or names the same
    file), after checking they can: raises FileError, before any long run, when they cannot.

    In place, a read-only workbook is refused, as is a folder we cannot write a temporary file
    into. A copy must keep the workbook's type: an .xlsx copy of an .xlsm would silently drop
    the macros, the buttons and the PMO ribbon.
    """
    source = Path(source)
    if out is None or _same_file(source, Path(out)):
        check_target(Path(os.path.realpath(source)))
        return source
    out = Path(out)
    check_target(out)
    if out.suffix.lower() != source.suffix.lower():
        why = ""
        if source.suffix.lower() == ".xlsm" and out.suffix.lower() == ".xlsx":
            why = " (an .xlsx file cannot hold the macros, the buttons and the PMO ribbon)"
        raise FileError(
            f"{out.name}: a copy of {source.name} must end in {source.suffix} too{why}; "
            f"name it {out.stem}{source.suffix}"
        )
    return out


def _same_file(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _open_for_writing(source: Path):
    """The workbook with everything openpyxl keeps on saving (an .xlsm's VBA project and
    form buttons; an .xlsx stays an .xlsx).

    Reading for that follows links the input reader never needs (a button's drawing), so a
    package damaged there is found only now: a file error, not a crash."""
    check_workbook_file(source)
    # keep_vba also marks the package macro-enabled, which Excel refuses in an .xlsx file
    macros = source.suffix.lower() in MACRO_SUFFIXES
    try:
        return openpyxl.load_workbook(source, keep_vba=macros)
    except Exception as error:
        raise FileError(
            f"{source.name}: cannot be opened for writing ({type(error).__name__}: {error}); "
            "nothing was written. Open it in Excel and save it, then run again"
        ) from error


def _save_whole(book, path: Path, source: Path) -> None:
    """Save, and put back the ribbon's relationship. openpyxl copies parts of the original
    package as they are (the VBA project, the root relationships), and a damaged one makes
    it fail in ways of its own: that is a file error, not a crash."""
    failure: Exception
    try:
        _save(book, path)
        _keep_ribbon(path)
        return
    except (FileError, OSError) as error:
        failure = error
    except Exception as error:
        failure = FileError(
            f"{source.name}: its package could not be saved again ({type(error).__name__}: "
            f"{error}); nothing was written. Open it in Excel and save it, then run again"
        )
    _let_go_of_the_writers(failure)
    raise failure


def _let_go_of_the_writers(failure: BaseException) -> None:
    """A save that fails half-way leaves openpyxl's sheet writers suspended in the failure's
    traceback; closed later, they fail again (a full disk, a file-size limit) and Python
    prints that as a traceback after our message. Close them here, quietly."""
    failure.__traceback__ = None
    failure.__context__ = None
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _save(book, path: Path) -> None:
    """Save the workbook (a seam for tests that simulate a crash mid-save)."""
    book.save(path)


def _keep_ribbon(path: Path) -> None:
    ensure_ribbon_relationship(path)  # openpyxl drops the ribbon's relationship


# --- Writing one sheet ----------------------------------------------------------------------


def _set(cell, value: CellValue) -> None:
    """Put a value in a cell; text always stays text, even `=1+1` or `@SUM(A1)`. Only a
    grid's own `Formula` is written as a formula."""
    if isinstance(value, Formula):
        cell.value = str(value)
        cell.data_type = "f"
        return
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_LEAD):
            cell.quotePrefix = True
        return
    cell.value = value


def _sheet(book, name: str):
    """The sheet called `name`, as Excel matches names (case and outer spaces aside)."""
    return next((ws for ws in book.worksheets if _key(ws.title) == _key(name)), None)


def _state(book, grid: Grid) -> SheetState:
    """The output sheet as the layout needs to see it."""
    ws = _sheet(book, grid.sheet)
    if ws is None:
        return SheetState(exists=False)
    table = ws.tables.get(grid.spec.table) if grid.spec.table else None
    used = frozenset(key for key, cell in ws._cells.items() if cell.value is not None)
    header = range_boundaries(table.ref)[1] if table is not None else None
    return SheetState(True, used, header)


def _write_grid(book, grid: Grid) -> None:
    layout = plan_layout(_state(book, grid), grid)
    ws = _sheet(book, layout.sheet)
    if layout.create or ws is None:
        ws = book.create_sheet(layout.sheet)  # a deleted output sheet comes back, no Table
        for row, (line,) in enumerate(layout.title, start=1):
            ws.cell(row, 1, line)
        if grid.spec is schema.SCENARIO_STORE:
            ws.sheet_state = "veryHidden"
    if layout.clear is not None:
        r1, c1, r2, c2 = layout.clear
        for (row, column), cell in list(ws._cells.items()):  # sparse: makes no new cells
            if r1 <= row <= r2 and c1 <= column <= c2 and cell.value is not None:
                cell.value = None
    for column, text in enumerate(layout.header, start=1):
        _set(ws.cell(layout.header_row, column), text)
    for offset, values in enumerate(layout.rows):
        for column, value in enumerate(values, start=1):
            if value is not None or (layout.first_row + offset, column) in ws._cells:
                _set(ws.cell(layout.first_row + offset, column), value)
    for (r1, c1, r2, c2), number_format in layout.formats:
        for row in range(r1, r2 + 1):
            for column in range(c1, c2 + 1):
                cell = ws._cells.get((row, column))
                if cell is not None and cell.value is not None:
                    cell.number_format = number_format
    if layout.table is not None:
        name, ref = layout.table
        table = ws.tables[name]
        table.ref = ref
        if table.autoFilter is not None:
            table.autoFilter.ref = ref
        _add_new_columns(table, layout.header)


def _add_new_columns(table, header: list[CellValue]) -> None:
    """A grid wider than its Table (a book made before a column was added to the sheet): the
    Table gets the new columns, named by their headers, so its range and columns agree."""
    columns = table.tableColumns
    next_id = max((c.id for c in columns), default=0) + 1
    for text in header[len(columns) :]:
        columns.append(TableColumn(id=next_id, name=str(text)))
        next_id += 1


# --- Checking the written file ----------------------------------------------------------------


def _input_snapshot(book) -> dict[str, dict[tuple[int, int], tuple[object, str]]]:
    """Value and type of every cell on the sheets people type into."""
    outputs = {_key(s.name) for s in schema.SHEETS if s.role is schema.Role.OUTPUT}
    return {
        ws.title: {
            key: (cell.value, cell.data_type)
            for key, cell in ws._cells.items()
            if cell.value is not None
        }
        for ws in book.worksheets
        if _key(ws.title) not in outputs
    }


def _key(name: str) -> str:
    return name.strip().casefold()


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
            sheet = book[title]
            sheet.reset_dimensions()  # rows as stored, not padded to the claimed dimension
            written = {
                (c.row, c.column): c
                for row in sheet.iter_rows()
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
    present = {_key(name) for name in sheetnames}
    missing = [g.sheet for g in grids if _key(g.sheet) not in present]
    if missing:
        raise FileError(
            f"writing lost the output sheet(s) {', '.join(missing)}; the original "
            "was left as it was"
        )
