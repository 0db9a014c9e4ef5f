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

from tests.workbook._books import copy_book, sha
from workbook import cli
from workbook.cli import main


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


def test_infeasible_exits_2_with_reasons_and_json(tmp_path, capsys):
    # "finish" schedules every project in play, but the sample has an Excludes pair.
    book = copy_book(tmp_path)
    before = sha(book)
    result = tmp_path / "result.json"
    code = main(
        ["optimise", str(book), "--objective", "finish", "--time-limit", "2", "--json", str(result)]
    )
    assert code == 2
    out = capsys.readouterr().out.splitlines()
    assert "No plan: infeasible." in out
    assert any(line.startswith('  - P-117 "') and "exclude each other" in line for line in out)
    assert json.loads(result.read_text())["status"] == "infeasible"
    assert sha(book) == before


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
