"""Fuzzing: mutated workbooks through `pmo validate` and `pmo optimise`, every run checked.

Each case takes a base workbook (the sample, or a small generated one), mutates it (cell
values and types on every input sheet, whole rows, table ranges, sheet names, bytes of an
XML part, zip entries, the whole file), and runs one `pmo` command on it in a forked child
limited to 1 GiB of address space and 10 s of processor time. A case passes when the run
ends with exit 0-3 within those limits, prints no traceback, leaves no temporary file, and
leaves the input byte-identical (in place with exit 0: the new book reads back and its
backup is the input). A wall-clock backstop of 60 s catches a hang on a busy machine.

    PYTHONPATH=. .venv/bin/python -m bench.fuzz --cases 30000 --seed 1 --jobs 2
    PYTHONPATH=. .venv/bin/python -m bench.fuzz --seed 1 --case 1234 --keep DIR  # one case again

Case `i` of seed `s` is the same mutation on every machine (`random.Random(f"{s}-{i}")`).
Figures: docs/reliability.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from workbook.book import schema

CPU_LIMIT_S = 10  # processor seconds per run (all its threads): the promise, on any machine
WALL_LIMIT_S = 60.0  # a run still going after this long, on however busy a machine, hangs
MEMORY_LIMIT = 1 << 30  # bytes of address space per run
TIME_LIMIT = "0.5"  # solver seconds for optimise (small books are proven long before)
EXIT_CODES = {0, 1, 2, 3}
# Every sheet a user types into (the schema's list, so a new sheet is fuzzed too)
INPUT_SHEETS = tuple(s.name for s in schema.INPUT_SHEETS if s is not schema.START)
TEMP_PREFIX = ".pmo-"


# --- The base workbooks ------------------------------------------------------------------


@dataclass
class Base:
    """A workbook as zip members, with where each sheet lives and which cells it holds."""

    name: str
    members: list[tuple[zipfile.ZipInfo, bytes]]
    sheet_parts: dict[str, str]  # sheet name -> part
    cells: dict[str, list[tuple[int, int]]]  # part -> (row, column) of its cells
    strings: int  # shared strings count

    def part(self, name: str) -> bytes:
        return next(data for info, data in self.members if info.filename == name)


def load_base(path: Path, name: str) -> Base:
    """Read a workbook into a `Base`."""
    with zipfile.ZipFile(path) as package:
        members = [(info, package.read(info)) for info in package.infolist()]
    data = dict((info.filename, blob) for info, blob in members)
    sheets = re.findall(rb'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', data["xl/workbook.xml"])
    rels = dict(
        (rid, target)
        for target, rid in re.findall(
            rb'Target="([^"]+)"[^>]*Id="([^"]+)"', data["xl/_rels/workbook.xml.rels"]
        )
    )
    rels.update(
        re.findall(rb'Id="([^"]+)"[^>]*Target="([^"]+)"', data["xl/_rels/workbook.xml.rels"])
    )
    sheet_parts = {}
    for sheet, rid in sheets:
        target = rels[rid].decode()
        sheet_parts[sheet.decode()] = (
            target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        )
    cells = {
        part: [(int(r), _column(c)) for c, r in re.findall(rb'<c r="([A-Z]+)(\d+)"', data[part])]
        for part in sheet_parts.values()
    }
    strings = data.get("xl/sharedStrings.xml", b"").count(b"<si>")
    return Base(name, members, sheet_parts, cells, strings)


def _column(letters: bytes) -> int:
    number = 0
    for char in letters.decode():
        number = number * 26 + ord(char) - 64
    return number


def _letters(column: int) -> str:
    text = ""
    while column:
        column, rest = divmod(column - 1, 26)
        text = chr(65 + rest) + text
    return text


def build_bases(folder: Path) -> list[Base]:
    """The sample workbook and a small generated one (fast to optimise)."""
    from bench.generate import generate_portfolio
    from workbook.files.template import build_workbook

    sample = build_workbook(folder / "sample.xlsm")
    small = build_workbook(folder / "small.xlsm", generate_portfolio(6, seed=11))
    return [load_base(sample, "sample"), load_base(small, "small")]


# --- Mutations -----------------------------------------------------------------------------

Members = dict[str, bytes]

NUMBERS = [
    "0", "-1", "1", "0.5", "3.5", "12", "45000", "2147483648", "9223372036854775808",
    "1e9", "-1e9", "1e16", "1e17", "1e308", "-1e308", "1e-300", "99999999", "1E+400",
    "NaN", "INF", "-0", "", "12abc", "0x10",
]  # fmt: skip
TEXTS = [
    "", " ", "abc", "2027-02", "2027-13", "0000-01", "9999-12", "2027-02-30", "1991-06",
    "=1+1", "=A1", "@SUM(A1)", "+1", "-", "#REF!", "Yes", "no", "Y", "TRUE", "maybe",
    "Proposed", "In flight", "Closed", "On hold", "In", "Out", "FS", "Requires", "Excludes",
    "With", "value", "finish", "P-101", "P-102", "P0", "P1", "Project manager", "Developer",
    "项目 α", "\u00a0 12 \u00a0", "1,500,000", "€ 300", "3.5 mo", "ID", "Role", "FTE",
    "Duration (months)", "Financial return", "Lower is better", "x" * 5000,
    "<b>&amp;</b>", "\t\n",
]  # fmt: skip
ERRORS = ["#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!"]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def random_cell(rng: random.Random, ref: str, strings: int) -> str:
    """A cell element with a value of a random type."""
    kind = rng.choice(["number", "number", "text", "text", "shared", "bool", "error", "formula"])
    if kind == "number":
        value = rng.choice([*NUMBERS, str(rng.randint(-(10**6), 10**6)), repr(rng.random() * 1e4)])
        return f'<c r="{ref}"><v>{value}</v></c>'
    if kind == "text":
        value = rng.choice(TEXTS)
        return (
            f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_escape(value)}</t></is></c>'
        )
    if kind == "shared":
        index = rng.choice([0, 1, rng.randrange(max(strings, 1)), strings, 10**6, -1])
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'
    if kind == "bool":
        return f'<c r="{ref}" t="b"><v>{rng.choice(["0", "1", "2", "x"])}</v></c>'
    if kind == "error":
        return f'<c r="{ref}" t="e"><v>{rng.choice(ERRORS)}</v></c>'
    formula = rng.choice(["1/0", "SUM(A1:A3)", "TODAY()", "NOPE(", "A1", "tblIntake[ID]"])
    cached = rng.choice(["", "<v>7</v>", "<v>#DIV/0!</v>", "<v>2027-05</v>"])
    kind_attr = ' t="str"' if "2027" in cached else (' t="e"' if "#" in cached else "")
    return f'<c r="{ref}"{kind_attr}><f>{_escape(formula)}</f>{cached}</c>'


def _cell_pattern(ref: str) -> re.Pattern[bytes]:
    return re.compile(rb'<c r="' + ref.encode() + rb'"(?:[^>]*?/>|[^>]*>.*?</c>)', re.DOTALL)


def set_cell(xml: bytes, row: int, column: int, element: str | None) -> bytes:
    """Replace, add or (element None) remove the cell at (row, column) of a sheet's XML."""
    ref = f"{_letters(column)}{row}"
    pattern = _cell_pattern(ref)
    new = b"" if element is None else element.encode()
    if pattern.search(xml):
        return pattern.sub(lambda _m: new, xml, count=1)
    if element is None:
        return xml
    found = re.search(rb'<row r="' + str(row).encode() + rb'"[^>]*?(/>|>)', xml)
    if found and found.group(1) == b">":
        end = xml.index(b"</row>", found.end())
        return xml[:end] + new + xml[end:]
    if found:  # an empty row element <row r="5"/>
        return (
            xml[: found.start()]
            + f'<row r="{row}">'.encode()
            + new
            + b"</row>"
            + xml[found.end() :]
        )
    row_xml = f'<row r="{row}">'.encode() + new + b"</row>"
    if b"<sheetData/>" in xml:
        return xml.replace(b"<sheetData/>", b"<sheetData>" + row_xml + b"</sheetData>", 1)
    return xml.replace(b"</sheetData>", row_xml + b"</sheetData>", 1)


def mutate_cells(rng: random.Random, base: Base, parts: Members) -> str:
    """1-4 cells on input sheets get a value of a random type (or are removed)."""
    edits = []
    for _ in range(rng.randint(1, 4)):
        sheet = rng.choice((*INPUT_SHEETS, "Start", "Portfolio", "Run log"))
        part = base.sheet_parts.get(sheet)
        if part is None:
            continue
        cells = base.cells[part] or [(1, 1)]
        where = rng.random()
        if where < 0.7:
            row, column = rng.choice(cells)
        elif where < 0.9:
            row = max(r for r, _ in cells) + rng.randint(-2, 3)
            column = rng.randint(1, max(c for _, c in cells) + 3)
        else:
            row, column = rng.choice([(1048576, 16384), (1048576, 1), (3, 16384), (2, 200)])
        element = None if rng.random() < 0.12 else random_cell(rng, "REF", base.strings)
        if element is not None:
            element = element.replace('r="REF"', f'r="{_letters(column)}{max(row, 1)}"', 1)
        parts[part] = set_cell(parts[part], max(row, 1), column, element)
        edits.append(f"{sheet}!{_letters(column)}{max(row, 1)}")
    return "cells " + " ".join(edits)


def mutate_rows(rng: random.Random, base: Base, parts: Members) -> str:
    """A whole row removed, doubled (two rows with one number) or renumbered."""
    sheet = rng.choice([s for s in INPUT_SHEETS if s in base.sheet_parts])
    part = base.sheet_parts[sheet]
    rows = list(re.finditer(rb'<row r="(\d+)".*?</row>', parts[part], re.DOTALL))
    if not rows:
        return "rows none"
    chosen = rng.choice(rows)
    xml = parts[part]
    how = rng.choice(["remove", "double", "renumber"])
    if how == "remove":
        parts[part] = xml[: chosen.start()] + xml[chosen.end() :]
    elif how == "double":
        parts[part] = xml[: chosen.end()] + chosen.group(0) + xml[chosen.end() :]
    else:
        new = str(rng.choice([1, 2, 3, 999, 1048576])).encode()
        parts[part] = xml.replace(b'<row r="' + chosen.group(1) + b'"', b'<row r="' + new + b'"', 1)
    return f"rows {how} {sheet} {chosen.group(1).decode()}"


def mutate_table(rng: random.Random, base: Base, parts: Members) -> str:
    """A table's range, name or header flag changed, or the table part removed."""
    tables = [name for name in parts if name.startswith("xl/tables/")]
    name = rng.choice(tables)
    xml = parts[name]
    how = rng.choice(["ref", "ref", "ref", "name", "header", "remove"])
    if how == "remove":
        del parts[name]
        return f"table remove {name}"
    if how == "ref":
        ref = rng.choice(
            ["A3:Q20", "A20:Q48", "A1:B2", "A3:Q1048576", "A3:", "ZZZ0", "B4:A3", "A3:XFD3",
             "A8:I12", "A3:E300", "", "A3:Q48 B5"]
        )  # fmt: skip
        parts[name] = re.sub(rb' ref="[^"]*"', f' ref="{ref}"'.encode(), xml, count=2)
        return f"table ref {name} {ref}"
    if how == "name":
        parts[name] = re.sub(rb'displayName="[^"]*"', b'displayName="tblOther"', xml, count=1)
        return f"table name {name}"
    parts[name] = xml.replace(b'totalsRowShown="0"', b'headerRowCount="0" totalsRowCount="2"', 1)
    return f"table header {name}"


def mutate_sheets(rng: random.Random, base: Base, parts: Members) -> str:
    """A sheet renamed, dropped from the workbook or the defined names broken."""
    xml = parts["xl/workbook.xml"]
    sheet = rng.choice(list(base.sheet_parts))
    how = rng.choice(["rename", "case", "space", "drop", "names"])
    old = f'name="{sheet}"'.encode()
    if how == "rename":
        parts["xl/workbook.xml"] = xml.replace(old, b'name="Sheet99"', 1)
    elif how == "case":
        parts["xl/workbook.xml"] = xml.replace(old, f'name="{sheet.upper()}"'.encode(), 1)
    elif how == "space":
        parts["xl/workbook.xml"] = xml.replace(old, f'name="{sheet} "'.encode(), 1)
    elif how == "drop":
        parts["xl/workbook.xml"] = re.sub(rb"<sheet " + old + rb"[^>]*/>", b"", xml, count=1)
    else:
        parts["xl/workbook.xml"] = re.sub(
            rb"<definedNames>.*?</definedNames>",
            b'<definedNames><definedName name="PMO_Horizon">Nowhere!$Z$0</definedName>'
            b"</definedNames>",
            xml,
            flags=re.DOTALL,
        )
    return f"sheets {how} {sheet}"


def mutate_bytes(rng: random.Random, base: Base, parts: Members) -> str:
    """1-3 byte edits in one XML part: flip, insert, delete, duplicate or truncate."""
    names = [n for n in parts if n.endswith((".xml", ".rels"))]
    weights = [5 if "worksheets/sheet" in n else 3 if "sharedStrings" in n else 1 for n in names]
    name = rng.choices(names, weights)[0]
    data = bytearray(parts[name])
    edits = []
    for _ in range(rng.randint(1, 3)):
        if not data:
            break
        at = rng.randrange(len(data))
        how = rng.choice(["flip", "insert", "delete", "duplicate", "truncate", "token"])
        if how == "flip":
            data[at] = rng.randrange(256)
        elif how == "insert":
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif how == "delete":
            del data[at : at + rng.randint(1, 64)]
        elif how == "duplicate":
            data[at:at] = data[at : at + rng.randint(1, 200)]
        elif how == "truncate":
            del data[at:]
        else:  # a plausible XML token where it does not belong
            data[at:at] = rng.choice([b'<c r="A1">', b"</row>", b"&amp;", b"&bogus;", b'"', b"<"])
        edits.append(how)
    parts[name] = bytes(data)
    return f"bytes {name} {'+'.join(edits)}"


def mutate_zip(rng: random.Random, base: Base, parts: Members) -> str:
    """A zip entry removed, renamed, added, emptied or stored twice (see `write_book`)."""
    name = rng.choice(list(parts))
    how = rng.choice(["remove", "rename", "junk", "empty", "twice"])
    if how == "remove":
        del parts[name]
    elif how == "rename":
        parts[name.upper() if name != name.upper() else name + ".bak"] = parts.pop(name)
    elif how == "junk":
        parts[rng.choice(["xl/junk.bin", "xl/worksheets/sheet99.xml", "customXml/item1.xml"])] = (
            os.urandom(rng.randint(0, 4000))
        )
    elif how == "empty":
        parts[name] = b""
    else:
        parts[f"\0twice\0{name}"] = parts[name]  # written under the same name again
    return f"zip {how} {name}"


def mutate_file(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """Damage the whole file: truncated, flipped, garbage appended or prepended."""
    how = rng.choice(["truncate", "flip", "append", "prepend", "empty"])
    if how == "truncate":
        return data[: rng.randrange(len(data))], "file truncate"
    if how == "flip":
        raw = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw), "file flip"
    if how == "append":
        return data + os.urandom(rng.randint(1, 5000)), "file append"
    if how == "prepend":
        return os.urandom(rng.randint(1, 64)) + data, "file prepend"
    return b"", "file empty"


MUTATIONS: list[tuple[str, int, Callable[[random.Random, Base, Members], str]]] = [
    ("cells", 55, mutate_cells),
    ("rows", 8, mutate_rows),
    ("table", 8, mutate_table),
    ("sheets", 5, mutate_sheets),
    ("bytes", 12, mutate_bytes),
    ("zip", 7, mutate_zip),
]
FILE_SHARE = 5  # of 100: the whole file damaged instead


def write_book(path: Path, base: Base, parts: Members) -> None:
    """The members back into a zip, in the base's order, new ones after."""
    infos = {info.filename: info for info, _ in base.members}
    with (
        warnings.catch_warnings(),  # "Duplicate name": meant, see mutate_zip
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package,
    ):
        warnings.simplefilter("ignore")
        for name, data in parts.items():
            real = name.split("\0")[-1]
            info = infos.get(real) or zipfile.ZipInfo(real, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, data)


@dataclass
class Case:
    """One mutated book and the command run on it."""

    index: int
    base: str
    kind: str
    what: str
    command: list[str]  # after "pmo", with {book} and {out} to fill in


def make_case(seed: int, index: int, bases: list[Base], book: Path) -> Case:
    """Write case `index` of `seed` to `book`; the same bytes on every machine."""
    rng = random.Random(f"{seed}-{index}")
    base = bases[0] if rng.random() < 0.35 else bases[1]
    parts: Members = {info.filename: data for info, data in base.members}
    if rng.randrange(100) < FILE_SHARE:
        kind = "file"
        write_book(book, base, parts)
        data, what = mutate_file(rng, book.read_bytes())
        book.write_bytes(data)
    else:
        kind, _weight, mutate = rng.choices(MUTATIONS, [m[1] for m in MUTATIONS])[0]
        what = mutate(rng, base, parts)
        write_book(book, base, parts)
    roll = rng.random()
    if roll < 0.8:
        command = ["validate", "{book}"]
    elif roll < 0.95:
        command = ["optimise", "{book}", "--time-limit", TIME_LIMIT, "--out", "{out}"]
    else:
        command = ["optimise", "{book}", "--time-limit", TIME_LIMIT]
    return Case(index, base.name, kind, what, command)


# --- Running one case ---------------------------------------------------------------------


@dataclass
class Outcome:
    """What one case did, and whether that keeps the promises."""

    index: int
    kind: str
    command: str
    code: int | None  # exit code; None when killed at the wall-clock limit
    seconds: float  # wall clock
    cpu_seconds: float  # processor time of the run, all threads
    max_rss_mb: float
    failure: str = ""  # empty when the case passed
    what: str = ""


def _child(argv: list[str], log: Path) -> None:
    """In the forked child: limits, output to `log`, run `pmo`, exit with its code."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT_S, CPU_LIMIT_S + 5))
        handle = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(handle, 1)
        os.dup2(handle, 2)
        # whatever the parent made of sys.stdout (pytest captures it), the run writes here
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from workbook.cli import main

        code = main(argv)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    except BaseException:  # an escape from main: exactly what the fuzzing looks for
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(99)


def run_case(case: Case, folder: Path, book: Path) -> Outcome:
    """Run the case's command on `book` (in `folder`) and check what it left."""
    out = folder / "Out.xlsm"
    argv = [a.format(book=book, out=out) for a in case.command]
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    log = folder / "output.log"
    began = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        _child(argv, log)
    code, rss, cpu = _wait(pid, began)
    seconds = time.perf_counter() - began
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    outcome = Outcome(
        case.index, case.kind, case.command[0], code, seconds, cpu, rss, what=case.what
    )
    if case.command[0] == "optimise" and "--out" not in case.command:
        outcome.command = "optimise in place"
    outcome.failure = _verdict(case, code, text, book, before, folder)
    return outcome


def _wait(pid: int, began: float) -> tuple[int | None, float, float]:
    """(exit code or None when killed as hung, max RSS in MB, processor seconds)."""
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), *_usage(usage)
        if time.perf_counter() - began > WALL_LIMIT_S:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return None, *_usage(usage)
        time.sleep(0.005)


def _usage(usage) -> tuple[float, float]:
    return usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _verdict(case: Case, code: int | None, text: str, book: Path, before: str, folder: Path) -> str:
    if code is None:
        return f"no end within {WALL_LIMIT_S:g} s of wall clock"
    if code == -signal.SIGXCPU:
        return f"more than {CPU_LIMIT_S} s of processor time"
    if code not in EXIT_CODES:
        return f"exit {code}: {_last(text)}"
    if "Traceback" in text or "Internal error" in text or "out of memory" in text:
        return f"traceback: {_last(text)}"
    temps = [p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
    if temps:
        return f"temporary files left: {temps}"
    now = hashlib.sha256(book.read_bytes()).hexdigest()
    in_place = case.command[0] == "optimise" and "--out" not in case.command
    if in_place and code == 0:
        backup = folder / f"{book.stem}.bak{book.suffix}"
        if not backup.exists() or hashlib.sha256(backup.read_bytes()).hexdigest() != before:
            return "in place: the backup is not the input"
        from workbook.files.reader import read_workbook

        try:
            read_workbook(book)
        except Exception as error:  # the new book must read back
            return f"in place: the written book does not read back ({error})"
    elif in_place and code in (1, 2) and now != before:
        # input errors or no plan: Messages and the Run log say so in the book (issue 11);
        # the previous file is the backup and no input cell moved
        backup = folder / f"{book.stem}.bak{book.suffix}"
        if not backup.exists() or hashlib.sha256(backup.read_bytes()).hexdigest() != before:
            return "no plan in place: the backup is not the input"
        if _input_cells(book) != _input_cells(backup):
            return "no plan in place: an input cell was changed"
    elif now != before:
        return "the input was changed"
    return ""


def _input_cells(path: Path) -> dict[str, dict[str, object]]:
    """Every non-empty cell of the input sheets, by sheet and coordinate."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    names = [s.name for s in schema.INPUT_SHEETS if s.name in book.sheetnames]
    return {
        name: {c.coordinate: c.value for c in book[name]._cells.values() if c.value is not None}
        for name in names
    }


def _last(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-3:])[:400]


# --- Many cases ---------------------------------------------------------------------------


def _worker(job: tuple[int, list[int], str, list[Base]]) -> list[dict]:
    seed, indices, scratch, bases = job
    import workbook.cli
    import workbook.service  # noqa: F401
    from engine import optimiser  # noqa: F401

    results = []
    for index in indices:
        folder = Path(tempfile.mkdtemp(prefix=f"case{index}-", dir=scratch))
        book = folder / "Book.xlsm"
        case = make_case(seed, index, bases, book)
        results.append(asdict(run_case(case, folder, book)))
        shutil.rmtree(folder, ignore_errors=True)
    return results


def run_cases(
    seed: int, indices: Iterable[int], jobs: int = 2, scratch: Path | None = None
) -> list[Outcome]:
    """Run the cases in `jobs` processes; one Outcome per case, in index order."""
    own = scratch is None
    scratch = scratch or Path(tempfile.mkdtemp(prefix="pmo-fuzz-"))
    try:
        bases = build_bases(scratch)
        indices = list(indices)
        chunks = [indices[i :: max(jobs, 1)] for i in range(max(jobs, 1))]
        batches = [[chunk[i : i + 200] for i in range(0, len(chunk), 200)] for chunk in chunks]
        jobs_list = [(seed, part, str(scratch), bases) for chunk in batches for part in chunk]
        # fresh worker processes: one forked from a process with threads (pytest's, Dask's)
        # could inherit a lock held by another thread, and each case forks from the worker
        context = multiprocessing.get_context("spawn")
        with context.Pool(max(jobs, 1), maxtasksperchild=1) as pool:
            found = [
                Outcome(**row) for rows in pool.imap_unordered(_worker, jobs_list) for row in rows
            ]
    finally:
        if own:
            shutil.rmtree(scratch, ignore_errors=True)
    return sorted(found, key=lambda o: o.index)


@dataclass
class Summary:
    """The figures docs/reliability.md reports."""

    seed: int
    cases: int
    failures: int
    by_kind: dict[str, int] = field(default_factory=dict)
    by_command: dict[str, int] = field(default_factory=dict)
    exit_codes: dict[str, int] = field(default_factory=dict)
    seconds_median: float = 0.0
    seconds_p99: float = 0.0
    seconds_max: float = 0.0
    cpu_seconds_p99: float = 0.0
    cpu_seconds_max: float = 0.0
    rss_mb_max: float = 0.0
    wall_s: float = 0.0
    failed: list[dict] = field(default_factory=list)


def summarise(seed: int, outcomes: list[Outcome], wall: float) -> Summary:
    """Counts, times and the failures (each with how to reproduce it)."""
    seconds = sorted(o.seconds for o in outcomes)
    cpu = sorted(o.cpu_seconds for o in outcomes)
    failed = [o for o in outcomes if o.failure]
    return Summary(
        seed=seed,
        cases=len(outcomes),
        failures=len(failed),
        by_kind=dict(Counter(o.kind for o in outcomes).most_common()),
        by_command=dict(Counter(o.command for o in outcomes).most_common()),
        exit_codes={
            str(k): v for k, v in sorted(Counter(o.code for o in outcomes).items(), key=str)
        },
        seconds_median=round(statistics.median(seconds), 3) if seconds else 0.0,
        seconds_p99=round(seconds[int(0.99 * (len(seconds) - 1))], 3) if seconds else 0.0,
        seconds_max=round(max(seconds, default=0.0), 3),
        cpu_seconds_p99=round(cpu[int(0.99 * (len(cpu) - 1))], 3) if cpu else 0.0,
        cpu_seconds_max=round(max(cpu, default=0.0), 3),
        rss_mb_max=round(max((o.max_rss_mb for o in outcomes), default=0.0), 1),
        wall_s=round(wall, 1),
        failed=[asdict(o) for o in failed[:50]],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30_000)
    parser.add_argument("--first", type=int, default=0, help="index of the first case")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--case", type=int, help="run this one case and keep its files")
    parser.add_argument("--keep", type=Path, help="with --case: the folder to keep it in")
    parser.add_argument("--json", type=Path, help="write the summary here")
    args = parser.parse_args(argv)
    if args.case is not None:
        folder = args.keep or Path(tempfile.mkdtemp(prefix=f"pmo-case{args.case}-"))
        folder.mkdir(parents=True, exist_ok=True)
        bases = build_bases(folder)
        book = folder / "Book.xlsm"
        case = make_case(args.seed, args.case, bases, book)
        shutil.copyfile(book, folder / "Book.input.xlsm")
        outcome = run_case(case, folder, book)
        print(json.dumps(asdict(outcome), indent=2))
        print(f"files in {folder}; pmo {' '.join(case.command)}")
        return 1 if outcome.failure else 0
    began = time.perf_counter()
    outcomes = run_cases(args.seed, range(args.first, args.first + args.cases), args.jobs)
    summary = summarise(args.seed, outcomes, time.perf_counter() - began)
    text = json.dumps(asdict(summary), indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
