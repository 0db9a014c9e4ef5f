"""`pmo recalc`: fresh cached values in place or into a folder, a clear line per failure."""

from __future__ import annotations

import openpyxl
import pytest

from bench.generate import generate_portfolio
from engine.scoring import weighted_score
from tests.workbook._books import sha
from workbook.cli import main
from workbook.files.reader import read_workbook
from workbook.files.template import HEADER_ROW, SCORING_HEADER_ROW, build_workbook


def scores(path):
    """Weighted score per project ID as cached in the Scoring sheet, and as the engine says."""
    ws = openpyxl.load_workbook(path, data_only=True)["Scoring"]
    header = [c.value for c in ws[SCORING_HEADER_ROW + 1]]
    column = header.index("Weighted score")
    cached = {
        row[0]: row[column]
        for row in ws.iter_rows(min_row=SCORING_HEADER_ROW + 2, values_only=True)
        if row[0]
    }
    portfolio = read_workbook(path).portfolio
    engine = {p.id: weighted_score(p.scores, portfolio.criteria) for p in portfolio.projects}
    return cached, engine


def formula_cells(path) -> int:
    book = openpyxl.load_workbook(path)
    return sum(
        cell.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for cell in row
    )


@pytest.mark.libreoffice
def test_recalc_into_a_folder(tmp_path, libreoffice, capsys):
    books = [
        build_workbook(tmp_path / "in" / f"B{i}.xlsm", generate_portfolio(12, seed=i))
        for i in range(2)
    ]
    before = [sha(b) for b in books]
    cached, engine = scores(books[0])
    assert set(cached.values()) == {0}  # XlsxWriter's placeholder: stale until recalculated

    assert main(["recalc", str(tmp_path / "in"), "--out-dir", str(tmp_path / "out")]) == 0

    assert [sha(b) for b in books] == before
    for book in books:
        cached, engine = scores(tmp_path / "out" / book.name)
        assert cached == pytest.approx(engine, abs=1e-9)
    out = capsys.readouterr().out
    assert f"B0.xlsm: {formula_cells(books[0])} formula values refreshed in" in out


@pytest.mark.libreoffice
def test_recalc_in_place_with_a_line_per_failure(tmp_path, libreoffice, capsys):
    good = build_workbook(tmp_path / "good.xlsm", generate_portfolio(12, seed=3))
    locked = build_workbook(tmp_path / "locked.xlsm", generate_portfolio(12, seed=4))
    (tmp_path / "~$locked.xlsm").write_bytes(b"owner")
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"not a zip at all")
    before = {p: sha(p) for p in (good, locked, corrupt)}

    assert main(["recalc", str(tmp_path)]) == 3

    lines = capsys.readouterr().out.splitlines()
    assert (
        "locked.xlsm: FAILED: open in Excel (lock file ~$locked.xlsm found); close it in "
        "Excel and run again"
    ) in lines
    assert any(
        line.startswith(
            "corrupt.xlsx: FAILED: corrupt.xlsx: not a valid .xlsx/.xlsm file (not a zip archive"
        )
        for line in lines
    ), lines
    assert "2 of 3 workbook(s) could not be recalculated." in lines
    assert sha(locked) == before[locked] and sha(corrupt) == before[corrupt]
    assert sha(good) != before[good]
    cached, engine = scores(good)
    assert cached == pytest.approx(engine, abs=1e-9)
    intake = openpyxl.load_workbook(good, data_only=True)["Intake"]
    column = [c.value for c in intake[HEADER_ROW + 1]].index("Score")
    first = next(intake.iter_rows(min_row=HEADER_ROW + 2, values_only=True))
    assert first[column] == pytest.approx(engine[first[0]])
