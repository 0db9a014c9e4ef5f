"""`pmo rollup` (issue 16): three department books, one pool, a conflict resolved, pushed back."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from engine.checker import check_plan
from engine.lessons import Lesson
from engine.model import Criterion, Demand, Direction, Portfolio, Project, Settings
from engine.months import month
from tests.workbook._books import sha
from workbook import rollup
from workbook.book import schema
from workbook.cli import main
from workbook.files.reader import read_workbook
from workbook.files.template import build_workbook

JAN = month(2027, 1)
CRITERIA = (
    Criterion("Value", 2.0, Direction.HIGHER, 0, 10),
    Criterion("Risk", 1.0, Direction.LOWER, 1, 5),
)
MARCH_ONLY = {"earliest_start": JAN + 2, "latest_start": JAN + 2}
OUTPUTS = {s.name for s in schema.OUTPUT_SHEETS}


def _book(folder: Path, department: str, projects, demands, capacity, lessons=()) -> Path:
    portfolio = Portfolio(
        Settings(JAN, 12, time_limit=5), projects, demands, capacity, (), CRITERIA, {2027: 1e6}
    )
    details = {p.id: {"Sponsor": f"{department} director"} for p in projects}
    path = folder / f"{department}.xlsm"
    return build_workbook(
        path, portfolio, details, lessons=tuple(lessons), evaluations=(), department=department
    )


def three_books(folder: Path) -> list[Path]:
    """Finance and Sales both want two data engineers from March for six months (their own
    pools have one each: only the enterprise pool has two), under the same ID P-100; IT
    needs developers only."""
    finance = _book(
        folder,
        "Finance",
        (
            Project(
                "P-100",
                "Close automation",
                duration=6,
                scores={"Value": 9, "Risk": 2},
                **MARCH_ONLY,
            ),
            Project("F-2", "Treasury dashboard", duration=3, scores={"Value": 5, "Risk": 1}),
        ),
        (Demand("P-100", "Data engineer", 2.0), Demand("F-2", "Developer", 1.0)),
        {"Data engineer": (1.0,) * 12, "Developer": (1.0,) * 12},
        [Lesson("L-1", what_happened="Month-end close ran late", recommendation="Automate")],
    )
    sales = _book(
        folder,
        "Sales",
        (
            Project(
                "P-100",
                "Pricing analytics",
                duration=6,
                scores={"Value": 6, "Risk": 2},
                **MARCH_ONLY,
            ),
            Project("S-2", "CRM tidy-up", duration=2, scores={"Value": 4, "Risk": 1}),
        ),
        (Demand("P-100", "Data engineer", 2.0), Demand("S-2", "Developer", 0.5)),
        {"Data engineer": (1.0,) * 12, "Developer": (0.5,) * 12},
        [Lesson("L-1", what_happened="CRM adoption was low", recommendation="Train users")],
    )
    it = _book(
        folder,
        "IT",
        (Project("I-1", "Monitoring", duration=4, scores={"Value": 7, "Risk": 3}),),
        (Demand("I-1", "Developer", 1.0),),
        {"Developer": (1.0,) * 12},
    )
    return [finance, sales, it]


def input_cells(path: Path) -> dict[tuple[str, str], tuple[object, str]]:
    """Value and type of every cell on every sheet but the outputs."""
    book = openpyxl.load_workbook(path)
    return {
        (ws.title, cell.coordinate): (cell.value, cell.data_type)
        for ws in book.worksheets
        if ws.title not in OUTPUTS
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    }


def sheet_rows(path: Path, sheet: str) -> list[dict[str, object]]:
    """The rows under the header of an output table, as {header: value}."""
    ws = openpyxl.load_workbook(path)[sheet]
    rows = [list(r) for r in ws.iter_rows(min_row=schema.HEADER_ROW, values_only=True)]
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:] if any(v is not None for v in r)]


def test_rollup_resolves_a_cross_department_conflict_and_pushes_back_without_touching_inputs(
    tmp_path, capsys
):
    books = three_books(tmp_path)
    before = {book: input_cells(book) for book in books}
    bytes_before = {book: sha(book) for book in books}
    out, report = tmp_path / "Enterprise.xlsm", tmp_path / "rollup.json"
    options = ["--push", "--json", str(report), "--time-limit", "5", "--jobs", "2"]
    code = main(["rollup", *map(str, books), "--out", str(out), *options])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert 'project ID "P-100" is used by Finance, Sales' in printed
    data = json.loads(report.read_text(encoding="utf-8"))
    projects = {p["id"]: p for p in data["projects"]}
    # the enterprise pool has two data engineers from March: the higher-scored P-100 gets them
    assert projects["Finance/P-100"]["selected"] and projects["Finance/P-100"]["start"] == "2027-03"
    loser = projects["Sales/P-100"]
    assert not loser["selected"] and loser["department"] == "Sales" and loser["local_id"] == "P-100"
    assert (
        "Data engineer in those months went to Finance 12 FTE-months (Finance/P-100)"
        in (loser["reason"])
    )
    assert {d["department"]: d["selected"] for d in data["departments"]} == {
        "Finance": 2,
        "Sales": 1,
        "IT": 1,
    }

    # the enterprise book: every project, its department, the view by department
    read = read_workbook(out)
    assert [p.id for p in read.portfolio.projects] == [
        "Finance/P-100",
        "F-2",
        "Sales/P-100",
        "S-2",
        "I-1",
    ]
    assert read.portfolio.capacity["Data engineer"] == (2.0,) * 12  # the sum of the pools
    assert {lesson.id for lesson in read.lessons} == {"Finance/L-1", "Sales/L-1"}
    portfolio_sheet = {r["ID"]: r for r in sheet_rows(out, "Portfolio")}
    assert portfolio_sheet["Sales/P-100"]["Department"] == "Sales"
    assert portfolio_sheet["Sales/P-100"]["Decision"] == "Deferred"
    view = {r["Department"]: r for r in sheet_rows(out, "Enterprise")}
    assert (view["Finance"]["Selected"], view["Sales"]["Deferred"]) == (2, 1)
    assert "Data engineer 100%" in view["Finance"]["Full roles"]
    load = sheet_rows(out, "Enterprise load")
    finance_data = next(
        r for r in load if r["Department"] == "Finance" and r["Role"] == "Data engineer"
    )
    assert finance_data["2027-03"] == 2 and finance_data["2027-01"] == 0
    enterprise_plan = read_workbook(out).portfolio
    assert enterprise_plan.settings.plan_start == JAN

    # each department book: its own decisions under its own IDs; its inputs untouched
    for book in books:
        assert input_cells(book) == before[book], book.name
        backup = book.with_name(f"{book.stem}.bak.xlsm")
        assert sha(backup) == bytes_before[book]  # the previous version, byte for byte
    sales = {r["ID"]: r for r in sheet_rows(tmp_path / "Sales.xlsm", "Portfolio")}
    assert sales["P-100"]["Decision"] == "Deferred"
    assert "went to Finance" in sales["P-100"]["Reason"]
    assert sales["S-2"]["Decision"] == "Selected"
    finance = {r["ID"]: r for r in sheet_rows(tmp_path / "Finance.xlsm", "Portfolio")}
    assert (finance["P-100"]["Decision"], finance["P-100"]["Start"]) == ("Selected", "2027-03")
    [run] = sheet_rows(tmp_path / "Finance.xlsm", "Run log")
    assert run["Strategy"] == "rollup" and "Enterprise.xlsm" in run["Settings"]
    # Finance's own pool has one data engineer: its Utilisation shows it leans on the pool
    utilisation = sheet_rows(tmp_path / "Finance.xlsm", "Utilisation")
    load_row = next(
        r for r in utilisation if r["Role"] == "Data engineer" and r["Measure"] == "Load"
    )
    assert load_row["2027-03"] == 2.0


def test_the_enterprise_plan_is_checked_and_a_second_run_keeps_the_enterprise_weights(tmp_path):
    books = three_books(tmp_path)
    out = tmp_path / "Enterprise.xlsm"
    first = rollup.rollup(books, out, time_limit=5, jobs=1)
    assert first.outcome.value == "done" and first.backup is None
    assert check_plan(first.merged.portfolio, first.result) == []
    # the enterprise PMO sets its own weights on its book's Criteria; the next run keeps them
    book = openpyxl.load_workbook(out, keep_vba=True)
    criteria = book["Criteria"]
    weights = {criteria.cell(r, 1).value: r for r in range(4, 6)}
    criteria.cell(weights["Value"], 3).value = 1.0
    criteria.cell(weights["Risk"], 3).value = 5.0
    book.save(out)
    second = rollup.rollup(books, out, time_limit=5, jobs=1)
    assert second.backup is not None and second.backup.exists()
    assert [c.weight for c in second.merged.portfolio.criteria] == [1.0, 5.0]
    assert check_plan(second.merged.portfolio, second.result) == []


def test_a_shared_capacity_file_is_the_pool(tmp_path):
    books = three_books(tmp_path)
    shared = build_workbook(
        tmp_path / "shared" / "Pool.xlsm",
        Portfolio(
            Settings(JAN, 12),
            capacity={"Data engineer": (4.0,) * 12, "Developer": (3.0,) * 12},
            criteria=CRITERIA,
        ),
        lessons=(),
        evaluations=(),
    )
    report = rollup.rollup(books, tmp_path / "Enterprise.xlsm", capacity=shared, time_limit=5)
    chosen = {o.project_id for o in report.result.selected}
    assert {"Finance/P-100", "Sales/P-100"} <= chosen  # four data engineers: both fit


def test_input_errors_in_one_book_stop_the_rollup_before_anything_is_written(tmp_path, capsys):
    books = three_books(tmp_path)
    book = openpyxl.load_workbook(books[2], keep_vba=True)
    book["Intake"]["I4"] = "four months"  # IT's I-1 duration
    book.save(books[2])
    before = {b: sha(b) for b in books}
    out = tmp_path / "Enterprise.xlsm"
    assert main(["rollup", *map(str, books), "--out", str(out), "--push"]) == 1
    printed = capsys.readouterr().out
    assert 'IT.xlsm: Intake!I4: "Duration (months)" must be a whole number' in printed
    assert not out.exists() and {b: sha(b) for b in books} == before


def test_a_department_book_open_in_excel_stops_the_push_before_any_write(tmp_path, capsys):
    books = three_books(tmp_path)
    (tmp_path / "~$Sales.xlsm").write_text("lock", encoding="utf-8")
    before = {b: sha(b) for b in books}
    out = tmp_path / "Enterprise.xlsm"
    assert main(["rollup", *map(str, books), "--out", str(out), "--push"]) == 3
    assert "Sales.xlsm is open in Excel" in capsys.readouterr().err
    assert not out.exists() and {b: sha(b) for b in books} == before


def test_reading_on_a_dask_cluster_reads_what_the_local_reader_reads(tmp_path):
    from distributed import LocalCluster

    books = three_books(tmp_path)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = rollup.read_books(books, scheduler=cluster.scheduler_address)
    local = rollup.read_books(books, jobs=1)
    assert [r.portfolio for r in remote] == [r.portfolio for r in local]
    assert [r.department for r in remote] == ["Finance", "Sales", "IT"]


def test_the_rollup_refuses_to_overwrite_a_department_book(tmp_path, capsys):
    books = three_books(tmp_path)
    assert main(["rollup", *map(str, books), "--out", str(books[0])]) == 3
    assert "is one of the department books" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["Enterprise.xlsx", "Enterprise"])
def test_the_enterprise_book_is_an_xlsm(tmp_path, capsys, name):
    books = three_books(tmp_path)
    assert main(["rollup", *map(str, books), "--out", str(tmp_path / name)]) == 3
    assert "must end .xlsm" in capsys.readouterr().err
