"""The `pmo` command: make, check and optimise PMO workbooks without Excel.

    pmo new PATH [--empty]           a new workbook (the sample portfolio, or empty)
    pmo validate BOOK                list every input problem with its sheet and cell
    pmo optimise BOOK [--out OUT] [--objective value|finish] [--time-limit S]
                      [--seed N] [--json RESULT.json] [--no-backup]
    pmo doctor                       check Python packages and LibreOffice

Exit codes: 0 done, 1 input errors (all listed), 2 no plan (infeasible: the reasons are
listed), 3 file or usage error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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
from engine.result import Result, SolveStatus
from engine.validation import Severity

EXIT_OK, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_FILE = 0, 1, 2, 3
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
    run = commands.add_parser("optimise", aliases=["optimize"],
                              help="select and schedule projects, write the results back")
    run.add_argument("book", type=Path)
    run.add_argument("--out", type=Path, help="write the results into this copy instead")
    run.add_argument("--objective", choices=[o.value for o in Objective])
    run.add_argument("--time-limit", type=float, metavar="S")
    run.add_argument("--seed", type=int)
    run.add_argument("--json", type=Path, metavar="RESULT.json")
    run.add_argument("--no-backup", action="store_true",
                     help="do not keep the previous version as NAME.bak.xlsm")
    doctor = commands.add_parser("doctor", help="check the installation")
    doctor.add_argument("--smoke", action="store_true", help="also run LibreOffice once")
    return parser


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
        return _doctor(console, args)
    except FileError as error:
        errors.print(Text(f"File error: {error}", style="red"))
        return EXIT_FILE
    except PmoError as error:
        errors.print(Text(f"Error: {error}", style="red"))
        return EXIT_FILE


def _new(console: Console, args) -> int:
    from workbook.template import build_workbook

    path: Path = args.path
    if path.suffix.lower() != ".xlsm":
        raise FileError(f"{path.name}: a PMO workbook carries macros, so its name must end "
                        "in .xlsm")
    if path.exists() and not args.force:
        raise FileError(f"{path} already exists; choose another name or add --force")
    build_workbook(path, empty=args.empty)
    what = "an empty" if args.empty else "the sample"
    console.print(Text(f"Wrote {path} with {what} portfolio. Next: pmo optimise {path}"))
    return EXIT_OK


def _print_messages(console: Console, messages) -> None:
    for message in messages:
        style = {"Error": "red", "Warning": "yellow"}.get(str(message.severity), "")
        line = Text(f"{message.severity}: ", style=style)
        line.append(str(message))
        console.print(line)


def _read(console: Console, book: Path):
    """Read and validate; returns (read result, messages, exit code or None)."""
    from workbook.reader import read_workbook

    read = read_workbook(book)
    messages = read.messages()
    _print_messages(console, messages)
    errors = [m for m in messages if m.severity is Severity.ERROR]
    if errors:
        console.print(Text(f"{len(errors)} input error(s) in {book.name}; fix them and run "
                           "again.", style="red"))
        return read, messages, EXIT_INPUT
    return read, messages, None


def _validate(console: Console, args) -> int:
    read, messages, code = _read(console, args.book)
    if code is not None:
        return code
    p = read.portfolio
    warnings = len(messages)
    console.print(Text(f"{args.book.name}: no input errors ({warnings} warning(s)); "
                       f"{len(p.projects)} projects, {len(p.capacity)} roles, "
                       f"{p.settings.horizon} months.", style="green"))
    return EXIT_OK


def _optimise(console: Console, args) -> int:
    from workbook.outputs import result_grids, result_json, settings_text
    from workbook.writer import check_writable, write_grids

    read, messages, code = _read(console, args.book)
    if code is not None:
        return code
    check_writable(args.book, read.stamp)  # fail before a long solve, not after it
    if args.out is not None:
        check_writable(args.out, None)
    portfolio = _effective(read.portfolio, args)
    result = _solve(console, portfolio)
    if args.json is not None:
        args.json.write_text(json.dumps(result_json(portfolio, result), indent=2) + "\n",
                             encoding="utf-8")
    _summary(console, portfolio, result)
    if result.status is SolveStatus.INVALID_INPUT:
        _print_messages(console, read.messages(result.problems))
        return EXIT_INPUT
    if not result.status.has_plan:
        console.print(Text(f"No plan: {result.status.value}.", style="red"))
        for conflict in result.conflicts:
            console.print(Text(f"  - {conflict}"))
        for note in result.notes:
            console.print(Text(f"  {note}"))
        console.print(Text(f"{args.book.name} was not changed.", style="red"))
        return EXIT_INFEASIBLE
    grids = result_grids(portfolio, result, messages, read.details,
                         settings=settings_text(portfolio, result))
    outcome = write_grids(args.book, grids, out=args.out, stamp=read.stamp,
                          backup=not args.no_backup)
    kept = f" (previous version kept as {outcome.backup.name})" if outcome.backup else ""
    console.print(Text(f"Wrote the results into {outcome.path}{kept}.", style="green"))
    return EXIT_OK


def _effective(portfolio: Portfolio, args) -> Portfolio:
    """The portfolio with the command line's overrides of its settings."""
    changes = {}
    if args.objective:
        changes["objective"] = Objective(args.objective)
    if args.time_limit is not None:
        if not args.time_limit > 0:
            raise FileError("--time-limit must be more than 0 seconds")
        changes["time_limit"] = args.time_limit
    if args.seed is not None:
        changes["random_seed"] = args.seed
    if not changes:
        return portfolio
    settings = dataclasses.replace(portfolio.settings, **changes)
    return dataclasses.replace(portfolio, settings=settings)


def _solve(console: Console, portfolio: Portfolio) -> Result:
    from engine.optimiser import solve  # CP-SAT takes a second to import: only when needed

    display = _Progress(console)
    try:
        return solve(portfolio, progress=display)
    finally:
        display.stop()


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
        return Text(f"Optimising... best {info.objective:g}, bound {info.bound:g}, gap {gap}, "
                    f"{elapsed:.0f} s")

    def _start(self) -> None:
        with self.lock:
            if self.live is None:
                self.live = Live(self._text(), console=self.console, transient=True,
                                 refresh_per_second=4, get_renderable=self._text)
                self.live.start()

    def __call__(self, info) -> None:
        self.latest = info
        if not self.console.is_terminal and info.elapsed >= PROGRESS_AFTER_S and \
                info.elapsed - self.last_line >= 1.0:
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
