"""J30 instances through plain-sheet workbooks (bench/plain_book.py, bench/run_workbooks.py):
the reader gives back exactly the converted portfolio, and `pmo optimise` on the book plans
what `engine.optimiser.solve` plans on the portfolio (Reproducible, same seed)."""

from __future__ import annotations

import dataclasses
import json
import zipfile

import openpyxl
import pytest

from bench.instances import (
    TEST_DATA,
    knapsack_to_portfolio,
    makespan,
    rcmpsp_to_portfolio,
    rcpsp_to_portfolio,
    read_mknap,
    read_mplib,
    read_psplib,
)
from bench.plain_book import as_kept, differences, write_plain_book
from bench.run_workbooks import json_result, starts_of
from engine.checker import check_plan
from engine.optimiser import solve
from workbook.cli import main
from workbook.files.reader import read_workbook

J30 = TEST_DATA / "psplib" / "j30"


def _converted(name: str):
    return as_kept(rcpsp_to_portfolio(read_psplib(J30 / f"{name}.sm")))


@pytest.mark.parametrize("name", ["j301_1", "j3013_5", "j3029_8"])
def test_a_plain_book_reads_back_the_converted_portfolio(tmp_path, name):
    portfolio = _converted(name)
    book = write_plain_book(portfolio, tmp_path / f"{name}.xlsx")
    loaded = openpyxl.load_workbook(book)
    assert [ws.title for ws in loaded.worksheets if ws.tables] == []  # plain sheets only
    capacity = loaded["Capacity"]
    assert capacity.max_column == 1 + portfolio.settings.horizon  # one column per month
    assert capacity.cell(1, 2).value == "2030-01"
    assert portfolio.settings.horizon >= 150  # the file's horizon: 150+ month columns

    read = read_workbook(book)
    assert read.errors == []
    assert differences(portfolio, read.portfolio) == []
    assert read.portfolio == portfolio


def test_criteria_scores_and_many_activities_read_back_too(tmp_path):
    """The other converters' portfolios: a knapsack's criterion and scores; an MPLIB1
    portfolio's 1,488 activities over 376 months."""
    knapsack = as_kept(knapsack_to_portfolio(read_mknap(TEST_DATA / "mknap" / "mknap1.txt")[2]))
    mplib = as_kept(
        rcmpsp_to_portfolio(read_mplib(TEST_DATA / "mplib1" / "instances" / "MPLIB1_Set3_0.txt"))
    )
    assert knapsack.criteria and len(mplib.projects) == 1488
    for name, portfolio in (("knapsack", knapsack), ("mplib", mplib)):
        read = read_workbook(write_plain_book(portfolio, tmp_path / f"{name}.xlsx"))
        assert read.errors == [] and read.portfolio == portfolio, name


def test_the_comparison_names_what_the_book_changed(tmp_path):
    portfolio = _converted("j301_1")
    book = write_plain_book(portfolio, tmp_path / "j301_1.xlsx")
    loaded = openpyxl.load_workbook(book)
    loaded["Capacity"]["C2"] = 11  # role R1, 2030-02: 12 in the file
    loaded["Intake"]["I3"] = 9  # A2's duration: 8 in the file
    loaded["Dependencies"].delete_rows(2)  # the first link, A1 -> A2
    loaded.save(book)
    found = differences(portfolio, read_workbook(book).portfolio)
    assert any(line.startswith("capacity R1: 158 months (12.0, 12.0, 12.0)") for line in found)
    assert "project A2 duration: 8 != 9" in found
    assert "links: 48 != 47" in found
    assert [line for line in found if line.startswith("link ")] == [
        "link missing: Dependency(predecessor='A1', successor='A2', "
        "type=<DependencyType.FS: 'FS'>, lag=0)"
    ]


def test_pmo_optimise_on_a_plain_book_plans_what_the_engine_plans(tmp_path, capsys):
    converted = _converted("j3013_5")  # not proven optimal in seconds: determinism matters
    settings = dataclasses.replace(
        converted.settings, time_limit=1.0, random_seed=7, reproducible=True
    )
    portfolio = dataclasses.replace(converted, settings=settings)
    book = write_plain_book(portfolio, tmp_path / "j3013_5.xlsx")
    read = read_workbook(book)
    assert read.errors == [] and read.portfolio == portfolio

    out = tmp_path / "plan.json"
    assert main(["optimise", str(book), "--json", str(out)]) == 0  # the book's Settings
    payload = json.loads(out.read_text())
    product = json_result(read.portfolio, payload)
    engine = solve(portfolio)

    assert product.status.has_plan and engine.status.has_plan
    assert check_plan(read.portfolio, product, everyone=True) == []
    assert check_plan(portfolio, engine, everyone=True) == []
    product_makespan = makespan(portfolio, starts_of(product))
    assert product_makespan == payload["objective"]
    assert product_makespan == makespan(portfolio, starts_of(engine))
    assert starts_of(product) == starts_of(engine)  # the very same plan, start by start
    # written back as the .xlsx it is (not marked macro-enabled, which Excel refuses)
    with zipfile.ZipFile(book) as package:
        types = package.read("[Content_Types].xml").decode()
    assert "macroEnabled" not in types and "spreadsheetml.sheet.main+xml" in types
    assert "previous version kept as j3013_5.bak.xlsx" in capsys.readouterr().out


def test_a_plain_xlsx_book_stays_xlsx_through_scenario_save_and_restore(tmp_path):
    book = write_plain_book(_converted("j301_1"), tmp_path / "j301_1.xlsx")
    assert main(["scenario", "save", str(book), "base", "--time-limit", "1"]) == 0
    assert main(["scenario", "restore", str(book), "base"]) == 0
    with zipfile.ZipFile(book) as package:
        types = package.read("[Content_Types].xml").decode()
    assert "macroEnabled" not in types and "spreadsheetml.sheet.main+xml" in types
    assert read_workbook(book).portfolio == _converted("j301_1")
