"""LibreOffice worker: recalculates workbooks in a running soffice over UNO.

Runs under a Python that can `import uno` (on Debian the system /usr/bin/python3 with
python3-uno), never under the project's interpreter, so it imports nothing from the project.
`workbook.headless.recalc.Recalculator` starts it and talks to it one JSON object per line:

    started           -> {"ready": true}              (or {"ready": false, "error": ...})
    {"path", "out"}   -> {"ok": true, "seconds": s, "formulas": n, "numbers": {...}}
                         or {"ok": false, "error": "..."}
    {"quit": true}    -> soffice is asked to terminate; the worker exits

`out` receives LibreOffice's own .xlsx export of the recalculated workbook (values with
their types); `numbers` carries the formula results that are numbers at full double
precision, {sheet name: [[row, column, value], ...]} zero-based, because LibreOffice 7.4
writes only 15 significant digits into the file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from types import ModuleType
from typing import Any

# `uno` and `com.sun.star` exist only in LibreOffice's Python (pyuno), not in the project's
# environment, and have no type stubs: their imports are marked `type: ignore` and UNO objects
# are typed `Any` (`unused-ignore` keeps the marks quiet where mypy ignores missing imports).

# com.sun.star.sheet.CellFlags.FORMULA
_FORMULA_CELLS = 16
_LOAD_FILTERS = {".xlsx": "Calc MS Excel 2007 XML", ".xlsm": "Calc MS Excel 2007 VBA XML"}
_EXPORT_FILTER = "Calc MS Excel 2007 XML"


class ConnectionLost(Exception):
    """soffice went away mid-request; the parent restarts it."""


def _props(**values: Any) -> tuple[Any, ...]:
    from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found, unused-ignore]

    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name = name
        prop.Value = value
        out.append(prop)
    return tuple(out)


def _connect(uno: ModuleType, connection: str, deadline: float) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found, unused-ignore]

    while True:
        try:
            ctx = resolver.resolve(f"uno:{connection};StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _message(exc: BaseException) -> str:
    text = getattr(exc, "Message", None) or str(exc) or ""
    return f"{type(exc).__name__}: {text.strip()}" if text.strip() else type(exc).__name__


def _raise_if_connection_lost(exc: Exception, disposed: type) -> None:
    # IllegalArgumentException (a bad file) is also a UNO RuntimeException: tell them apart
    # by the bridge's own wording.
    if isinstance(exc, disposed) or "disposed" in _message(exc).lower():
        raise ConnectionLost(_message(exc)) from exc


def _formula_numbers(doc: Any) -> tuple[int, dict[str, list[list[float]]]]:
    """Count formula cells and fetch their numeric results, a block at a time."""
    count = 0
    numbers: dict[str, list[list[float]]] = {}
    sheets = doc.Sheets
    for index in range(sheets.Count):
        sheet = sheets.getByIndex(index)
        cells: list[list[float]] = []
        for area in sheet.queryContentCells(_FORMULA_CELLS).getRangeAddresses():
            block = sheet.getCellRangeByPosition(
                area.StartColumn, area.StartRow, area.EndColumn, area.EndRow
            ).getDataArray()
            for r, row in enumerate(block):
                for c, value in enumerate(row):
                    count += 1
                    if isinstance(value, float):
                        cells.append([area.StartRow + r, area.StartColumn + c, value])
        if cells:
            numbers[sheet.Name] = cells
    return count, numbers


def _recalculate(uno: ModuleType, desktop: Any, path: str, out: str) -> dict[str, object]:
    from com.sun.star.lang import DisposedException  # type: ignore[import-not-found, unused-ignore]

    # NEVER_EXECUTE and NO_UPDATE are 0 in com.sun.star.document.{MacroExecMode,UpdateDocMode}.
    never_execute = uno.getConstantByName("com.sun.star.document.MacroExecMode.NEVER_EXECUTE")
    no_update = uno.getConstantByName("com.sun.star.document.UpdateDocMode.NO_UPDATE")
    extension = os.path.splitext(path)[1].lower()
    start = time.monotonic()
    try:
        # ReadOnly: no lock file appears next to the user's workbook.
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(path),
            "_blank",
            0,
            _props(
                Hidden=True,
                ReadOnly=True,
                MacroExecutionMode=never_execute,
                UpdateDocMode=no_update,
                FilterName=_LOAD_FILTERS.get(extension, _EXPORT_FILTER),
            ),
        )
    except Exception as exc:
        _raise_if_connection_lost(exc, DisposedException)
        return {"ok": False, "error": f"LibreOffice could not open the file ({_message(exc)})"}
    if doc is None:
        return {"ok": False, "error": "LibreOffice could not open the file (not a workbook?)"}
    try:
        if not doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
            return {"ok": False, "error": "LibreOffice did not open the file as a spreadsheet"}
        doc.calculateAll()
        formulas, numbers = _formula_numbers(doc)
        doc.storeToURL(
            uno.systemPathToFileUrl(out), _props(FilterName=_EXPORT_FILTER, Overwrite=True)
        )
    except Exception as exc:
        _raise_if_connection_lost(exc, DisposedException)
        return {"ok": False, "error": f"LibreOffice failed on the file ({_message(exc)})"}
    finally:
        with contextlib.suppress(Exception):
            doc.close(True)
    seconds = round(time.monotonic() - start, 4)
    return {"ok": True, "seconds": seconds, "formulas": formulas, "numbers": numbers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connect", required=True, help='e.g. "pipe,name=x;urp"')
    parser.add_argument("--start-timeout", type=float, default=60.0)
    args = parser.parse_args()

    # The protocol owns the real stdout; anything else printing goes to stderr.
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)

    def send(obj: dict[str, object]) -> None:
        channel.write(json.dumps(obj) + "\n")
        channel.flush()

    try:
        import uno  # type: ignore[import-not-found, unused-ignore]

        desktop = _connect(uno, args.connect, time.monotonic() + args.start_timeout)
    except Exception as exc:
        send({"ready": False, "error": f"cannot reach LibreOffice ({_message(exc)})"})
        os._exit(2)
    send({"ready": True})

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError:
            send({"ok": False, "error": "bad request line"})
            continue
        if request.get("quit"):
            with contextlib.suppress(Exception):
                desktop.terminate()
            break
        try:
            send(_recalculate(uno, desktop, request["path"], request["out"]))
        except ConnectionLost as exc:
            send({"ok": False, "restart": True, "error": f"LibreOffice stopped responding ({exc})"})
            os._exit(3)
        except Exception as exc:
            send({"ok": False, "error": f"LibreOffice worker failed ({_message(exc)})"})
    channel.flush()
    # Skip interpreter teardown: pyuno can crash while tearing down a finished bridge.
    os._exit(0)


if __name__ == "__main__":
    main()
