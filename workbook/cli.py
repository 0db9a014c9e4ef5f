"""The `pmo` command: make, check and optimise PMO workbooks without Excel.

    pmo new PATH [--empty]           a new workbook (the sample portfolio, or empty)
    pmo validate BOOK                list every input problem with its sheet and cell
    pmo optimise BOOK [--out OUT] [--objective value|finish] [--time-limit S]
                      [--seed N] [--stability LEVEL] [--json RESULT.json] [--csv DIR]
                      [--no-backup]
    pmo doctor                       check Python packages and LibreOffice
    pmo recalc BOOK... [--out-dir DIR]
                                     recompute every formula with LibreOffice, store values
    pmo batch PATH_OR_GLOB... (--out-dir DIR | --in-place) [--jobs N] [--scheduler ADDR]
              [--time-limit S] [--report REPORT.csv] [--json REPORT.json]
                                     validate, optimise, write back and recalculate many

Exit codes: 0 done, 1 input errors (all listed), 2 no plan (infeasible: the reasons are
listed), 3 file or usage error. `pmo recalc` exits 3 when any workbook failed; `pmo batch`
exits 1 when any workbook did not end "ok" (see its report) and 3 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from engine.errors import FileError, PmoError
from engine.model import Objective, Portfolio
from engine.result import Result
from workbook import service
from workbook.book.grids import result_json
from workbook.files.csv_export import write_csv
from workbook.service import Outcome

EXIT_OK, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_FILE = 0, 1, 2, 3
RUN_MAIN_MODULE = Path(__file__).parent / "excel" / "run_main.py.txt"
PROGRESS_AFTER_S = 1.0


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
    run.add_argument("--time-limit", type=float, metavar="S")
    run.add_argument("--seed", type=int)
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
        type=float,
        default=120.0,
        metavar="S",
        help="seconds per workbook before LibreOffice is restarted",
    )
    _batch_parser(commands)
    return parser


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
        type=float,
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
        type=float,
        default=batch.MARGIN_S,
        metavar="S",
        help="seconds on top of the time limit before a workbook is stopped",
    )
    many.add_argument(
        "--memory-limit",
        type=int,
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
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
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
        if args.command == "batch":
            return _batch(console, args)
        return _doctor(console, args)
    except FileError as error:
        errors.print(Text(f"File error: {error}", style="red"))
        return EXIT_FILE
    except PmoError as error:
        errors.print(Text(f"Error: {error}", style="red"))
        return EXIT_FILE


def _new(console: Console, args) -> int:
    from workbook.files.template import build_workbook

    path: Path = args.path
    if path.suffix.lower() != ".xlsm":
        raise FileError(
            f"{path.name}: a PMO workbook carries macros, so its name must end in .xlsm"
        )
    if path.exists() and not args.force:
        raise FileError(f"{path} already exists; choose another name or add --force")
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


def _input_errors(console: Console, book: Path, report: service.Report) -> int:
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
    console.print(
        Text(
            f"{args.book.name}: no input errors ({len(report.messages)} warning(s)); "
            f"{len(p.projects)} projects, {len(p.capacity)} roles, "
            f"{p.settings.horizon} months.",
            style="green",
        )
    )
    return EXIT_OK


def _optimise(console: Console, args) -> int:
    display: list[_Progress] = []  # shown from the moment the solve starts

    def stage(name: str, _limit: float | None) -> None:
        if name == "solve":
            display.append(_Progress(console))

    def save_json(portfolio: Portfolio, result: Result) -> None:
        if args.csv is not None:
            write_csv(portfolio, result, args.csv)
        if args.json is not None:
            args.json.write_text(
                json.dumps(result_json(portfolio, result), indent=2) + "\n", encoding="utf-8"
            )

    overrides = service.Overrides(
        args.objective, args.time_limit, args.seed, stability=args.stability
    )
    try:
        report = service.optimise(
            service.FileTransport(args.book, args.out, backup=not args.no_backup),
            overrides,
            progress=lambda info: display[-1](info),
            on_stage=stage,
            on_result=save_json,
            messages_on_failure=True,
        )
    finally:
        for shown in display:
            shown.stop()
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
    table.add_row("Time", f"{result.wall_time:.1f} s")
    if result.status.has_plan:
        in_play = [p for p in portfolio.projects if not p.out_of_play]
        table.add_row("Selected", f"{len(result.selected)} of {len(in_play)} projects in play")
    console.print(table)


def _recalc(console: Console, args) -> int:
    from workbook.files.atomic import owner_files
    from workbook.headless.batch import check_distinct_names, expand_inputs
    from workbook.headless.recalc import Recalculator

    books = expand_inputs(args.books)
    if args.out_dir is not None:
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

    if args.timeout_margin <= 0:
        raise FileError("--timeout-margin must be more than 0 seconds")
    books = batch.expand_inputs(args.inputs)
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
    with batch.ProgressDisplay(console, len(tasks), slots) as display:
        if args.scheduler:
            reports = batch.run_dask(tasks, args.scheduler, options=options, listener=display)
        else:
            reports = batch.run_local(tasks, jobs=jobs, options=options, listener=display)
    console.print(batch.summary_table(reports))
    if args.report is not None:
        batch.write_csv(reports, args.report)
    if args.json is not None:
        batch.write_json(reports, args.json)
    good = sum(report.ok for report in reports)
    written = [str(p) for p in (args.report, args.json) if p is not None]
    tail = f" Report: {', '.join(written)}." if written else ""
    console.print(
        Text(
            f"{good} of {len(reports)} workbook(s) ok.{tail}",
            style="green" if good == len(reports) else "red",
        )
    )
    return EXIT_OK if good == len(reports) else EXIT_INPUT


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
