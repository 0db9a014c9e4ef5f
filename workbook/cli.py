"""The `pmo` command: make, check and optimise PMO workbooks without Excel.

    pmo new PATH [--empty]           a new workbook (the sample portfolio, or empty)
    pmo validate BOOK                list every input problem with its sheet and cell
    pmo optimise BOOK [--out OUT] [--objective value|finish] [--time-limit S]
                      [--seed N] [--reproducible] [--stability LEVEL] [--json RESULT.json]
                      [--csv DIR] [--no-backup]
    pmo status BOOK [--json STATUS.json] [--refresh]
                                     delivery figures: earned value, RAG, risks, gates
    pmo frontier BOOK [--budgets 0.6,0.8,1,1.2,1.4 | --points N] [--time-limit S]
                 [--jobs N] [--scheduler ADDR] [--json FRONTIER.json] [--out OUT]
                                     the best value at each budget level, in parallel
    pmo scenario save BOOK NAME [--note TEXT] | list BOOK | compare BOOK A B [C...]
                 | restore BOOK NAME  scenarios kept inside the workbook (restore is the
                                     only command that writes input cells: with a backup)
    pmo doctor                       check Python packages and LibreOffice
    pmo recalc BOOK... [--out-dir DIR]
                                     recompute every formula with LibreOffice, store values
    pmo batch PATH_OR_GLOB... (--out-dir DIR | --in-place) [--jobs N] [--scheduler ADDR]
              [--time-limit S] [--report REPORT.csv] [--json REPORT.json]
                                     validate, optimise, write back and recalculate many
    pmo lessons BOOK_OR_GLOB... [--search TEXT] [--tag T]... [--limit N] [--json F.json]
                                     search the lessons of many books, most relevant first
    pmo people BOOK [--json F.json]  the project managers: limits, work in flight, ratings
    pmo rollup BOOK... --out ENTERPRISE.xlsm [--capacity SHARED.xlsx] [--push]
               [--time-limit S] [--jobs N] [--scheduler ADDR] [--json R.json]
                                     merge department books, optimise across them, push back

Exit codes: 0 done, 1 input errors (all listed), 2 no plan (infeasible: the reasons are
listed), 3 file or usage error, 130 interrupted (Ctrl-C: nothing is written). `pmo recalc`
exits 3 when any workbook failed; `pmo batch` exits 1 when any workbook did not end "ok"
(see its report) and 3 on a usage error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from engine.delivery.dashboard import Dashboard
from engine.delivery.raid import risk_score
from engine.delivery.status import StatusFigures
from engine.errors import FileError, PmoError
from engine.evm import Rag
from engine.limits import MAX_SEED, MAX_TIME_LIMIT
from engine.model import Objective, Portfolio
from engine.months import month_text
from engine.result import BOUND_SOURCES, Result
from engine.validation import Severity
from workbook import service
from workbook.book.grids import result_json
from workbook.book.scenarios import scenarios_grid
from workbook.book.schema import FRONTIER_CHART_ROWS
from workbook.files.atomic import (
    SavedThenInterrupted,
    check_folder_target,
    check_target,
    os_error_words,
    replacing,
)
from workbook.files.csv_export import write_csv
from workbook.service import Outcome

EXIT_OK, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_FILE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
RUN_MAIN_MODULE = Path(__file__).parent / "excel" / "run_main.py.txt"
PROGRESS_AFTER_S = 1.0
MAX_COUNT = 1024  # --jobs, --solver-workers: more than any machine has cores
MAX_MEGABYTES = 1 << 30  # --memory-limit: a petabyte


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 3, like file errors, not argparse's 2
        raise _UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pmo", description="A portfolio office that lives in Excel.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    new = commands.add_parser("new", help="write a new PMO workbook")
    new.add_argument("path", type=Path)
    new.add_argument("--empty", action="store_true", help="no sample projects")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    check = commands.add_parser("validate", help="check a workbook's inputs")
    check.add_argument("book", type=Path)
    run = commands.add_parser(
        "optimise",
        aliases=["optimize"],
        help="select and schedule projects, write the results back",
    )
    run.add_argument("book", type=Path)
    run.add_argument("--out", type=Path, help="write the results into this copy instead")
    run.add_argument("--objective", choices=[o.value for o in Objective])
    run.add_argument("--time-limit", type=_seconds, metavar="S")
    run.add_argument("--seed", type=_seed)
    run.add_argument(
        "--reproducible",
        action="store_true",
        default=None,
        help="the same plan for the same workbook and seed on any machine and load: limits "
        'count the solver\'s work done, not the clock (Settings "Reproducible" = Yes)',
    )
    run.add_argument(
        "--stability",
        metavar="LEVEL",
        help="how steady to keep the plan last written: Off, Low, Normal, High or points "
        "per change (default: the workbook's Settings)",
    )
    run.add_argument("--json", type=Path, metavar="RESULT.json")
    run.add_argument(
        "--csv", type=Path, metavar="DIR", help="also write the inputs and the plan as CSV files"
    )
    run.add_argument(
        "--no-backup", action="store_true", help="do not keep the previous version as NAME.bak.xlsm"
    )
    report = commands.add_parser(
        "status",
        help="show the delivery figures (the Dashboard's) of a workbook",
        description="Earned value and RAG of the latest status, the worst SPI and CPI, open "
        "risks, overdue RAID entries, pending gate decisions, spend, load and value: the "
        "figures the Dashboard sheet shows.",
    )
    report.add_argument("book", type=Path)
    report.add_argument("--json", type=Path, metavar="STATUS.json", help="also write them here")
    report.add_argument(
        "--refresh",
        action="store_true",
        help="also rewrite the Latest status and Dashboard sheets (a backup is kept)",
    )
    doctor = commands.add_parser("doctor", help="check the installation")
    doctor.add_argument("--smoke", action="store_true", help="also run LibreOffice once")
    again = commands.add_parser("recalc", help="recompute every formula with LibreOffice")
    again.add_argument("books", nargs="+", metavar="BOOK", help="workbooks, folders or globs")
    again.add_argument(
        "--out-dir",
        type=Path,
        metavar="DIR",
        help="write the recalculated copies here (default: in place)",
    )
    again.add_argument(
        "--timeout",
        type=_seconds,
        default=120.0,
        metavar="S",
        help="seconds per workbook before LibreOffice is restarted",
    )
    _batch_parser(commands)
    _frontier_parser(commands)
    _scenario_parser(commands)
    _centre_of_excellence_parsers(commands)
    return parser


def _scenario_parser(commands) -> None:
    scenario = commands.add_parser(
        "scenario",
        help="save, list, compare and restore scenarios kept inside the workbook",
        description="A scenario keeps a workbook's inputs and the plan they gave, inside the "
        "workbook. restore is the only command that writes input cells, and only from a "
        "scenario saved in the same workbook (the previous version is kept as NAME.bak.xlsm).",
    )
    actions = scenario.add_subparsers(dest="action", required=True, parser_class=_Parser)
    save = actions.add_parser("save", help="solve and keep the inputs and the plan as NAME")
    save.add_argument("book", type=Path)
    save.add_argument("name")
    save.add_argument("--note", default="", help="a line saying what this scenario is")
    save.add_argument("--time-limit", type=float, metavar="S")
    save.add_argument("--seed", type=int)
    listing = actions.add_parser("list", help="the scenarios saved in the workbook")
    listing.add_argument("book", type=Path)
    compare = actions.add_parser("compare", help="write the Compare sheet for two or more")
    compare.add_argument("book", type=Path)
    compare.add_argument("names", nargs="+", metavar="NAME")
    restore = actions.add_parser("restore", help="write a scenario's inputs back (with a backup)")
    restore.add_argument("book", type=Path)
    restore.add_argument("name")


def _frontier_parser(commands) -> None:
    curve = commands.add_parser(
        "frontier",
        help="the best value at each budget level (the efficient frontier)",
        description="Solve the workbook with its Budget scaled to each level, in parallel, "
        "and write the Frontier sheet (a table and a chart of value against budget).",
    )
    curve.add_argument("book", type=Path)
    levels = curve.add_mutually_exclusive_group()
    levels.add_argument(
        "--budgets",
        type=_scales,
        metavar="S1,S2,...",
        help="budget scales, e.g. 0.6,0.8,1,1.2,1.4 (the default)",
    )
    levels.add_argument(
        "--points",
        type=_positive_int,
        metavar="N",
        help="N budget scales spread evenly from 0.5 to 1.5",
    )
    curve.add_argument(
        "--time-limit", type=float, metavar="S", help="solver seconds per point (default: Settings)"
    )
    curve.add_argument("--seed", type=int)
    curve.add_argument("--jobs", type=_positive_int, metavar="N", help="points at a time")
    curve.add_argument(
        "--solver-workers",
        type=_positive_int,
        metavar="N",
        help="CP-SAT threads per point (default: cores / jobs)",
    )
    curve.add_argument(
        "--scheduler", metavar="ADDRESS", help="solve the points on a Dask cluster instead"
    )
    curve.add_argument("--json", type=Path, metavar="FRONTIER.json")
    curve.add_argument("--out", type=Path, help="write the Frontier sheet into this copy instead")
    curve.add_argument(
        "--no-backup", action="store_true", help="do not keep the previous version as NAME.bak.xlsm"
    )


def _scales(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        values = ()
    if not values or any(not (v >= 0 and v < float("inf")) for v in values):
        raise argparse.ArgumentTypeError(
            f"must be budget scales separated by commas, each 0 or more (e.g. 0.6,1,1.4), "
            f"not {text!r}"
        )
    return values


def _centre_of_excellence_parsers(commands) -> None:
    find = commands.add_parser(
        "lessons",
        help="search the lessons learned of many books",
        description="Search the Lessons sheets of the books named, ranked by relevance "
        "(SQLite FTS5, BM25): one knowledge base across a department's books.",
    )
    find.add_argument("books", nargs="+", metavar="BOOK_OR_GLOB", help="workbooks, folders, globs")
    find.add_argument("--search", default="", metavar="TEXT", help="words to look for")
    find.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="T",
        help="only lessons with this tag (repeat, or comma-separate, for several)",
    )
    find.add_argument("--limit", type=_positive_int, metavar="N", help="show at most N lessons")
    find.add_argument("--json", type=Path, metavar="F.json")
    people = commands.add_parser(
        "people", help="the project managers on People: limits, work in flight, evaluations"
    )
    people.add_argument("book", type=Path)
    people.add_argument("--json", type=Path, metavar="F.json")
    roll = commands.add_parser(
        "rollup",
        help="merge department books into an enterprise book and optimise across them",
        description="Merge department books into one enterprise portfolio (IDs that collide "
        "get their department as prefix; one shared pool of people), optimise it, write the "
        "enterprise book, and with --push each department's decisions into its own book.",
    )
    roll.add_argument("books", nargs="+", metavar="BOOK", help="department workbooks or globs")
    roll.add_argument("--out", type=Path, required=True, metavar="ENTERPRISE.xlsm")
    roll.add_argument(
        "--capacity",
        type=Path,
        metavar="SHARED.xlsx",
        help="a workbook whose Capacity sheet is the shared pool (default: the sum of the "
        "departments' capacities)",
    )
    roll.add_argument(
        "--push",
        action="store_true",
        help="write each department's decisions into its own book (output sheets only; "
        "each keeps NAME.bak.xlsm)",
    )
    roll.add_argument("--time-limit", type=float, metavar="S")
    roll.add_argument(
        "--jobs", type=_positive_int, metavar="N", help="books read at a time (default: cores)"
    )
    roll.add_argument(
        "--scheduler", metavar="ADDRESS", help="read the books on a Dask cluster instead"
    )
    roll.add_argument("--json", type=Path, metavar="R.json")


def _batch_parser(commands) -> None:
    from workbook.headless import batch

    many = commands.add_parser(
        "batch",
        help="optimise and recalculate many workbooks",
        description="Validate, optimise, write back and recalculate "
        "each workbook, each in a child process of its own.",
    )
    many.add_argument(
        "inputs",
        nargs="+",
        metavar="PATH_OR_GLOB",
        help="workbooks, folders of workbooks or glob patterns",
    )
    where = many.add_mutually_exclusive_group()
    where.add_argument(
        "--out-dir",
        type=Path,
        metavar="DIR",
        help="write updated copies here; the inputs are not changed",
    )
    where.add_argument(
        "--in-place",
        action="store_true",
        help="update the workbooks themselves (each keeps NAME.bak.xlsm)",
    )
    many.add_argument(
        "--jobs",
        type=_positive_int,
        metavar="N",
        help=f"workbooks at a time on this machine (default: cores, {batch.default_jobs()} here)",
    )
    many.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on a Dask cluster instead, e.g. tcp://host:8786"
    )
    many.add_argument(
        "--time-limit",
        type=_seconds,
        metavar="S",
        help="solver seconds per workbook (default: each workbook's Settings)",
    )
    many.add_argument(
        "--solver-workers",
        type=_positive_int,
        metavar="N",
        help="CP-SAT threads per workbook (default: cores / jobs locally, "
        "the workbook's Settings on a cluster)",
    )
    many.add_argument(
        "--timeout-margin",
        type=_seconds,
        default=batch.MARGIN_S,
        metavar="S",
        help="seconds on top of the time limit before a workbook is stopped",
    )
    many.add_argument(
        "--memory-limit",
        type=_megabytes,
        default=batch.MEMORY_LIMIT_MB,
        metavar="MB",
        help="address space per worker process, LibreOffice included (0: none)",
    )
    many.add_argument("--report", type=Path, metavar="REPORT.csv")
    many.add_argument("--json", type=Path, metavar="REPORT.json")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 1 to {MAX_COUNT:,}, not {text!r}"
        )
    return value


def _megabytes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_MEGABYTES:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of MB from 0 (no limit) to {MAX_MEGABYTES:,}, not {text!r}"
        )
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_TIME_LIMIT:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds, more than 0 and at most {MAX_TIME_LIMIT:,.0f} "
            f"(one day), not {text!r}"
        )
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 to {MAX_SEED:,}, not {text!r}"
        )
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    console = Console(soft_wrap=True, highlight=False)
    errors = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        args = _parser().parse_args(argv)
    except _UsageError as error:
        errors.print(Text(str(error)))
        return EXIT_FILE
    except SystemExit as done:  # --help
        return int(done.code or 0)
    try:
        if args.command == "new":
            return _new(console, args)
        if args.command == "validate":
            return _validate(console, args)
        if args.command in ("optimise", "optimize"):
            return _optimise(console, args)
        if args.command == "recalc":
            return _recalc(console, args)
        if args.command == "status":
            return _status(console, args)
        if args.command == "batch":
            return _batch(console, args)
        if args.command == "frontier":
            return _frontier(console, args)
        if args.command == "scenario":
            return _scenario(console, args)
        if args.command == "lessons":
            return _lessons(console, args)
        if args.command == "people":
            return _people(console, args)
        if args.command == "rollup":
            return _rollup(console, args)
        return _doctor(console, args)
    except _UsageError as error:
        errors.print(Text(str(error)))
        return EXIT_FILE
    except FileError as error:
        errors.print(Text(f"File error: {error}", style="red"))
        return EXIT_FILE
    except PmoError as error:
        errors.print(Text(f"Error: {error}", style="red"))
        return EXIT_FILE
    except _Interrupted as stop:
        errors.print(Text(f"Interrupted {stop}.", style="red"))
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        errors.print(Text("Interrupted.", style="red"))
        return EXIT_INTERRUPTED
    except OSError as error:  # one not foreseen by a check: still a message, never a traceback
        where = f"{error.filename}: " if error.filename else ""
        errors.print(Text(f"File error: {where}{os_error_words(error)}", style="red"))
        return EXIT_FILE
    except MemoryError:
        errors.print(
            Text(
                "Error: out of memory; the workbook is as it was (or complete, if its results "
                "were saved). Free memory, or split the portfolio, and run again",
                style="red",
            )
        )
        return EXIT_FILE
    except Exception as error:  # a bug: said plainly, its traceback kept for the report
        if os.environ.get("PMO_DEBUG"):
            raise
        errors.print(Text(_internal_error(error), style="red"))
        return EXIT_FILE


def _internal_error(error: Exception) -> str:
    """The words for a bug: what happened, that no file was half-written, where the details are."""
    import tempfile
    import traceback

    log = Path(tempfile.gettempdir()) / f"pmo-internal-error-{os.getpid()}.txt"
    try:
        log.write_text("".join(traceback.format_exception(error)), encoding="utf-8")
        kept = f"; the details are in {log}"
    except OSError:
        kept = ""
    return (
        f"Internal error (a bug in pmo): {type(error).__name__}: {error}. No file was left "
        f"half-written{kept}; please report it with the workbook"
    )


def _new(console: Console, args) -> int:
    from workbook.files.template import build_workbook

    path: Path = args.path
    if path.suffix.lower() != ".xlsm":
        raise FileError(
            f"{path.name}: a PMO workbook carries macros, so its name must end in .xlsm"
        )
    if path.exists() and not args.force:
        raise FileError(f"{path} already exists; choose another name or add --force")
    check_target(path)
    build_workbook(path, empty=args.empty)
    runner = path.with_suffix(".py")  # what the xlwings add-in's "Run main" imports
    if not runner.exists():
        runner.write_text(RUN_MAIN_MODULE.read_text(encoding="utf-8"), encoding="utf-8")
    what = "an empty" if args.empty else "the sample"
    console.print(Text(f"Wrote {path} with {what} portfolio. Next: pmo optimise {path}"))
    return EXIT_OK


def _print_messages(console: Console, messages) -> None:
    for message in messages:
        style = {"Error": "red", "Warning": "yellow"}.get(str(message.severity), "")
        line = Text(f"{message.severity}: ", style=style)
        line.append(str(message))
        console.print(line)


EXIT_CODES = {
    Outcome.DONE: EXIT_OK,
    Outcome.INPUT_ERRORS: EXIT_INPUT,
    Outcome.NO_PLAN: EXIT_INFEASIBLE,
}


def _input_errors(
    console: Console, book: Path, report: service.Report | service.FrontierReport
) -> int:
    console.print(
        Text(
            f"{len(report.errors)} input error(s) in {book.name}; fix them and run again.",
            style="red",
        )
    )
    return EXIT_INPUT


def _validate(console: Console, args) -> int:
    report = service.validate(service.FileTransport(args.book))
    _print_messages(console, report.messages)
    if report.outcome is Outcome.INPUT_ERRORS:
        return _input_errors(console, args.book, report)
    p = report.portfolio
    warnings = sum(1 for m in report.messages if m.severity is Severity.WARNING)
    notes = len(report.messages) - warnings
    console.print(
        Text(
            f"{args.book.name}: no input errors ({warnings} warning(s), {notes} note(s)); "
            f"{len(p.projects)} projects, {len(p.capacity)} roles, "
            f"{p.settings.horizon} months.",
            style="green",
        )
    )
    return EXIT_OK


class _Interrupted(Exception):
    """Ctrl-C, with what it left behind in words."""


PHASES = {"read": "reading", "solve": "optimising", "write": "writing"}


def _optimise(console: Console, args) -> int:
    display: list[_Progress] = []  # shown from the moment the solve starts
    phase = ["starting"]
    target = args.out or args.book

    def stage(name: str, limit: float | None) -> None:
        phase[0] = PHASES.get(name, name)
        if name == "read":
            console.print(Text(f"Reading {args.book}"))
        elif name == "solve":
            console.print(Text(f"Optimising (time limit {limit or 0:g} s)"))
        elif name == "write":
            console.print(Text(f"Writing the results into {target}"))
        if name == "solve":
            display.append(_Progress(console))

    # what can be checked before a long solve is checked now
    if args.json is not None:
        check_target(args.json)
    if args.csv is not None:
        check_folder_target(args.csv)
    overrides = service.Overrides(
        args.objective,
        args.time_limit,
        args.seed,
        stability=args.stability,
        reproducible=args.reproducible,
    )
    try:
        report = service.optimise(
            service.FileTransport(args.book, args.out, backup=not args.no_backup),
            overrides,
            progress=lambda info: display[-1](info),
            on_stage=stage,
            messages_on_failure=True,
        )
    except SavedThenInterrupted as stop:
        raise _Interrupted(
            f"after saving: the results are in {stop.path}; nothing else was written"
        ) from None
    except KeyboardInterrupt:
        raise _Interrupted(
            f"while {phase[0]}: nothing was written; {args.book.name} is as it was"
        ) from None
    finally:
        for shown in display:
            shown.stop()
    side_errors = _side_files(args, report)  # after the workbook: a failure here costs it nothing
    code = _optimise_report(console, args, report)
    for problem in side_errors:
        Console(stderr=True, soft_wrap=True, highlight=False).print(
            Text(f"File error: {problem}", style="red")
        )
    return EXIT_FILE if side_errors else code


def _side_files(args, report: service.Report) -> list[str]:
    """Write --csv and --json (each whole or not at all); the problems, in words."""
    if report.result is None or (args.csv is None and args.json is None):
        return []
    done = f"after saving: the results are in {report.written.path}; " if report.written else ""
    problems: list[str] = []
    for path, write in ((args.csv, _write_csv), (args.json, _write_json)):
        if path is None:
            continue
        try:
            write(report, path)
        except KeyboardInterrupt:
            raise _Interrupted(f"{done or 'while writing: '}{path} was not written") from None
        except FileError as error:
            problems.append(str(error))
        except OSError as error:
            problems.append(f"{path}: could not be written: {os_error_words(error)}")
    return problems


def _write_csv(report: service.Report, folder: Path) -> None:
    assert report.result is not None
    write_csv(report.portfolio, report.result, folder)


def _write_json(report: service.Report, path: Path) -> None:
    assert report.result is not None
    data = result_json(report.portfolio, report.result)
    # the workbook is written before this file: each step's seconds are known
    data["steps_s"] = {
        "read": round(report.read_s, 3),
        "solve": round(report.solve_s, 3),
        "write": round(report.write_s, 3),
    }
    text = json.dumps(data, indent=2) + "\n"
    with replacing(path) as temp:
        temp.write_text(text, encoding="utf-8")


def _optimise_report(console: Console, args, report: service.Report) -> int:
    result = report.result
    if result is not None and report.outcome is not Outcome.INPUT_ERRORS:
        _summary(console, report.portfolio, result)
    _print_messages(console, report.messages)  # the Messages sheet's words, in its order
    written = report.written
    kept = ""
    if written is not None and written.backup:
        kept = f" (previous version kept as {written.backup.name})"
    if report.outcome is Outcome.INPUT_ERRORS:
        _input_errors(console, args.book, report)
    elif report.outcome is Outcome.NO_PLAN:
        console.print(Text(f"No plan: {result.status.value if result else 'none'}.", style="red"))
    if report.outcome is not Outcome.DONE:
        if written is not None:
            console.print(
                Text(
                    f"Wrote Messages and the Run log into {written.path}{kept}; the plan "
                    "sheets and every input cell were left as they were.",
                    style="red",
                )
            )
        return EXIT_CODES[report.outcome]
    assert written is not None  # a plan was found: the file transport wrote it
    console.print(Text(f"Wrote the results into {written.path}{kept}.", style="green"))
    return EXIT_CODES[report.outcome]


class _Progress:
    """Shows the best plan, bound and gap while a solve runs longer than a second."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.began = time.perf_counter()
        self.latest = None
        self.live: Live | None = None
        self.lock = threading.Lock()
        self.last_line = 0.0
        self.timer = threading.Timer(PROGRESS_AFTER_S, self._start)
        self.timer.daemon = True
        if console.is_terminal:
            self.timer.start()

    def _text(self) -> Text:
        elapsed = time.perf_counter() - self.began
        info = self.latest
        if info is None:
            return Text(f"Optimising... {elapsed:.0f} s")
        gap = "n/a" if info.gap is None else f"{info.gap:.1%}"
        return Text(
            f"Optimising... best {info.objective:g}, bound {info.bound:g}, gap {gap}, "
            f"{elapsed:.0f} s"
        )

    def _start(self) -> None:
        with self.lock:
            if self.live is None:
                self.live = Live(
                    self._text(),
                    console=self.console,
                    transient=True,
                    refresh_per_second=4,
                    get_renderable=self._text,
                )
                self.live.start()

    def __call__(self, info) -> None:
        self.latest = info
        if (
            not self.console.is_terminal
            and info.elapsed >= PROGRESS_AFTER_S
            and info.elapsed - self.last_line >= 1.0
        ):
            self.last_line = info.elapsed
            self.console.print(self._text())

    def stop(self) -> None:
        self.timer.cancel()
        with self.lock:
            if self.live is not None:
                self.live.stop()
                self.live = None


def _summary(console: Console, portfolio: Portfolio, result: Result) -> None:
    table = Table(title="Optimisation", show_header=False)
    table.add_row("Status", result.status.value)
    if result.objective is not None:
        table.add_row("Objective", f"{result.objective:g} ({result.objective_name})")
    if result.bound is not None:
        table.add_row("Bound", f"{result.bound:g}")
    if result.gap is not None:
        table.add_row("Gap", f"{result.gap:.2%}")
    if result.bound_source and result.bound_source != "optimal":
        table.add_row("Bound from", BOUND_SOURCES.get(result.bound_source, result.bound_source))
    table.add_row("Time", f"{result.wall_time:.1f} s")
    if result.status.has_plan:
        in_play = [p for p in portfolio.projects if not p.out_of_play]
        table.add_row("Selected", f"{len(result.selected)} of {len(in_play)} projects in play")
    console.print(table)


def _status(console: Console, args) -> int:
    from workbook.book.views import status_json

    transport = service.FileTransport(args.book)
    report = service.refresh_dashboard(transport) if args.refresh else service.status(transport)
    problems = [m for m in report.messages if str(m.severity) != "Info"]
    _print_messages(console, problems)
    names = service.project_names(report.portfolio)
    render_status(console, args.book.name, report.dashboard, names)
    if args.json is not None:
        figures = status_json(report.dashboard, names)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        console.print(Text(f"Wrote the figures to {args.json}.", style="green"))
    if report.written is not None:
        kept = (
            f" (previous version kept as {report.written.backup.name})"
            if report.written.backup
            else ""
        )
        sheets = ", ".join(grid.sheet for grid in report.grids)
        console.print(Text(f"Rewrote {sheets} in {report.written.path}{kept}.", style="green"))
    if report.errors:
        console.print(
            Text(
                f"{len(report.errors)} input error(s) in {args.book.name}: the figures may be "
                "incomplete.",
                style="red",
            )
        )
        return EXIT_INPUT
    return EXIT_OK


def _recalc(console: Console, args) -> int:
    from workbook.files.atomic import owner_files
    from workbook.headless.batch import check_distinct_names, expand_inputs
    from workbook.headless.recalc import Recalculator

    books = expand_inputs(args.books)
    if args.out_dir is not None:
        check_folder_target(args.out_dir)
        check_distinct_names(books)
    failed = 0
    with Recalculator(timeout=args.timeout) as calc:
        for book in books:
            locks = owner_files(book) if args.out_dir is None else []
            if locks:
                outcome = None
                error = (
                    f"{book.name}: FAILED: open in Excel (lock file {locks[0].name} "
                    "found); close it in Excel and run again"
                )
            else:
                out = args.out_dir / book.name if args.out_dir is not None else None
                outcome = calc.recalc(book, out)
                error = "" if outcome.ok else str(outcome)
            if error:
                failed += 1
                console.print(Text(error, style="red"))
            else:
                console.print(Text(str(outcome), style="green"))
    if failed:
        console.print(
            Text(f"{failed} of {len(books)} workbook(s) could not be recalculated.", style="red")
        )
        return EXIT_FILE
    return EXIT_OK


def _batch(console: Console, args) -> int:
    from workbook.headless import batch
    from workbook.headless.recalc import INSTALL_HINT, LibreOfficeError, find_libreoffice

    books = batch.expand_inputs(args.inputs)
    for report_path in (args.report, args.json):
        if report_path is not None:
            check_target(report_path, make_folder=True)  # now, not after the whole batch
    if args.out_dir is not None:
        check_folder_target(args.out_dir)
    jobs = args.jobs or batch.default_jobs()
    workers = args.solver_workers
    if workers is None and args.scheduler is None:
        workers = max(1, (os.cpu_count() or 1) // jobs)  # the cores, shared by the jobs
    tasks = batch.plan_tasks(
        books,
        out_dir=args.out_dir,
        in_place=args.in_place,
        time_limit=args.time_limit,
        workers=workers,
    )
    options = batch.RunnerOptions(
        margin=args.timeout_margin, memory_limit_mb=max(args.memory_limit, 0)
    )
    if args.scheduler is None and find_libreoffice() is None:
        raise LibreOfficeError(
            "pmo batch recalculates every workbook with LibreOffice, which "
            f"is not installed here. Install it with: {INSTALL_HINT}"
        )
    slots = 0 if args.scheduler else min(jobs, len(tasks))
    where = f"on {args.scheduler}" if args.scheduler else f"with {slots} job(s)"
    console.print(Text(f"{len(tasks)} workbook(s) {where}."))
    try:
        with batch.ProgressDisplay(console, len(tasks), slots) as display:
            if args.scheduler:
                reports = batch.run_dask(tasks, args.scheduler, options=options, listener=display)
            else:
                reports = batch.run_local(tasks, jobs=jobs, options=options, listener=display)
    except KeyboardInterrupt:  # run_local has stopped every child and its LibreOffice
        raise _Interrupted(
            "while running the batch: the workbooks that finished before it are written, the "
            "others are as they were; no report was written"
        ) from None
    console.print(batch.summary_table(reports))
    written, failed = [], []
    for path, write in ((args.report, batch.write_csv), (args.json, batch.write_json)):
        if path is None:
            continue
        try:
            write(reports, path)
            written.append(str(path))
        except OSError as error:  # e.g. the disk filled up during the batch
            failed.append(f"{path} could not be written: {os_error_words(error)}")
    good = sum(report.ok for report in reports)
    tail = f" Report: {', '.join(written)}." if written else ""
    console.print(
        Text(
            f"{good} of {len(reports)} workbook(s) ok.{tail}",
            style="green" if good == len(reports) else "red",
        )
    )
    for problem in failed:
        console.print(Text(f"File error: {problem}", style="red"))
    if failed:
        return EXIT_FILE
    return EXIT_OK if good == len(reports) else EXIT_INPUT


def _frontier(console: Console, args) -> int:
    from engine.frontier import DEFAULT_SCALES, spread_scales
    from workbook.headless import frontier as parallel

    scales = args.budgets or (spread_scales(args.points) if args.points else DEFAULT_SCALES)
    if len(scales) > FRONTIER_MOST_POINTS:
        raise FileError(f"at most {FRONTIER_MOST_POINTS} budget levels, not {len(scales)}")
    jobs = args.jobs or parallel.default_jobs()
    workers = args.solver_workers
    if workers is None and args.scheduler is None:
        workers = max(1, (os.cpu_count() or 1) // min(jobs, len(scales)))

    def shown(point) -> None:
        value = "no plan" if point.value is None else f"value {point.value:g}"
        console.print(Text(f"  budget x{point.budget_scale:g}: {value} ({point.status})"))

    if args.scheduler:
        execute = parallel.dask_executor(args.scheduler, on_point=shown)
        where = f"on {args.scheduler}"
    else:
        execute = parallel.local_executor(jobs, on_point=shown)
        where = f"with {min(jobs, len(scales))} job(s)"
    console.print(Text(f"{len(scales)} budget level(s) {where}."))
    report = service.frontier(
        service.FileTransport(args.book, args.out, backup=not args.no_backup),
        scales,
        service.Overrides(time_limit=args.time_limit, seed=args.seed, workers=workers),
        execute=execute,
    )
    _print_messages(console, [m for m in report.messages if str(m.severity) != "Info"])
    if report.outcome is Outcome.INPUT_ERRORS:
        return _input_errors(console, args.book, report)
    if args.json is not None:
        payload = {"points": [point.to_json() for point in report.points]}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    table = Table(title="Efficient frontier")
    for header in ("Budget scale", "Budget", "Value", "Bound", "Gap", "Status", "Entered"):
        table.add_column(header)
    for point in report.points:
        table.add_row(
            f"{point.budget_scale:g}",
            f"{point.budget:,.0f}",
            "" if point.value is None else f"{point.value:g}",
            "" if point.bound is None else f"{point.bound:g}",
            "" if point.gap is None else f"{point.gap:.1%}",
            point.status,
            ", ".join(point.entered),
        )
    console.print(table)
    written = report.written
    if written is not None:
        kept = f" (previous version kept as {written.backup.name})" if written.backup else ""
        console.print(Text(f"Wrote the Frontier sheet into {written.path}{kept}.", style="green"))
    return EXIT_CODES[report.outcome]


def _scenario(console: Console, args) -> int:
    transport = service.FileTransport(args.book)
    if args.action == "save":
        overrides = service.Overrides(time_limit=args.time_limit, seed=args.seed)
        report = service.save_scenario(transport, args.name, args.note, overrides)
        _print_messages(console, [m for m in report.messages if str(m.severity) != "Info"])
        if report.outcome is not Outcome.DONE:
            console.print(Text(f"Scenario not saved: {report.outcome.value}.", style="red"))
            return EXIT_CODES[report.outcome]
        result = report.result
        assert result is not None and report.written is not None
        console.print(
            Text(
                f'Saved scenario "{" ".join(args.name.split())}" ({len(result.selected)} '
                f"projects selected, value {result.objective:g}) in {report.written.path}.",
                style="green",
            )
        )
        return EXIT_OK
    read = transport.read()
    scenarios, warnings = service.stored_scenarios(read)
    _print_messages(console, warnings)
    if args.action == "list":
        table = Table(title=f"Scenarios in {args.book.name}")
        for header in ("Name", "Saved", "Value", "Gap", "Selected", "Note"):
            table.add_column(header)
        for row in scenarios_grid(scenarios).rows:
            name, saved, _objective, value, gap, selected, _cost, note = row
            table.add_row(
                str(name),
                str(saved),
                "" if value is None else f"{value:g}",
                "" if not isinstance(gap, float) else f"{gap:.1%}",
                str(selected),
                str(note or ""),
            )
        console.print(table if scenarios else Text("No scenarios saved yet."))
        return EXIT_OK
    if args.action == "compare":
        report = service.compare_scenarios(transport, args.names)
        written = report.written
        assert written is not None
        console.print(Text(f"Wrote the Compare sheet into {written.path}.", style="green"))
        return EXIT_OK
    from workbook.files.restore import restore_inputs

    chosen = next((s for s in scenarios if s.name == " ".join(args.name.split())), None)
    if chosen is None:
        known = ", ".join(f'"{s.name}"' for s in scenarios) or "none yet"
        raise FileError(f'no scenario "{args.name}" in {args.book.name} (saved: {known})')
    done = restore_inputs(args.book, chosen, stamp=read.stamp)
    kept = f" (previous version kept as {done.backup.name})" if done.backup else ""
    console.print(
        Text(
            f'Restored the inputs of scenario "{chosen.name}" into {done.path}{kept}; '
            "run pmo optimise to plan them again.",
            style="green",
        )
    )
    return EXIT_OK


FRONTIER_MOST_POINTS = FRONTIER_CHART_ROWS  # the Frontier chart plots this many rows
# --- pmo status in the terminal: the Dashboard's figures as rich tables ---------------------------

RAG_STYLES = {Rag.GREEN: "bold green", Rag.AMBER: "bold yellow", Rag.RED: "bold red"}


def _rag(value: Rag | None) -> Text:
    return Text("") if value is None else Text(value.value, style=RAG_STYLES[value])


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def render_status(console: Console, book: str, board: Dashboard, names: Mapping[str, str]) -> None:
    """Print the key figures, the latest status and the lists a PMO meets about."""
    key = board.key
    figures = Table(title=f"{book}: delivery as of {key.as_of.isoformat()}", show_header=False)
    for label, value in (
        ("Projects in flight", str(key.in_flight)),
        ("Projects in the plan", f"{key.selected} of {key.in_play} in play"),
        ("Overdue actions", str(key.overdue_actions)),
        ("Overdue RAID entries", str(key.overdue_entries)),
        ("Pending gate decisions", str(key.pending_gates)),
        ("Open risks / issues", f"{key.open_risks} / {key.open_issues}"),
        ("Budget at completion", _money(key.bac)),
        ("Estimate at completion", _money(key.eac)),
        ("Variance at completion", _money(key.vac)),
    ):
        figures.add_row(label, value)
    console.print(figures)
    console.print(_latest_table("Latest status", board.latest, names))
    if board.worst_spi:
        console.print(_worst_table("Worst SPI", board.worst_spi, names))
    if board.worst_cpi:
        console.print(_worst_table("Worst CPI", board.worst_cpi, names))
    _risks(console, board)
    _gates_and_overdue(console, board)
    _plan(console, board)


def _latest_table(title: str, rows: list[StatusFigures], names: Mapping[str, str]) -> Table:
    table = Table(title=title)
    table.add_column("ID", no_wrap=True)
    table.add_column("Name", max_width=24, overflow="ellipsis", no_wrap=True)
    table.add_column("Period", no_wrap=True)
    for header in ("Done", "SPI", "CPI", "EAC", "VAC"):
        table.add_column(header, justify="right", no_wrap=True)
    for header in ("Schedule", "Cost", "Overall"):
        table.add_column(header, no_wrap=True)
    for f in rows:
        pct = f.report.percent_complete
        table.add_row(
            f.project_id,
            names.get(f.project_id, ""),
            month_text(f.report.period),
            "" if pct is None else f"{pct:.0%}",
            _ratio(f.spi),
            _ratio(f.cpi),
            _money(f.eac),
            _money(f.vac),
            _rag(f.schedule_rag),
            _rag(f.cost_rag),
            _rag(f.overall_rag),
        )
    return table


def _worst_table(title: str, rows: list[StatusFigures], names: Mapping[str, str]) -> Table:
    table = Table(title=title)
    table.add_column("ID", no_wrap=True)
    table.add_column("Name", max_width=30, overflow="ellipsis", no_wrap=True)
    for header in ("SPI", "CPI"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("Overall", no_wrap=True)
    for f in rows:
        table.add_row(
            f.project_id,
            names.get(f.project_id, ""),
            _ratio(f.spi),
            _ratio(f.cpi),
            _rag(f.overall_rag),
        )
    return table


def _risks(console: Console, board: Dashboard) -> None:
    if not board.top_risks:
        return
    table = Table(title="Open risks by score")
    for header in ("ID", "Project", "Title", "Owner", "P", "I", "Score"):
        table.add_column(header)
    for r in board.top_risks:
        score = risk_score(r)
        table.add_row(
            r.id,
            r.project_id,
            r.title,
            r.owner,
            "" if r.probability is None else str(r.probability),
            "" if r.impact is None else str(r.impact),
            "" if score is None else str(score),
        )
    console.print(table)


def _gates_and_overdue(console: Console, board: Dashboard) -> None:
    if board.overdue:
        table = Table(title="Overdue RAID entries")
        for header in ("ID", "Type", "Project", "Title", "Owner", "Due"):
            table.add_column(header)
        for i in board.overdue:
            due = i.due.isoformat() if i.due else ""
            table.add_row(i.id, i.type.value, i.project_id, i.title, i.owner, due)
        console.print(table)
    if board.pending:
        table = Table(title="Pending gate decisions")
        for header in ("ID", "Gate", "Date", "Reviewer"):
            table.add_column(header)
        for g in board.pending:
            table.add_row(g.project_id, g.gate, g.date.isoformat() if g.date else "", g.reviewer)
        console.print(table)


def _plan(console: Console, board: Dashboard) -> None:
    spend = Table(title="Spend per year against budget")
    for header in ("Year", "Budget", "Planned spend"):
        spend.add_column(header, justify="right")
    for s in board.spend:
        spend.add_row(str(s.year), _money(s.budget), _money(s.planned))
    console.print(spend)
    load = Table(title="Load by role")
    for header in ("Role", "Average load", "Peak load"):
        load.add_column(header, justify="left" if header == "Role" else "right")
    for r in board.load:
        load.add_row(r.role, _share(r.average), _share(r.peak))
    console.print(load)


def _lessons(console: Console, args) -> int:
    from engine.lessons import Lesson, LessonIndex
    from engine.managers import split_list
    from workbook.files.reader import read_lessons_file
    from workbook.headless.batch import expand_inputs

    tags = [tag for text in args.tag for tag in split_list(text)]
    if not args.search.strip() and not tags:
        raise _UsageError("pmo lessons: give --search TEXT, or --tag T, or both")
    lessons: list[Lesson] = []
    for book in expand_inputs(args.books):
        found, problems = read_lessons_file(book)
        for problem in problems:
            console.print(Text(f"{book.name}: {problem}", style="yellow"))
        lessons += found
    with LessonIndex(lessons) as index:
        hits = index.search(args.search, tags, args.limit)
    if args.json is not None:
        rows = [
            {
                "rank": rank,
                "relevance": round(hit.relevance, 6),
                "book": hit.lesson.source,
                **{
                    key: value
                    for key, value in dataclasses.asdict(hit.lesson).items()
                    if key != "source"
                },
            }
            for rank, hit in enumerate(hits, start=1)
        ]
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    if not hits:
        console.print(Text(f"No lesson matches, among {len(lessons)} lesson(s)."))
        return EXIT_OK
    table = Table(title=f"Lessons: {len(hits)} of {len(lessons)}")
    for name in ("#", "Lesson", "Book", "Project", "Category", "Tags", "Recommendation"):
        table.add_column(name, overflow="fold")
    for rank, hit in enumerate(hits, start=1):
        lesson = hit.lesson
        table.add_row(
            str(rank),
            lesson.id,
            lesson.source,
            lesson.project,
            lesson.category,
            ", ".join(lesson.tags),
            lesson.recommendation,
        )
    console.print(table)
    return EXIT_OK


def _people(console: Console, args) -> int:
    from engine.managers import EVALUATION_CRITERIA, summarise
    from engine.model import ProjectStatus
    from engine.months import month_text

    report = service.validate(service.FileTransport(args.book))
    _print_messages(console, [m for m in report.messages if m.sheet in ("People", "PM evaluation")])
    read = report.read
    assert read is not None  # validate always reads
    portfolio = report.portfolio
    summaries = {s.manager: s for s in summarise(read.evaluations)}
    in_flight: dict[str, list[str]] = {}
    for project in portfolio.projects:
        if project.status is ProjectStatus.IN_FLIGHT and project.manager:
            in_flight.setdefault(project.manager, []).append(project.id)
    rows = []
    for m in portfolio.managers:
        summary = summaries.get(m.name)
        rows.append(
            {
                "name": m.name,
                "grade": m.grade,
                "skills": list(m.skills),
                "certifications": list(m.certifications),
                "max_concurrent_projects": m.max_projects,
                "available_from": month_text(m.available_from) if m.available_from else None,
                "available_to": month_text(m.available_to) if m.available_to else None,
                "in_flight": in_flight.get(m.name, []),
                "evaluations": summary.evaluations if summary else 0,
                "average_rating": None if summary is None else summary.overall,
                "ratings": {} if summary is None else dict(summary.means),
            }
        )
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    table = Table(title=f"People: {len(rows)} project manager(s)")
    columns = ("Name", "Grade", "Max", "In flight", "Evaluations", "Average", *EVALUATION_CRITERIA)
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        ratings = row["ratings"]
        assert isinstance(ratings, dict)
        average = row["average_rating"]
        table.add_row(
            str(row["name"]),
            str(row["grade"] or ""),
            str(row["max_concurrent_projects"]),
            ", ".join(row["in_flight"]),  # type: ignore[arg-type]
            str(row["evaluations"]),
            "" if average is None else f"{average:.2f}",
            *("" if ratings.get(c) is None else f"{ratings[c]:.2f}" for c in EVALUATION_CRITERIA),
        )
    console.print(table)
    return EXIT_CODES[report.outcome]


def _rollup(console: Console, args) -> int:
    from workbook import rollup
    from workbook.headless.batch import expand_inputs

    books = expand_inputs(args.books)
    display: list[_Progress] = []

    def stage(name: str, _limit: float | None) -> None:
        if name == "solve":
            display.append(_Progress(console))
        elif name == "books":
            console.print(Text(f"Reading {len(books)} department book(s)..."))

    try:
        report = rollup.rollup(
            books,
            args.out,
            capacity=args.capacity,
            push=args.push,
            time_limit=args.time_limit,
            jobs=args.jobs,
            scheduler=args.scheduler,
            progress=lambda info: display[-1](info) if display else None,
            on_stage=stage,
        )
    finally:
        for shown in display:
            shown.stop()
    if args.json is not None:
        args.json.write_text(
            json.dumps(rollup.report_json(report), indent=2) + "\n", encoding="utf-8"
        )
    for book, message in report.messages:
        style = {"Error": "red", "Warning": "yellow"}.get(str(message.severity), "")
        line = Text(f"{message.severity}: {book}: ", style=style)
        line.append(str(message))
        console.print(line)
    if report.merged is not None:
        for note in report.merged.notes:
            console.print(Text(f"Note: {note}"))
    if report.outcome is Outcome.INPUT_ERRORS:
        console.print(Text("Input errors: nothing was rolled up or written.", style="red"))
        return EXIT_INPUT
    result = report.result
    if report.outcome is Outcome.NO_PLAN:
        if result is not None:
            for conflict in result.conflicts:
                console.print(Text(f"  - {conflict}"))
        console.print(
            Text(f"No plan; {args.out.name} and the books were not changed.", style="red")
        )
        return EXIT_INFEASIBLE
    assert result is not None and report.merged is not None
    _summary(console, report.merged.portfolio, result)
    table = Table(title="Enterprise by department")
    for name in ("Department", "Projects", "Selected", "Deferred", "Score", "Cost", "Load"):
        table.add_column(name, justify="left" if name == "Department" else "right")
    for s in report.summaries:
        table.add_row(
            s.department,
            str(s.projects),
            str(s.selected),
            str(s.deferred),
            f"{s.value:g}",
            f"{s.cost:,.0f}",
            f"{s.share:.0%}",
        )
    console.print(table)
    kept = f" (previous version kept as {report.backup.name})" if report.backup else ""
    console.print(Text(f"Wrote the enterprise book {args.out}{kept}.", style="green"))
    for written in report.pushed:
        console.print(
            Text(
                f"Pushed the decisions into {written.path} (backup {written.backup}).",
                style="green",
            )
        )
    return EXIT_OK


def _doctor(console: Console, args) -> int:
    try:
        from workbook.doctor import diagnose, healthy, render
    except ImportError:
        console.print(Text("The installation check is not available in this version."))
        return EXIT_FILE
    checks = diagnose(smoke=args.smoke)
    console.print(Text(render(checks)))
    return EXIT_OK if healthy(checks) else EXIT_FILE


if __name__ == "__main__":
    sys.exit(main())
