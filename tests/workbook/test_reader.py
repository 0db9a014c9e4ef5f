"""The reader: exact round trip of the sample, tolerance of what people type, located problems."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from engine.errors import FileError
from engine.months import month_text, parse_month
from engine.validation import Severity
from tests.workbook._books import copy_book, edit, rewrite_part
from workbook.book.sample import sample_details, sample_portfolio
from workbook.book.schema import INTAKE, ColType, Column
from workbook.files.atomic import FileStamp
from workbook.files.reader import _load, convert, read_workbook


def test_sample_round_trip_is_exact(tmp_path):
    read = read_workbook(copy_book(tmp_path))
    assert read.portfolio == sample_portfolio()
    assert read.details == sample_details()
    assert read.problems == [] and read.messages() == []
    assert read.stamp == FileStamp.of(read.path)


@pytest.mark.parametrize(
    ("column", "raw", "expected"),
    [
        (INTAKE.column("Duration (months)"), "12", 12),
        (INTAKE.column("Duration (months)"), " 12.0 ", 12),
        (INTAKE.column("Duration (months)"), 7.0, 7),
        (INTAKE.column("Cost"), "1,250,000", 1_250_000.0),
        (INTAKE.column("Cost"), "€ 300", 300.0),
        (INTAKE.column("Earliest start"), "2027-03", parse_month("2027-03")),
        (INTAKE.column("Earliest start"), " 2027-3 ", parse_month("2027-03")),
        (INTAKE.column("Earliest start"), "2027-03-15", parse_month("2027-03")),
        (INTAKE.column("Earliest start"), datetime(2027, 3, 1), parse_month("2027-03")),
        (INTAKE.column("Earliest start"), 46447, parse_month("2027-03")),  # a date's serial
        (INTAKE.column("Mandatory"), "Y", True),
        (INTAKE.column("Mandatory"), "yes", True),
        (INTAKE.column("Mandatory"), "TRUE", True),
        (INTAKE.column("Mandatory"), 1, True),
        (INTAKE.column("Mandatory"), True, True),
        (INTAKE.column("Mandatory"), "N", False),
        (INTAKE.column("Mandatory"), "No", False),
        (INTAKE.column("Mandatory"), "false", False),
        (INTAKE.column("Mandatory"), 0, False),
        (INTAKE.column("Status"), "  in FLIGHT ", "In flight"),
        (INTAKE.column("ID"), 101.0, "101"),
        (INTAKE.column("ID"), " P-1  ", "P-1"),
    ],
)
def test_convert_accepts_what_people_type(column, raw, expected):
    assert convert(column, raw) == expected


@pytest.mark.parametrize(
    ("column", "raw", "message"),
    [
        (
            INTAKE.column("Duration (months)"),
            "3.5 mo",
            '"Duration (months)" must be a whole number of months; found "3.5 mo"',
        ),
        (
            INTAKE.column("Duration (months)"),
            3.5,
            '"Duration (months)" must be a whole number of months; found 3.5',
        ),
        (INTAKE.column("Cost"), "lots", '"Cost" must be a number; found "lots"'),
        (INTAKE.column("Mandatory"), "maybe", '"Mandatory" must be Yes or No; found "maybe"'),
        (
            Column("X", None, ColType.MONTH),
            "March",
            '"X" must be a month as YYYY-MM (e.g. 2027-03) or a date; found "March"',
        ),
    ],
)
def test_convert_says_what_is_expected(column, raw, message):
    with pytest.raises(Exception) as caught:
        convert(column, raw)
    assert str(caught.value) == message


def test_blank_rows_spaces_and_text_numbers_are_tolerated(tmp_path):
    book = copy_book(tmp_path)
    workbook = openpyxl.load_workbook(book, keep_vba=True)
    intake = workbook["Intake"]
    intake.insert_rows(6)  # a blank row inside the table
    table = intake.tables["tblIntake"]
    first, last = table.ref.split(":")
    column = last.rstrip("0123456789")
    table.ref = f"{first}:{column}{int(last[len(column) :]) + 1}"
    intake["I5"] = " 12 "  # P-102's duration as text with spaces
    intake["B5"] = "  Data platform (lakehouse)  "
    intake["J5"] = "1,500,000"
    workbook.save(book)
    read = read_workbook(book)
    assert read.messages() == []
    assert read.portfolio.projects == sample_portfolio().projects


def test_tables_are_found_by_header_row_when_the_table_is_gone(tmp_path):
    book = copy_book(tmp_path)
    workbook = openpyxl.load_workbook(book, keep_vba=True)
    for name in ("Intake", "Demand", "Budget"):
        ws = workbook[name]
        for table in list(ws.tables):
            del ws.tables[table]
        ws.move_range(ws.dimensions, rows=5, cols=2)  # pasted further down and right
    workbook.save(book)
    read = read_workbook(book)
    assert read.messages() == []
    assert read.portfolio == sample_portfolio()
    assert read.locations[("project", 0, "duration")] == "Intake!K9"


def test_engine_problems_get_their_cell(tmp_path):
    book = edit(copy_book(tmp_path), {("Intake", "J5"): -5, ("Demand", "B4"): "Wizard"})
    text = [str(m) for m in read_workbook(book).messages()]
    assert 'Intake!J5: "P-102": cost must be 0 or more; found -5.0' in text
    assert any(
        t.startswith('Demand!B4: unknown role "Wizard"; roles with capacity: Project manager')
        for t in text
    )


def test_each_mistake_is_reported_once(tmp_path):
    book = edit(copy_book(tmp_path), {("Intake", "I12"): "3.5 mo"})
    text = [str(m) for m in read_workbook(book).messages()]
    assert text == [
        'Intake!I12: "Duration (months)" must be a whole number of months; found "3.5 mo"'
    ]


def test_formula_in_an_input_cell_without_saved_result(tmp_path):
    book = copy_book(tmp_path)
    workbook = openpyxl.load_workbook(book, keep_vba=True)
    workbook["Intake"]["J4"] = "=1000*3200"
    workbook.save(book)
    text = [str(m) for m in read_workbook(book).messages()]
    assert text == [
        'Intake!J4: "Cost" holds a formula with no saved result; open and save the '
        "workbook in Excel, or type the value"
    ]


def test_openpyxl_entity_rejection_becomes_a_clean_file_error(tmp_path):
    # Bypasses the pre-parse check on purpose: defusedxml inside openpyxl is the second guard.
    book = copy_book(tmp_path)
    rewrite_part(
        book,
        "xl/workbook.xml",
        lambda data: data.replace(b"?>", b'?><!DOCTYPE workbook [<!ENTITY a "aaaaaaaa">]>', 1),
    )
    with pytest.raises(FileError) as caught:
        _load(book, data_only=False)
    assert str(caught.value) == (
        "Book.xlsm: the workbook's XML declares entities, which "
        "workbooks never need; refusing to read it"
    )


def test_a_plain_capacity_sheet_is_read_to_its_last_month_column(tmp_path):
    # issue 13, defect 10: the header row was read only to column 100, so a Capacity sheet
    # of 120 months lost the rest ("no column for 2035-04..2036-12")
    book = copy_book(tmp_path)
    workbook = openpyxl.load_workbook(book, keep_vba=True)
    workbook["Settings"]["B5"] = 120
    ws = workbook["Capacity"]
    del ws.tables["tblCapacity"]
    first = parse_month("2027-01")
    roles = [ws.cell(r, 1).value for r in range(4, 13)]
    for offset in range(120):
        ws.cell(3, 2 + offset, month_text(first + offset))
        for r in range(4, 13):
            ws.cell(r, 2 + offset, 20.0)
    workbook.save(book)
    read = read_workbook(book)
    assert [m for m in read.messages() if m.severity is Severity.ERROR] == []
    assert read.portfolio.capacity[roles[0]] == (20.0,) * 120
    assert read.locations[("capacity", roles[0], str(first + 119))] == "Capacity!DQ4"
