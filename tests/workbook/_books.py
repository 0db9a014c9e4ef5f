"""Workbooks for the workbook tests: the sample template built once, copies and edits."""

from __future__ import annotations

import functools
import hashlib
import shutil
import tempfile
import zipfile
from pathlib import Path

import openpyxl

from workbook.files.macros.ribbon import ensure_ribbon_relationship
from workbook.files.template import build_workbook


@functools.cache
def template() -> Path:
    """The sample workbook, built once per test run (read-only: copy it before changing)."""
    folder = Path(tempfile.mkdtemp(prefix="pmo-template-"))
    return build_workbook(folder / "PMO_Portfolio.xlsm")


def copy_book(folder: Path, name: str = "Book.xlsm") -> Path:
    """A fresh copy of the sample workbook in `folder`."""
    target = folder / name
    shutil.copyfile(template(), target)
    return target


def edit(path: Path, changes: dict[tuple[str, str], object]) -> Path:
    """Set cells {(sheet, "A1"): value} with openpyxl, keeping the macros; text stays text."""
    book = openpyxl.load_workbook(path, keep_vba=True)
    for (sheet, ref), value in changes.items():
        cell = book[sheet][ref]
        cell.value = value
        if isinstance(value, str) and value.startswith(("=", "@")):
            cell.data_type = "s"
            cell.quotePrefix = True
    book.save(path)
    ensure_ribbon_relationship(path)  # openpyxl drops it
    return path


def sha(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rewrite_part(path: Path, part: str, change) -> Path:
    """Rewrite one zip member with `change(bytes) -> bytes`, keeping the others."""
    temp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            out.writestr(info, change(data) if info.filename == part else data)
    temp.replace(path)
    return path


def sheet_part(path: Path, sheet: str) -> str:
    """The zip member name of a worksheet."""
    book = openpyxl.load_workbook(path, read_only=True)
    index = book.sheetnames.index(sheet) + 1
    book.close()
    return f"xl/worksheets/sheet{index}.xml"
