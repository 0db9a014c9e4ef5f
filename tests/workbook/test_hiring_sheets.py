"""The Hiring sheet in the workbook: read with located messages, optional in older workbooks,
and the Hiring plan, Shortfall and `hiring` JSON written from a plan that the checker passes."""

from __future__ import annotations

import json

import openpyxl

from engine.checker import check_plan
from engine.months import parse_month
from engine.result import Hire, ProjectOutcome, Result, SolveStatus
from tests.workbook._books import copy_book, edit
from workbook.book import schema
from workbook.book.sample import HIRING
from workbook.cli import main
from workbook.files.macros.ribbon import ensure_ribbon_relationship
from workbook.files.reader import read_workbook


def test_the_sample_hiring_options_are_read(tmp_path):
    read = read_workbook(copy_book(tmp_path))
    assert read.portfolio.hiring == HIRING
    assert not read.errors


def test_a_bad_hiring_row_is_located(tmp_path, capsys):
    book = copy_book(tmp_path)
    row = schema.HIRING.header_row + 1
    edit(book, {("Hiring", f"A{row}"): "Data scientist", ("Hiring", f"C{row}"): 0})
    assert main(["validate", str(book)]) == 1
    out = capsys.readouterr().out
    assert (
        f'Hiring!A{row}: hiring option "Contractor" of Data scientist: role "Data scientist"' in out
    )
    assert f"Hiring!C{row}:" in out and "FTE per unit must be more than 0" in out


def test_a_workbook_without_the_hiring_sheet_has_no_hiring(tmp_path):
    book = copy_book(tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    del wb["Hiring"]
    wb.save(book)
    ensure_ribbon_relationship(book)
    read = read_workbook(book)
    assert read.portfolio.hiring == () and not read.errors


def test_optimise_writes_the_hiring_plan_shortfall_and_json(tmp_path):
    book = copy_book(tmp_path)
    out = tmp_path / "r.json"
    assert main(["optimise", str(book), "--time-limit", "5", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    portfolio = read_workbook(book).portfolio
    hires = tuple(
        Hire(h["role"], h["option"], parse_month(h["from"]), parse_month(h["to"]), h["units"],
             h["cost"])
        for h in result["hiring"]
    )  # fmt: skip
    outcomes = tuple(
        ProjectOutcome(
            p["id"],
            p["selected"],
            parse_month(p["start"]) if p["start"] else None,
            parse_month(p["start"]) + portfolio.project(p["id"]).duration if p["start"] else None,
        )
        for p in result["projects"]
    )
    plan = Result(SolveStatus.FEASIBLE, projects=outcomes, hiring=hires)
    assert check_plan(portfolio, plan) == []
    wb = openpyxl.load_workbook(book, read_only=True)
    header = schema.HIRING_PLAN.header_row
    rows = [r for r in wb["Hiring plan"].iter_rows(min_row=header + 1, values_only=True) if r[0]]
    assert [(r[0], r[1], r[2], r[3], r[4], r[6]) for r in rows] == [
        (h["role"], h["option"], h["from"], h["to"], h["units"], h["cost"])
        for h in result["hiring"]
    ]
    short = [r for r in wb["Shortfall"].iter_rows(min_row=header + 1, values_only=True) if r[0]]
    assert len(short) == len(result["shortfall"])
    for row, cell in zip(short, result["shortfall"], strict=True):
        assert (row[0], row[1], row[4]) == (
            cell["role"],
            cell["month"],
            ", ".join(cell["projects"]),
        )
        assert row[2] > 0
    wb.close()
