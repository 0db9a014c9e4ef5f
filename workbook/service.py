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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from engine.delivery.dashboard import Dashboard, commitments, dashboard
from engine.errors import FileError
from engine.frontier import Executor, FrontierPoint
from engine.lessons import read_first
from engine.model import Objective, Portfolio, parse_stability
from engine.result import Result, SolveStatus
from engine.stability import Baseline
from engine.validation import Severity, manager_load
from workbook.book import schema
from workbook.book.grids import (
    Grid,
    frontier_grid,
    messages_grid,
    result_grids,
    run_log_grid,
    run_messages,
    settings_text,
)
from workbook.book.messages import Message
from workbook.book.scenarios import (
    Scenario,
    compare_grid,
    read_store,
    results_of,
    scenarios_grid,
    store_grid,
)
from workbook.book.views import dashboard_grid, departments, latest_status_grid
from workbook.files.atomic import FileStamp, check_writable
from workbook.files.reader import ReadResult, read_workbook
from workbook.files.writer import WriteOutcome, output_path, write_grids


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
        target = output_path(self.book, self.out)
        check_writable(self.book, self.stamp)
        if target != self.book:
            check_writable(target, None)

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
    reproducible: bool | None = None  # Settings "Reproducible"; None: the workbook's

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
        if self.reproducible is not None:
            changes["reproducible"] = bool(self.reproducible)
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
    read: ReadResult | None = None  # what the reader found (lessons, evaluations, ...)

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


def advice(
    read: ReadResult,
    portfolio: Portfolio | None = None,
    result: Result | None = None,
) -> list[Message]:
    """What the centre-of-excellence sheets add to Messages, each located on Intake.

    Project managers (Settings: Check) with more projects at once than People allows, or
    named for months they are not available: in the plan of `result`, or, before there is
    one, in the months that work in flight, mandatory and forced-in projects run whatever
    their start. And for each proposal that resembles past lessons, the lessons to read
    first.
    """
    portfolio = portfolio or read.portfolio
    starts: dict[str, int] | None = None  # without a plan: what must run, whenever it starts
    managers = None
    if result is not None and result.status.has_plan:
        starts = {o.project_id: o.start for o in result.selected if o.start is not None}
        managers = {o.project_id: o.manager for o in result.selected if o.manager}
    problems = [] if portfolio.assigns_managers else manager_load(portfolio, starts, managers)
    programmes = {pid: str(extra.get("Programme", "")) for pid, extra in read.details.items()}
    problems += read_first(portfolio, read.lessons, programmes)
    located = []
    for problem in problems:
        sheet_name, cell = read.locate(problem)
        located.append(Message(sheet_name, cell, problem.message, problem.severity))
    return located


def validate(transport: Transport, *, write_messages: bool = False) -> Report:
    """Read and check every input; with `write_messages`, list the problems on Messages."""
    began = time.perf_counter()
    read = transport.read()
    messages = read.messages()
    if not any(m.severity is Severity.ERROR for m in messages):
        messages += advice(read)
    report = Report(
        Outcome.DONE, messages, read.portfolio, read_s=time.perf_counter() - began, read=read
    )
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
    report = Report(Outcome.DONE, messages, read.portfolio, read=read)
    if report.errors:
        report.read_s = time.perf_counter() - began
        return _failed(transport, report, Outcome.INPUT_ERRORS, messages_on_failure, run_at)
    transport.check_writable()  # fail before a long solve, not after it
    messages = report.messages = messages + read.notes()  # and what the gates did
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
    report.messages = [*report.messages, *advice(read, portfolio, result)]
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
    if result.status.has_plan:  # the views follow the new plan
        starts = {o.project_id: o.start for o in result.selected if o.start is not None}
        report.grids += delivery_grids(read, portfolio, starts)
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


# --- Delivery: the Latest status and Dashboard views ----------------------------------------------


def delivery_dashboard(
    read: ReadResult, portfolio: Portfolio | None = None, plan: Mapping[str, int] | None = None
) -> Dashboard:
    """The dashboard of a workbook as read: under `plan`, else the last plan on its Portfolio
    sheet, else (no run yet) the projects in flight."""
    portfolio = portfolio or read.portfolio
    if plan is None:
        plan = read.plan or commitments(portfolio)
    return dashboard(portfolio, read.delivery, plan, departments(read.details))


def project_names(portfolio: Portfolio) -> dict[str, str]:
    """{ID: name} of the projects."""
    return {p.id: p.name for p in portfolio.projects}


def delivery_grids(
    read: ReadResult, portfolio: Portfolio | None = None, plan: Mapping[str, int] | None = None
) -> list[Grid]:
    """Latest status and Dashboard, as `delivery_dashboard` sees the workbook; a workbook made
    before these views existed is left without them (a bare sheet would carry no charts)."""
    portfolio = portfolio or read.portfolio
    board = delivery_dashboard(read, portfolio, plan)
    return _view_grids(read, board, project_names(portfolio))


def _view_grids(read: ReadResult, board: Dashboard, names: dict[str, str]) -> list[Grid]:
    grids = [latest_status_grid(board.latest, names), dashboard_grid(board, names)]
    return [grid for grid in grids if read.has_sheet(grid.sheet)]


@dataclass
class StatusReport:
    """The delivery figures of a workbook, and the problems found reading it."""

    dashboard: Dashboard
    messages: list[Message]
    portfolio: Portfolio
    grids: list[Grid] = field(default_factory=list)
    written: WriteOutcome | None = None

    @property
    def errors(self) -> list[Message]:
        """The input errors (the figures are shown all the same)."""
        return [m for m in self.messages if m.severity is Severity.ERROR]


def status(transport: Transport) -> StatusReport:
    """Read the workbook and work out its delivery figures; nothing is written."""
    read = transport.read()
    return StatusReport(delivery_dashboard(read), read.messages(), read.portfolio)


def refresh_dashboard(transport: Transport) -> StatusReport:
    """Rewrite Latest status and Dashboard (and list the problems on Messages) from the
    sheets as they are now; the plan is the last one on the Portfolio sheet."""
    read = transport.read()
    transport.check_writable()
    messages = read.messages()
    report = StatusReport(delivery_dashboard(read), messages, read.portfolio)
    views = _view_grids(read, report.dashboard, project_names(read.portfolio))
    report.grids = [*views, messages_grid(messages)]
    report.written = transport.write(report.grids)
    return report


# --- Frontier -------------------------------------------------------------------------------


@dataclass
class FrontierReport:
    """What a frontier run did: the points, by budget, and where they were written."""

    outcome: Outcome
    messages: list[Message]
    portfolio: Portfolio
    points: list[FrontierPoint] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    written: WriteOutcome | None = None

    @property
    def errors(self) -> list[Message]:
        """The messages that stopped the run (severity Error)."""
        return [m for m in self.messages if m.severity is Severity.ERROR]


def frontier(
    transport: Transport,
    scales: Sequence[float],
    overrides: Overrides = Overrides(),
    *,
    execute: Executor | None = None,
    messages_on_failure: bool = False,
) -> FrontierReport:
    """Solve the workbook at each budget scale and write the Frontier sheet.

    `execute` runs a wave of points (`engine.frontier.in_process` by default; the CLI passes
    a parallel one). The time limit per point is the workbook's (or the override's). Input
    errors, or no Budget rows to scale, are outcomes: nothing is written but, when
    `messages_on_failure`, the Messages sheet. "No plan" means no point has one.
    """
    from engine.frontier import frontier as solve_frontier
    from engine.frontier import in_process

    read = transport.read()
    report = FrontierReport(Outcome.DONE, read.messages(), read.portfolio)
    if not report.errors and not read.portfolio.budget:
        report.messages.append(
            Message(
                "Budget",
                None,
                "the Budget sheet has no rows: the frontier scales the budget, so it needs "
                "one row per year with the money available",
            )
        )
    if report.errors:
        report.outcome = Outcome.INPUT_ERRORS
        if messages_on_failure:
            report.grids = [messages_grid(report.messages)]
            report.written = transport.write(report.grids)
        return report
    transport.check_writable()
    portfolio = report.portfolio = overrides.apply(read.portfolio)
    report.points = solve_frontier(
        portfolio,
        scales,
        time_limit=portfolio.settings.time_limit,
        workers=overrides.workers,
        seed=portfolio.settings.random_seed,
        execute=execute or in_process,
    )
    if not any(p.status in ("optimal", "feasible") for p in report.points):
        report.outcome = Outcome.NO_PLAN
    report.grids = [frontier_grid(report.points)]
    report.written = transport.write(report.grids)
    return report


# --- Scenarios ------------------------------------------------------------------------------

SCENARIO_NAME_MOST = 60


@dataclass
class ScenarioReport:
    """What a scenario command did: the scenarios it saw, and what it wrote."""

    outcome: Outcome
    messages: list[Message]
    scenarios: list[Scenario] = field(default_factory=list)
    result: Result | None = None
    grids: list[Grid] = field(default_factory=list)
    written: WriteOutcome | None = None

    @property
    def errors(self) -> list[Message]:
        """The messages that stopped the run (severity Error)."""
        return [m for m in self.messages if m.severity is Severity.ERROR]


def stored_scenarios(read: ReadResult) -> tuple[list[Scenario], list[Message]]:
    """The scenarios saved in a workbook, and a warning for each that cannot be read."""
    found, problems = read_store(read.stored)
    sheet = schema.SCENARIO_STORE.name
    return found, [Message(sheet, None, text, Severity.WARNING) for text in problems]


def save_scenario(
    transport: Transport,
    name: str,
    note: str = "",
    overrides: Overrides = Overrides(),
    *,
    solver: Solver = _engine_solve,
    run_at: datetime | None = None,
) -> ScenarioReport:
    """Solve the workbook as it is and keep its inputs and results as scenario `name`
    (replacing a scenario of that name); writes the plan, the Scenarios sheet and the store.
    Input errors or no plan are outcomes: nothing is saved."""
    name = " ".join(str(name).split())
    if not name or len(name) > SCENARIO_NAME_MOST:
        raise FileError(f"a scenario needs a name of 1 to {SCENARIO_NAME_MOST} characters")
    read = transport.read()
    scenarios, warnings = stored_scenarios(read)
    report = ScenarioReport(Outcome.DONE, [*read.messages(), *warnings], scenarios)
    if report.errors:
        report.outcome = Outcome.INPUT_ERRORS
        return report
    transport.check_writable()
    portfolio = overrides.apply(read.portfolio)
    result = report.result = solver(portfolio, None, read.baseline)
    if not result.status.has_plan:
        report.outcome = (
            Outcome.NO_PLAN
            if result.status is not SolveStatus.INVALID_INPUT
            else (Outcome.INPUT_ERRORS)
        )
        report.messages = read.messages(result.problems)
        return report
    saved = (run_at or datetime.now()).replace(microsecond=0).isoformat(sep=" ")
    scenario = Scenario(name, saved, note, read.inputs, results_of(portfolio, result))
    report.scenarios = [s for s in scenarios if s.name != name] + [scenario]
    # the plan is written as `optimise` writes it: with what the gates did, the advice and
    # the delivery views that follow the plan
    messages = [*read.messages(), *read.notes(), *advice(read, portfolio, result)]
    starts = {o.project_id: o.start for o in result.selected if o.start is not None}
    report.grids = [
        *result_grids(
            portfolio,
            result,
            messages,
            read.details,
            run_at=run_at,
            settings=settings_text(portfolio, result),
        ),
        *delivery_grids(read, portfolio, starts),
        store_grid(report.scenarios),
        scenarios_grid(report.scenarios),
    ]
    report.written = transport.write(report.grids)
    return report


def compare_scenarios(transport: Transport, names: Sequence[str]) -> ScenarioReport:
    """Write the Compare sheet for the named scenarios (at least two)."""
    read = transport.read()
    scenarios, warnings = stored_scenarios(read)
    by_name = {s.name: s for s in scenarios}
    missing = [n for n in names if n not in by_name]
    if missing:
        known = ", ".join(f'"{n}"' for n in by_name) or "none yet"
        raise FileError(
            f"no scenario {', '.join(repr(n) for n in missing)} in this workbook "
            f"(saved: {known}); save it first with pmo scenario save"
        )
    if len(names) < 2:
        raise FileError("compare needs at least two scenario names")
    chosen = [by_name[n] for n in names]
    report = ScenarioReport(Outcome.DONE, warnings, chosen)
    transport.check_writable()
    report.grids = [compare_grid(chosen)]
    report.written = transport.write(report.grids)
    return report
