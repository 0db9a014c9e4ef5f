"""Scenarios kept inside the workbook: save, list, compare and restore; the inputs come back
exactly (value, type and number format of every input cell, and the Tables' ranges)."""

from __future__ import annotations

import openpyxl
import pytest

from tests.workbook._books import copy_book, edit, sha
from workbook.book import schema
from workbook.book.scenarios import Scenario, read_store, store_grid
from workbook.cli import main
from workbook.files.reader import read_workbook


def input_snapshot(path):
    """Every input sheet's cells: value, type and number format, and each Table's range."""
    book = openpyxl.load_workbook(path)
    found = {}
    for item in schema.INPUT_SHEETS:
        ws = book[item.name]
        cells = {
            key: (c.value, c.data_type, c.number_format)
            for key, c in ws._cells.items()
            if c.value is not None
        }
        found[item.name] = (cells, {t.displayName: t.ref for t in ws.tables.values()})
    return found


def test_save_compare_restore_round_trips_the_inputs_exactly(tmp_path, capsys):
    book = copy_book(tmp_path)
    # awkward inputs first: text that looks like a formula, a formula, a date
    edit(
        book,
        {
            ("Intake", "B4"): "=1+1 is not a formula",
            ("Budget", "C3"): "Note",
        },
    )
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb["Budget"]["C4"] = "=B4/12"
    wb.save(book)
    from workbook.files.macros.ribbon import ensure_ribbon_relationship

    ensure_ribbon_relationship(book)
    base_inputs = input_snapshot(book)
    assert main(["scenario", "save", str(book), "Base", "--time-limit", "2"]) == 0
    assert input_snapshot(book) == base_inputs  # saving never touches an input
    # a leaner year: less budget, a project gone, a demand row removed, a hiring row added
    row = schema.BUDGET.header_row + 1
    intake = schema.INTAKE.header_row + 1
    edit(
        book,
        {
            ("Budget", f"B{row}"): 6_000_000,
            ("Intake", f"E{intake + 8}"): "Out",
            ("Demand", f"C{schema.DEMAND.header_row + 1}"): 0.25,
        },
    )
    lean_inputs = input_snapshot(book)
    assert (
        main(["scenario", "save", str(book), "Lean", "--note", "cut 2027", "--time-limit", "2"])
        == 0
    )
    assert main(["scenario", "list", str(book)]) == 0
    out = capsys.readouterr().out
    assert "Base" in out and "Lean" in out and "cut 2027" in out

    assert main(["scenario", "compare", str(book), "Base", "Lean"]) == 0
    wb = openpyxl.load_workbook(book, read_only=True)
    rows = [r for r in wb["Compare"].iter_rows(min_row=schema.COMPARE.header_row, values_only=True)]
    wb.close()
    assert rows[0][:4] == ("Section", "Item", "Base", "Lean")
    inputs = {r[1]: (r[2], r[3]) for r in rows if r[0] == "Input"}
    assert inputs[f"Budget!B{row}"] == (9_500_000, 6_000_000)
    assert inputs[f"Intake!E{intake + 8}"] == ("None", "Out")
    sections = {r[0] for r in rows[1:]}
    assert {"Result", "Spend", "FTE-months", "Input"} <= sections
    values = {r[1]: r[2:4] for r in rows if r[0] == "Result"}
    assert all(isinstance(v, float) for v in values["Value"])  # both are plans
    assert {r[1] for r in rows if r[0] == "Spend"} >= {"2027 spend", "2027 budget"}

    before = sha(book)
    assert main(["scenario", "restore", str(book), "Base"]) == 0
    assert input_snapshot(book) == base_inputs
    assert sha(book.with_name("Book.bak.xlsm")) == before
    assert main(["scenario", "restore", str(book), "Lean"]) == 0
    assert input_snapshot(book) == lean_inputs
    assert read_workbook(book).portfolio.budget[2027] == 6_000_000


def test_restore_and_compare_refuse_unknown_names(tmp_path, capsys):
    book = copy_book(tmp_path)
    before = sha(book)
    assert main(["scenario", "restore", str(book), "Nope"]) == 3
    assert main(["scenario", "compare", str(book), "A", "B"]) == 3
    assert "no scenario" in capsys.readouterr().err
    assert sha(book) == before
    assert main(["scenario", "save", str(book), "   "]) == 3


def test_the_store_splits_and_joins_long_documents():
    big = Scenario("Big", "2027-01-01 00:00:00", "x" * 70_000, {}, {"value": 1.0})
    grid = store_grid([big])
    assert len(grid.rows) == 3 and all(len(str(r[2])) <= 30_000 for r in grid.rows)
    found, problems = read_store([tuple(r) for r in reversed(grid.rows)])
    assert problems == [] and found == [big]
    broken, problems = read_store([("Bad", 1, "{not json")])
    assert broken == [] and "could not be read back" in problems[0]


@pytest.mark.parametrize("name", ["Base"])
def test_the_store_sheet_is_very_hidden(tmp_path, name):
    book = copy_book(tmp_path)
    assert main(["scenario", "save", str(book), name, "--time-limit", "1"]) == 0
    wb = openpyxl.load_workbook(book, read_only=True)
    assert wb[schema.SCENARIO_STORE.name].sheet_state == "veryHidden"
    wb.close()


def test_a_values_only_scenario_leaves_the_formulas_in_place(tmp_path):
    # saved from live Excel, formula cells come as their values: restore keeps the formulas
    import dataclasses

    from workbook.files.restore import restore_inputs

    book = copy_book(tmp_path)
    original = input_snapshot(book)
    read = read_workbook(book)
    flattened = {
        name: dataclasses.replace(
            data,
            formulas=False,
            cells=tuple(
                (r, c, "n", 0, f) if k == "f" else (r, c, k, v, f) for r, c, k, v, f in data.cells
            ),
        )
        for name, data in read.inputs.items()
    }
    row = schema.BUDGET.header_row + 1
    edit(book, {("Budget", f"B{row}"): 1})
    restore_inputs(book, Scenario("Live", "2027-01-01 00:00:00", "", flattened, {}))
    assert input_snapshot(book) == original
