"""`pmo frontier`: points in parallel child processes or on Dask, a monotone curve whose every
plan keeps every rule, the JSON, and the Frontier sheet whose chart survives write-back and
renders in LibreOffice."""

from __future__ import annotations

import json
import zipfile

import openpyxl
import pytest

from engine.checker import check_starts
from engine.frontier import scaled_budget
from engine.months import parse_month
from engine.result import Hire
from tests.workbook._books import copy_book, edit, sha
from tests.workbook.render import ink, render_sheet
from workbook.book import schema
from workbook.cli import main
from workbook.files.reader import read_workbook

KEYS = {"budget_scale", "budget", "value", "bound", "status", "gap", "selected"}


def assert_good_curve(path, payload, scales):
    portfolio = read_workbook(path).portfolio
    points = payload["points"]
    assert [p["budget_scale"] for p in points] == list(scales)
    assert all(set(p) >= KEYS for p in points)
    planned = [p for p in points if p["status"] in ("optimal", "feasible")]
    assert len(planned) == len(points)
    values = [p["value"] for p in planned]
    assert values == sorted(values), "the frontier must be monotone"
    assert all(p["bound"] >= p["value"] - 1e-9 for p in planned)
    for point in planned:
        starts = {pid: parse_month(text) for pid, text in point["starts"].items()}
        assert sorted(starts) == point["selected"]
        hires = tuple(
            Hire(h["role"], h["option"], parse_month(h["from"]), parse_month(h["to"]),
                 h["units"], h["cost"])
            for h in point["hiring"]
        )  # fmt: skip
        scaled = scaled_budget(portfolio, point["budget_scale"])
        assert check_starts(scaled, starts, hiring=hires) == [], point["budget_scale"]
        assert point["budget"] == pytest.approx(sum(scaled.budget.values()))


def frontier_rows(path):
    book = openpyxl.load_workbook(path, read_only=True)
    ws = book[schema.FRONTIER.name]
    rows = [
        list(r)
        for r in ws.iter_rows(min_row=schema.FRONTIER.header_row, values_only=True)
        if any(v is not None for v in r)
    ]
    book.close()
    return rows


def test_frontier_in_parallel_writes_the_json_and_the_sheet(tmp_path, capsys):
    book = copy_book(tmp_path)
    scales = (0.8, 1.0, 1.3)  # the waterline places every must-run project from 0.8 on
    out = tmp_path / "f.json"
    code = main(
        [
            *("frontier", str(book), "--budgets", "1.3,0.8,1", "--time-limit", "2"),
            *("--jobs", "2", "--json", str(out)),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "3 budget level(s) with 2 job(s)." in text
    assert "Wrote the Frontier sheet" in text
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert_good_curve(book, payload, scales)
    rows = frontier_rows(book)
    assert rows[0][: len(schema.FRONTIER.columns)] == [c.header for c in schema.FRONTIER.columns]
    assert [r[0] for r in rows[1:]] == list(scales)
    assert [r[2] for r in rows[1:]] == [p["value"] for p in payload["points"]]
    for row, point in zip(rows[1:], payload["points"], strict=True):
        proven = row[6]
        assert (proven is not None) == (point["status"] == "optimal")
    assert (tmp_path / "Book.bak.xlsm").exists()


def _reproducible(book):
    """Solves limited by work done, not the clock: the curve (and so the ink the chart puts
    on the page) is the same on a loaded machine as on an idle one."""
    sheet, _, cell = schema.setting_cell("reproducible").partition("!")
    return edit(book, {(sheet, cell.replace("$", "")): "Yes"})


def test_the_chart_survives_write_back_and_renders(tmp_path, libreoffice):
    book = _reproducible(copy_book(tmp_path))
    levels = ["--budgets", "0.8,1,1.2,1.4", "--time-limit", "1", "--jobs", "2"]
    assert main(["frontier", str(book), *levels]) == 0
    with zipfile.ZipFile(book) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xml = [z.read(name).decode("utf-8") for name in charts]
    assert sum("scatterChart" in x and "Frontier" in x for x in xml) == 1
    assert main(["optimise", str(book), "--time-limit", "1"]) == 0  # a second write-back
    with zipfile.ZipFile(book) as z:
        assert [n for n in z.namelist() if n.startswith("xl/charts/chart")] == charts
    png = render_sheet(libreoffice, book, schema.FRONTIER.name, tmp_path / "render")
    # the chart sits between the description and the table: the top half of the page
    chart = ink(png, (0.0, 0.05, 0.6, 0.6))
    assert chart["ink"] > 0.02, chart  # axes, gridlines and labels
    assert chart["colour"] > 0.0005, chart  # the blue curve and markers


def test_frontier_on_a_dask_cluster(tmp_path, capsys):
    from distributed import LocalCluster

    book = copy_book(tmp_path)
    out = tmp_path / "f.json"
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        code = main(
            [
                *("frontier", str(book), "--budgets", "0.8,1.2", "--time-limit", "2"),
                *("--scheduler", cluster.scheduler_address, "--solver-workers", "1"),
                *("--json", str(out)),
            ]
        )
    assert code == 0
    assert "on tcp://127.0.0.1" in capsys.readouterr().out
    assert_good_curve(book, json.loads(out.read_text(encoding="utf-8")), (0.8, 1.2))


def test_without_a_budget_nothing_is_written(tmp_path, capsys):
    book = copy_book(tmp_path)
    portfolio = read_workbook(book).portfolio
    blank = {}
    for offset in range(len(portfolio.budget)):
        row = schema.BUDGET.header_row + 1 + offset
        blank[("Budget", f"A{row}")] = None
        blank[("Budget", f"B{row}")] = None
    edit(book, blank)
    before = sha(book)
    assert main(["frontier", str(book), "--time-limit", "1"]) == 1
    assert "the Budget sheet has no rows" in capsys.readouterr().out
    assert sha(book) == before


def test_frontier_usage_errors_exit_3(tmp_path, capsys):
    book = copy_book(tmp_path)
    assert main(["frontier", str(book), "--budgets", "a,b"]) == 3
    assert main(["frontier", str(book), "--budgets", "1", "--points", "3"]) == 3
    assert main(["frontier", str(book), "--points", "40"]) == 3
    assert "at most 25 budget levels" in capsys.readouterr().err
