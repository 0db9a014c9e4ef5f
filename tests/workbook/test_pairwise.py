"""The Pairwise sheet (Settings "Weights from: Pairwise"): AHP weights feed the criteria, an
inconsistent judgement is named with the value that would fix it; and the Scorecard view."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest

from engine.scoring import ahp, weighted_score
from tests.workbook._books import copy_book, edit
from workbook.book import schema
from workbook.book.sample import CRITERIA, PAIRWISE
from workbook.cli import main
from workbook.files.reader import read_workbook

WEIGHTS_FROM_ROW = (
    schema.SETTINGS_SHEET.header_row + 1 + [s.field for s in schema.SETTINGS].index("weights_from")
)


def sample_matrix():
    n = len(CRITERIA)
    matrix = [[1.0] * n for _ in range(n)]
    for i, upper in enumerate(PAIRWISE):
        for k, value in enumerate(upper):
            matrix[i][i + 1 + k], matrix[i + 1 + k][i] = value, 1 / value
    return matrix


def use_pairwise(book):
    return edit(book, {("Settings", f"B{WEIGHTS_FROM_ROW}"): "Pairwise"})


def test_weights_come_from_the_judgements(tmp_path):
    book = use_pairwise(copy_book(tmp_path))
    read = read_workbook(book)
    assert read.messages() == []
    expected = ahp(sample_matrix()).weights
    assert [c.weight for c in read.portfolio.criteria] == pytest.approx(
        [100 * w for w in expected], abs=1e-5
    )
    # with "Criteria" the Criteria sheet's own weights are used
    (tmp_path / "plain").mkdir()
    plain = read_workbook(copy_book(tmp_path / "plain"))
    assert [c.weight for c in plain.portfolio.criteria] == [c.weight for c in CRITERIA]


def test_an_inconsistent_judgement_is_named_with_its_fix(tmp_path):
    book = use_pairwise(copy_book(tmp_path))
    header = schema.PAIRWISE.header_row
    # Customer impact against Capability building: 1/7 instead of 3
    edit(book, {("Pairwise", f"E{header + 2}"): 1 / 7})
    messages = [str(m) for m in read_workbook(book).messages()]
    assert len(messages) == 1
    text = messages[0]
    assert text.startswith(f"Pairwise!E{header + 2}: the judgements are inconsistent")
    assert '"Customer impact" against "Capability building" (1/7)' in text
    found = re.search(r"about (1/\d|\d) \(exactly (\d+\.\d\d)\)", text)
    assert found
    # the value named does make the judgements more consistent
    matrix = sample_matrix()
    matrix[1][3], matrix[3][1] = 1 / 7, 7.0
    fixed = [row[:] for row in matrix]
    exact = float(found.group(2))
    fixed[1][3], fixed[3][1] = exact, 1 / exact
    assert ahp(fixed).consistency_ratio < ahp(matrix).consistency_ratio


def test_a_missing_judgement_is_an_error_in_its_cell(tmp_path, capsys):
    book = use_pairwise(copy_book(tmp_path))
    header = schema.PAIRWISE.header_row
    edit(book, {("Pairwise", f"D{header + 1}"): "lots"})
    assert main(["validate", str(book)]) == 1
    out = capsys.readouterr().out
    assert f"Pairwise!D{header + 1}: " in out and "a judgement from 1/9 to 9" in out


def test_the_scorecard_splits_the_score_by_perspective(tmp_path):
    book = copy_book(tmp_path)
    out = tmp_path / "r.json"
    assert main(["optimise", str(book), "--time-limit", "3", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    portfolio = read_workbook(book).portfolio
    wb = openpyxl.load_workbook(book, read_only=True)
    header = schema.SCORECARD.header_row
    rows = [r for r in wb["Scorecard"].iter_rows(min_row=header + 1, values_only=True) if r[0]]
    wb.close()
    assert len(rows) == 8  # four perspectives, selected and deferred
    chosen = {p["id"] for p in result["projects"] if p["selected"]}
    # the parts add up to the selected projects' full weighted scores
    full = {p.id: weighted_score(p.scores, portfolio.criteria) for p in portfolio.projects}
    selected_score = sum(r[2] for r in rows if r[1] == "Selected")
    assert selected_score == pytest.approx(sum(full[pid] for pid in chosen), abs=0.01)
    assert sum(r[3] for r in rows if r[1] == "Selected") == len(chosen)
    in_play = [p for p in portfolio.projects if not p.out_of_play]
    assert sum(r[3] for r in rows) == len(in_play)
