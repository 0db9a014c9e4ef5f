"""The delivery sheets in the workbook: LibreOffice computes what the engine computes, the
charts survive every write-back, the Dashboard renders, and bad rows get located messages."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from engine.delivery.benefits import review_figures, variance
from engine.delivery.health import health_figures
from engine.delivery.raid import heat_map, is_overdue, risk_score
from engine.delivery.status import status_rows
from engine.evm import Rag
from engine.gates import gate_score
from engine.months import month_text
from tests.workbook._books import copy_book, edit, template
from workbook import service
from workbook.book import schema
from workbook.book.sample import sample_delivery
from workbook.cli import main
from workbook.files.reader import read_workbook
from workbook.headless.recalc import Recalculator

HEADER = schema.HEADER_ROW
CHARTS = 7


@pytest.fixture(scope="module")
def calc(libreoffice):
    with Recalculator(office=libreoffice, timeout=120) as recalculator:
        yield recalculator


def _table(ws, name: str) -> list[dict[str, object]]:
    """The rows of an Excel Table as {header: value}."""
    first_col, first_row, last_col, last_row = range_boundaries(ws.tables[name].ref)
    header = [ws.cell(first_row, c).value for c in range(first_col, last_col + 1)]
    rows = []
    for r in range(first_row + 1, last_row + 1):
        values = [ws.cell(r, c).value for c in range(first_col, last_col + 1)]
        if any(v is not None for v in values):
            rows.append(dict(zip(header, values, strict=True)))
    return rows


def _same(sheet_value, engine_value, where: str) -> None:
    """A recalculated cell against the engine's figure: blank for None, text for a colour."""
    if engine_value is None:
        assert sheet_value in (None, ""), where
    elif isinstance(engine_value, Rag):
        assert sheet_value == engine_value.value, where
    elif isinstance(engine_value, str):
        assert sheet_value == engine_value, where
    else:
        assert sheet_value == pytest.approx(engine_value, rel=1e-12, abs=1e-6), where


def assert_sheets_match_the_engine(book: Path, values: openpyxl.Workbook) -> None:
    """Every delivery formula LibreOffice computed equals the engine's figure."""
    read = read_workbook(book)
    portfolio, delivery, plan = read.portfolio, read.delivery, read.plan
    board = service.delivery_dashboard(read)
    settings = delivery.settings

    status = _table(values["Status"], "tblStatus")
    figures = status_rows(portfolio, delivery, plan)
    assert len(status) == len(figures) >= 18
    for row, f in zip(status, figures, strict=True):
        where = f"Status {f.project_id} {month_text(f.report.period)}"
        for header, value in (
            ("Planned value", f.pv),
            ("Earned value", f.ev),
            ("SPI", f.spi),
            ("CPI", f.cpi),
            ("EAC", f.eac),
            ("VAC", f.vac),
            ("Schedule RAG", f.schedule_rag),
            ("Cost RAG", f.cost_rag),
            ("Overall RAG", f.overall_rag),
        ):
            _same(row[header], value, f"{where} {header}")

    latest = {r["ID"]: r for r in _table(values["Latest status"], "tblLatestStatus")}
    assert set(latest) == {f.project_id for f in board.latest}
    for f in board.latest:
        row = latest[f.project_id]
        assert row["Name"] == portfolio.project(f.project_id).name
        assert month_text(row["Period"].year * 12 + row["Period"].month - 1) == month_text(
            f.report.period
        )
        for header, value in (
            ("% complete", f.report.percent_complete),
            ("Planned value", f.pv),
            ("SPI", f.spi),
            ("CPI", f.cpi),
            ("EAC", f.eac),
            ("VAC", f.vac),
            ("Overall RAG", f.overall_rag),
            ("Commentary", f.report.commentary or None),
        ):
            _same(row[header], value, f"Latest status {f.project_id} {header}")

    raid = _table(values["RAID"], "tblRAID")
    as_of = settings.as_of()
    for row, item in zip(raid, delivery.raid, strict=True):
        _same(row["Score"], risk_score(item), f"RAID {item.id} Score")
        _same(row["Overdue"], "Overdue" if is_overdue(item, as_of) else None, f"RAID {item.id}")
    heat_column = len(schema.RAID.columns) + 2  # 1-based: the labels, after an empty column
    counts = heat_map(delivery.raid)
    for offset in range(5):
        for impact in range(1, 6):
            cell = values["RAID"].cell(HEADER + 1 + offset, heat_column + impact).value
            assert cell == counts[offset][impact - 1], (offset, impact)

    gates = _table(values["Gates"], "tblGates")
    for row, review in zip(gates, portfolio.gates, strict=True):
        _same(row["Gate score"], gate_score(review), f"Gates {review.project_id} {review.gate}")
    health = _table(values["Health"], "tblHealth")
    for row, check in zip(health, delivery.health, strict=True):
        expected = health_figures(check, settings)
        _same(row["Health index"], expected.index, f"Health {check.project_id}")
        _same(row["Health RAG"], expected.rag, f"Health RAG {check.project_id}")
    benefits = _table(values["Benefits"], "tblBenefits")
    for row, benefit in zip(benefits, delivery.benefits, strict=True):
        _same(row["Variance"], variance(benefit), f"Benefits {benefit.benefit}")
    reviews = _table(values["Reviews"], "tblReviews")
    for row, review in zip(reviews, delivery.reviews, strict=True):
        expected_review = review_figures(review, delivery.benefits)
        _same(row["Planned benefits"], expected_review.planned, "Reviews planned")
        _same(row["Realised benefits"], expected_review.realised, "Reviews realised")
        _same(row["Realised %"], expected_review.realised_share, "Reviews share")

    dashboard = values["Dashboard"]
    key = schema.dashboard_block("Key figures")
    shown = {
        dashboard.cell(r, 1).value: dashboard.cell(r, 2).value
        for r in range(key.first, key.last + 1)
    }
    k = board.key
    assert shown["As of"] == datetime.combine(k.as_of, datetime.min.time())
    for label, value in (
        ("Projects in flight", k.in_flight),
        ("Projects in the plan", k.selected),
        ("Overdue actions", k.overdue_actions),
        ("Overdue RAID entries", k.overdue_entries),
        ("Pending gate decisions", k.pending_gates),
        ("Open risks", k.open_risks),
        ("Open issues", k.open_issues),
        ("Budget at completion", k.bac),
        ("Estimate at completion", k.eac),
        ("Variance at completion", k.vac),
    ):
        _same(shown[label], value, f"Dashboard {label}")
    rag = schema.dashboard_block("RAG of the latest status")
    for offset, colour in enumerate(Rag):
        for column, measure in enumerate(("Schedule", "Cost", "Overall"), start=2):
            cell = dashboard.cell(rag.first + offset, column).value
            assert cell == board.rag_counts[measure][colour], (colour, measure)
    heat = schema.dashboard_block("Heat map of open risks")
    for offset in range(5):
        row = [dashboard.cell(heat.first + offset, 2 + i).value for i in range(5)]
        assert row == board.heat_map[offset]


@pytest.mark.libreoffice
def test_libreoffice_computes_the_engine_delivery_figures_in_the_sample(calc, tmp_path):
    book = copy_book(tmp_path)
    outcome = calc.recalc(book, tmp_path / "out" / book.name)
    assert outcome.ok and outcome.unsupported == () and outcome.missing == ()
    assert_sheets_match_the_engine(book, openpyxl.load_workbook(outcome.out, data_only=True))


def _append_status_row(path: Path, values: dict[str, object]) -> None:
    """A new Status row with the table's formulas, as Excel fills them for a typed row."""
    book = openpyxl.load_workbook(path, keep_vba=True)
    ws = book["Status"]
    table = ws.tables["tblStatus"]
    first_col, first_row, last_col, last_row = range_boundaries(table.ref)
    row = last_row + 1
    for offset, column in enumerate(table.tableColumns):
        cell = ws.cell(row, first_col + offset)
        if column.name in values:
            cell.value = values[column.name]
        elif column.calculatedColumnFormula is not None:
            cell.value = "=" + column.calculatedColumnFormula.attr_text
    table.ref = f"{ws.cell(first_row, first_col).coordinate}:{ws.cell(row, last_col).coordinate}"
    table.autoFilter.ref = table.ref
    book.save(path)
    from workbook.files.macros.ribbon import ensure_ribbon_relationship

    ensure_ribbon_relationship(path)


@pytest.mark.libreoffice
def test_after_a_run_planned_value_follows_the_plan_and_libreoffice_agrees(calc, tmp_path):
    book = copy_book(tmp_path)
    assert main(["optimise", str(book), "--time-limit", "3", "--no-backup"]) == 0
    read = read_workbook(book)
    start = read.plan["P-105"]  # mandatory, so planned; no fixed start: PV comes from the plan
    assert read.portfolio.project("P-105").fixed_start is None
    second = start + 1  # the project's second month
    period = datetime(second // 12, second % 12 + 1, 1)
    _append_status_row(
        book, {"ID": "P-105", "Period": period, "% complete": 0.25, "Actual cost": 120_000}
    )
    service.refresh_dashboard(service.FileTransport(book, backup=False))
    outcome = calc.recalc(book, tmp_path / "out" / book.name)
    assert outcome.ok and outcome.unsupported == ()
    values = openpyxl.load_workbook(outcome.out, data_only=True)
    assert_sheets_match_the_engine(book, values)
    new = _table(values["Status"], "tblStatus")[-1]
    assert new["ID"] == "P-105"
    assert new["Planned value"] == pytest.approx(400_000 * 2 / 6)  # 2 of 6 months of 400,000


def _charts(path: Path) -> dict[str, list[str]]:
    """{chart part: its series references}, for the charts drawn on the Dashboard sheet."""
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        book = openpyxl.load_workbook(path, read_only=True)
        index = book.sheetnames.index(schema.DASHBOARD.name) + 1
        book.close()
        rels = package.read(f"xl/worksheets/_rels/sheet{index}.xml.rels").decode()
        drawing = re.search(r'Target="[./]*(?:xl/)?drawings/(drawing\d+\.xml)"', rels)
        assert drawing, "the Dashboard has no drawing"
        drawing_rels = package.read(f"xl/drawings/_rels/{drawing.group(1)}.rels").decode()
        parts = re.findall(r'Target="[./]*(?:xl/)?charts/(chart\d+\.xml)"', drawing_rels)
        found = {}
        for part in parts:
            assert f"xl/charts/{part}" in names
            xml = package.read(f"xl/charts/{part}").decode()
            refs = re.findall(r"<(?:c:)?f>([^<]+)</(?:c:)?f>", xml)
            found[part] = sorted(r.replace("$", "").replace("'", "") for r in refs)
        return found


def test_the_template_draws_its_charts_on_the_dashboard():
    charts = _charts(template())
    assert len(charts) == CHARTS
    block = schema.dashboard_block("Value against cost")
    scatter = next(
        refs for refs in charts.values() if f"Dashboard!C{block.first}:C{block.first + 999}" in refs
    )
    assert f"Dashboard!D{block.first}:D{block.first + 999}" in scatter


@pytest.mark.libreoffice
def test_charts_survive_optimise_and_batch(libreoffice, poppler, tmp_path):
    book = copy_book(tmp_path)
    before = _charts(book)
    assert len(before) == CHARTS
    assert all(ref.startswith("Dashboard!") for refs in before.values() for ref in refs)

    assert main(["optimise", str(book), "--time-limit", "3", "--no-backup"]) == 0
    after_optimise = _charts(book)
    assert sorted(after_optimise.values()) == sorted(before.values())

    out = tmp_path / "batch"
    assert (
        main(["batch", str(book), "--out-dir", str(out), "--jobs", "1", "--time-limit", "3"]) == 0
    )
    batched = out / book.name
    assert sorted(_charts(batched).values()) == sorted(before.values())
    values = openpyxl.load_workbook(batched, data_only=True)["Dashboard"]
    assert values.cell(schema.dashboard_block("Key figures").first, 2).value is not None

    # LibreOffice draws the Dashboard, charts and all
    from workbook.headless.render import page_count, page_picture, render_pdf

    pdf = render_pdf(batched, tmp_path / "pdf")
    names = openpyxl.load_workbook(batched, read_only=True).sheetnames
    assert page_count(pdf) == len(names)
    picture = page_picture(pdf, names.index(schema.DASHBOARD.name) + 1, resolution=30)
    assert picture.ink() > 0.005, "the Dashboard page is blank"
    for colour in ((0x70, 0xAD, 0x47), (0xC0, 0x00, 0x00), (0x44, 0x72, 0xC4)):
        assert picture.count(colour, tolerance=20) > 50, f"no chart drawn in {colour}"


def test_bad_delivery_rows_get_located_warnings_and_the_run_goes_on(tmp_path):
    book = edit(
        copy_book(tmp_path),
        {
            ("Status", "C4"): "lots",  # % complete
            ("Status", "A5"): "P-999",
            ("RAID", "H4"): 7,  # probability
            ("Health", "D5"): "n/a",
            ("Gates", "J5"): "Maybe",  # a decision the plan cannot obey
            ("Status", "B6"): "2026-12",  # a period typed as text
            ("Settings", "B10"): "high",  # RAG green from
        },
    )
    read = read_workbook(book)
    text = {m.location: (str(m.severity), m.message) for m in read.messages()}
    assert text["Status!C4"] == ("Warning", '"% complete" must be a number; found "lots"')
    assert text["Status!A5"] == (
        "Warning",
        'unknown project ID "P-999"; use an ID from Intake',
    )
    assert text["RAID!H4"] == ("Warning", '"Probability" must be from 1 to 5; found 7')
    assert text["Health!D5"] == ("Warning", '"Schedule" must be a whole number; found "n/a"')
    assert text["Status!B6"] == (
        "Warning",
        '"Period" is text; type it as a date (2027-03 becomes a date in Excel) so that the '
        "Latest status and Dashboard formulas can compare it",
    )
    assert read.delivery.status[2].period == 2026 * 12 + 11  # read all the same
    assert text["Settings!B10"] == ("Warning", '"RAG green from" must be a number; found "high"')
    assert read.delivery.settings.rag_green == 0.95  # the default stands in
    assert text["Gates!J5"][0] == "Error"
    assert "must be one of Go, Hold, Stop, Recycle" in text["Gates!J5"][1]
    # delivery warnings do not stop a run; the gate error does
    fixed = edit(book, {("Gates", "J5"): "Go"})
    assert main(["validate", str(fixed)]) == 0


def test_a_gate_stop_in_the_workbook_takes_the_project_out_of_the_next_plan(tmp_path):
    book = copy_book(tmp_path)
    assert main(["optimise", str(book), "--time-limit", "3", "--no-backup"]) == 0
    first = read_workbook(book).plan
    chosen = next(pid for pid in ("P-109", "P-113", "P-116", "P-130") if pid in first)
    gates = openpyxl.load_workbook(book)["Gates"]
    row = range_boundaries(gates.tables["tblGates"].ref)[3] + 1
    _append_gate(book, row, chosen)

    assert main(["optimise", str(book), "--time-limit", "3", "--no-backup"]) == 0

    read = read_workbook(book)
    assert chosen not in read.plan
    values = openpyxl.load_workbook(book)
    reasons = {
        r["ID"]: (r["Decision"], r["Reason"]) for r in _table(values["Portfolio"], "tblPortfolio")
    }
    assert reasons[chosen] == ("Not in play", "Stopped at gate G2 on 2027-03-31")
    messages = _table(values["Messages"], "tblMessages")
    note = next(m for m in messages if chosen in (m["Message"] or ""))
    assert (note["Severity"], note["Sheet"], note["Cell"]) == ("Info", "Gates", f"J{row}")
    assert "it is left out of the plan" in note["Message"]


def _append_gate(path: Path, row: int, project_id: str) -> None:
    book = openpyxl.load_workbook(path, keep_vba=True)
    ws = book["Gates"]
    table = ws.tables["tblGates"]
    values = {1: project_id, 2: "G2 Plan", 3: datetime(2027, 3, 31), 4: "Investment board"}
    values[10] = "Stop"
    for column, value in values.items():
        ws.cell(row, column, value)
    ws.cell(row, 9).value = "=" + table.tableColumns[8].calculatedColumnFormula.attr_text
    first = table.ref.split(":")[0]
    table.ref = f"{first}:K{row}"
    table.autoFilter.ref = table.ref
    book.save(path)
    from workbook.files.macros.ribbon import ensure_ribbon_relationship

    ensure_ribbon_relationship(path)


def test_new_books_have_the_delivery_sheets_and_the_empty_one_has_no_rows(tmp_path):
    sample = tmp_path / "Sample.xlsm"
    empty = tmp_path / "Empty.xlsm"
    assert main(["new", str(sample)]) == 0
    assert main(["new", str(empty), "--empty"]) == 0
    for path in (sample, empty):
        names = openpyxl.load_workbook(path, read_only=True).sheetnames
        for item in (
            schema.STATUS,
            schema.LATEST_STATUS,
            schema.RAID,
            schema.GATES_SHEET,
            schema.HEALTH,
            schema.BENEFITS,
            schema.REVIEWS,
            schema.DASHBOARD,
        ):
            assert item.name in names, (path.name, item.name)
    assert read_workbook(sample).delivery == sample_delivery()
    read = read_workbook(empty)
    assert read.delivery.status == () and read.delivery.raid == () and read.portfolio.gates == ()
    assert [str(m) for m in read.messages()] == []


def test_a_workbook_without_the_delivery_sheets_still_optimises(tmp_path):
    book = copy_book(tmp_path)
    workbook = openpyxl.load_workbook(book, keep_vba=True)
    for name in ("Status", "RAID", "Gates", "Health", "Benefits", "Reviews"):
        workbook.remove(workbook[name])
    for name in ("Latest status", "Dashboard"):  # a workbook made before the views existed
        workbook.remove(workbook[name])
    workbook.save(book)
    from workbook.files.macros.ribbon import ensure_ribbon_relationship

    ensure_ribbon_relationship(book)
    read = read_workbook(book)
    warnings = [m for m in read.messages() if m.sheet == "Gates"]
    assert [m.message for m in warnings] == [
        'the workbook has no sheet "Gates", so gate decisions do not steer the plan; copy it '
        "from a new template (pmo new) to use it"
    ]
    assert read.errors == []
    assert main(["optimise", str(book), "--time-limit", "2", "--no-backup"]) == 0
    names = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert "Dashboard" not in names and "Latest status" not in names  # no bare sheets added


def test_pmo_status_prints_and_writes_the_dashboard_figures(tmp_path, capsys):
    import json

    book = copy_book(tmp_path)
    target = tmp_path / "status.json"
    assert main(["status", str(book), "--json", str(target)]) == 0
    out = capsys.readouterr().out
    assert "delivery as of 2027-03-31" in out
    assert "Worst SPI" in out and "Open risks by score" in out
    figures = json.loads(target.read_text(encoding="utf-8"))
    board = service.delivery_dashboard(read_workbook(book))
    assert figures["as_of"] == "2027-03-31"
    assert figures["key_figures"]["overdue_actions"] == board.key.overdue_actions == 1
    assert figures["key_figures"]["pending_gate_decisions"] == 2
    assert [r["id"] for r in figures["worst_spi"]] == [f.project_id for f in board.worst_spi]
    assert figures["worst_spi"][0]["spi"] == pytest.approx(board.worst_spi[0].spi)
    assert figures["heat_map"]["counts"] == board.heat_map
    before = openpyxl.load_workbook(book)["Dashboard"]["B6"].value
    # --refresh rewrites the views (here: the same figures, from the same sheets)
    assert main(["status", str(book), "--refresh"]) == 0
    assert "Rewrote Latest status, Dashboard, Messages in" in capsys.readouterr().out
    assert openpyxl.load_workbook(book)["Dashboard"]["B6"].value == before
