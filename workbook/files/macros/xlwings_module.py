"""The xlwings VBA module the workbook carries (`vba/xlwings.bas`), and which xlwings it is from.

The module is xlwings' standalone module, copied from the xlwings package. Python must have
the same xlwings version: on a Mac `RunPython` calls the AppleScript of exactly that version,
and `pyproject.toml` pins `xlwings==` to it. `pmo doctor` compares the two.
"""

from __future__ import annotations

import re
from pathlib import Path

from workbook.files.macros.vbaproject import VBA_DIR

MODULE_PATH = VBA_DIR / "xlwings.bas"
_VERSION = re.compile(r'^Public Const XLWINGS_VERSION As String = "([^"\r\n]+)"', re.MULTILINE)


def module_version(path: Path = MODULE_PATH) -> str:
    """The xlwings version the module came from (its `XLWINGS_VERSION` constant), e.g. "0.37.8".

    OSError when the file cannot be read, ValueError when it has no such constant.
    """
    text = path.read_bytes().decode("cp1252")
    found = _VERSION.search(text)
    if found is None:
        raise ValueError(f"{path.name} has no XLWINGS_VERSION constant; is it xlwings' module?")
    return found.group(1)
