"""The `pmo` command: new, validate, optimise (objective, JSON), doctor, usage errors."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from rich.console import Console

from tests.workbook._books import copy_book, edit, sha
from workbook import cli
from workbook.book import schema
from workbook.cli import main
from workbook.files.reader import read_workbook


def test_new_writes_a_workbook_that_validates(tmp_path, capsys):
    path = tmp_path / "Dept.xlsm"
    assert main(["new", str(path)]) == 0
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    # the sample's one warning: Priya Raman on two overlapping projects (the PM check)
    assert (
        "Dept.xlsm: no input errors (1 warning(s), 12 note(s)); 45 projects, 9 roles, "
        "24 months." in out
    )
    assert 'project manager "Priya Raman" runs 2 projects at once in 2027-09..2027-10' in out
    # the xlwings add-in's "Run main" imports the module named after the workbook
    runner = (tmp_path / "Dept.py").read_text(encoding="utf-8")
    assert "from udfs.entry import main" in runner


def test_new_empty_and_refusing_to_overwrite(tmp_path, capsys):
    path = tmp_path / "Empty.xlsm"
    assert main(["new", str(path), "--empty"]) == 0
    before = sha(path)
    assert main(["new", str(path)]) == 3
    assert sha(path) == before
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr()
    assert "already exists; choose another name or add --force" in out.err
    assert "0 projects" in out.out
    assert main(["new", str(tmp_path / "Book.xlsx")]) == 3


def test_usage_errors_exit_3(capsys):
    assert main([]) == 3
    assert main(["optimise"]) == 3
    assert main(["optimise", "x.xlsm", "--objective", "fastest"]) == 3
    assert main(["frobnicate"]) == 3
    assert main(["--help"]) == 0
    err = capsys.readouterr().err
    assert "invalid choice: 'fastest'" in err


def test_optimise_into_a_copy_with_json(tmp_path, capsys):
    book = copy_book(tmp_path)
    before = sha(book)
    out, result = tmp_path / "Scenario.xlsm", tmp_path / "result.json"
    code = main(
        [
            "optimise",
            str(book),
            "--out",
            str(out),
            "--objective",
            "value",
            "--time-limit",
            "2",
            "--seed",
            "3",
            "--json",
            str(result),
            "--csv",
            str(tmp_path / "csv"),
        ]
    )
    assert code == 0
    assert sha(book) == before and out.exists()
    data = json.loads(result.read_text())
    with (tmp_path / "csv" / "projects.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["project_id"] for r in rows] == [p["id"] for p in data["projects"]]
    chosen = {r["project_id"] for r in rows if r["decision"] == "Selected"}
    assert chosen == {p["id"] for p in data["projects"] if p["selected"]}
    assert data["status"] in ("optimal", "feasible")
    month = re.compile(r"^\d{4}-\d{2}$")
    assert all(month.match(p["start"]) for p in data["projects"] if p["selected"])
    assert all(month.match(u["month"]) for u in data["utilisation"])
    log = openpyxl.load_workbook(out)["Run log"]
    assert "objective=value" in log["I4"].value and "seed 3" in log["I4"].value
    assert "Wrote the results into" in capsys.readouterr().out


def _infeasible_book(folder):
    # three big application projects made mandatory cannot all run with the others
    book = copy_book(folder)
    return edit(book, {("Intake", f"D{row}"): "Yes" for row in (14, 16, 33)})  # P-111/113/130


def _sheet_values(path, names):
    book = openpyxl.load_workbook(path)
    return {
        name: {k: c.value for k, c in book[name]._cells.items() if c.value is not None}
        for name in names
    }


def _messages(path):
    ws = openpyxl.load_workbook(path)["Messages"]
    rows = ws.iter_rows(min_row=4, values_only=True)
    return [
        (sev, f"{sheet}!{cell}: {text}" if sheet and cell else text)
        for sev, sheet, cell, text in rows
        if sev
    ]


INPUTS = [s.name for s in schema.INPUT_SHEETS]


def test_infeasible_exits_2_and_writes_messages_and_the_run_log(tmp_path, capsys):
    book = _infeasible_book(tmp_path)
    out_book = tmp_path / "Out.xlsm"
    result = tmp_path / "result.json"
    code = main(
        ["optimise", str(book), "--out", str(out_book), "--time-limit", "2", "--json", str(result)]
    )
    assert code == 2
    out = capsys.readouterr().out.splitlines()
    assert "No plan: infeasible." in out
    # the conflict set the diagnosis finds names one of the three made mandatory (with the
    # balance rules of the sample it may be any of them)
    conflicts = [line for line in out if line.startswith("Error: Conflict: ")]
    assert any(re.search(r'P-1(11|13|30) "[^"]+" is mandatory', line) for line in conflicts)
    assert json.loads(result.read_text())["status"] == "infeasible"
    # the same words on the Messages sheet of --out, a Run log row; inputs and plan untouched
    written = _messages(out_book)
    assert ("Error", conflicts[0].removeprefix("Error: ")) in written
    assert [f"{sev}: {text}" for sev, text in written] == [
        line for line in out if line.startswith(("Error: ", "Warning: ", "Info: "))
    ]
    log = openpyxl.load_workbook(out_book)["Run log"]
    assert log["B4"].value == "infeasible"
    names = [*INPUTS, "Portfolio", "Schedule"]
    assert _sheet_values(out_book, names) == _sheet_values(book, names)


def test_input_errors_exit_1_and_write_messages_and_the_run_log(tmp_path, capsys):
    book = edit(copy_book(tmp_path), {("Intake", "I5"): "three"})  # a duration that is text
    before = _sheet_values(book, INPUTS)
    assert main(["optimise", str(book), "--time-limit", "2"]) == 1
    out = capsys.readouterr().out.splitlines()
    line = 'Error: Intake!I5: "Duration (months)" must be a whole number of months; found "three"'
    assert line in out
    written = _messages(book)
    assert [f"{sev}: {text}" for sev, text in written] == [
        line for line in out if line.startswith(("Error: ", "Warning: ", "Info: "))
    ]
    assert openpyxl.load_workbook(book)["Run log"]["B4"].value == "invalid input"
    assert _sheet_values(book, INPUTS) == before


def test_finish_on_the_sample_returns_a_plan(tmp_path, capsys):
    # alternatives keep one member; what does not fit the horizon is left out with its reason
    book = copy_book(tmp_path)
    result = tmp_path / "result.json"
    code = main(
        ["optimise", str(book), "--objective", "finish", "--time-limit", "3", "--json", str(result)]
    )
    assert code == 0
    data = json.loads(result.read_text())
    assert data["status"] in ("optimal", "feasible")
    chosen = {p["id"] for p in data["projects"] if p["selected"]}
    assert not {"P-111", "P-112"} <= chosen and not {"P-117", "P-118"} <= chosen
    assert all(p["selected"] or p["why"]["text"] for p in data["projects"])
    assert "Not every project fits inside the 24-month horizon" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--time-limit", "0"], "more than 0 and at most 86,400 (one day), not '0'"),
        (["--time-limit", "inf"], "not 'inf'"),  # issue 13, defect 11
        (["--time-limit", "nan"], "not 'nan'"),
        (["--seed", "2147483648"], "from 0 to 2,147,483,647"),  # issue 13, defect 2
        (["--seed", "-1"], "from 0 to 2,147,483,647"),
    ],
)
def test_out_of_range_options_are_usage_errors(tmp_path, capsys, args, words):
    book = copy_book(tmp_path)
    before = sha(book)
    assert main(["optimise", str(book), *args]) == 3
    assert words in capsys.readouterr().err
    assert sha(book) == before


def test_batch_counts_and_sizes_have_ranges(tmp_path, capsys):
    for args in (
        ["--jobs", "0"],
        ["--solver-workers", "5000"],
        ["--memory-limit", "-1"],
        ["--timeout-margin", "inf"],
    ):
        assert main(["batch", str(tmp_path), "--out-dir", str(tmp_path / "o"), *args]) == 3
    err = capsys.readouterr().err
    assert "must be a whole number from 1 to 1,024, not '5000'" in err
    assert "(no limit)" in err


def test_progress_lines_when_not_a_terminal():
    console = Console(record=True, force_terminal=False, width=200)
    progress = cli._Progress(console)
    progress(SimpleNamespace(objective=10.0, bound=12.0, gap=1 / 6, elapsed=0.5))
    progress(SimpleNamespace(objective=11.0, bound=12.0, gap=1 / 12, elapsed=1.5))
    progress(SimpleNamespace(objective=11.5, bound=12.0, gap=0.04, elapsed=1.7))  # too soon
    progress.stop()
    text = console.export_text()
    assert text.count("Optimising...") == 1
    assert "best 11, bound 12, gap 8.3%" in text


def test_doctor_reports(capsys):
    code = main(["doctor"])
    assert code in (0, 3)
    assert capsys.readouterr().out.strip()


def test_a_bug_is_a_message_with_its_details_kept(tmp_path, capsys, monkeypatch):
    # the last resort: whatever escapes every check is still a message, never a traceback
    def broken(_transport):
        raise ValueError("boom")

    monkeypatch.setattr(cli.service, "validate", broken)
    monkeypatch.delenv("PMO_DEBUG", raising=False)
    assert main(["validate", str(copy_book(tmp_path))]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    found = re.search(
        r"Internal error \(a bug in pmo\): ValueError: boom\. .*details are in (\S+);", err
    )
    assert found, err
    assert "ValueError: boom" in Path(found.group(1)).read_text(encoding="utf-8")


def test_re_optimising_keeps_the_plan_and_lists_what_changed(tmp_path, capsys):
    # first run: no baseline; the plan written is the next run's baseline
    book = copy_book(tmp_path)
    first_json, again_json, off_json = (tmp_path / f"{n}.json" for n in ("a", "b", "c"))
    assert main(["optimise", str(book), "--time-limit", "3", "--json", str(first_json)]) == 0
    assert "no earlier plan to compare with" in capsys.readouterr().out
    first = json.loads(first_json.read_text())
    assert first["baseline"] is None and first["changes"] == []
    portfolio_before = _decisions(book)
    # nothing changed in the inputs: the plan changes only where that pays at Normal
    assert main(["optimise", str(book), "--time-limit", "3", "--json", str(again_json)]) == 0
    out = capsys.readouterr().out
    again = json.loads(again_json.read_text())
    points = again["baseline"]["points_per_change"]
    assert again["baseline"]["projects"] == sum(p["selected"] for p in first["projects"])
    if again["changes"]:
        gain = again["objective"] - first["objective"]
        assert gain > points * len(again["changes"]) - 1e-6
    else:
        assert "no change since the last plan (Stability: " in out
        assert _decisions(book) == portfolio_before
        changes = openpyxl.load_workbook(book)["Changes"]
        assert [c.value for c in changes[4]][5].startswith("no change since the last plan")
    # one more Project manager in 2028-02 (Capacity!O4) and Stability off: a fresh plan;
    # every change on the Changes sheet, with its cause and (when it uses it) that cell
    edit(book, {("Capacity", "O4"): 6.0})
    args = ["optimise", str(book), "--time-limit", "3", "--stability", "Off"]
    assert main([*args, "--json", str(off_json)]) == 0
    changed = json.loads(off_json.read_text())["changes"]
    sheet = openpyxl.load_workbook(book)["Changes"]
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]]
    assert [(r[0], r[1]) for r in rows] == [(c["change"], c["id"]) for c in changed]
    for row in rows:
        assert row[5].startswith(
            ("capacity of Project manager in 2028-02 5.5 -> 6 FTE", "knock-on of capacity")
        )
        assert row[6] == ("Capacity!O4" if row[5].startswith("capacity") else None)
    assert f"{len(rows)} change(s) since the last plan" in capsys.readouterr().out or not rows


def _decisions(book):
    """Portfolio without its Reason column (whose solved parts depend on the time they got)."""
    cells = _sheet_values(book, ["Portfolio"])["Portfolio"]
    return {key: value for key, value in cells.items() if key[1] != 11}


def test_a_bad_stability_override_is_a_usage_error(tmp_path, capsys):
    book = copy_book(tmp_path)
    assert main(["optimise", str(book), "--stability", "steady"]) == 3
    assert "--stability: Stability must be Off, Low, Normal, High" in capsys.readouterr().err


def test_the_baseline_capacity_is_the_input_capacity_without_the_plans_hires(tmp_path):
    # Utilisation shows capacity with the plan's hires (the sample hires Overtime): read back
    # as the baseline it is the Capacity sheet's own, so an unchanged book names no capacity
    # change on the Changes sheet
    book = copy_book(tmp_path)
    assert main(["optimise", str(book), "--time-limit", "3"]) == 0
    read = read_workbook(book)
    assert read.baseline is not None
    plan_start = read.portfolio.settings.plan_start
    assert read.baseline.capacity == {
        (role, plan_start + t): value
        for role, values in read.portfolio.capacity.items()
        for t, value in enumerate(values)
    }


def _settings_row(book, name):
    ws = openpyxl.load_workbook(book)["Settings"]
    return next(c.row for c in ws["A"] if c.value == name)


def test_reproducible_from_the_settings_or_the_command_line(tmp_path, capsys):
    book = copy_book(tmp_path)
    assert read_workbook(book).portfolio.settings.reproducible is False  # the default: No
    row = _settings_row(book, "Reproducible")
    edit(book, {("Settings", f"B{row}"): "yes"})
    assert read_workbook(book).portfolio.settings.reproducible is True
    edit(book, {("Settings", f"B{row}"): "No"})
    plans = []
    for name in ("A", "B"):
        out, result = tmp_path / f"{name}.xlsm", tmp_path / f"{name}.json"
        args = ["optimise", str(book), "--out", str(out), "--time-limit", "1", "--reproducible"]
        assert main([*args, "--json", str(result)]) == 0
        data = json.loads(result.read_text())
        plans.append({p["id"]: p["start"] for p in data["projects"] if p["selected"]})
        log = openpyxl.load_workbook(out)["Run log"]
        assert "reproducible" in log["I4"].value
    assert plans[0] == plans[1]
    capsys.readouterr()


def test_a_bad_reproducible_setting_names_its_cell(tmp_path, capsys):
    book = copy_book(tmp_path)
    row = _settings_row(book, "Reproducible")
    edit(book, {("Settings", f"B{row}"): "Sometimes"})
    assert main(["validate", str(book)]) == 1
    assert f"Settings!B{row}" in capsys.readouterr().out
