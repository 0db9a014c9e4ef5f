"""The two things a PMO asks of a workbook, whatever holds it: validate it, optimise it.

A `Transport` reads the workbook and writes output grids back: `FileTransport` for a file
on disk (the `pmo` command and `pmo batch`), `workbook.excel.transport.ExcelTransport` for a
workbook open in Excel (the buttons). The flow is written once, here; the callers turn the
`Outcome` into what they show: the CLI an exit code, the buttons a status-bar line, batch a
report row.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from engine.errors import FileError
from engine.model import Objective, Portfolio, parse_stability
from engine.result import Result, SolveStatus
from engine.stability import Baseline
from engine.validation import Severity
from workbook.book.grids import (
    Grid,
    messages_grid,
    result_grids,
    run_log_grid,
    run_messages,
    settings_text,
)
from workbook.book.messages import Message
from workbook.files.atomic import FileStamp, check_writable
from workbook.files.reader import ReadResult, read_workbook
from workbook.files.writer import WriteOutcome, write_grids


class Outcome(StrEnum):
    """How a run on one workbook ended."""

    DONE = "done"  # validated without errors, or a plan was written
    INPUT_ERRORS = "input errors"  # nothing planned; every problem is in the messages
    NO_PLAN = "no plan"  # the rules cannot all hold, or no plan was found in time


class Transport(Protocol):
    """Where a workbook is read from and its output grids go."""

    def read(self) -> ReadResult:
        """Read the input sheets (and remember what is needed to write back safely)."""
        ...

    def check_writable(self) -> None:
        """Raise FileError now if the results could not be written later."""
        ...

    def write(self, grids: list[Grid]) -> WriteOutcome | None:
        """Write the grids into their output sheets; input cells are never touched."""
        ...


@dataclass
class FileTransport:
    """A workbook file: results go into it (a backup kept) or into the copy `out`."""

    book: Path
    out: Path | None = None
    backup: bool = True
    stamp: FileStamp | None = field(default=None, init=False)

    def read(self) -> ReadResult:
        """Read the file and keep its stamp, so a file changed meanwhile is not overwritten."""
        read = read_workbook(self.book)
        self.stamp = read.stamp
        return read

    def check_writable(self) -> None:
        """Refuse before a long solve when Excel holds the file or it changed since read."""
        check_writable(self.book, self.stamp)
        if self.out is not None:
            check_writable(self.out, None)

    def write(self, grids: list[Grid]) -> WriteOutcome:
        """Write the grids through the file writer (verified, atomic)."""
        return write_grids(self.book, grids, out=self.out, stamp=self.stamp, backup=self.backup)


@dataclass(frozen=True, slots=True)
class Overrides:
    """Settings given on the command line or by a caller, replacing the workbook's."""

    objective: str | None = None
    time_limit: float | None = None
    seed: int | None = None
    workers: int | None = None
    stability: str | None = None

    def apply(self, portfolio: Portfolio) -> Portfolio:
        """The portfolio with these settings in place of its own."""
        changes: dict[str, object] = {}
        if self.objective:
            changes["objective"] = Objective(self.objective)
        if self.time_limit is not None:
            if not self.time_limit > 0:
                raise FileError("--time-limit must be more than 0 seconds")
            changes["time_limit"] = float(self.time_limit)
        if self.seed is not None:
            changes["random_seed"] = int(self.seed)
        if self.workers is not None:
            changes["workers"] = int(self.workers)
        if self.stability is not None:
            try:
                parse_stability(self.stability)
            except ValueError as error:
                raise FileError(f"--stability: {error}") from None
            changes["stability"] = str(self.stability)
        if not changes:
            return portfolio
        settings = dataclasses.replace(portfolio.settings, **changes)  # type: ignore[arg-type]
        return dataclasses.replace(portfolio, settings=settings)


@dataclass
class Report:
    """What a run did to one workbook, with the time each step took."""

    outcome: Outcome
    messages: list[Message]  # input problems and warnings, each located
    portfolio: Portfolio  # as solved: the workbook's, with the overrides applied
    result: Result | None = None  # None when the inputs had errors
    grids: list[Grid] = field(default_factory=list)  # what was written
    written: WriteOutcome | None = None  # where a file's results went
    read_s: float = 0.0
    solve_s: float = 0.0
    write_s: float = 0.0

    @property
    def errors(self) -> list[Message]:
        """The messages that stopped the run (severity Error)."""
        return [m for m in self.messages if m.severity is Severity.ERROR]


StageCallback = Callable[[str, float | None], None]
Solver = Callable[[Portfolio, Callable | None, Baseline | None], Result]


def _engine_solve(
    portfolio: Portfolio, progress: Callable | None, baseline: Baseline | None = None
) -> Result:
    from engine.optimiser import solve  # CP-SAT takes a second to import: only when needed

    return solve(portfolio, progress=progress, baseline=baseline)


def validate(transport: Transport, *, write_messages: bool = False) -> Report:
    """Read and check every input; with `write_messages`, list the problems on Messages."""
    began = time.perf_counter()
    read = transport.read()
    messages = read.messages()
    report = Report(Outcome.DONE, messages, read.portfolio, read_s=time.perf_counter() - began)
    if report.errors:
        report.outcome = Outcome.INPUT_ERRORS
    if write_messages:
        report.grids = [messages_grid(messages)]
        report.written = transport.write(report.grids)
    return report


def optimise(
    transport: Transport,
    overrides: Overrides = Overrides(),
    *,
    progress: Callable | None = None,
    on_stage: StageCallback | None = None,
    on_result: Callable[[Portfolio, Result], None] | None = None,
    solver: Solver = _engine_solve,
    messages_on_failure: bool = False,
    run_at: datetime | None = None,
) -> Report:
    """Read and validate the workbook, solve it and write the results back.

    `on_stage(name, limit)` is called as "read", "solve" (with the time limit in seconds) and
    "write" begin; `on_result` as soon as the solve ends (the CLI writes its JSON then).
    Input errors and "no plan" are outcomes: with `messages_on_failure` (the `pmo` command and
    the Excel buttons) the Messages sheet says why and the Run log gets its row; the plan
    sheets and every input cell stay as they were. Without it (`pmo batch`) nothing is
    written. `Report.messages` are the Messages sheet's lines, summary first, for callers to
    show in the same words. Raises `FileError` when the workbook cannot be read or written.
    """
    stage = on_stage or (lambda _name, _limit: None)
    began = time.perf_counter()
    stage("read", None)
    read = transport.read()
    messages = read.messages()
    report = Report(Outcome.DONE, messages, read.portfolio)
    if report.errors:
        report.read_s = time.perf_counter() - began
        return _failed(transport, report, Outcome.INPUT_ERRORS, messages_on_failure, run_at)
    transport.check_writable()  # fail before a long solve, not after it
    portfolio = report.portfolio = overrides.apply(read.portfolio)
    report.read_s = time.perf_counter() - began

    began = time.perf_counter()
    stage("solve", portfolio.settings.time_limit)
    result = report.result = solver(portfolio, progress, read.baseline)
    report.solve_s = time.perf_counter() - began
    if on_result is not None:
        on_result(portfolio, result)
    if result.status is SolveStatus.INVALID_INPUT:
        report.messages = read.messages(result.problems)
        return _failed(transport, report, Outcome.INPUT_ERRORS, messages_on_failure, run_at)
    report.messages = run_messages(portfolio, result) + messages
    if not result.status.has_plan:
        report.outcome = Outcome.NO_PLAN
        if not messages_on_failure:
            return report  # the conflicts are in the result; the workbook is not touched

    began = time.perf_counter()
    stage("write", None)
    # Without a plan these are Messages (the conflicts) and the Run log: the last plan stays.
    report.grids = result_grids(
        portfolio,
        result,
        report.messages,
        read.details,
        run_at=run_at,
        settings=settings_text(portfolio, result),
        locations=read.locations,
    )
    report.written = transport.write(report.grids)
    report.write_s = time.perf_counter() - began
    return report


def _failed(
    transport: Transport,
    report: Report,
    outcome: Outcome,
    write: bool,
    run_at: datetime | None,
) -> Report:
    """Input errors: the problems on Messages and a row in the Run log (when `write`); no
    input cell and no earlier plan is touched."""
    report.outcome = outcome
    portfolio = report.portfolio
    result = report.result or Result(
        SolveStatus.INVALID_INPUT, objective_name=portfolio.settings.objective.value
    )
    report.messages = run_messages(portfolio, result) + report.messages
    if write:
        report.grids = [
            messages_grid(report.messages),
            run_log_grid(portfolio, result, run_at=run_at),
        ]
        report.written = transport.write(report.grids)
    return report
