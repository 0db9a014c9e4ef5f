"""The Balance sheet in the workbook: rules read with located messages, shares kept in the
written plan (the checker agrees), and the Balance view chart that survives write-back and
renders in LibreOffice."""

from __future__ import annotations

import json
import zipfile

import openpyxl

from engine.checker import check_plan
from engine.months import parse_month
from engine.result import Hire, ProjectOutcome, Result, SolveStatus
from tests.workbook._books import copy_book, edit
from tests.workbook.render import ink, render_sheet
from workbook.book import schema
from workbook.book.sample import BALANCE_RULES
from workbook.cli import main
from workbook.files.macros.ribbon import ensure_ribbon_relationship
from workbook.files.reader import read_workbook


def plan_of(result: dict, portfolio) -> Result:
    """The JSON's plan as a Result the checker can read."""
    outcomes = tuple(
        ProjectOutcome(
            p["id"],
            p["selected"],
            parse_month(p["start"]) if p["start"] else None,
            parse_month(p["start"]) + portfolio.project(p["id"]).duration if p["start"] else None,
        )
        for p in result["projects"]
    )
    hires = tuple(
        Hire(h["role"], h["option"], parse_month(h["from"]), parse_month(h["to"]), h["units"],
             h["cost"])
        for h in result["hiring"]
    )  # fmt: skip
    return Result(SolveStatus.FEASIBLE, projects=outcomes, hiring=hires)


def test_the_sample_rules_and_intake_columns_are_read(tmp_path):
    read = read_workbook(copy_book(tmp_path))
    assert read.portfolio.balance == BALANCE_RULES
    p101 = read.portfolio.project("P-101")
    assert p101.tags["Department"] == read.details["P-101"]["Department"]


def test_the_plan_keeps_the_shares_and_the_chart_renders(tmp_path, libreoffice):
    book = copy_book(tmp_path)
    out = tmp_path / "r.json"
    assert main(["optimise", str(book), "--time-limit", "5", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    portfolio = read_workbook(book).portfolio
    assert check_plan(portfolio, plan_of(result, portfolio)) == []
    for row in result["balance"]:
        if row["min_share"] is not None:
            assert row["share"] >= row["min_share"] - 1e-6
        if row["max_share"] is not None:
            assert row["share"] <= row["max_share"] + 1e-6
    wb = openpyxl.load_workbook(book, read_only=True)
    header = schema.BALANCE_VIEW.header_row
    rows = [r for r in wb["Balance view"].iter_rows(min_row=header + 1, values_only=True) if r[0]]
    wb.close()
    assert [r[0] for r in rows] == [f"{r.dimension}: {r.value}" for r in BALANCE_RULES]
    assert [r[3] for r in rows] == [row["share"] for row in result["balance"]]
    # a second write-back keeps every chart of the template (Balance view's and Frontier's
    # among them)
    assert main(["optimise", str(book), "--time-limit", "2"]) == 0

    def charts_in(path) -> list[str]:
        with zipfile.ZipFile(path) as z:
            return [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]

    charts = charts_in(book)
    assert len(charts) == len(charts_in(copy_book(tmp_path, "Fresh.xlsm")))
    assert any("scatterChart" in c and "Frontier" in c for c in charts)
    assert any("barChart" in c and "Balance view" in c for c in charts)
    png = render_sheet(libreoffice, book, "Balance view", tmp_path / "render")
    chart = ink(png, (0.0, 0.05, 0.6, 0.6))
    assert chart["ink"] > 0.02, chart
    assert chart["colour"] > 0.0005, chart


def test_a_bad_balance_row_is_located(tmp_path, capsys):
    book = copy_book(tmp_path)
    row = schema.BALANCE.header_row + 1
    edit(book, {("Balance", f"D{row}"): 0.5, ("Balance", f"E{row}"): 0.2})
    assert main(["validate", str(book)]) == 1
    out = capsys.readouterr().out
    assert f"Balance!E{row}: the Max share is below the Min share" in out


def test_a_workbook_without_the_balance_sheet_has_no_rules(tmp_path):
    book = copy_book(tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    del wb["Balance"]
    wb.save(book)
    ensure_ribbon_relationship(book)
    read = read_workbook(book)
    assert read.portfolio.balance == () and not read.errors
