"""Headless recalculation with LibreOffice: values, VBA survival, failures, restarts."""

from __future__ import annotations

import hashlib
import http.server
import os
import signal
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.worksheet.table import Table

from workbook.headless.cached_values import CopyStats, column_letters, rewrite_sheet
from workbook.headless.recalc import LibreOffice, Recalculator, recalc

DATA = Path(__file__).parents[1] / "data"
VBA_PROJECT = DATA / "xlwings_quickstart_vbaProject.bin"

COSTS = [120.0, 80.5, 200.0, 45.25, 99.0]
SCORES = [3.5, 4.0, 1.5, 5.0, 2.0]
NAMES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
TEAMS = ["Ops", "IT", "Ops", "HR", "Ops"]


@pytest.fixture(scope="module")
def calc(libreoffice: LibreOffice):
    """One LibreOffice for the whole module: starting it costs seconds."""
    with Recalculator(office=libreoffice, timeout=60) as recalculator:
        yield recalculator


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def build_formulas_workbook(path: Path) -> None:
    """openpyxl writes formulas without cached values: nothing can read them before recalc."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Projects"
    ws.append(["Name", "Team", "Cost", "Score"])
    for row in zip(NAMES, TEAMS, COSTS, SCORES, strict=True):
        ws.append(list(row))
    ws.add_table(Table(displayName="Projects", ref="A1:D6"))
    calc = wb.create_sheet("Calc")
    calc["A1"] = "=SUMPRODUCT(Projects!C2:C6,Projects!D2:D6)"
    calc["A2"] = "=SUMPRODUCT(Projects[Cost],Projects[Score])"
    calc["A3"] = '=INDEX(Projects!C2:C6,MATCH("Delta",Projects!A2:A6,0))'
    calc["A4"] = '=COUNTIF(Projects!B2:B6,"Ops")'
    calc["A5"] = '=IF(A4>2,"many","few")'
    calc["A6"] = "=A1/3"
    calc["A7"] = "=A4>2"
    calc["A8"] = "=1/0"
    calc["A9"] = "=SUM(Projects[Cost])"
    wb.save(path)


@pytest.mark.libreoffice
def test_formula_results_match_python(calc: Recalculator, tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    build_formulas_workbook(source)
    before = digest(source)
    out = tmp_path / "out" / "in.xlsx"

    outcome = calc.recalc(source, out)

    assert outcome.ok, outcome.error
    assert outcome.formulas == 9
    assert outcome.refreshed == 9
    assert outcome.unsupported == ()
    assert outcome.missing == ()
    assert digest(source) == before, "input changed although the output went elsewhere"
    sumproduct = sum(c * s for c, s in zip(COSTS, SCORES, strict=True))
    ops = TEAMS.count("Ops")
    ws = openpyxl.load_workbook(out, data_only=True)["Calc"]
    assert ws["A1"].value == pytest.approx(sumproduct, rel=1e-15)
    assert ws["A2"].value == pytest.approx(sumproduct, rel=1e-15)  # structured references
    assert ws["A3"].value == COSTS[NAMES.index("Delta")]
    assert ws["A4"].value == ops
    assert ws["A5"].value == ("many" if ops > 2 else "few")
    assert ws["A6"].value == sumproduct / 3  # full double precision, not 15 digits
    assert ws["A7"].value is (ops > 2)
    assert ws["A8"].value == "#DIV/0!"
    assert ws["A9"].value == pytest.approx(sum(COSTS))
    # The formulas themselves are still there.
    assert openpyxl.load_workbook(out)["Calc"]["A2"].value.startswith("=SUMPRODUCT(Projects[")


@pytest.mark.libreoffice
def test_stale_and_array_values_are_replaced_in_place(calc: Recalculator, tmp_path: Path) -> None:
    path = tmp_path / "stale.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Data")
    ws.write_column("A1", [1, 2, 3])
    ws.write_formula("B1", "=SUM(A1:A3)", None, 999)  # a wrong cached value
    ws.write_array_formula("C1:C3", "{=A1:A3*10}")
    ws.write_formula("D1", '=A1&"x"', None, "stale")
    wb.close()

    outcome = calc.recalc(path)

    assert outcome.ok, outcome.error
    ws = openpyxl.load_workbook(path, data_only=True)["Data"]
    assert ws["B1"].value == 6
    assert [ws[f"C{r}"].value for r in (1, 2, 3)] == [10, 20, 30]
    assert ws["D1"].value == "1x"
    assert [p.name for p in tmp_path.iterdir()] == ["stale.xlsx"], "temporary file left behind"


@pytest.mark.libreoffice
def test_xlsm_keeps_vba_project_and_everything_else(calc: Recalculator, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsm"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Data")
    wb.add_vba_project(str(VBA_PROJECT))
    ws.write_column("A1", [2, 4, 6])
    ws.write_formula("B1", "=SUMPRODUCT(A1:A3,A1:A3)")
    ws.insert_button("D2", {"macro": "SampleCall", "caption": "Run"})
    wb.close()
    before = members(path)

    outcome = calc.recalc(path)

    assert outcome.ok, outcome.error
    after = members(path)
    assert list(after) == list(before)
    assert after["xl/vbaProject.bin"] == VBA_PROJECT.read_bytes()
    changed = [name for name in before if before[name] != after[name]]
    assert changed == ["xl/worksheets/sheet1.xml"]
    assert openpyxl.load_workbook(path, data_only=True)["Data"]["B1"].value == 4 + 16 + 36
    olevba = pytest.importorskip("oletools.olevba")
    parser = olevba.VBA_Parser(str(path))
    modules = {name for _, _, name, _ in parser.extract_macros()}
    parser.close()
    assert {"Module1.bas", "xlwings.bas"} <= modules


@pytest.mark.libreoffice
def test_unknown_function_keeps_old_value_and_is_reported(
    calc: Recalculator, tmp_path: Path
) -> None:
    path = tmp_path / "udf.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Intake")
    ws.write_formula("A1", "=PMO_NOT_A_FUNCTION(1)", None, 42)  # like an xlwings UDF
    ws.write_formula("A2", "=1+1", None, 0)
    wb.close()

    outcome = calc.recalc(path)

    assert outcome.ok
    assert outcome.unsupported == ("Intake!A1",)
    assert "Intake!A1" in str(outcome)
    ws = openpyxl.load_workbook(path, data_only=True)["Intake"]
    assert ws["A1"].value == 42
    assert ws["A2"].value == 2


@pytest.mark.libreoffice
def test_webservice_makes_no_request(calc: Recalculator, tmp_path: Path) -> None:
    """Recalculating an untrusted workbook must not reach the network."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"leaked")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    path = tmp_path / "web.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = f'=_xlfn.WEBSERVICE("http://127.0.0.1:{server.server_address[1]}/x")'
    wb.save(path)
    try:
        outcome = calc.recalc(path)
    finally:
        server.shutdown()
        server.server_close()

    assert outcome.ok, outcome.error
    assert hits == []
    assert openpyxl.load_workbook(path, data_only=True).active["A1"].value != "leaked"


@pytest.mark.libreoffice
def test_corrupt_files_fail_readably_and_the_next_one_works(
    calc: Recalculator, tmp_path: Path
) -> None:
    not_a_zip = tmp_path / "junk.xlsx"
    not_a_zip.write_bytes(b"this is not a workbook")
    good = tmp_path / "good.xlsx"
    build_formulas_workbook(good)
    broken_xml = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken_xml, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data[: len(data) // 2] if name == "xl/workbook.xml" else data)

    junk = calc.recalc(not_a_zip, tmp_path / "out" / "junk.xlsx")
    broken = calc.recalc(broken_xml, tmp_path / "out" / "broken.xlsx")
    fine = calc.recalc(good, tmp_path / "out" / "good.xlsx")

    assert not junk.ok and "junk.xlsx" in junk.error and "not a valid" in junk.error
    assert not broken.ok and "broken.xlsx" in broken.error
    assert fine.ok, fine.error
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.xlsx"]
    assert not_a_zip.read_bytes() == b"this is not a workbook"


@pytest.mark.libreoffice
def test_restarts_after_libreoffice_dies(calc: Recalculator, tmp_path: Path) -> None:
    path = tmp_path / "again.xlsx"
    build_formulas_workbook(path)
    assert calc.recalc(path, tmp_path / "first.xlsx").ok
    starts = calc.starts
    running = calc._running
    assert running is not None
    os.killpg(running.soffice.pid, signal.SIGKILL)  # the group this Recalculator started
    running.soffice.wait(timeout=30)

    outcome = calc.recalc(path, tmp_path / "second.xlsx")

    assert outcome.ok, outcome.error
    assert calc.starts == starts + 1


@pytest.mark.libreoffice
def test_timeout_kills_the_next_workbook_works_and_errors_clean_up(
    libreoffice: LibreOffice, tmp_path: Path
) -> None:
    path = tmp_path / "slow.xlsx"
    build_formulas_workbook(path)
    with pytest.raises(RuntimeError, match="boom"), Recalculator(office=libreoffice) as own:
        own.timeout = 0.001  # nothing finishes this fast: the hang path runs for real
        late = own.recalc(path, tmp_path / "late.xlsx")
        own.timeout = 60
        fine = own.recalc(path, tmp_path / "fine.xlsx")
        starts, home = own.starts, own._home
        soffice = own._running.soffice  # type: ignore[union-attr]
        raise RuntimeError("boom")  # an error inside the block must still shut down cleanly

    assert not late.ok and "did not finish" in late.error
    assert not (tmp_path / "late.xlsx").exists()
    assert fine.ok, fine.error
    assert starts == 2
    assert home is not None and not home.exists(), "temporary profile left behind"
    assert soffice.poll() is not None, "soffice still running"


@pytest.mark.libreoffice
@pytest.mark.usefixtures("libreoffice")
def test_recalc_function_writes_into_out_dir(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsm"
    build_formulas_workbook(first)
    wb = xlsxwriter.Workbook(second)
    wb.add_vba_project(str(VBA_PROJECT))
    wb.add_worksheet("S").write_formula("A1", "=6*7")
    wb.close()

    outcomes = recalc([first, second], out_dir=tmp_path / "done")

    assert [o.ok for o in outcomes] == [True, True]
    assert [o.out for o in outcomes] == [tmp_path / "done" / "a.xlsx", tmp_path / "done" / "b.xlsm"]
    assert openpyxl.load_workbook(outcomes[1].out, data_only=True)["S"]["A1"].value == 42


# Pure text surgery, no LibreOffice needed.


def test_rewrite_sheet_touches_only_formula_values() -> None:
    xml = (
        '<x:worksheet xmlns:x="s"><x:cols><x:col min="1"/></x:cols><x:sheetData>'
        '<x:row r="1"><x:c r="A1" s="2"><x:v>5</x:v></x:c>'
        '<x:c r="B1" t="str"><x:f>A1&amp;"&lt;"</x:f><x:v>old</x:v></x:c>'
        '<x:c r="C1"><x:f>A1*2</x:f></x:c><x:c r="D1" s="1"/></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    computed = {"A1": ("n", "5"), "B1": ("str", "5<"), "C1": ("n", "10"), "D1": ("n", "0")}
    stats = CopyStats()

    new = rewrite_sheet(xml, "S", computed, {(0, 2): 10.0}, stats)

    assert stats.refreshed == 2
    assert '<x:c r="A1" s="2"><x:v>5</x:v></x:c>' in new
    assert '<x:c r="B1" t="str"><x:f>A1&amp;"&lt;"</x:f><x:v>5&lt;</x:v></x:c>' in new
    assert '<x:c r="C1"><x:f>A1*2</x:f><x:v>10</x:v></x:c>' in new
    assert '<x:c r="D1" s="1"/>' in new
    assert new.startswith('<x:worksheet xmlns:x="s"><x:cols><x:col min="1"/></x:cols>')


def test_column_letters() -> None:
    assert [column_letters(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
