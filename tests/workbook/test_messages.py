"""Messages: one root cause is one message, consequences folded, nothing internal leaks.

Regressions for issue 13, defect 11: a short table range gave 256 "not on the Intake sheet"
errors; a moved one leaked `_Formula(sheet='Intake', row=20, column=17)`; one bad Intake
header gave 305 errors; Criteria Min > Max put its cause after 45 derived errors; `#REF!` was
accepted as a project name; Requires plus Excludes on one pair passed; an in-flight project
that ended in 1991 showed as Selected; an Earliest start before the plan start was an error.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl

from bench.generate import generate_portfolio
from engine.optimiser import solve
from engine.validation import Severity
from tests.workbook._books import copy_book, edit
from workbook.book.grids import run_messages
from workbook.cli import main
from workbook.files.macros.ribbon import ensure_ribbon_relationship
from workbook.files.reader import read_workbook


def _change(path: Path, change) -> Path:
    book = openpyxl.load_workbook(path, keep_vba=True)
    change(book)
    book.save(path)
    ensure_ribbon_relationship(path)
    return path


def _texts(path: Path) -> list[str]:
    return [str(m) for m in read_workbook(path).messages()]


def _table(sheet: str, name: str, ref: str):
    def change(book):
        book[sheet].tables[name].ref = ref

    return change


def test_a_short_table_range_is_one_message_saying_where(tmp_path):
    book = _change(copy_book(tmp_path), _table("Intake", "tblIntake", "A3:Q20"))
    assert _texts(book) == [
        'Intake!A21: rows 21..48 below the table "tblIntake" (A3:Q20) hold data but are not '
        "part of it; resize the table to A3:Q48 (Table Design > Resize Table), or move them away"
    ]


def test_a_lone_note_under_a_table_is_not_data(tmp_path):
    book = edit(copy_book(tmp_path), {("Budget", "A9"): "Source: finance plan, March"})
    assert _texts(book) == []


def test_a_moved_table_range_is_one_message_without_internals(tmp_path):
    book = _change(copy_book(tmp_path), _table("Intake", "tblIntake", "A20:Q48"))
    assert _texts(book) == [
        'Intake!A20: the table "tblIntake" (A20:Q48) does not start at its header row (row 3); '
        "resize it to A3:Q48 (Table Design > Resize Table)"
    ]


def test_a_broken_intake_header_is_the_root_and_its_consequences_one_line(tmp_path):
    book = edit(copy_book(tmp_path), {("Intake", "A3"): "Project ID"})
    messages = read_workbook(book).messages()
    assert [str(m) for m in messages] == [
        'Intake!A3: no column "ID"; rename "Project ID" back to "ID"',
        "45 rows on Scoring, 241 on Demand, 9 on Dependencies, 3 on Balance, 14 on Gates, "
        "18 on Status, 13 on RAID, 5 on Health, 8 on Benefits and 1 on Reviews name projects "
        "from Intake, which could not be read; they are checked once the problem above is fixed",
    ]
    assert [m.severity for m in messages] == [Severity.ERROR, Severity.INFO]


def test_a_criterion_scale_upside_down_is_reported_once(tmp_path):
    book = edit(copy_book(tmp_path), {("Criteria", "E4"): 11})
    assert _texts(book) == [
        'Criteria!F4: "Financial return": Max (10) must be greater than Min (11); the scores '
        "on it are checked once it is"
    ]


def test_an_excel_error_is_never_a_value(tmp_path):
    book = edit(copy_book(tmp_path), {("Intake", "B5"): "#REF!", ("Demand", "C6"): "#N/A"})
    assert _texts(book) == [
        'Intake!B5: "Name" holds the error #REF!; correct the formula or the value it refers '
        "to, or type the value",
        'Demand!C6: "FTE" holds the error #N/A; correct the formula or the value it refers to, '
        "or type the value",
    ]


def _links(*rows):
    def change(book):
        ws = book["Dependencies"]
        table = ws.tables["tblDependencies"]
        first, last = table.ref.split(":")
        row = int(last[1:])
        for values in rows:
            row += 1
            for column, value in enumerate(values, start=1):
                ws.cell(row, column, value)
        table.ref = f"{first}:{last[0]}{row}"

    return change


def test_requires_and_excludes_on_one_pair_is_an_error(tmp_path):
    book = _change(
        copy_book(tmp_path), _links(("P-125", "P-126", "Requires"), ("P-126", "P-125", "Excludes"))
    )
    assert _texts(book) == [
        'Dependencies!C14: "P-126" needs "P-125" (a Requires link) but this Excludes link keeps '
        'them apart, so "P-126" could never be selected; remove one of the two links'
    ]


def test_an_in_flight_project_finished_long_ago_is_not_selected(tmp_path, capsys):
    book = edit(copy_book(tmp_path), {("Intake", "H4"): "1990-01", ("Intake", "I4"): 24})
    assert _texts(book) == [
        'Intake!C4: "P-101" is in flight but finished in 1991-12, before the plan starts; it '
        "takes nothing from the plan: set its Status to Closed"
    ]
    assert main(["optimise", str(book), "--time-limit", "2"]) == 0
    sheet = openpyxl.load_workbook(book)["Portfolio"]
    header = [c.value for c in sheet[3]]
    row = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[1] == "P-101")
    assert row[header.index("Decision")] == "Not in play"
    assert row[header.index("Reason")].startswith("In flight, but finished in 1991-12")


def test_an_earliest_start_before_the_plan_start_is_a_note_not_an_error(tmp_path, capsys):
    book = edit(copy_book(tmp_path), {("Intake", "F10"): "2025-06"})
    messages = read_workbook(book).messages()
    assert [(str(m), m.severity) for m in messages] == [
        (
            'Intake!F10: "P-107": earliest start 2025-06 is before the plan start 2027-01; it '
            "may start as soon as the plan starts",
            Severity.INFO,
        )
    ]
    assert main(["optimise", str(book), "--time-limit", "2"]) == 0


def test_reasons_cut_short_by_the_time_limit_are_said_on_messages():
    # a Reasons time of 5 s within a 0.2 s limit: no re-solve can start (engine.time_split)
    portfolio = generate_portfolio(80, horizon=24, seed=3)
    settings = dataclasses.replace(portfolio.settings, workers=1, explain_time=5.0)
    portfolio = dataclasses.replace(portfolio, settings=settings)
    result = solve(portfolio, time_limit=0.2)
    cut = [m for m in run_messages(portfolio, result) if "Reasons cut short" in m.message]
    assert len(cut) == 1 and cut[0].severity is Severity.INFO
    assert "raise the time limit" in cut[0].message
