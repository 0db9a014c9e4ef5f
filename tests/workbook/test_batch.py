"""`pmo batch`: a folder of good and bad workbooks, child processes that die, a Dask cluster.

Every good workbook must come back with a plan the independent checker accepts and with
cached formula values equal to the engine's; every bad one with a clear report line; and no
input may change unless the batch was told to update it.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import time
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pytest

from bench.generate import generate_portfolio
from engine.checker import check_plan
from engine.errors import FileError
from engine.months import parse_month
from engine.plan import SELECTED
from engine.result import ProjectOutcome, Result, SolveStatus
from engine.scoring import weighted_score
from tests.workbook._books import copy_book, edit, sha, sheet_part
from tests.workbook.test_malformed import CASES, ZIP_BOMB, _strings_bomb, _zip
from workbook.cli import main
from workbook.files.reader import read_workbook
from workbook.files.template import HEADER_ROW, SCORING_HEADER_ROW, build_workbook
from workbook.headless import batch
from workbook.headless.batch import BookRunner, RunnerOptions, Status, Task

TIME_LIMIT = "2"
INFEASIBLE = dict((case[0], case[1]) for case in CASES)["infeasible mandatory set"]
# Inherited by everything this module starts, so that the leftover checks see only our own
# processes: another test session on the same machine may be running batches right now.
THIS_RUN = ("PMO_TEST_BATCH_RUN", uuid.uuid4().hex)


@pytest.fixture(scope="module", autouse=True)
def _mark_this_run():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(*THIS_RUN)
        yield


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def good_book(path: Path, seed: int) -> Path:
    """A small generated portfolio (15 projects) in the template."""
    return build_workbook(path, generate_portfolio(15, seed=seed))


def build_mixed_folder(folder: Path) -> dict[str, Path]:
    """Good books and one of every kind of bad one, as a PMO's shared folder might hold."""
    folder.mkdir()
    books = {f"good{i}": good_book(folder / f"good{i}.xlsm", seed=i) for i in (1, 2)}
    books["corrupt"] = folder / "corrupt.xlsm"
    books["corrupt"].write_bytes(b"ID,Name\nP-1,Something\n")
    books["zip bomb"] = _zip(ZIP_BOMB)(folder / "zipbomb.xlsm")
    books["strings bomb"] = _strings_bomb(good_book(folder / "strings.xlsm", seed=4))
    books["locked"] = good_book(folder / "locked.xlsm", seed=5)
    (folder / "~$locked.xlsm").write_bytes(b"owner")
    books["invalid"] = edit(
        good_book(folder / "invalid.xlsm", seed=6), {("Intake", "I4"): "3.5 mo"}
    )
    books["infeasible"] = INFEASIBLE(copy_book(folder, "infeasible.xlsm"))
    return books


def plan_from_sheet(path: Path, portfolio, objective: float) -> Result:
    """The plan as the Portfolio sheet shows it, for the independent checker."""
    ws = openpyxl.load_workbook(path, data_only=True)["Portfolio"]
    header = [c.value for c in ws[HEADER_ROW + 1]]
    at = {name: header.index(name) for name in ("ID", "Decision", "Start")}
    outcomes = []
    for row in ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True):
        if not row[at["ID"]]:
            continue
        project = portfolio.project(row[at["ID"]])
        selected = row[at["Decision"]] == SELECTED
        start = parse_month(row[at["Start"]]) if selected else None
        end = start + project.duration if selected else None
        outcomes.append(ProjectOutcome(project.id, selected, start, end))
    assert len(outcomes) == len(portfolio.projects)
    return Result(SolveStatus.FEASIBLE, objective=objective, projects=tuple(outcomes))


def assert_fresh_scores(path: Path) -> None:
    """Every formula cell has a cached value; the Scoring ones equal the engine's scores."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and values[ws.title][cell.coordinate].value is None:
                    # openpyxl reads a cached "" (a formula's blank answer, as an empty table
                    # row's or a manager's rating without evaluations) as None too: look at it
                    assert _cached_empty_text(path, ws.title, cell.coordinate), (
                        f"{path.name} {ws.title}!{cell.coordinate} has no cached value"
                    )
    portfolio = read_workbook(path).portfolio
    scoring = values["Scoring"]
    header = [c.value for c in scoring[SCORING_HEADER_ROW + 1]]
    column = header.index("Weighted score")
    computed = {
        row[0]: row[column]
        for row in scoring.iter_rows(min_row=SCORING_HEADER_ROW + 2, values_only=True)
        if row[0]
    }
    assert set(computed) == {p.id for p in portfolio.projects}
    for project in portfolio.projects:
        expected = weighted_score(project.scores, portfolio.criteria)
        assert computed[project.id] == pytest.approx(expected, abs=1e-9), project.id


def _cached_empty_text(path: Path, sheet: str, coordinate: str) -> bool:
    """Whether the cell's XML holds a cached empty text (`t="str"` and a `<v>`)."""
    with zipfile.ZipFile(path) as package:
        xml = package.read(sheet_part(path, sheet)).decode("utf-8")
    found = re.search(rf'<c r="{coordinate}"([^>]*)>(.*?)</c>', xml, re.DOTALL)
    return found is not None and 't="str"' in found.group(1) and "<v" in found.group(2)


def tagged_processes() -> list[int]:
    """Processes of this test run still carrying a batch runner's tag (LibreOffice, children)."""
    ours = "=".join(THIS_RUN).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if b"PMO_BATCH_RUNNER=" in environ and ours in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


def assert_no_leftovers(timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while tagged_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tagged_processes() == [], "processes started by the batch are still running"


# --- The mixed folder, run once with two jobs ---------------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, libreoffice):
    root = tmp_path_factory.mktemp("batch")
    books = build_mixed_folder(root / "in")
    hashes = {p: sha(p) for p in (root / "in").iterdir()}
    report, report_json = root / "report.csv", root / "report.json"
    code = main(
        [
            "batch",
            str(root / "in"),
            "--out-dir",
            str(root / "out"),
            "--jobs",
            "2",
            "--time-limit",
            TIME_LIMIT,
            "--report",
            str(report),
            "--json",
            str(report_json),
        ]
    )
    rows = {Path(row["file"]).name: row for row in read_csv(report)}
    return {
        "root": root,
        "books": books,
        "hashes": hashes,
        "code": code,
        "rows": rows,
        "json": json.loads(report_json.read_text()),
    }


@pytest.mark.libreoffice
def test_batch_reports_every_book_and_exits_1(mixed):
    assert mixed["code"] == 1
    rows = mixed["rows"]
    assert set(rows) == {p.name for p in mixed["books"].values()}, "~$ owner file taken as input"
    expected = {
        "good1": "ok",
        "good2": "ok",
        "corrupt": "file error",
        "zip bomb": "file error",
        "strings bomb": "file error",
        "locked": "file error",
        "invalid": "input errors",
        "infeasible": "infeasible",
    }
    got = {kind: rows[path.name]["status"] for kind, path in mixed["books"].items()}
    assert got == expected

    def message(kind):
        return rows[mixed["books"][kind].name]["message"]

    assert "not an Excel workbook" in message("corrupt")
    assert "a zip bomb?" in message("zip bomb")
    assert "more than 500,000 different texts" in message("strings bomb")
    assert "is open in Excel (lock file ~$locked.xlsm found)" in message("locked")
    assert (
        'Intake!I4: "Duration (months)" must be a whole number of months; found "3.5 mo"'
        in message("invalid")
    )
    assert message("infeasible").startswith("no plan: ")
    data = mixed["json"]
    assert data["workbooks"] == 8 and data["ok"] == 2
    assert data["statuses"] == {"ok": 2, "file error": 4, "input errors": 1, "infeasible": 1}


@pytest.mark.libreoffice
def test_good_books_get_a_valid_plan_and_fresh_values(mixed):
    out = mixed["root"] / "out"
    for kind in ("good1", "good2"):
        row = mixed["rows"][mixed["books"][kind].name]
        path = Path(row["output"])
        assert path == out / mixed["books"][kind].name
        portfolio = read_workbook(path).portfolio
        result = plan_from_sheet(path, portfolio, float(row["value"]))
        assert check_plan(portfolio, result) == [], kind
        assert int(row["selected"]) == len(result.selected) > 0
        assert float(row["solve_s"]) > 0 and float(row["recalc_s"]) > 0
        assert_fresh_scores(path)


@pytest.mark.libreoffice
def test_inputs_untouched_and_nothing_else_written(mixed):
    for path, before in mixed["hashes"].items():
        assert sha(path) == before, f"{path.name} changed"
    written = sorted(p.name for p in (mixed["root"] / "out").iterdir())
    assert written == ["good1.xlsm", "good2.xlsm"]
    assert sorted(p.name for p in (mixed["root"] / "in").iterdir()) == sorted(
        p.name for p in mixed["hashes"]
    )
    assert_no_leftovers()


@pytest.mark.libreoffice
def test_in_place_keeps_a_backup_and_leaves_bad_books_alone(tmp_path, libreoffice, capsys):
    good = good_book(tmp_path / "good.xlsm", seed=7)
    locked = good_book(tmp_path / "locked.xlsm", seed=8)
    (tmp_path / "~$locked.xlsm").write_bytes(b"owner")
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 truncated")
    before = {p: sha(p) for p in (good, locked, corrupt)}

    code = main(
        ["batch", str(tmp_path / "*.xls*"), "--in-place", "--jobs", "1", "--time-limit", TIME_LIMIT]
    )

    assert code == 1
    out = capsys.readouterr().out
    assert "1 of 3 workbook(s) ok." in out
    assert sha(good) != before[good]
    assert sha(tmp_path / "good.bak.xlsm") == before[good]
    assert sha(locked) == before[locked] and sha(corrupt) == before[corrupt]
    assert not (tmp_path / "locked.bak.xlsm").exists()
    assert_fresh_scores(good)


# --- A child that hangs or dies ---------------------------------------------------------------


@pytest.mark.libreoffice
def test_runner_survives_a_hung_and_a_crashed_child(tmp_path, libreoffice):
    slow, crash, good = (
        good_book(tmp_path / f"{name}.xlsm", seed=9 + i)
        for i, name in enumerate(("slow", "crash", "good"))
    )
    before = {p: sha(p) for p in (slow, crash)}
    # A 0.5 s budget: the child cannot even start LibreOffice in time.
    with BookRunner(RunnerOptions(margin=0.5)) as runner:
        report = runner.run(Task(str(slow), str(tmp_path / "out" / "slow.xlsm"), 2.0))
        assert report.status is Status.TIMEOUT
        assert report.message.startswith(
            "did not finish within 0.5 s (solver time limit + "
            "0.5 s margin); stopped before writing: nothing"
        )
        assert_no_leftovers()
        runner.options = RunnerOptions()

        def kill_child(stage, _limit):
            if stage == "solve":
                os.kill(runner.pid, signal.SIGKILL)

        report = runner.run(Task(str(crash), None, 2.0), kill_child)
        assert report.status is Status.CRASHED
        assert "the worker process died (killed by SIGKILL" in report.message
        report = runner.run(Task(str(good), None, 2.0))
        assert report.status is Status.OK, report.message
        assert runner.starts == 3
        assert runner.pid in tagged_processes(), "the leftover check cannot see our processes"
    assert all(sha(p) == h for p, h in before.items())
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "out") == [
        "crash.xlsm",
        "good.bak.xlsm",
        "good.xlsm",
        "slow.xlsm",
    ]
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert_fresh_scores(good)
    assert_no_leftovers()


# --- Dask ---------------------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_batch_on_a_dask_cluster(tmp_path, libreoffice, capsys):
    from distributed import LocalCluster

    books = [good_book(tmp_path / "in" / f"dept{i}.xlsm", seed=20 + i) for i in range(2)]
    corrupt = tmp_path / "in" / "corrupt.xlsm"
    corrupt.write_bytes(b"not a workbook")
    hashes = {p: sha(p) for p in [*books, corrupt]}
    report = tmp_path / "report.csv"
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        code = main(
            [
                "batch",
                str(tmp_path / "in"),
                "--scheduler",
                cluster.scheduler_address,
                "--out-dir",
                str(tmp_path / "out"),
                "--time-limit",
                TIME_LIMIT,
                "--solver-workers",
                "1",
                "--report",
                str(report),
            ]
        )
    assert code == 1
    assert f"3 workbook(s) on {cluster.scheduler_address}." in capsys.readouterr().out
    rows = {Path(r["file"]).name: r for r in read_csv(report)}
    assert {name: r["status"] for name, r in rows.items()} == {
        "corrupt.xlsm": "file error",
        "dept0.xlsm": "ok",
        "dept1.xlsm": "ok",
    }
    for book in books:
        path = tmp_path / "out" / book.name
        portfolio = read_workbook(path).portfolio
        result = plan_from_sheet(path, portfolio, float(rows[book.name]["value"]))
        assert check_plan(portfolio, result) == []
        assert_fresh_scores(path)
    assert all(sha(p) == h for p, h in hashes.items())
    assert_no_leftovers()


# --- Inputs, options and reports (no LibreOffice) -------------------------------------------------


def test_expand_inputs_skips_owner_backup_and_other_files(tmp_path):
    for name in ("a.xlsm", "b.xlsx", "~$a.xlsm", "a.bak.xlsm", ".a.tmp123.xlsm", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.XLSM").write_bytes(b"x")
    found = batch.expand_inputs([tmp_path, str(tmp_path / "sub" / "*.XLSM"), tmp_path / "a.xlsm"])
    assert [p.name for p in found] == ["a.xlsm", "b.xlsx", "c.XLSM"]
    assert [p.name for p in batch.expand_inputs([tmp_path / "notes.txt"])] == ["notes.txt"]
    for missing in (tmp_path / "nope.xlsm", str(tmp_path / "*.xlsb"), tmp_path / "~$a.xlsm"):
        with pytest.raises(FileError):
            batch.expand_inputs([missing])


def test_plan_tasks_refuses_ambiguous_outputs(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    one, two = tmp_path / "x" / "Book.xlsm", tmp_path / "y" / "book.xlsm"
    with pytest.raises(FileError, match="two workbooks are named"):
        batch.plan_tasks([one, two], out_dir=tmp_path / "out", in_place=False)
    with pytest.raises(FileError, match=r"holds the input Book\.xlsm"):
        batch.plan_tasks([one], out_dir=tmp_path / "x", in_place=False)
    [task] = batch.plan_tasks([one], out_dir=None, in_place=True, time_limit=3)
    assert task.out is None and task.time_limit == 3


def test_batch_usage_errors_exit_3(tmp_path, capsys):
    book = tmp_path / "a.xlsm"
    book.write_bytes(b"x")
    assert main(["batch", str(book)]) == 3
    assert main(["batch", str(book), "--in-place", "--out-dir", str(tmp_path)]) == 3
    assert main(["batch", str(book), "--in-place", "--jobs", "0"]) == 3
    assert main(["batch", str(tmp_path / "none"), "--in-place"]) == 3
    err = capsys.readouterr().err
    assert "choose where the results go: --out-dir DIR, or --in-place" in err
    assert "none: no such file or folder" in err
    assert book.read_bytes() == b"x"


def test_reports_as_csv_and_json(tmp_path):
    reports = [
        batch.BookReport(
            "/d/a.xlsm", Status.OK, 12, 61.4, 0.0, 3.21234, 0.1, 2.0, 0.5, 0.6, "", "/o/a.xlsm"
        ),
        batch.BookReport("/d/b.xlsm", Status.TIMEOUT, seconds=9.0, message="did not finish"),
    ]
    rows = read_csv(batch.write_csv(reports, tmp_path / "r.csv"))
    assert list(rows[0]) == list(batch.REPORT_COLUMNS)
    assert rows[0]["seconds"] == "3.212" and rows[0]["status"] == "ok"
    assert rows[1]["selected"] == "" and rows[1]["status"] == "timeout"
    data = json.loads(batch.write_json(reports, tmp_path / "r.json").read_text())
    assert data["statuses"] == {"ok": 1, "timeout": 1} and data["books"][1]["value"] is None
    assert batch.BookReport.from_dict(reports[0].to_dict()) == reports[0]
