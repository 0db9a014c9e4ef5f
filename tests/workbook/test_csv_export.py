"""CSV export: one UTF-8 file per frame, no index, months as YYYY-MM, written whole."""

from __future__ import annotations

import csv
from dataclasses import replace

import pandas as pd
import pytest

from engine.errors import FileError
from engine.frames import SELECTED, portfolio_frames, result_frames
from engine.greedy import greedy
from engine.result import SolveStatus
from workbook.book.sample import sample_portfolio
from workbook.files.csv_export import INPUT_PREFIX, write_csv


@pytest.fixture(scope="module")
def planned():
    portfolio = sample_portfolio()
    first = portfolio.projects[0]
    portfolio = replace(
        portfolio,
        projects=(replace(first, name="Zürich façade, phase 2"), *portfolio.projects[1:]),
        balance=(),  # the waterline knows no balance rules
    )
    result = greedy(portfolio)
    assert result.status is SolveStatus.FEASIBLE
    return portfolio, result


def test_every_frame_becomes_a_csv_file_in_a_new_folder(tmp_path, planned) -> None:
    portfolio, result = planned
    folder = tmp_path / "out" / "csv"

    written = write_csv(portfolio, result, folder)

    expected = list(result_frames(portfolio, result)) + [
        INPUT_PREFIX + name for name in portfolio_frames(portfolio)
    ]
    assert [p.name for p in written] == [f"{name}.csv" for name in expected]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in written)
    for path in written:
        assert path.parent == folder
    frames = result_frames(portfolio, result)
    plan = pd.read_csv(folder / "projects.csv", encoding="utf-8")
    assert list(plan.columns) == list(frames["projects"].columns)  # no index column
    assert len(plan) == len(portfolio.projects)
    assert (plan["decision"] == SELECTED).sum() == len(result.selected)
    summary = pd.read_csv(folder / "summary.csv")
    assert len(summary) == 1 and summary.loc[0, "status"] == "feasible"
    utilisation = pd.read_csv(folder / "utilisation.csv")
    assert utilisation["demand_fte"].sum() == pytest.approx(
        sum(cell.demand for cell in result.utilisation)
    )
    demands = pd.read_csv(folder / "input_demands.csv")
    assert len(demands) == len(portfolio.demands)


def test_text_is_utf8_and_months_are_year_month(tmp_path, planned) -> None:
    portfolio, result = planned
    write_csv(portfolio, result, tmp_path)

    raw = (tmp_path / "projects.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # plain UTF-8, no byte order mark
    with (tmp_path / "projects.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["name"] == "Zürich façade, phase 2"
    chosen = [row for row in rows if row["decision"] == SELECTED]
    assert chosen and all(len(row["start"]) == 7 and row["start"][4] == "-" for row in chosen)
    deferred = [row for row in rows if row["decision"] != SELECTED]
    assert all(row["start"] == "" for row in deferred)
    with (tmp_path / "input_capacity.csv").open(encoding="utf-8", newline="") as handle:
        first = next(csv.DictReader(handle))
    assert first["month"] == "2027-01"


def test_files_are_replaced_whole(tmp_path, planned) -> None:
    portfolio, result = planned
    (tmp_path / "projects.csv").write_text("old\n" * 10_000, encoding="utf-8")

    write_csv(portfolio, result, tmp_path)

    text = (tmp_path / "projects.csv").read_text(encoding="utf-8")
    assert "old" not in text
    assert len(text.splitlines()) == len(portfolio.projects) + 1
    assert not [p for p in tmp_path.iterdir() if not p.name.endswith(".csv")]  # no temp files


def test_a_folder_that_cannot_be_made_is_a_file_error(tmp_path, planned) -> None:
    portfolio, result = planned
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder", encoding="utf-8")

    with pytest.raises(FileError, match="cannot create the CSV folder"):
        write_csv(portfolio, result, blocker / "csv")
