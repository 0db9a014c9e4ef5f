"""`pmo doctor` checks."""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from rich.console import Console

from workbook import doctor
from workbook.doctor import (
    XLWINGS_CHECK,
    Check,
    diagnose,
    healthy,
    package_check,
    render,
    smoke_test,
    table,
    xlwings_version_check,
)
from workbook.files.macros.xlwings_module import MODULE_PATH, module_version
from workbook.headless.recalc import INSTALL_HINT, LibreOffice

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def test_diagnose_covers_python_packages_and_libreoffice() -> None:
    checks = diagnose()
    names = [check.name for check in checks]

    assert names[0] == "Python"
    for _, dist, _ in doctor.RUNTIME_PACKAGES + doctor.OPTIONAL_PACKAGES:
        assert dist in names
    assert "LibreOffice" in names
    assert "LibreOffice recalculation" not in names  # only with smoke=True
    assert all(check.fix for check in checks if not check.ok)
    # This project's own test run needs every runtime package.
    runtime = {dist for _, dist, _ in doctor.RUNTIME_PACKAGES}
    assert all(check.ok for check in checks if check.name in runtime)
    ortools = next(check for check in checks if check.name == "ortools")
    assert ortools.detail.startswith("9.")
    fts5 = next(check for check in checks if check.name == doctor.FTS5_CHECK)
    assert fts5.ok, fts5.detail  # lesson search ranks with it


def test_missing_package_is_reported_with_the_fix() -> None:
    check = package_check("no_such_module_pmo", "no-such-dist-pmo", "testing", optional=True)

    assert not check.ok and check.optional
    assert "not installed" in check.detail
    assert check.fix == "pip install no-such-dist-pmo"
    assert healthy([check])
    assert not healthy([Check("x", False, "gone", "fix it")])


def test_missing_libreoffice_points_at_the_install_command(monkeypatch) -> None:
    monkeypatch.setattr(doctor, "find_soffice", lambda: None)

    checks = diagnose(smoke=True)

    office = next(check for check in checks if check.name == "LibreOffice")
    assert not office.ok
    assert office.fix == INSTALL_HINT
    assert "libreoffice-calc-nogui python3-uno" in office.fix
    assert not healthy(checks)


def test_render_and_table_show_failures_and_fixes() -> None:
    checks = [
        Check("Python", True, "3.11.7"),
        Check("LibreOffice", False, "soffice not found", INSTALL_HINT),
        Check("highspy", False, "not installed [bench]", "pip install highspy", optional=True),
    ]

    text = render(checks)

    assert text.splitlines()[0].startswith("ok")
    assert "FAIL" in text and f"fix: {INSTALL_HINT}" in text
    assert "missing (optional)" in text
    console = Console(width=200, record=True)
    console.print(table(checks))
    shown = console.export_text()
    assert "soffice not found" in shown and "not installed [bench]" in shown


@pytest.mark.libreoffice
def test_smoke_test_really_recalculates(libreoffice: LibreOffice) -> None:
    check = smoke_test(libreoffice)

    assert check.ok, check.detail
    assert check.name == "LibreOffice recalculation"


# --- xlwings: the installed package and the workbook's VBA module ----------------------------


def test_module_version_is_read_from_the_bas_file(tmp_path) -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", module_version())
    assert f'"{module_version()}"' in MODULE_PATH.read_text(encoding="cp1252")
    other = tmp_path / "xlwings.bas"
    other.write_bytes(
        b'Attribute VB_Name = "xlwings"\r\nPublic Const XLWINGS_VERSION As String = "9.9.9"\r\n'
    )
    assert module_version(other) == "9.9.9"
    other.write_bytes(b'Attribute VB_Name = "xlwings"\r\n')
    with pytest.raises(ValueError, match="no XLWINGS_VERSION"):
        module_version(other)


def test_installed_xlwings_is_the_version_of_the_workbook_module() -> None:
    """Skips on a developer's machine with another xlwings; on CI (CI=true) a drift fails."""
    installed = metadata.version("xlwings")
    module = module_version()
    if installed != module:
        message = (
            f"installed xlwings {installed} differs from the workbook's VBA module {module}: "
            f"pip install xlwings=={module}, or copy the new xlwings.bas into the workbook"
        )
        if on_ci():
            pytest.fail(f"{message}; CI must match.", pytrace=False)
        pytest.skip(message)
    check = next(c for c in diagnose() if c.name == XLWINGS_CHECK)
    assert check.ok, check.detail


def test_pyproject_pins_xlwings_to_the_module_version() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = [d.replace(" ", "") for d in dependencies if re.match(r"xlwings\b", d)]
    assert pins == [f"xlwings=={module_version()}"]


def test_doctor_reports_an_xlwings_drift_with_the_fix() -> None:
    drift = xlwings_version_check("0.38.1", "0.37.8")

    assert not drift.ok and not drift.optional
    assert "0.38.1" in drift.detail and "0.37.8" in drift.detail
    assert drift.fix == "pip install xlwings==0.37.8"
    assert not healthy([drift])
    assert "fix: pip install xlwings==0.37.8" in render([drift])

    missing = xlwings_version_check(None, "0.37.8")
    assert not missing.ok and missing.fix == "pip install xlwings==0.37.8"
    assert xlwings_version_check("0.37.8", "0.37.8").ok


def test_diagnose_reports_a_drift_of_the_installed_xlwings(monkeypatch) -> None:
    real = metadata.version
    monkeypatch.setattr(
        doctor.metadata, "version", lambda dist: "0.1.0" if dist == "xlwings" else real(dist)
    )

    check = next(c for c in diagnose() if c.name == XLWINGS_CHECK)

    assert not check.ok
    assert check.fix == f"pip install xlwings=={module_version()}"
