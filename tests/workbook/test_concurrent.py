"""Two runs on one book at once: one refuses with a clear message, no update is lost.

Each successful write-back appends one row to the Run log, so the rows in the final book
count the runs whose results it holds: a lost update (a run overwriting another it never
read) shows as fewer rows than runs that said they wrote. (Excel holding the book is the
lock-file case in test_malformed.py: the CLI refuses it.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.workbook._books import copy_book, sha
from workbook.files.atomic import TEMP_PREFIX, backup_path
from workbook.files.reader import read_workbook

ROOT = Path(__file__).parents[2]
CHANGED = "changed since it was read (someone saved it); nothing was written, run again"


def _run_log_rows(book: Path) -> int:
    sheet = openpyxl.load_workbook(book, read_only=True)["Run log"]
    sheet.reset_dimensions()
    return sum(1 for row in sheet.iter_rows(min_row=4, values_only=True) if row and row[0])


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "workbook.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _no_temps(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


@pytest.mark.parametrize("round_", [1, 2])
def test_two_cli_runs_at_once_one_refuses_nothing_lost(tmp_path, round_):
    book = copy_book(tmp_path)
    before, rows = sha(book), _run_log_rows(book)
    runs = [_start("optimise", str(book), "--time-limit", "3") for _ in range(2)]
    done = [(run.wait(timeout=300), *run.communicate()) for run in runs]
    codes = sorted(code for code, _out, _err in done)
    # both read the same book while the other solved: the second to save must refuse. (Had
    # one finished before the other even read the book, both would rightly have written.)
    assert codes in ([0, 3], [0, 0]), done
    for code, _out, err in done:
        if code == 3:
            assert f"File error: Book.xlsm {CHANGED}" in err.replace("\n", " ")
    writers = codes.count(0)
    assert _run_log_rows(book) == rows + writers  # no write lost
    assert writers == 2 or sha(backup_path(book)) == before
    assert read_workbook(book).errors == []
    assert _no_temps(tmp_path)


@pytest.mark.libreoffice
def test_a_cli_run_and_a_batch_in_place_at_once_lose_nothing(tmp_path, libreoffice):
    book = copy_book(tmp_path)
    before, rows = sha(book), _run_log_rows(book)
    report = tmp_path / "report" / "r.json"
    batch = _start(
        "batch", str(book), "--in-place", "--time-limit", "3", "--jobs", "1",
        "--json", str(report),
    )  # fmt: skip
    cli = _start("optimise", str(book), "--time-limit", "3")
    cli_code, _cli_out, cli_err = cli.wait(timeout=300), *cli.communicate()
    batch_code = batch.wait(timeout=300)
    batch.communicate()
    row = json.loads(report.read_text())["books"][0]
    assert cli_code in (0, 3), cli_err
    if cli_code == 3:
        assert CHANGED in cli_err.replace("\n", " ")
    batch_wrote = bool(row["output"])  # the report names the output only when a plan was written
    assert row["status"] == "ok" or CHANGED in row["message"], row
    writers = (cli_code == 0) + batch_wrote
    assert writers >= 1 and batch_code in (0, 1)
    assert _run_log_rows(book) == rows + writers  # every write that was reported is in the book
    assert read_workbook(book).errors == []
    assert sha(backup_path(book)) != sha(book)
    assert writers == 2 or sha(backup_path(book)) == before
    assert _no_temps(tmp_path)
