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

# (case, mutation, command, exit code, exact line expected in the output)
CASES = [
    (
        "missing sheet",
        _delete_sheet("Budget"),
        "validate",
        1,
        R + 'Budget: the workbook has no sheet "Budget" (sheets found: Start, Settings, Criteria, '
        "Intake, Scoring, Demand, Capacity, Dependencies, Portfolio, Schedule, Utilisation, "
        "Messages, Run log, xlwings.conf, Changes); add it back, copying it from a new template "
        "(pmo new)",
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
    (
        "dimension bomb",
        _dimension_bomb,
        "validate",
        3,
        "File error: Book.xlsm: part xl/worksheets/sheet4.xml claims 17,179,869,184 cells "
        "(A1:XFD1048576); limit 20,000,000. Delete the unused rows and columns in Excel and "
        "save again",
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
    assert expected in lines, "\n".join(lines)
    if command == "optimise" and code in (1, 2):
        # an input error or no plan: Messages and the Run log say so, inputs stay as they were
        assert _inputs(book) == _inputs(tmp_path / "Book.bak.xlsm")
        assert "Wrote Messages and the Run log into" in captured.out
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
