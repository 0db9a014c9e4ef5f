"""The buttons' entry points against a real xlwings Book (xlwings' remote engine, no Excel).

One write-back, two transports: the cells the entry points write through xlwings must be the
cells the file writer writes for the same grids, sheet by sheet, value by value.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import datetime

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

import udfs.entry as entry
from engine.result import SolveStatus
from tests.udfs.remote import (
    SAMPLE,
    open_book,
    payload_from_file,
    replay,
    sheet_cells,
    table_ref,
    use_remote_engine,
)
from workbook import service
from workbook.book import schema
from workbook.book.grids import result_grids, run_messages, settings_text
from workbook.excel import transport as live
from workbook.files.reader import read_workbook
from workbook.files.writer import write_grids

RUN_AT = datetime(2027, 1, 15, 9, 30)
ENTRY_POINTS = (
    "validate",
    "reoptimise",
    "explain_selected",
    "save_scenario",
    "frontier",
    "compare_scenarios",
    "refresh_dashboard",
    "main",
)
TIME_LIMIT = 3.0  # any plan will do: both transports write the same result


@pytest.fixture(scope="module")
def run():
    """Re-optimise the sample workbook once through the remote engine."""
    with pytest.MonkeyPatch.context() as patch:
        use_remote_engine(patch)
        payload = payload_from_file(SAMPLE)
        book = open_book(payload)
        report = entry.reoptimise(book, time_limit=TIME_LIMIT, run_at=RUN_AT)
        actions = book.json()["actions"]
        after, formats = replay(payload, actions)
    return payload, report, after, formats, actions


@pytest.fixture(autouse=True)
def remote(monkeypatch):
    use_remote_engine(monkeypatch)


def _file_cells(path, sheet):
    ws = openpyxl.load_workbook(path)[sheet]
    cells = {key: c.value for key, c in ws._cells.items() if c.value is not None}
    formats = {key: c.number_format for key, c in ws._cells.items() if c.value is not None}
    tables = {t.displayName: t.ref for t in ws.tables.values()}
    return cells, formats, tables


def test_live_reader_reads_what_the_file_reader_reads(monkeypatch):
    book = open_book(payload_from_file(SAMPLE))
    _, live_read = live.read_book(book)
    file_read = read_workbook(SAMPLE)
    assert live_read.portfolio == file_read.portfolio
    assert live_read.details == file_read.details
    assert [str(m) for m in live_read.messages()] == [str(m) for m in file_read.messages()]
    assert live_read.lessons == tuple(
        dataclasses.replace(lesson, source=SAMPLE.name) for lesson in file_read.lessons
    )
    assert live_read.evaluations == file_read.evaluations and live_read.evaluations


def test_reoptimise_writes_the_same_cells_as_the_file_writer(run, tmp_path):
    _, report, after, live_formats, _ = run
    assert report.ok and report.result.status.has_plan
    # The grids are what the headless command builds for this portfolio and result.
    read = read_workbook(SAMPLE)
    # the manager check and the lessons to read first, on the plan written
    advice = service.advice(read, read.portfolio, report.result)
    assert any("Priya Raman" in m.message for m in advice)
    expected = result_grids(
        read.portfolio,
        report.result,
        [*run_messages(read.portfolio, report.result), *read.messages(), *read.notes(), *advice],
        read.details,
        run_at=RUN_AT,
        settings=settings_text(read.portfolio, report.result),
    )
    starts = {o.project_id: o.start for o in report.result.selected}
    expected += service.delivery_grids(read, read.portfolio, starts)
    # the Run log differs only by the time-limit override in its settings text and checksum
    assert [g.sheet for g in report.grids] == [g.sheet for g in expected]
    for ours, theirs in zip(report.grids, expected, strict=True):
        if ours.sheet != schema.RUN_LOG.name:
            assert ours == theirs, ours.sheet
    # The file writer puts the same grids into a copy of the workbook.
    copy = tmp_path / SAMPLE.name
    shutil.copy2(SAMPLE, copy)
    write_grids(copy, report.grids, backup=False)
    for spec in schema.OUTPUT_SHEETS:
        file_cells, file_formats, file_tables = _file_cells(copy, spec.name)
        live_cells = sheet_cells(after, spec.name)
        assert live_cells.keys() == file_cells.keys(), spec.name
        for key, value in live_cells.items():
            theirs, where = file_cells[key], (spec.name, key)
            numbers = (int, float)
            if type(value) in numbers and type(theirs) in numbers:
                # Excel has one number type (2200000.0 reads back as 2200000), and openpyxl
                # stores floats with 16 significant digits: the last bit may differ
                assert value == pytest.approx(theirs, rel=1e-14), where
            else:
                assert (value, type(value)) == (theirs, type(theirs)), where
        for key, number_format in live_formats[spec.name].items():
            if key in file_cells:
                assert file_formats[key] == number_format, (spec.name, key)
        if spec.table:
            assert table_ref(after, spec.name, spec.table) == file_tables[spec.table]


def test_reoptimise_fills_and_resizes_the_tables(run):
    payload, report, after, formats, _ = run
    portfolio_rows = len(report.grids[0].rows)
    assert table_ref(payload, "Portfolio", "tblPortfolio") == "A3:L4"
    assert table_ref(after, "Portfolio", "tblPortfolio") == f"A3:L{3 + portfolio_rows}"
    cells = sheet_cells(after, "Portfolio")
    assert cells[(3, 1)] == "Rank" and cells[(3, 11)] == "Reason"
    decisions = {cells.get((r, 5)) for r in range(4, 4 + portfolio_rows)}
    assert decisions <= {"Selected", "Deferred", "Not in play"} and "Selected" in decisions
    assert {v for k, v in formats["Portfolio"].items() if k[1] == 9} == {schema.FMT_MONEY}
    log = sheet_cells(after, "Run log")
    assert log[(4, 1)] == "2027-01-15 09:30:00"
    assert log[(4, 2)] == report.result.status.value
    assert table_ref(after, "Run log", "tblRunLog") == "A3:J4"


def test_month_text_stays_text_in_excel(run):
    *_, actions = run
    sent = [v for a in actions if a["func"] == "setValues" for row in a["values"] for v in row]
    assert "'2027-01" in sent  # a month header: without the apostrophe Excel makes it a date
    assert "2027-01" not in sent


def test_a_second_run_appends_to_the_run_log(run):
    _, _, after, _, _ = run
    book = open_book(after)
    report = entry.reoptimise(book, time_limit=1.0, run_at=datetime(2027, 2, 1))
    again, _ = replay(after, book.json()["actions"])
    log = sheet_cells(again, "Run log")
    assert log[(4, 1)] == "2027-01-15 09:30:00"
    assert log[(5, 1)] == "2027-02-01 00:00:00"
    assert table_ref(again, "Run log", "tblRunLog") == "A3:J5"
    assert report.ok


def _set_setting(payload: dict, name: str, value: object) -> None:
    settings = next(s for s in payload["sheets"] if s["name"] == "Settings")
    row = next(r for r in settings["values"] if r[0] == name)
    row[1] = value


def test_main_is_reoptimise():
    payload = payload_from_file(SAMPLE)
    _set_setting(payload, "Time limit (s)", 1)  # main() takes it from Settings, like the button
    _set_setting(payload, "Reproducible", "Yes")  # a plan within 1 s on any machine and load
    book = open_book(payload)
    report = entry.main(book)
    assert report.result is not None and report.result.status in (
        SolveStatus.OPTIMAL,
        SolveStatus.FEASIBLE,
    )


def _sample_with(tmp_path, sheet, cell, value):
    book = openpyxl.load_workbook(SAMPLE, keep_vba=True)
    book[sheet][cell] = value
    path = tmp_path / "changed.xlsm"
    book.save(path)
    return path


def test_validate_lists_the_file_readers_problems_with_their_cells(tmp_path):
    path = _sample_with(tmp_path, "Intake", "I5", "3.5 mo")
    payload = payload_from_file(path)
    book = open_book(payload)
    report = entry.validate(book)
    assert not report.ok
    expected = [
        [str(m.severity), m.sheet, m.cell, m.message] for m in read_workbook(path).messages()
    ]
    assert report.grids[0].rows == expected
    assert ["Error", "Intake", "I5"] in [row[:3] for row in expected]
    after, _ = replay(payload, book.json()["actions"])
    messages = sheet_cells(after, "Messages")
    assert messages[(4, 2)] == "Intake" and messages[(4, 3)] == "I5"
    assert "whole number" in messages[(4, 4)]
    # nothing but Messages was touched
    touched = {a["sheet_position"] for a in book.json()["actions"]}
    assert touched == {_index(payload, "Messages")}


def test_check_inputs_runs_the_project_manager_check_in_excel():
    """The Check inputs button on the sample: Priya Raman runs P-101 (in flight) and P-106
    (mandatory) at once whatever P-106's start; the lessons to read come as notes."""
    payload = payload_from_file(SAMPLE)
    book = open_book(payload)
    report = entry.validate(book)
    assert report.ok
    assert report.summary.startswith("No input errors (1 warning(s)); 45 projects")
    rows = report.grids[0].rows
    [warning] = [r for r in rows if r[0] == "Warning"]
    assert warning[1:3] == ["Intake", "P9"]  # P-106's Project manager cell
    assert (
        'project manager "Priya Raman" runs 2 projects at once in 2027-09..2027-10' in (warning[3])
    )
    notes = [r for r in rows if r[0] == "Info"]
    assert any(r[2] == "A14" and "L-03" in r[3] for r in notes)  # P-111 CRM: the CRM lesson
    after, _ = replay(payload, book.json()["actions"])
    assert "Priya Raman" in sheet_cells(after, "Messages")[(4, 4)]


def test_reoptimise_with_input_errors_writes_messages_and_the_run_log(tmp_path):
    path = _sample_with(tmp_path, "Settings", "B4", "next spring")
    payload = payload_from_file(path)
    book = open_book(payload)
    report = entry.reoptimise(book, time_limit=1.0)
    assert not report.ok and report.result is None
    touched = {a["sheet_position"] for a in book.json()["actions"]}
    assert touched == {_index(payload, "Messages"), _index(payload, "Run log")}
    after, _ = replay(payload, book.json()["actions"])
    messages = sheet_cells(after, "Messages")
    assert messages[(4, 3)] == "B4"
    assert sheet_cells(after, "Run log")[(4, 2)] == "invalid input"


def test_reoptimise_without_a_plan_writes_the_same_words_as_the_command(tmp_path, capsys):
    # three big projects made mandatory cannot all run: no plan, the conflict on Messages
    book_path = tmp_path / "infeasible.xlsm"
    book = openpyxl.load_workbook(SAMPLE, keep_vba=True)
    for row in (14, 16, 33):  # P-111, P-113, P-130
        book["Intake"][f"D{row}"] = "Yes"
    book.save(book_path)
    payload = payload_from_file(book_path)
    remote = open_book(payload)
    report = entry.reoptimise(remote, time_limit=2.0, seed=0)
    assert not report.ok and report.result.status is SolveStatus.INFEASIBLE
    touched = {a["sheet_position"] for a in remote.json()["actions"]}
    assert touched == {_index(payload, "Messages"), _index(payload, "Run log")}
    after, _ = replay(payload, remote.json()["actions"])
    cells = sheet_cells(after, "Messages")
    lines = [
        _as_printed(*(cells.get((r, c)) for c in (1, 2, 3, 4)))
        for r in range(4, after_rows(cells) + 1)
    ]
    # the conflict names one of the three made mandatory (the sample's balance rules may
    # join it; which one the diagnosis keeps in its time may differ)
    assert any(_mandatory_conflict(line) for line in lines)
    from workbook.cli import main

    grid = next(g for g in report.grids if g.sheet == schema.MESSAGES.name)
    assert lines == [_as_printed(*row) for row in grid.rows]
    assert main(["optimise", str(book_path), "--time-limit", "2", "--seed", "0"]) == 2
    out = capsys.readouterr().out.splitlines()
    printed = [line for line in out if line.startswith(("Error: ", "Warning: ", "Info: "))]
    # the same words; which rules the diagnosis keeps in its time may differ from run to run
    assert [x for x in lines if "Conflict:" not in x] == [
        x for x in printed if "Conflict:" not in x
    ]
    assert any(_mandatory_conflict(line) for line in printed)


def _as_printed(severity, sheet, cell, text) -> str:
    """A Messages row as the console prints it (located at its cell when it has one)."""
    where = f"{sheet}!{cell}: " if sheet and cell else ""
    return f"{severity}: {where}{text}"


def _mandatory_conflict(line: str) -> bool:
    return re.match(r'Error: Conflict: P-1(11|13|30) "[^"]+" is mandatory$', line) is not None


def after_rows(cells):
    return max(r for r, _ in cells)


def test_a_failure_writes_only_the_messages_sheet(monkeypatch):
    # Intake and Demand are over this limit, Messages is not: reading fails before planning.
    monkeypatch.setattr(live, "MAX_CELLS", 500)
    payload = payload_from_file(SAMPLE)
    book = open_book(payload)
    report = entry.reoptimise(book, time_limit=1.0)
    assert not report.ok
    assert "Re-optimise stopped" in report.summary and "Intake" in report.summary
    actions = book.json()["actions"]
    assert {a["sheet_position"] for a in actions} == {_index(payload, "Messages")}
    after, _ = replay(payload, actions)
    assert "rows and columns" in sheet_cells(after, "Messages")[(4, 4)]


def test_an_unexpected_error_is_noted_on_messages_and_raised(monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(service, "result_grids", broken)
    payload = payload_from_file(SAMPLE)
    book = open_book(payload)
    with pytest.raises(ZeroDivisionError):
        entry.reoptimise(book, time_limit=1.0)
    actions = book.json()["actions"]
    assert {a["sheet_position"] for a in actions} == {_index(payload, "Messages")}
    after, _ = replay(payload, actions)
    assert "unexpected error (ZeroDivisionError: boom)" in sheet_cells(after, "Messages")[(4, 4)]


def _index(payload, name):
    return [s["name"] for s in payload["sheets"]].index(name)


def _row_of(payload, sheet, project_id):
    cells = sheet_cells(payload, sheet)
    return next(r for (r, c), v in cells.items() if v == project_id and c <= 2)


def test_explain_selected_on_the_portfolio_sheet(run):
    _, report, after, _, _ = run
    deferred = next(o for o in report.result.projects if not o.selected and o.reason)
    row = _row_of(after, "Portfolio", deferred.project_id)
    after["book"]["active_sheet_index"] = _index(after, "Portfolio")
    after["book"]["selection"] = f"K{row}"
    book = open_book(after)
    explained = entry.explain_selected(book)
    assert explained.ok
    assert explained.summary.startswith(f"{deferred.project_id} ")
    assert "deferred in the last run" in explained.summary
    rows = explained.grids[0].rows
    assert all(r[1] == "Portfolio" and r[2] == f"B{row}" for r in rows)
    assert any(r[3].startswith("Inputs: status") for r in rows)
    assert any(r[3].startswith("Why, with the inputs as they are now:") for r in rows)
    alert = next(a for a in book.json()["actions"] if a["func"] == "alert")
    assert deferred.project_id in alert["args"][0]


def test_explain_selected_on_intake_for_a_selected_project(run):
    _, report, after, _, _ = run
    chosen = report.result.selected[0]
    row = _row_of(after, "Intake", chosen.project_id)
    after["book"]["active_sheet_index"] = _index(after, "Intake")
    after["book"]["selection"] = f"C{row}"
    explained = entry.explain_selected(open_book(after))
    assert "selected in the last run" in explained.summary
    assert chosen.project_id in explained.summary


def test_explain_without_a_project_row_says_what_to_select():
    payload = payload_from_file(SAMPLE, active="Start", selection="B2")
    explained = entry.explain_selected(open_book(payload))
    assert explained.summary.startswith("Select a cell in a project's row")


def test_save_and_compare_scenarios_from_excel():
    payload = payload_from_file(SAMPLE)
    book = open_book(payload)
    first = entry.save_scenario(book, time_limit=1.0, run_at=RUN_AT)
    assert first.ok and first.summary.startswith('Saved scenario "Scenario 1"')
    after, _ = replay(payload, book.json()["actions"])
    listed = sheet_cells(after, schema.SCENARIOS.name)
    header = schema.SCENARIOS.header_row
    assert listed[(header + 1, 1)] == "Scenario 1"
    assert listed[(header + 1, 2)] == "2027-01-15 09:30:00"
    assert (header + 2, 1) not in listed
    # the store travels with the book: a second save reads it and numbers on
    again = open_book(after)
    second = entry.save_scenario(again, time_limit=1.0, note="second look")
    assert second.ok and '"Scenario 2"' in second.summary
    after2, _ = replay(after, again.json()["actions"])
    listed = sheet_cells(after2, schema.SCENARIOS.name)
    assert listed[(header + 2, 1)] == "Scenario 2" and listed[(header + 2, 8)] == "second look"
    stored = sheet_cells(after2, schema.SCENARIO_STORE.name)
    assert {v for (r, c), v in stored.items() if c == 1 and r > header} == {
        "Scenario 1",
        "Scenario 2",
    }
    third = open_book(after2)
    compared = entry.compare_scenarios(third)
    assert compared.ok and "Scenario 1, Scenario 2" in compared.summary
    after3, _ = replay(after2, third.json()["actions"])
    cells = sheet_cells(after3, schema.COMPARE.name)
    row = schema.COMPARE.header_row
    assert [cells[(row, c)] for c in range(1, 5)] == ["Section", "Item", "Scenario 1", "Scenario 2"]
    assert cells[(row + 1, 2)] == "Value"


def test_compare_before_two_scenarios_writes_nothing():
    payload = payload_from_file(SAMPLE)
    book = open_book(payload)
    compared = entry.compare_scenarios(book)
    assert not compared.ok and "Save two scenarios first" in compared.summary
    assert [a["func"] for a in book.json()["actions"]] == ["alert"]


def test_next_scenario_name():
    assert entry.next_scenario_name(["Start", "Portfolio"]) == "Scenario 1"
    assert entry.next_scenario_name(["Scenario 1", "Scenario 7", "Scenario x"]) == "Scenario 8"


def test_entry_points_need_no_caller_at_import():
    # Book.caller() only inside the functions: importing works without Excel.
    import importlib

    module = importlib.reload(entry)
    for name in ENTRY_POINTS:
        assert callable(getattr(module, name))


def test_vba_macros_call_these_entry_points():
    source = (SAMPLE.parent / "files" / "macros" / "vba" / "PMOButtons.bas").read_text(
        encoding="cp1252"
    )
    for name in ENTRY_POINTS:
        assert f'RunPython "import udfs.entry as e; e.{name}()"' in source
        assert callable(getattr(entry, name))


def test_plan_clears_old_rows_before_a_shorter_write():
    data = live.SheetData(
        "Messages",
        {(3, 1): "Severity", (3, 4): "Message", **{(r, 4): f"old {r}" for r in range(4, 30)}},
        {"tblMessages": "A3:D29"},
    )
    snap = live.Snapshot("B.xlsm", {"Messages": data})
    from workbook.book.grids import messages_grid

    edit = live.plan_writes(snap, [messages_grid([])])[0]
    assert edit.clear == (3, 1, 29, 4)
    assert edit.table == ("tblMessages", "A3:D4")
    assert range_boundaries(edit.table[1])[3] == 4


@pytest.mark.parametrize(
    "text, sent",
    [
        ("Selected", "Selected"),
        ("2027-03", "'2027-03"),
        ("=SUM(A1)", "'=SUM(A1)"),
        ("-5", "'-5"),
        ("TRUE", "'TRUE"),
        ("Mar 2027 rollout", "'Mar 2027 rollout"),
        ("Marketing site", "Marketing site"),
        ("", None),
    ],
)
def test_excel_text_keeps_text_as_text(text, sent):
    assert live.excel_text(text) == sent


def test_only_udfs_imports_xlwings():
    import subprocess
    import sys

    code = (
        "import sys, workbook.excel.transport, workbook.book.grids, workbook.files.reader;"
        "sys.exit(1 if 'xlwings' in sys.modules else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_frontier_button_writes_the_frontier_sheet_as_the_file_writer_does(tmp_path):
    payload = payload_from_file(SAMPLE)
    _set_setting(payload, "Reproducible", "Yes")  # 1-s points find plans on any machine and load
    book = open_book(payload)
    report = entry.frontier(book, scales=(1.2, 0.8), time_limit=1.0)
    assert report.ok and report.summary.startswith("Frontier: value ")
    after, live_formats = replay(payload, book.json()["actions"])
    (grid,) = report.grids
    assert grid.sheet == schema.FRONTIER.name
    assert [row[0] for row in grid.rows] == [0.8, 1.2]
    values = [row[2] for row in grid.rows]
    assert values == sorted(values)
    copy = tmp_path / SAMPLE.name
    shutil.copy2(SAMPLE, copy)
    write_grids(copy, report.grids, backup=False)
    file_cells, file_formats, file_tables = _file_cells(copy, schema.FRONTIER.name)
    live_cells = sheet_cells(after, schema.FRONTIER.name)
    assert live_cells.keys() == file_cells.keys()
    for key, value in live_cells.items():
        assert (
            value == pytest.approx(file_cells[key])
            if isinstance(value, float)
            else (value == file_cells[key])
        ), key
    header = schema.FRONTIER.header_row
    assert live_cells[(header, 1)] == "Budget scale"
    assert table_ref(after, schema.FRONTIER.name, "tblFrontier") == file_tables["tblFrontier"]
    assert file_tables["tblFrontier"] == f"A{header}:J{header + 2}"
    for key, number_format in live_formats[schema.FRONTIER.name].items():
        if key in file_cells:
            assert file_formats[key] == number_format, key


def _cell_of(payload, sheet, row_id, header, id_column=1):
    """(row, column) of `header` in the row of a table whose `id_column` holds `row_id`."""
    cells = sheet_cells(payload, sheet)
    header_row = 3
    column = next(c for (r, c), v in cells.items() if r == header_row and v == header)
    rows = [r for (r, c), v in cells.items() if c == id_column and v == row_id and r > header_row]
    return rows[-1], column


def _set(payload, sheet, key, value):
    found = next(s for s in payload["sheets"] if s["name"] == sheet)
    row, column = key
    found["values"][row - 1][column - 1] = value


def test_refresh_dashboard_rewrites_the_views_from_the_sheets(tmp_path):
    payload = payload_from_file(SAMPLE)
    # P-102's latest status slips to 30% done, and action AC-02 falls due before the status date
    pct = _cell_of(payload, "Status", "P-102", "% complete")
    pct = (max(r for (r, c), v in sheet_cells(payload, "Status").items() if v == "P-102"), pct[1])
    _set(payload, "Status", pct, 0.30)
    due = _cell_of(payload, "RAID", "AC-02", "Due", id_column=2)
    _set(payload, "RAID", due, "2027-03-01T00:00:00.000Z")
    book = open_book(payload)

    report = entry.refresh_dashboard(book)

    assert report.ok
    assert report.summary.startswith("Dashboard as of 2027-03-31: 4 in flight, 3 red, ")
    assert "2 overdue action(s), 2 pending gate decision(s)" in report.summary
    actions = book.json()["actions"]
    touched = {a["sheet_position"] for a in actions}
    assert touched == {_index(payload, n) for n in ("Latest status", "Dashboard", "Messages")}
    after, _ = replay(payload, actions)
    dashboard = sheet_cells(after, "Dashboard")
    key = schema.dashboard_block("Key figures")
    figures = {dashboard[(r, 1)]: dashboard.get((r, 2)) for r in range(key.first, key.last + 1)}
    assert figures["Overdue actions"].startswith("=COUNTIFS(tblRAID[Type],")  # live
    worst = schema.dashboard_block("Worst SPI")
    assert [dashboard[(r, 1)] for r in range(worst.first, worst.first + 3)] == [
        "P-102",
        "P-103",
        "P-101",
    ]
    assert dashboard[(worst.first, 3)] == pytest.approx(0.30 * 1_500_000 / 625_000)
    # the file path, given the same edits, writes the very same grids
    copy = tmp_path / "edited.xlsm"
    shutil.copy2(SAMPLE, copy)
    workbook = openpyxl.load_workbook(copy, keep_vba=True)
    workbook["Status"].cell(*pct).value = 0.30
    workbook["RAID"].cell(*due).value = datetime(2027, 3, 1)
    workbook.save(copy)
    done = service.refresh_dashboard(service.FileTransport(copy, backup=False))
    assert done.grids == report.grids
    latest = openpyxl.load_workbook(copy)["Latest status"]
    assert latest["A4"].value == "P-101" and latest["H4"].value.startswith("=IFERROR(")


def test_explain_says_when_a_gate_stopped_a_project(run):
    _, _, after, _, _ = run
    row = _row_of(after, "Intake", "P-126")
    after["book"]["active_sheet_index"] = _index(after, "Intake")
    after["book"]["selection"] = f"B{row}"
    explained = entry.explain_selected(open_book(after))
    assert explained.summary == (
        "P-126 Treasury management system: not in play (stopped at gate G2 on 2027-03-14); "
        "record a new decision on Gates to let the optimiser consider it."
    )


def test_the_baseline_is_read_alike_from_excel_and_from_the_file(run, tmp_path):
    # after a run, the plan on Portfolio (and the capacity on Utilisation) is the baseline,
    # read by the same reader whichever way the workbook is held
    _, report, after, _, _ = run
    _, live_read = live.read_book(open_book(after))
    copy = tmp_path / SAMPLE.name
    shutil.copy2(SAMPLE, copy)
    write_grids(copy, report.grids, backup=False)
    file_read = read_workbook(copy)
    assert live_read.baseline == file_read.baseline
    baseline = file_read.baseline
    assert dict(baseline.starts) == {o.project_id: o.start for o in report.result.selected}
    assert len(baseline.listed) == len(report.result.projects)
    assert baseline.capacity[("Project manager", file_read.portfolio.settings.plan_start)] == 5.5
    # the next re-optimise compares with it: a Changes grid, and the summary says how many
    again = entry.reoptimise(open_book(after), time_limit=1.0, seed=0)
    changes = next(g for g in again.grids if g.sheet == schema.CHANGES.name)
    summary = next(g for g in again.grids if g.sheet == schema.MESSAGES.name).rows[0][3]
    assert again.result.baseline_size == len(baseline.starts)
    assert (len(again.result.changes) == 0) == summary.count("no change since the last plan")
    assert len(changes.rows) == max(len(again.result.changes), 1)
