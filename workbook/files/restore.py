"""Put a saved scenario's inputs back into a workbook file: the one write into input cells.

Everything else in this project refuses to touch a cell a person typed (`workbook.files.writer`
verifies it). `pmo scenario restore` is the exception, on purpose and only from a scenario
saved in the same workbook: every input sheet the scenario holds is cleared and refilled with
the scenario's cells (value, kind, number format) and Table ranges, the file is re-opened and
checked cell by cell against the scenario, and only then moved over the original, whose
previous version is kept as `<name>.bak.xlsm`. Output sheets are left as they are (the next
run rewrites them); a failure at any point leaves the original byte-identical.
"""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import get_column_letter

from engine.errors import FileError
from workbook.book import schema
from workbook.book.scenarios import Scenario, SheetInputs, cell_value, input_cell
from workbook.files.atomic import FileStamp, check_writable, keep_backup, replacing
from workbook.files.guard import check_workbook_file
from workbook.files.macros.ribbon import ensure_ribbon_relationship
from workbook.files.writer import MACRO_SUFFIXES, WriteOutcome


def restore_inputs(
    path: str | os.PathLike[str],
    scenario: Scenario,
    *,
    stamp: FileStamp | None = None,
    backup: bool = True,
) -> WriteOutcome:
    """Write the scenario's input cells back into the workbook at `path`."""
    path = Path(path)
    check_writable(path, stamp)
    inputs = {s.name for s in schema.INPUT_SHEETS}
    strange = [name for name in scenario.inputs if name not in inputs]
    if strange:
        raise FileError(f"scenario {scenario.name!r} names sheets that are not inputs: {strange}")
    # keep_vba would mark an .xlsx macro-enabled, which Excel refuses (as in the writer)
    book = openpyxl.load_workbook(path, keep_vba=path.suffix.lower() in MACRO_SUFFIXES)
    for name, data in scenario.inputs.items():
        _refill(book, name, data)
    with replacing(path, mode_from=path) as temp:
        book.save(temp)
        ensure_ribbon_relationship(temp)  # openpyxl drops the ribbon's relationship
        _verify(temp, scenario)
        check_writable(path, stamp)  # Excel may have opened the file meanwhile
        kept = keep_backup(path) if backup else None
    return WriteOutcome(path, kept)


def _refill(book, name: str, data: SheetInputs) -> None:
    ws = book[name] if name in book.sheetnames else book.create_sheet(name)
    kept = set() if data.formulas else _formula_cells(ws)  # values-only: formulas stay
    for cell in list(ws._cells.values()):  # sparse: makes no new cells
        if cell.value is not None and (cell.row, cell.column) not in kept:
            cell.value = None
    for row, column, kind, value, number_format in data.cells:
        if (row, column) in kept:
            continue
        cell = ws.cell(row, column)
        if kind == "s":
            cell.value = str(value)
            cell.data_type = "s"  # text stays text, even "=1+1"
            if str(value).startswith(("=", "+", "-", "@")):
                cell.quotePrefix = True
        else:
            cell.value = cell_value(kind, value)
        cell.number_format = number_format
    for table_name, ref in data.tables.items():
        table = ws.tables.get(table_name)
        if table is not None:
            table.ref = ref
            if table.autoFilter is not None:
                table.autoFilter.ref = ref


def _formula_cells(ws) -> set[tuple[int, int]]:
    return {key for key, cell in ws._cells.items() if cell.data_type == "f"}


def _verify(path: Path, scenario: Scenario) -> None:
    """Re-open the written file: every input sheet must hold exactly the scenario's cells."""
    try:
        check_workbook_file(path)
        book = openpyxl.load_workbook(path)
    except Exception as error:
        raise FileError(
            f"the restored workbook could not be read back ({error}); the original was left "
            "as it was"
        ) from error
    for name, data in scenario.inputs.items():
        ws = book[name]
        found = {
            (cell.row, cell.column): input_cell(
                cell.row, cell.column, cell.value, cell.data_type, cell.number_format
            )
            for cell in ws._cells.values()
            if cell.value is not None
        }
        wanted = {(r, c): (r, c, k, v, f) for r, c, k, v, f in data.cells}
        if not data.formulas:  # the workbook's own formulas stayed: compare the rest
            kept = _formula_cells(ws)
            found = {k: v for k, v in found.items() if k not in kept}
            wanted = {k: v for k, v in wanted.items() if k not in kept}
        for key in sorted(found.keys() | wanted.keys()):
            if found.get(key) != wanted.get(key):
                where = f"{name}!{get_column_letter(key[1])}{key[0]}"
                raise FileError(
                    f"restoring would have left {where} as {found.get(key)!r}, not "
                    f"{wanted.get(key)!r}; the original was left as it was"
                )
