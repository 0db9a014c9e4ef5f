"""`pmo doctor`: is everything this project needs installed and working here?

`diagnose()` returns one `Check` per requirement, each with the fix to apply when it fails;
`render()` turns them into text and `table()` into a rich Table for the terminal.
"""

from __future__ import annotations

import contextlib
import importlib
import platform
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from workbook.files.macros.xlwings_module import module_version
from workbook.headless.recalc import (
    INSTALL_HINT,
    LibreOffice,
    Recalculator,
    find_soffice,
    find_uno_python,
    libreoffice_version,
)

MIN_PYTHON = (3, 11)

# (import name, distribution name, why) for what `pmo` needs at run time.
RUNTIME_PACKAGES = (
    ("ortools", "ortools", "CP-SAT optimiser"),
    ("numpy", "numpy", "scoring arithmetic"),
    ("pandas", "pandas", "DataFrame views and CSV export"),
    ("openpyxl", "openpyxl", "reading and writing workbook files"),
    ("xlwings", "xlwings", "talking to a running Excel"),
    ("defusedxml", "defusedxml", "safe XML parsing of untrusted files"),
    ("xlsxwriter", "xlsxwriter", "building the template workbook"),
    ("rich", "rich", "terminal output"),
)
OPTIONAL_PACKAGES = (
    ("dask.distributed", "distributed", "only for --scheduler: batch and roll-up on Dask"),
    ("highspy", "highspy", "only for the benchmarks, HiGHS MIP comparison"),
)


@dataclass(frozen=True)
class Check:
    """One requirement: did it pass, what was found, and how to fix it if not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    optional: bool = False


def _python_check() -> Check:
    version = platform.python_version()
    ok = sys.version_info[:2] >= MIN_PYTHON
    needed = ".".join(map(str, MIN_PYTHON))
    return Check(
        "Python",
        ok,
        f"{version} ({sys.executable})",
        "" if ok else f"Install Python {needed} or newer and reinstall this package with it.",
    )


def package_check(module: str, dist: str, why: str, *, optional: bool = False) -> Check:
    """Can `module` be imported, and which version of `dist` is installed?"""
    fix = f"pip install {dist}"
    try:
        importlib.import_module(module)
    except Exception as exc:  # ImportError, or a broken install failing at import time
        state = "not installed" if isinstance(exc, ModuleNotFoundError) else f"broken: {exc}"
        return Check(dist, False, f"{state} ({why})", fix, optional)
    try:
        version = metadata.version(dist)
    except metadata.PackageNotFoundError:
        version = "version unknown"
    return Check(dist, True, f"{version} ({why})", "", optional)


FTS5_CHECK = "SQLite FTS5"


def fts5_check() -> Check:
    """Does this Python's sqlite3 have FTS5, which ranks the lessons learned?"""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as db:
            db.execute("CREATE VIRTUAL TABLE probe USING fts5(text)")
    except sqlite3.OperationalError as exc:
        return Check(
            FTS5_CHECK,
            False,
            f"SQLite {sqlite3.sqlite_version} without FTS5 ({exc}): lesson search cannot run",
            "use a Python whose sqlite3 has FTS5 (python.org, Debian and conda builds do)",
        )
    return Check(FTS5_CHECK, True, f"SQLite {sqlite3.sqlite_version} (lesson search)")


XLWINGS_CHECK = "xlwings version"


def xlwings_version_check(installed: str | None, module: str) -> Check:
    """Is the installed xlwings (None: not installed) the version of the workbook's VBA module?"""
    fix = f"pip install xlwings=={module}"
    if installed is None:
        return Check(
            XLWINGS_CHECK, False, f"xlwings is not installed; the workbook needs {module}", fix
        )
    if installed != module:
        return Check(
            XLWINGS_CHECK,
            False,
            f"installed {installed}, but the workbook's xlwings VBA module is {module} "
            "(Mac buttons and Windows worksheet functions need the same version)",
            fix,
        )
    return Check(XLWINGS_CHECK, True, f"{installed}, the version of the workbook's VBA module")


def _xlwings_check() -> Check:
    try:
        module = module_version()
    except (OSError, ValueError) as exc:
        return Check(
            XLWINGS_CHECK,
            False,
            f"cannot read the workbook's xlwings module: {exc}",
            "reinstall this package (pip install --force-reinstall .)",
        )
    try:
        installed: str | None = metadata.version("xlwings")
    except metadata.PackageNotFoundError:
        installed = None
    return xlwings_version_check(installed, module)


def _libreoffice_checks(smoke: bool) -> list[Check]:
    soffice = find_soffice()
    if soffice is None:
        return [
            Check(
                "LibreOffice",
                False,
                "soffice not found (needed to recalculate workbooks)",
                INSTALL_HINT,
            ),
        ]
    version = libreoffice_version(soffice) or "version unknown"
    checks = [Check("LibreOffice", True, f"{version} ({soffice})")]
    python = find_uno_python(soffice)
    if python is None:
        checks.append(
            Check("Python with uno", False, "no Python here can `import uno`", INSTALL_HINT)
        )
        return checks
    checks.append(Check("Python with uno", True, str(python)))
    if smoke:
        checks.append(smoke_test(LibreOffice(soffice, python)))
    return checks


def smoke_test(office: LibreOffice | None = None) -> Check:
    """Have LibreOffice really recalculate a tiny workbook and check the cached results."""
    import openpyxl

    name = "LibreOffice recalculation"
    with tempfile.TemporaryDirectory(prefix="pmo-doctor-") as folder:
        path = Path(folder) / "smoke.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append([2, 3])
        ws.append([4, 5])
        ws["C1"] = "=SUMPRODUCT(A1:A2,B1:B2)"
        ws["C2"] = '=IF(C1=26,"yes","no")'
        wb.save(path)
        try:
            with Recalculator(office=office, timeout=60) as calc:
                outcome = calc.recalc(path)
        except Exception as exc:
            return Check(name, False, f"could not start LibreOffice: {exc}", INSTALL_HINT)
        if not outcome.ok:
            return Check(name, False, outcome.error, INSTALL_HINT)
        ws = openpyxl.load_workbook(path, data_only=True).active
        got = (ws["C1"].value, ws["C2"].value)
    if got != (26, "yes"):
        return Check(name, False, f"wrong results {got!r}, expected (26, 'yes')", INSTALL_HINT)
    return Check(name, True, f"tiny workbook recalculated correctly in {outcome.seconds:.2f}s")


def diagnose(*, smoke: bool = False) -> list[Check]:
    """Every check, in display order; `smoke=True` adds a real LibreOffice run (seconds)."""
    checks = [_python_check()]
    checks += [package_check(m, d, why, optional=False) for m, d, why in RUNTIME_PACKAGES]
    checks.append(_xlwings_check())
    checks.append(fts5_check())
    checks += [package_check(m, d, why, optional=True) for m, d, why in OPTIONAL_PACKAGES]
    checks += _libreoffice_checks(smoke)
    return checks


def healthy(checks: list[Check]) -> bool:
    """True when every required check passed (missing optional extras are fine)."""
    return all(check.ok or check.optional for check in checks)


def _status(check: Check) -> str:
    if check.ok:
        return "ok"
    return "missing (optional)" if check.optional else "FAIL"


def render(checks: list[Check]) -> str:
    """Plain text, one line per check and an indented fix under each failure."""
    width = max((len(check.name) for check in checks), default=0)
    lines = []
    for check in checks:
        lines.append(f"{_status(check):<18} {check.name:<{width}}  {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"{'':<18} {'':<{width}}  fix: {check.fix}")
    return "\n".join(lines)


def table(checks: list[Check]) -> Table:
    """A rich Table of the checks, for `pmo doctor` in a terminal."""
    out = Table(title="pmo doctor")
    out.add_column("Check")
    out.add_column("Status")
    out.add_column("Detail")
    out.add_column("Fix")
    for check in checks:
        style = "green" if check.ok else ("yellow" if check.optional else "bold red")
        out.add_row(
            escape(check.name),
            f"[{style}]{_status(check)}[/]",
            escape(check.detail),
            escape(check.fix),
        )
    return out
