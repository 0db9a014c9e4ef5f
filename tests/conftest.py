"""Shared fixtures."""

from __future__ import annotations

import os

import pytest

from workbook.headless.recalc import INSTALL_HINT, LibreOffice, find_libreoffice


def requires_libreoffice() -> LibreOffice:
    """LibreOffice with a uno-capable Python, or skip; on CI (env CI=true) fail instead."""
    office = find_libreoffice()
    if office is None:
        message = f"LibreOffice headless with python3-uno is not installed ({INSTALL_HINT})"
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"{message}; CI must have it.", pytrace=False)
        pytest.skip(message)
    return office


@pytest.fixture(scope="session")
def libreoffice() -> LibreOffice:
    """Where LibreOffice is; see `requires_libreoffice` for the skip/fail rule."""
    return requires_libreoffice()


@pytest.fixture(scope="session")
def poppler() -> str:
    """pdftoppm and pdfinfo, to look at what LibreOffice renders; skip without them, fail on
    CI (setup.sh --test installs them)."""
    import shutil

    from workbook.headless.render import POPPLER_HINT

    found = shutil.which("pdftoppm")
    if found is None or shutil.which("pdfinfo") is None:
        message = f"poppler's pdftoppm / pdfinfo are not installed ({POPPLER_HINT})"
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"{message}; CI must have them.", pytrace=False)
        pytest.skip(message)
    return found
