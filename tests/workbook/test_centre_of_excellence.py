"""People, Lessons and PM evaluation in the workbook (issue 16): read, located, recalculated."""

from __future__ import annotations

import dataclasses
import json

import openpyxl
import pytest

from engine.managers import EVALUATION_CRITERIA, summarise
from engine.model import ManagerMode, ProjectStatus
from engine.validation import Severity
from tests.workbook._books import copy_book, edit, template
from workbook import service
from workbook.book import sample, schema
from workbook.files.reader import read_lessons_file, read_workbook
from workbook.files.writer import write_grids
from workbook.rollup import enterprise_grid


def _row(path, sheet: str, first_column_value: str) -> int:
    """The row of a table whose first cell holds this value."""
    ws = openpyxl.load_workbook(path)[sheet]
    return next(c.row for c in ws["A"] if c.value == first_column_value)


def test_the_sample_sheets_read_back_as_the_sample():
    read = read_workbook(template())
    assert read.portfolio.managers == sample.MANAGERS
    source = template().name
    assert read.lessons == tuple(dataclasses.replace(x, source=source) for x in sample.LESSONS)
    assert read.evaluations == sample.EVALUATIONS
    assert len(read.lessons) >= 12 and len(read.portfolio.managers) >= 8
    assert read.portfolio.project("P-111").pm_skills == ("CRM", "sales")
    assert read.portfolio.settings.project_managers is ManagerMode.CHECK


def test_bad_people_cells_are_errors_bad_lessons_and_evaluations_only_warnings(tmp_path):
    book = copy_book(tmp_path)
    people = _row(book, "People", "Tom Becker")
    lesson = _row(book, "Lessons", "L-03")
    rating = _row(book, "PM evaluation", "Ana Silva")
    edit(
        book,
        {
            ("People", f"E{people}"): "two",  # Max concurrent projects
            ("People", f"F{people}"): "soon",  # Available from
            ("Lessons", f"C{lesson}"): "last spring",  # Date
            ("Lessons", f"A{lesson}"): "L-02",  # a second L-02
            ("PM evaluation", f"F{rating}"): 9,  # Stakeholders, on a 1-5 scale
            ("PM evaluation", f"A{rating}"): "Ana Silvia",
            ("PM evaluation", f"B{rating + 1}"): "P-104",  # in flight: too early to evaluate
        },
    )
    found = {(m.sheet, m.cell): m for m in read_workbook(book).messages()}
    max_cell = found["People", f"E{people}"]
    assert max_cell.severity is Severity.ERROR
    assert (
        max_cell.message
        == '"Max concurrent projects" must be a whole number of projects; found "two"'
    )
    assert found["People", f"F{people}"].severity is Severity.ERROR
    date = found["Lessons", f"C{lesson}"]
    assert date.severity is Severity.WARNING
    assert date.message == '"Date" must be a date (e.g. 2027-03-14); found "last spring"'
    assert "listed twice" in found["Lessons", f"A{lesson}"].message
    assert found["PM evaluation", f"F{rating}"].severity is Severity.WARNING
    assert "between 1 and 5; found 9" in found["PM evaluation", f"F{rating}"].message
    assert '"Ana Silvia" is not on the People sheet' in found["PM evaluation", f"A{rating}"].message
    early = found["PM evaluation", f"B{rating + 1}"]
    assert early.severity is Severity.WARNING
    assert early.message == (
        'project "P-104" is In flight on Intake; evaluate its manager once it has closed'
    )
    # a project manager misspelt on Intake: a warning at its cell, with the likely name
    edit(book, {("Intake", "P5"): "Tom Beker"})
    intake = {(m.sheet, m.cell): m for m in read_workbook(book).messages()}["Intake", "P5"]
    assert intake.severity is Severity.WARNING and 'did you mean "Tom Becker"?' in intake.message


def test_books_made_before_these_sheets_still_read(tmp_path):
    book = copy_book(tmp_path)
    workbook = openpyxl.load_workbook(book, keep_vba=True)
    for name in ("People", "Lessons", "PM evaluation", "Enterprise", "Enterprise load"):
        del workbook[name]
    intake = workbook["Intake"]
    table = intake.tables["tblIntake"]
    for _ in range(2):  # drop PM grade and PM skills, the last two columns
        table.tableColumns.pop()
    last = intake.max_column
    intake.delete_cols(last - 1, 2)
    first, end = table.ref.split(":")
    row = end.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    table.ref = f"{first}:{openpyxl.utils.get_column_letter(last - 2)}{row}"
    table.autoFilter.ref = table.ref
    workbook.save(book)
    read = read_workbook(book)
    assert [m for m in read.messages() if m.severity is Severity.ERROR] == []
    assert read.portfolio.managers == () and read.lessons == () and read.evaluations == ()
    assert read_lessons_file(book) == ((), [])


def test_lessons_of_many_books_from_the_command_line(tmp_path, capsys):
    from workbook.cli import main

    first = copy_book(tmp_path, "Finance.xlsm")
    second = copy_book(tmp_path, "Sales.xlsm")
    edit(second, {("Lessons", f"G{_row(second, 'Lessons', 'L-05')}"): "Vendor laptops came late"})
    out = tmp_path / "found.json"
    code = main(
        ["lessons", str(tmp_path / "*.xlsm"), "--search", "hardware late", "--json", str(out)]
    )
    assert code == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    # one knowledge base: Sales' edited L-05 (hardware, and late) ranks above Finance's
    found = [(r["id"], r["book"]) for r in rows]
    assert found[:2] == [("L-05", "Sales.xlsm"), ("L-05", "Finance.xlsm")]
    assert rows[0]["relevance"] >= rows[1]["relevance"] > 0
    assert main(["lessons", str(first), "--tag", "GDPR"]) == 0
    assert "L-07" in capsys.readouterr().out
    assert main(["lessons", str(first)]) == 3  # neither words nor a tag


def test_pmo_people_sums_up_the_evaluations(tmp_path, capsys):
    from workbook.cli import main

    out = tmp_path / "people.json"
    assert main(["people", str(template()), "--json", str(out)]) == 0
    rows = {r["name"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    sam = rows["Sam Okafor"]
    assert sam["evaluations"] == 2 and sam["in_flight"] == ["P-104"]
    expected = next(s for s in summarise(sample.EVALUATIONS) if s.manager == "Sam Okafor")
    assert sam["average_rating"] == pytest.approx(expected.overall)
    assert rows["Noor Haddad"]["evaluations"] == 0 and rows["Noor Haddad"]["average_rating"] is None


def test_the_enterprise_sheets_take_a_write_like_any_output(tmp_path):
    from engine.enterprise import DepartmentSummary

    book = copy_book(tmp_path)
    summary = DepartmentSummary(
        "Finance", 3, 2, 1, 0, 12.5, 1_000_000.0, {2027: 400_000.0}, 30.0, 0.6, (("Dev", 0.5),)
    )
    write_grids(book, [enterprise_grid([summary])], backup=False)
    rows = list(openpyxl.load_workbook(book)["Enterprise"].iter_rows(min_row=4, values_only=True))
    assert rows[0][:3] == ("Finance", 3, 2) and rows[0][-1] == "Dev 50%"


@pytest.mark.libreoffice
def test_libreoffice_sums_up_managers_as_the_engine_does(libreoffice, tmp_path):
    from workbook.headless.recalc import recalc

    book = copy_book(tmp_path)
    [outcome] = recalc([book], tmp_path / "out")
    assert outcome.ok, outcome.error
    values = openpyxl.load_workbook(outcome.out, data_only=True)
    read = read_workbook(book)

    def table(sheet: str) -> list[dict[str, object]]:
        rows = list(values[sheet].iter_rows(min_row=schema.HEADER_ROW, values_only=True))
        return [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0]]

    overall = {(e.manager, e.project): e.overall for e in read.evaluations}
    for row in table("PM evaluation"):
        assert row["Overall"] == pytest.approx(overall[row["Manager"], row["Project"]])
    summaries = {s.manager: s for s in summarise(read.evaluations)}
    in_flight = {
        m.name: sum(
            1
            for p in read.portfolio.projects
            if p.manager == m.name and p.status is ProjectStatus.IN_FLIGHT
        )
        for m in read.portfolio.managers
    }
    for row in table("People"):
        name = row["Name"]
        assert row["In flight now"] == in_flight[name], name
        summary = summaries.get(name)
        assert row["Evaluations"] == (summary.evaluations if summary else 0), name
        if summary is None:
            assert row["Average rating"] in (None, ""), name
        else:
            assert row["Average rating"] == pytest.approx(summary.overall), name
    assert set(EVALUATION_CRITERIA) <= set(table("PM evaluation")[0])


def test_validate_lists_managers_and_lessons_through_the_service():
    report = service.validate(service.FileTransport(template()))
    warnings = [m for m in report.messages if m.severity is Severity.WARNING]
    assert [(m.sheet, m.cell) for m in warnings] == [("Intake", "P9")]
    notes = [m for m in report.messages if m.severity is Severity.INFO]
    assert all(m.sheet == "Intake" and m.cell.startswith("A") for m in notes)
    assert any("P-122" in m.message and "L-08" in m.message for m in notes)


def test_a_book_made_before_the_project_manager_column_gets_it_in_its_table(tmp_path):
    """Portfolio gained a column (Project manager): an older book's Table grows to hold it,
    its columns named as the header, so Excel finds range and columns in agreement."""
    from openpyxl.utils.cell import range_boundaries

    from engine.optimiser import solve
    from workbook.book.grids import portfolio_grid

    book = copy_book(tmp_path)
    workbook = openpyxl.load_workbook(book, keep_vba=True)
    ws = workbook["Portfolio"]
    table = ws.tables["tblPortfolio"]
    table.tableColumns.pop()  # as the table was: eleven columns, A to K
    table.ref = table.autoFilter.ref = "A3:K4"
    ws["L3"] = None
    workbook.save(book)
    edit(book, {})  # the ribbon relationship back, as a user's save keeps it
    read = read_workbook(book)
    result = solve(read.portfolio, time_limit=2)
    write_grids(book, [portfolio_grid(read.portfolio, result, read.details)], backup=False)
    after = openpyxl.load_workbook(book)["Portfolio"]
    table = after.tables["tblPortfolio"]
    first_col, _, last_col, _ = range_boundaries(table.ref)
    names = [c.name for c in table.tableColumns]
    assert len(names) == last_col - first_col + 1 == len(schema.PORTFOLIO.columns)
    assert names == [after.cell(3, c).value for c in range(first_col, last_col + 1)]
    assert names[-1] == "Project manager"
