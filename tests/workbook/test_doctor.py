"""`pmo doctor` checks."""

from __future__ import annotations

import pytest
from rich.console import Console

from workbook import doctor
from workbook.doctor import Check, diagnose, healthy, package_check, render, smoke_test, table
from workbook.headless.recalc import INSTALL_HINT, LibreOffice


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
