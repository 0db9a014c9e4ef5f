"""A catalogue of broken workbooks: each gets its exact message, and the file stays as it was."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.workbook._books import copy_book, edit, rewrite_part, sha, sheet_part
from workbook.book import schema
from workbook.cli import main
from workbook.files.macros.ribbon import ensure_ribbon_relationship


def _cells(changes):
    def mutate(path: Path) -> Path:
        return edit(path, changes)

    return mutate


def _with_book(change):
    def mutate(path: Path) -> Path:
        book = openpyxl.load_workbook(path, keep_vba=True)
        change(book)
        book.save(path)
        ensure_ribbon_relationship(path)
        return path

    return mutate


def _delete_sheet(name):
    return _with_book(lambda book: book.remove(book[name]))


def _add_dependency(*values):
    def change(book):
        ws = book["Dependencies"]
        table = ws.tables["tblDependencies"]
        first, last = table.ref.split(":")
        row = int(last[1:]) + 1
        for column, value in enumerate(values, start=1):
            ws.cell(row, column, value)
        table.ref = f"{first}:{last[0]}{row}"

    return _with_book(change)


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    def mutate(path: Path) -> Path:
        with zipfile.ZipFile(path, "w", compression) as package:
            for name, data in members.items():
                package.writestr(name, data)
        return path

    return mutate


def _many_members(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as package:
        package.writestr("[Content_Types].xml", b"<Types/>")
        for i in range(10_001):
            package.writestr(f"xl/p{i}.xml", b"")
    return path


def _bytes(data: bytes):
    def mutate(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return mutate


def _dimension_bomb(path: Path) -> Path:
    part = sheet_part(path, "Intake")
    return rewrite_part(
        path,
        part,
        lambda data: data.replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" old="', 1),
    )


def _strings_bomb(path: Path, count: int = 600_000) -> Path:
    """Texts no cell uses, more than the limit: small on disk, slow for any reader."""
    extra = b"".join(b"<si><t>%d</t></si>" % i for i in range(count))
    return rewrite_part(
        path, "xl/sharedStrings.xml", lambda data: data.replace(b"</sst>", extra + b"</sst>")
    )


def _entity_bomb(path: Path) -> Path:
    bomb = (
        b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>'
    )
    return rewrite_part(
        path, "xl/sharedStrings.xml", lambda data: data.replace(b"?>", b"?>" + bomb, 1)
    )


def _lock(path: Path) -> Path:
    (path.parent / f"~${path.name}").write_bytes(b"owner")
    return path


def _no_table(name):
    def change(book):
        ws = book[name]
        for table in list(ws.tables):
            del ws.tables[table]
        ws["A3"] = "Identifier"

    return _with_book(change)


ZIP_BOMB = {"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": bytes(5_000_000)}
R = "Error: "
OK = "Book.xlsm: no input errors (1 warning(s), 12 note(s)); 45 projects, 9 roles, 24 months."

# (case, mutation, command, exit code, exact line expected in the output)
CASES = [
    (
        "missing sheet",
        _delete_sheet("Budget"),
        "validate",
        1,
        R + 'Budget: the workbook has no sheet "Budget" (sheets found: Start, Settings, Criteria, '
        "Intake, Scoring, Demand, Capacity, Dependencies, Portfolio, Schedule, Utilisation, "
        "Messages, Run log, Status, Latest status, RAID, Gates, Health, Benefits, Reviews, "
        "Dashboard, Lessons, People, PM evaluation, Enterprise, Enterprise load, Frontier, "
        "Hiring, Hiring plan, Shortfall, Balance, Balance view, Scenarios, Compare, "
        "PMO scenarios, Pairwise, Scorecard, Changes, xlwings.conf); add it back, copying it "
        "from a new template (pmo new)",
    ),
    (
        "renamed header",
        _cells({("Intake", "I3"): "Duration"}),
        "validate",
        1,
        R + 'Intake!I3: no column "Duration (months)"; rename "Duration" back to '
        '"Duration (months)"',
    ),
    (
        "header row gone",
        _no_table("Demand"),
        "validate",
        1,
        R + 'Demand: no table "tblDemand" and no header row with ID, Role, FTE, From month, '
        "To month in the first 100 rows; restore the header row (a new template shows it: "
        "pmo new)",
    ),
    (
        "text in a number",
        _cells({("Intake", "I12"): "3.5 mo"}),
        "validate",
        1,
        R + 'Intake!I12: "Duration (months)" must be a whole number of months; found "3.5 mo"',
    ),
    (
        "fraction of a month",
        _cells({("Intake", "I13"): 3.5}),
        "validate",
        1,
        R + 'Intake!I13: "Duration (months)" must be a whole number of months; found 3.5',
    ),
    (
        "text in money",
        _cells({("Intake", "J7"): "about 2m"}),
        "validate",
        1,
        R + 'Intake!J7: "Cost" must be a number; found "about 2m"',
    ),
    (
        "bad month",
        _cells({("Intake", "F10"): "March"}),
        "validate",
        1,
        R + 'Intake!F10: "Earliest start" must be a month as YYYY-MM (e.g. 2027-03) or a date; '
        'found "March"',
    ),
    (
        "bad yes/no",
        _cells({("Intake", "D5"): "maybe"}),
        "validate",
        1,
        R + 'Intake!D5: "Mandatory" must be Yes or No; found "maybe"',
    ),
    (
        "bad status",
        _cells({("Intake", "C8"): "Done"}),
        "validate",
        1,
        R + 'Intake!C8: "Status" must be one of Proposed, Approved, In flight, On hold, Closed; '
        'found "Done"',
    ),
    (
        "blank required",
        _cells({("Intake", "B9"): None}),
        "validate",
        1,
        R + 'Intake!B9: "Name" is blank; it is required',
    ),
    (
        "duplicate ID",
        _cells({("Intake", "A46"): "P-144", ("Intake", "C46"): "On hold"}),
        "validate",
        1,
        R + 'Intake!A46: ID "P-144" is used 2 times; IDs must be unique',
    ),
    (
        "unknown role",
        _cells({("Demand", "B4"): "Wizard"}),
        "validate",
        1,
        R + 'Demand!B4: unknown role "Wizard"; roles with capacity: Project manager, Business '
        "analyst, Solution architect, Software developer, Data engineer, Infrastructure "
        "engineer, Test analyst, Change manager, Security specialist",
    ),
    (
        "unknown project in demand",
        _cells({("Demand", "A4"): "P-999"}),
        "validate",
        1,
        R + 'Demand!A4: unknown project ID "P-999"; add it to the intake or fix the ID',
    ),
    (
        "dependency cycle",
        _add_dependency("P-124", "P-122", "FS", 0),
        "validate",
        1,
        R + "Dependencies!B7: dependency cycle: P-122 -> P-123 -> P-124 -> P-122; remove one "
        "of these links",
    ),
    (
        "bad dependency type",
        _cells({("Dependencies", "C4"): "Blocks"}),
        "validate",
        1,
        R + 'Dependencies!C4: "Type" must be one of FS, Requires, Excludes, With; found "Blocks"',
    ),
    (
        "window reversed",
        _cells({("Intake", "F15"): "2027-09", ("Intake", "G15"): "2027-03"}),
        "validate",
        1,
        R + 'Intake!G15: "P-112": latest start 2027-03 is before earliest start '
        "2027-09; swap them or widen the window",
    ),
    (
        "in flight without start",
        _cells({("Intake", "H6"): None}),
        "validate",
        1,
        R + 'Intake!H6: "P-103" is in flight, so it needs its actual start month in "Fixed start"',
    ),
    (
        "score out of scale",
        _cells({("Scoring", "C9"): 12}),
        "validate",
        1,
        R + 'Scoring!C9: "P-101": score 12 for "Financial return" is outside its scale 0..10',
    ),
    (
        "renamed criterion column",
        _cells({("Scoring", "C8"): "Finance return"}),
        "validate",
        1,
        R + 'Scoring!C8: no column "Financial return"; rename "Finance return" back to '
        '"Financial return"',
    ),
    (
        "capacity month missing",
        _cells({("Capacity", "Y3"): "Total"}),
        "validate",
        1,
        R + "Capacity!Z3: no column for 2028-12; the plan runs 2027-01..2028-12 (Settings), so "
        "Capacity needs a column headed YYYY-MM for each of its months",
    ),
    (
        "bad plan start",
        _cells({("Settings", "B4"): "someday"}),
        "validate",
        1,
        R + 'Settings!B4: "Plan start" must be a month as YYYY-MM (e.g. 2027-03) or a date; '
        'found "someday"',
    ),
    (
        "budget year twice",
        _cells({("Budget", "A5"): 2027}),
        "validate",
        1,
        R + "Budget!A5: year 2027 is listed twice; keep one row per year",
    ),
    (
        "mandatory but excluded",
        _cells({("Intake", "D20"): "Yes", ("Intake", "D21"): "Yes"}),
        "validate",
        1,
        R + 'Dependencies!C11: "P-117" and "P-118" exclude each other but both must run',
    ),
    (
        "infeasible mandatory set",
        _cells(
            {("Intake", f"E{row}"): "In" for row in (14, 16, 19, 33, 34, 35)}
            | {("Intake", f"G{row}"): "2027-02" for row in (14, 16, 19, 33, 34, 35)}
        ),
        "optimise",
        2,
        "No plan: infeasible.",
    ),
    # issue 13, defects 1 and 2: each of these passed validate, then ate memory or crashed
    (
        "duration of a billion months",
        _cells({("Intake", "I20"): 1_000_000_000}),
        "optimise",
        1,
        R + 'Intake!I20: "P-117": duration must be at most 10,000 months; found 1000000000',
    ),
    (
        "seed past 32 bits",
        _cells({("Settings", "B8"): 2**31}),
        "optimise",
        1,
        R + "Settings!B8: Random seed must be at most 2,147,483,647; found 2147483648",
    ),
    (
        "cost 1e17",
        _cells({("Intake", "J20"): 1e17}),
        "optimise",
        1,
        R + 'Intake!J20: "P-117": cost must be at most 10,000,000,000,000; found 1e+17',
    ),
    (
        "capacity 1e16 FTE",
        _cells({("Capacity", "C5"): 1e16}),
        "optimise",
        1,
        R + 'Capacity!C5: role "Business analyst": capacity in 2027-02 must be at most '
        "100,000 FTE; found 1e+16",
    ),
    (
        "demand 1e16 FTE",
        _cells({("Demand", "C9"): 1e16}),
        "optimise",
        1,
        R + "Demand!C9: FTE must be at most 100,000; found 1e+16",
    ),
    (
        "budget 1e308",
        _cells({("Budget", "B4"): 1e308}),
        "validate",
        1,
        R + "Budget!B4: budget for 2027 must be at most 10,000,000,000,000; found 1e+308",
    ),
    (
        "horizon of a billion months",
        _cells({("Settings", "B5"): 1e9}),
        "validate",
        1,
        R + "Settings!B5: Horizon (months) must be at most 10,000; found 1000000000",
    ),
    (
        "not a zip",
        _bytes(b"ID,Name\nP-1,Something\n"),
        "validate",
        3,
        "File error: Book.xlsm: not an Excel workbook (.xlsx/.xlsm are zip packages, this file "
        "is not one); save it from Excel as .xlsm",
    ),
    (
        "old xls",
        _bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
        "validate",
        3,
        "File error: Book.xlsm: this is an old .xls workbook or a password-protected one; save "
        "it from Excel as .xlsm (Excel Macro-Enabled Workbook) without a password",
    ),
    (
        "zip of something else",
        _zip({"notes.txt": b"hello"}),
        "validate",
        3,
        "File error: Book.xlsm: a zip file but not an Excel workbook (no xl/ parts); save it "
        "from Excel as .xlsm",
    ),
    (
        "zip bomb",
        _zip(ZIP_BOMB),
        "validate",
        3,
        "File error: Book.xlsm: part xl/worksheets/sheet1.xml inflates 1,026 times its compressed "
        "size (a zip bomb?); refusing to read it",
    ),
    (
        "too many parts",
        _many_members,
        "validate",
        3,
        "File error: Book.xlsm: the package has 10,002 parts (limit 10,000); this is not a "
        "normal workbook",
    ),
    # issue 13, defect 8: a sheet is judged by the cells it holds, not the area it claims
    (
        "dimension claim without the cells",
        _dimension_bomb,
        "validate",
        0,
        OK,
    ),
    (
        "one value in XFD1048576",
        _cells({("Intake", "XFD1048576"): "stray", ("Capacity", "XFD1048576"): 1}),
        "optimise",
        0,
        "Wrote the results into {book} (previous version kept as Book.bak.xlsm).",
    ),
    # issue 13, defect 6: 8 million shared strings passed every limit (122 s, 1.3 GB)
    (
        "shared strings bomb",
        _strings_bomb,
        "validate",
        3,
        "File error: Book.xlsm: the workbook holds more than 500,000 different texts (shared "
        "strings); refusing to read it. Open it in Excel and save it again, which drops texts "
        "no cell uses",
    ),
    (
        "entity bomb",
        _entity_bomb,
        "validate",
        3,
        "File error: Book.xlsm: part xl/sharedStrings.xml declares XML entities (a DOCTYPE), "
        "which workbooks never need; refusing to read it",
    ),
    (
        "locked by Excel",
        _lock,
        "optimise",
        3,
        "File error: Book.xlsm is open in Excel (lock file ~$Book.xlsm found); close it in "
        "Excel and run again",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "command", "code", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_workbook(tmp_path, capsys, mutate, command, code, expected):
    book = mutate(copy_book(tmp_path))
    before = sha(book)
    args = [command, str(book)] + (["--time-limit", "2"] if command == "optimise" else [])
    assert main(args) == code
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    assert expected.format(book=book) in lines, "\n".join(lines)
    if command == "optimise" and code in (1, 2):
        # an input error or no plan: Messages and the Run log say so, inputs stay as they were
        assert _inputs(book) == _inputs(tmp_path / "Book.bak.xlsm")
        assert "Wrote Messages and the Run log into" in captured.out
    elif code == 0 and command == "optimise":
        assert sha(tmp_path / "Book.bak.xlsm") == before
    else:
        assert sha(book) == before
        assert not (tmp_path / "Book.bak.xlsm").exists()


def _inputs(path):
    book = openpyxl.load_workbook(path)
    names = [s.name for s in schema.INPUT_SHEETS if s.name in book.sheetnames]
    return {
        n: {k: c.value for k, c in book[n]._cells.items() if c.value is not None} for n in names
    }


def test_catalogue_is_large_enough():
    assert len(CASES) >= 25


# --- Found by bench/fuzz.py (issue 13): each once ended in a traceback ----------------------


def _damaged_deflate(path: Path, part: str | None = None) -> Path:
    """Garbage in the middle of one part's compressed bytes (its header left intact)."""
    with zipfile.ZipFile(path) as package:
        info = package.getinfo(part or sheet_part(path, "Intake"))
    data = bytearray(path.read_bytes())
    name_length = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    middle = start + info.compress_size // 2
    data[middle : middle + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    return path


def _without_part(part: str):
    def mutate(path: Path) -> Path:
        temp = path.with_suffix(".tmp")
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(temp, "w") as out:
            for info in source.infolist():
                if info.filename != part:
                    out.writestr(info, source.read(info.filename))
        temp.replace(path)
        return path

    return mutate


def _rename_sheet(old: str, new: str):
    def mutate(path: Path) -> Path:
        return rewrite_part(
            path,
            "xl/workbook.xml",
            lambda data: data.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode(), 1),
        )

    return mutate


FOUND_BY_FUZZING = [
    (
        "a damaged deflate stream",
        _damaged_deflate,
        "validate",
        3,
        "File error: Book.xlsm: the workbook package is damaged (",
    ),
    (
        "a damaged VBA project",
        lambda path: _damaged_deflate(path, "xl/vbaProject.bin"),
        "validate",
        3,
        "File error: Book.xlsm: the workbook package is damaged (",
    ),
    (
        "no relationships for the Start sheet's buttons",
        _without_part("xl/worksheets/_rels/sheet1.xml.rels"),
        "optimise",
        3,
        "File error: Book.xlsm: cannot be opened for writing (KeyError: 'Unknown relationship: "
        "rId1'); nothing was written. Open it in Excel and save it, then run again",
    ),
    (
        "no root relationships",
        _without_part("_rels/.rels"),
        "optimise",
        3,
        "File error: Book.xlsm: its package could not be saved again (",
    ),
    (
        "a value in the Run log's last row",
        _cells({("Run log", "A1048576"): "stray"}),
        "optimise",
        3,
        'File error: the sheet "Run log" has no room below row 1,048,576 (a sheet ends at row '
        "1,048,576); delete the rows below its table and run again",
    ),
    (
        "an output sheet renamed in capitals",
        _rename_sheet("Run log", "RUN LOG"),
        "optimise",
        0,
        "Wrote the results into ",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "command", "code", "start"),
    [c[1:] for c in FOUND_BY_FUZZING],
    ids=[c[0] for c in FOUND_BY_FUZZING],
)
def test_found_by_fuzzing(tmp_path, capsys, mutate, command, code, start):
    book = mutate(copy_book(tmp_path))
    before = sha(book)
    args = [command, str(book)] + (["--time-limit", "1"] if command == "optimise" else [])
    assert main(args) == code
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    assert "Traceback" not in captured.out + captured.err
    assert any(line.startswith(start) for line in lines), "\n".join(lines)
    if code:
        assert sha(book) == before
    else:
        assert openpyxl.load_workbook(book, read_only=True).sheetnames.count("RUN LOG") == 1
