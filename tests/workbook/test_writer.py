"""The writer: outputs written, inputs and every workbook feature kept, failures harmless."""

from __future__ import annotations

import errno
import json
import zipfile

import openpyxl
import pytest

from engine.errors import FileError
from engine.months import month_text, parse_month
from engine.result import BOUND_SOURCES, ProjectOutcome, Result, SolveStatus, UtilisationCell
from tests.workbook._books import copy_book, edit, sha
from workbook.book import schema
from workbook.book.grids import result_grids
from workbook.cli import main
from workbook.files import writer
from workbook.files.atomic import backup_path
from workbook.files.macros.ribbon import REL_TYPE, has_ribbon
from workbook.files.reader import read_workbook

TRICKY = {("Intake", "B5"): "=1+1", ("Intake", "B6"): "@SUM(A1)"}


def features(path):
    """Everything the writer must keep, besides the cells."""
    book = openpyxl.load_workbook(path, keep_vba=True)
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        vba = package.read("xl/vbaProject.bin")
        vml = "".join(package.read(n).decode() for n in names if n.endswith(".vml"))
        rels = package.read("_rels/.rels").decode()
    inputs = {s.name for s in schema.SHEETS if s.role is not schema.Role.OUTPUT}
    return {
        "vba": vba,
        "buttons": sorted(m for m, *_ in schema.MACROS if m in vml),
        "ribbon": (has_ribbon(path), REL_TYPE in rels),
        "names": {n: d.attr_text for n, d in book.defined_names.items()},
        "tables": {
            ws.title: sorted(t.displayName for t in ws.tables.values()) for ws in book.worksheets
        },
        "validations": {
            ws.title: sorted((str(v.sqref), v.formula1) for v in ws.data_validations.dataValidation)
            for ws in book.worksheets
        },
        "conditional": {
            ws.title: sorted(
                (str(r.sqref), tuple(x.formula or ()))
                for r in ws.conditional_formatting
                for x in r.rules
            )
            for ws in book.worksheets
        },
        "inputs": {
            ws.title: {
                key: (c.value, c.data_type) for key, c in ws._cells.items() if c.value is not None
            }
            for ws in book.worksheets
            if ws.title in inputs
        },
    }


@pytest.fixture(scope="module")
def optimised(tmp_path_factory):
    """The sample (with two formula-looking names) through `pmo optimise`, before and after."""
    folder = tmp_path_factory.mktemp("roundtrip")
    book = edit(copy_book(folder), TRICKY)
    before = features(book)
    original = book.read_bytes()
    code = main(["optimise", str(book), "--time-limit", "2", "--json", str(folder / "r.json")])
    assert code == 0
    result = json.loads((folder / "r.json").read_text())
    return book, before, original, result


def test_round_trip_keeps_inputs_and_every_feature(optimised):
    book, before, original, _ = optimised
    after = features(book)
    for key in before:
        assert after[key] == before[key], key
    assert after["ribbon"] == (True, True)
    assert len(after["buttons"]) == len(schema.MACROS)
    assert backup_path(book).read_bytes() == original


def test_user_text_stays_text(optimised):
    book = openpyxl.load_workbook(optimised[0])
    names = {}
    for row in book["Portfolio"].iter_rows(min_row=4):
        names[row[1].value] = row[2]
    for (sheet, ref), text in TRICKY.items():
        project_id = book[sheet][f"A{ref[1:]}"].value
        cell = names[project_id]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    with zipfile.ZipFile(optimised[0]) as package:
        sheet = package.read("xl/worksheets/sheet10.xml").decode()
    assert "<f>1+1</f>" not in sheet and "<f>SUM(A1)</f>" not in sheet


def test_outputs_agree_with_the_json(optimised):
    book, _, _, result = optimised
    assert result["status"] in ("optimal", "feasible")
    assert set(result) == {
        "status",
        "objective",
        "bound",
        "gap",
        "bound_source",
        "wall_time_s",
        "phases_s",
        "notes",
        "baseline",
        "changes",
        "projects",
        "utilisation",
        "hiring",
        "shortfall",
        "balance",
        "steps_s",
    }
    # what proves the bound: the plan itself when proven, otherwise a solver (or the scores)
    assert result["bound_source"] in BOUND_SOURCES
    assert (result["bound_source"] == "optimal") == (result["status"] == "optimal")
    # the engine's steps and the command's: seconds each, the search among them
    assert "search" in result["phases_s"]
    assert all(seconds >= 0 for seconds in result["phases_s"].values())
    assert set(result["steps_s"]) == {"read", "solve", "write"}
    assert result["steps_s"]["write"] > 0 and result["steps_s"]["read"] > 0
    values = openpyxl.load_workbook(book)
    rows = {r[1]: r for r in values["Portfolio"].iter_rows(min_row=4, values_only=True) if r[1]}
    assert len(rows) == len(result["projects"])
    for project in result["projects"]:
        row = rows[project["id"]]
        assert (row[4] == "Selected") == project["selected"]
        assert (row[5], row[6]) == (project["start"], project["finish"])
        if project["start"]:
            assert month_text(parse_month(project["start"])) == project["start"]
        assert row[10] == project["reason"]
    utilisation = values["Utilisation"]
    months = [c.value for c in utilisation[3]][2:]
    demand = {}
    for row in utilisation.iter_rows(min_row=4, values_only=True):
        if row[1] == "Demand (FTE)":
            for month, value in zip(months, row[2:], strict=False):
                demand[(row[0], month)] = value
    for cell in result["utilisation"]:
        assert demand[(cell["role"], cell["month"])] == pytest.approx(cell["demand"], abs=1e-3)
    log = [r for r in values["Run log"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(log) == 1
    assert log[0][1] == result["status"]
    assert log[0][3] == pytest.approx(result["objective"])
    schedule = list(values["Schedule"].iter_rows(min_row=4, values_only=True))
    selected = sum(p["selected"] for p in result["projects"])
    assert sum(1 for r in schedule if r[2] == "Selected") == selected


def _hand_result(portfolio) -> Result:
    outcomes = tuple(
        ProjectOutcome(
            p.id,
            i % 2 == 0,
            portfolio.settings.plan_start if i % 2 == 0 else None,
            portfolio.settings.plan_start + max(p.duration, 1) if i % 2 == 0 else None,
            5.0,
            i + 1,
            "test",
        )
        for i, p in enumerate(portfolio.projects)
    )
    cells = tuple(
        UtilisationCell(role, m, 1.0, 2.0) for role in portfolio.capacity for m in portfolio.months
    )
    return Result(
        SolveStatus.FEASIBLE, 10.0, 12.0, 1 / 6, 0.5, projects=outcomes, utilisation=cells
    )


def test_run_log_appends(tmp_path):
    book = copy_book(tmp_path)
    for _ in range(2):
        read = read_workbook(book)
        grids = result_grids(read.portfolio, _hand_result(read.portfolio))
        writer.write_grids(book, grids, stamp=read.stamp, backup=False)
    log = openpyxl.load_workbook(book)["Run log"]
    rows = [r for r in log.iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(rows) == 2
    assert log.tables["tblRunLog"].ref == "A3:J5"
    assert not backup_path(book).exists()


def test_crash_during_save_leaves_the_original_intact(tmp_path, monkeypatch):
    book = copy_book(tmp_path)
    before = sha(book)
    read = read_workbook(book)

    def crash(workbook, path):
        path.write_bytes(b"PK\x03\x04 half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer, "_save", crash)
    expected = "Book.xlsm could not be written: the disk is full; Book.xlsm was left as it was"
    with pytest.raises(FileError, match=expected):
        writer.write_grids(
            book, result_grids(read.portfolio, _hand_result(read.portfolio)), stamp=read.stamp
        )
    assert sha(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Book.xlsm"]


def test_crash_during_optimise_save_exits_3_and_keeps_the_file(tmp_path, monkeypatch):
    book = copy_book(tmp_path)
    before = sha(book)

    def crash(workbook, path):
        raise FileError("simulated failure while saving")

    monkeypatch.setattr(writer, "_save", crash)
    assert main(["optimise", str(book), "--time-limit", "1"]) == 3
    assert sha(book) == before


def test_refuses_a_file_changed_since_it_was_read(tmp_path):
    book = copy_book(tmp_path)
    read = read_workbook(book)
    edit(book, {("Intake", "B4"): "Renamed meanwhile"})
    changed = sha(book)
    with pytest.raises(FileError, match="changed since it was read"):
        writer.write_grids(
            book, result_grids(read.portfolio, _hand_result(read.portfolio)), stamp=read.stamp
        )
    assert sha(book) == changed


def test_refuses_while_excel_holds_the_file(tmp_path):
    book = copy_book(tmp_path, "PMO_Portfolio.xlsm")
    (tmp_path / "~$O_Portfolio.xlsm").write_bytes(b"owner")
    read = read_workbook(book)
    before = sha(book)
    with pytest.raises(FileError) as caught:
        writer.write_grids(
            book, result_grids(read.portfolio, _hand_result(read.portfolio)), stamp=read.stamp
        )
    assert str(caught.value) == (
        "PMO_Portfolio.xlsm is open in Excel (lock file "
        "~$O_Portfolio.xlsm found); close it in Excel and run again"
    )
    assert sha(book) == before


def test_out_leaves_the_source_untouched(tmp_path):
    book = copy_book(tmp_path)
    before = sha(book)
    read = read_workbook(book)
    out = tmp_path / "Scenario.xlsm"
    outcome = writer.write_grids(
        book, result_grids(read.portfolio, _hand_result(read.portfolio)), out=out, stamp=read.stamp
    )
    assert outcome == writer.WriteOutcome(out, None)
    assert sha(book) == before
    assert read_workbook(out).portfolio == read.portfolio


def test_only_output_sheets_can_be_written(tmp_path):
    from workbook.book.grids import Grid

    book = copy_book(tmp_path)
    with pytest.raises(FileError, match="not an output sheet"):
        writer.write_grids(book, [Grid("Intake", ["ID"], [["X"]])])


def test_a_write_that_would_change_an_input_cell_is_refused(tmp_path, monkeypatch):
    book = copy_book(tmp_path)
    before = sha(book)
    read = read_workbook(book)
    real_save = writer._save

    def tamper_then_save(workbook, path):
        workbook["Intake"]["B4"].value = "Overwritten by a buggy writer"
        real_save(workbook, path)

    monkeypatch.setattr(writer, "_save", tamper_then_save)
    with pytest.raises(FileError, match=r"writing would have changed Intake!B4"):
        writer.write_grids(
            book, result_grids(read.portfolio, _hand_result(read.portfolio)), stamp=read.stamp
        )
    assert sha(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Book.xlsm"]
