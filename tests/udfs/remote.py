"""A real xlwings Book without Excel: xlwings' remote engine, fed from a workbook file.

`payload_from_file` reads a .xlsm with openpyxl into the JSON that xlwings' Office.js client
sends (values from A1, Excel Tables with their addresses). `replay` applies the actions the
Book records (`book.json()`) to that payload the way Excel would apply them, so a test can
read the sheets afterwards, or open the result as the next Book.

The remote engine is xlwings PRO code: tests unlock it with the noncommercial key, set in
the test process only (`use_remote_engine`); the product never needs it.
"""

from __future__ import annotations

import copy
import os
from datetime import date, datetime
from pathlib import Path

import openpyxl
import xlwings as xw
from openpyxl.utils.cell import get_column_letter, range_boundaries

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "workbook" / "PMO_Portfolio.xlsm"
LICENCE_ENV = "XLWINGS_LICENSE_KEY"


def use_remote_engine(monkeypatch) -> None:
    """Unlock xlwings' remote engine for this test only."""
    monkeypatch.setenv(LICENCE_ENV, "noncommercial")


def _js(value):
    """A cell value as Office.js sends it: blanks "", dates as ISO text with Z."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00.000Z"
    return value


def _address(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    return f"${get_column_letter(first_col)}${first_row}:${get_column_letter(last_col)}${last_row}"


def _table_json(name: str, ref: str, totals: int = 0) -> dict:
    c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
    body_last = r2 - totals
    return {
        "name": name,
        "range_address": _address(r1, c1, r2, c2),
        "header_row_range_address": _address(r1, c1, r1, c2),
        "data_body_range_address": _address(r1 + 1, c1, body_last, c2) if body_last > r1 else None,
        "total_row_range_address": _address(r2, c1, r2, c2) if totals else None,
        "show_headers": True,
        "show_totals": bool(totals),
        "table_style": "TableStyleMedium2",
        "show_autofilter": True,
    }


def payload_from_file(path: Path = SAMPLE, *, active: str = "Start", selection: str = "A1") -> dict:
    """The Office.js payload of a workbook file: the values Excel last saved, and its tables."""
    book = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in book.worksheets:
        values = [[_js(v) for v in row] for row in ws.iter_rows(values_only=True)]
        tables = [
            _table_json(t.displayName, t.ref, t.totalsRowCount or 0) for t in ws.tables.values()
        ]
        sheets.append(
            {"name": ws.title, "values": values or [[""]], "pictures": [], "tables": tables}
        )
    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {
            "name": path.name,
            "active_sheet_index": book.sheetnames.index(active),
            "selection": selection,
        },
        "names": [],
        "sheets": sheets,
    }


def open_book(payload: dict) -> xw.Book:
    """A real xlwings Book on the remote engine (needs `use_remote_engine`).

    `xw.Book(json=...)` works when the key was set before xlwings was first imported; in a
    test run xlwings is usually imported earlier, so the Book is opened as xlwings' own tests
    open it, through the remote engine's module (which checks the key when imported).
    """
    assert os.environ.get(LICENCE_ENV), "call use_remote_engine(monkeypatch) first"
    payload = copy.deepcopy(payload)
    if xw.__pro__:
        return xw.Book(json=payload)
    from xlwings.pro import _xlremote

    return xw.Book(impl=_xlremote.App(_xlremote.Apps(), add_book=False).books.open(payload))


def _text(value):
    # Excel keeps text given with a leading apostrophe as text, without the apostrophe.
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def _grid(sheet: dict) -> dict[tuple[int, int], object]:
    return {
        (r, c): v
        for r, row in enumerate(sheet["values"], start=1)
        for c, v in enumerate(row, start=1)
        if v != "" and v is not None
    }


def replay(payload: dict, actions: list[dict]) -> tuple[dict, dict[str, dict]]:
    """Apply recorded actions as Excel would; returns the new payload and number formats.

    Handles what the entry points emit (values, clearing, number formats, table resize, new
    sheets, activation, alerts) and fails loudly on anything else.
    """
    payload = copy.deepcopy(payload)
    sheets = payload["sheets"]
    cells = [_grid(s) for s in sheets]
    formats: list[dict[tuple[int, int], str]] = [{} for _ in sheets]
    for action in actions:
        func = action["func"]
        position = action["sheet_position"]
        top, left = (action["start_row"] or 0) + 1, (action["start_column"] or 0) + 1
        box = [
            (r, c)
            for r in range(top, top + (action["row_count"] or 0))
            for c in range(left, left + (action["column_count"] or 0))
        ]
        if func == "setValues":
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    key = (top + i, left + j)
                    if value in ("", None):
                        cells[position].pop(key, None)
                    else:
                        cells[position][key] = _text(value)
        elif func == "rangeClearContents":
            for key in box:
                cells[position].pop(key, None)
        elif func == "setNumberFormat":
            for key in box:
                formats[position][key] = action["args"][0]
        elif func == "resizeTable":
            index, address = action["args"]
            table = sheets[position]["tables"][index]
            table.update(_table_json(table["name"], address))
        elif func == "addSheet":
            index, name = action["args"]
            sheets.insert(index, {"name": name, "values": [[""]], "pictures": [], "tables": []})
            cells.insert(index, {})
            formats.insert(index, {})
        elif func == "activateSheet":
            payload["book"]["active_sheet_index"] = action["args"][0]
        elif func == "alert":
            payload.setdefault("alerts", []).append(action["args"][0])
        else:
            raise AssertionError(f"replay does not know the action {func}")
    for sheet, grid in zip(sheets, cells, strict=True):
        rows = max((r for r, _ in grid), default=1)
        columns = max((c for _, c in grid), default=1)
        sheet["values"] = [
            [grid.get((r, c), "") for c in range(1, columns + 1)] for r in range(1, rows + 1)
        ]
    return payload, {s["name"]: f for s, f in zip(sheets, formats, strict=True)}


def sheet_cells(payload: dict, name: str) -> dict[tuple[int, int], object]:
    """{(row, column): value} of the non-blank cells of one sheet of a payload."""
    sheet = next(s for s in payload["sheets"] if s["name"] == name)
    return {
        key: (
            datetime.fromisoformat(v[:-1])
            if isinstance(v, str) and v.endswith("Z") and v[:4].isdigit() and "T" in v
            else v
        )
        for key, v in _grid(sheet).items()
    }


def table_ref(payload: dict, sheet: str, table: str) -> str:
    """`A3:K48` of a table in a payload."""
    found = next(s for s in payload["sheets"] if s["name"] == sheet)
    for item in found["tables"]:
        if item["name"] == table:
            return item["range_address"].replace("$", "")
    raise KeyError(table)
