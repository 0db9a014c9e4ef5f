"""What the buttons and the PMO ribbon tab run (through xlwings' `RunPython`).

    PMO_Validate         -> validate()
    PMO_Reoptimise       -> reoptimise()
    PMO_ExplainSelected  -> explain_selected()
    PMO_SaveScenario     -> save_scenario()
    PMO_CompareScenarios -> compare_scenarios()
    PMO_Frontier         -> frontier()
    PMO_RefreshDashboard -> refresh_dashboard()
    PMO_Main, "Run main" -> main()

Each works on the workbook that called it (`xw.Book.caller()`) or on the `book` given (tests
pass xlwings' remote Book). They read the sheets with `workbook.excel.transport`, run the
same use cases as the `pmo` command (`workbook.service`) and write back through xlwings.
All output is computed before the first cell is written; when something fails, only the
Messages sheet is written, with what went wrong. Progress and the outcome show in Excel's
status bar.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

import xlwings as xw

from engine.errors import PmoError
from engine.evm import Rag
from engine.explain import deferral_reasons
from engine.feasibility import lone_fit_blockers
from engine.model import Force, Portfolio, Project
from engine.months import month_range_text, month_text, parse_month
from engine.plan import SELECTED
from engine.result import Result
from engine.stability import Baseline
from engine.validation import Severity
from engine.wording import out_of_play_words
from workbook import service
from workbook.book import schema
from workbook.book.grids import Grid, messages_grid
from workbook.book.messages import Message
from workbook.excel import transport as live
from workbook.excel.transport import ExcelTransport

STATUS_EVERY_S = 1.0
SCENARIO_PREFIX = "Scenario "


@dataclass
class Report:
    """What an entry point did: its one-line outcome, the grids written and the run's result."""

    summary: str
    grids: list[Grid] = field(default_factory=list)
    result: Result | None = None
    ok: bool = True


class _StatusBar:
    """Excel's status bar when the engine has one (desktop Excel; not the remote engine)."""

    def __init__(self, book) -> None:
        self.book = book
        self.works = True

    def __call__(self, text: str) -> None:
        if not self.works:
            return
        try:
            self.book.app.status_bar = text
        except Exception:  # NotImplementedError on xlwings' remote engine; never fatal
            self.works = False


def _caller(book):
    return book if book is not None else xw.Book.caller()


def _write(book, grids: list[Grid], snap: live.Snapshot) -> None:
    live.apply(book, live.plan_writes(snap, grids))


def _failed(book, status: _StatusBar, action: str, error: Exception) -> Report:
    """Write only the Messages sheet, saying what went wrong.

    Errors of the input or the file (PmoError) are the whole story; anything else is a bug,
    raised again after the note so that xlwings shows its traceback.
    """
    if isinstance(error, PmoError):
        text = f"{action} stopped: {error}"
    else:
        text = f"{action} stopped by an unexpected error ({type(error).__name__}: {error})"
    grid = messages_grid([Message(None, None, text)])
    try:
        live.write_grids(book, [grid])
    finally:
        status(f"PMO: {text}")
    if not isinstance(error, PmoError):
        raise error
    return Report(text, [grid], ok=False)


def _count(messages: list[Message]) -> tuple[int, int]:
    """Errors and warnings (notes, such as lessons to read, are neither)."""
    errors = sum(1 for m in messages if m.severity is Severity.ERROR)
    return errors, sum(1 for m in messages if m.severity is Severity.WARNING)


# --- Validate ---------------------------------------------------------------------------------


def validate(book=None) -> Report:
    """Check every input sheet and list each problem, with its sheet and cell, on Messages."""
    book = _caller(book)
    status = _StatusBar(book)
    status("PMO: checking the inputs...")
    try:
        done = service.validate(ExcelTransport(book), write_messages=True)
    except Exception as error:
        return _failed(book, status, "Validate", error)
    errors, warnings = _count(done.messages)
    p = done.portfolio
    if errors:
        summary = f"{errors} input error(s), {warnings} warning(s): see the Messages sheet"
    else:
        summary = (
            f"No input errors ({warnings} warning(s)); {len(p.projects)} projects, "
            f"{len(p.capacity)} roles, {p.settings.horizon} months"
        )
    status(f"PMO: {summary}")
    return Report(summary, done.grids, ok=not errors)


# --- Re-optimise ------------------------------------------------------------------------------


def reoptimise(
    book=None,
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    run_at: datetime | None = None,
) -> Report:
    """Select and schedule the projects again and write Portfolio, Schedule, Utilisation,
    Messages and Run log, as `pmo optimise` does for a file."""
    book = _caller(book)
    status = _StatusBar(book)
    status("PMO: reading the workbook...")

    def stage(name: str, _limit: float | None) -> None:
        if name == "write":
            status("PMO: writing the results...")

    try:
        done = service.optimise(
            ExcelTransport(book),
            service.Overrides(time_limit=time_limit, seed=seed),
            on_stage=stage,
            solver=lambda portfolio, _progress, baseline: _solve(status, portfolio, baseline),
            messages_on_failure=True,
            run_at=run_at,
        )
    except Exception as error:
        return _failed(book, status, "Re-optimise", error)
    result = done.result
    if done.outcome is service.Outcome.INPUT_ERRORS:
        summary = "input errors: nothing was planned; see the Messages sheet"
        if result is None:
            summary = (
                f"{len(done.errors)} input error(s): nothing was planned; see the Messages sheet"
            )
        status(f"PMO: {summary}")
        return Report(summary, done.grids, result, ok=False)
    assert result is not None  # solved: a plan, or the conflicts on Messages
    summary = _outcome(done.portfolio, result)
    status(f"PMO: {summary}")
    return Report(summary, done.grids, result, ok=result.status.has_plan)


def main(book=None) -> Report:
    """xlwings' "Run main" and the PMO_Main macro: re-optimise the calling workbook."""
    return reoptimise(book)


def _solve(status: _StatusBar, portfolio: Portfolio, baseline: Baseline | None = None) -> Result:
    """Solve in a worker thread while this thread, which owns Excel, updates the status bar."""
    from engine.optimiser import solve  # CP-SAT takes a second to import: only when needed

    latest: list = []
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = solve(portfolio, progress=latest.append, baseline=baseline)
        except BaseException as error:  # handed back to the calling thread
            outcome["error"] = error

    limit = portfolio.settings.time_limit
    began = time.perf_counter()
    worker = threading.Thread(target=run, name="pmo-solve", daemon=True)
    worker.start()
    while worker.is_alive():
        elapsed = time.perf_counter() - began
        text = f"PMO: optimising... {elapsed:.0f} of at most {limit:g} s"
        if latest:
            info = latest[-1]
            gap = "n/a" if info.gap is None else f"{info.gap:.1%}"
            text += f"; best {info.objective:g}, bound {info.bound:g}, gap {gap}"
        status(text)
        worker.join(STATUS_EVERY_S)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]


def _outcome(portfolio: Portfolio, result: Result) -> str:
    if not result.status.has_plan:
        return f"no plan ({result.status.value}): see the Messages sheet; other sheets kept"
    in_play = sum(1 for p in portfolio.projects if not p.out_of_play)
    gap = "" if result.gap is None else f", gap {result.gap:.1%}"
    return (
        f"{result.status.value} plan: {len(result.selected)} of {in_play} projects "
        f"selected{gap}, {result.wall_time:.1f} s"
    )


# --- Explain the selected project --------------------------------------------------------------


def explain_selected(book=None) -> Report:
    """Why the project in the selected row (any sheet with an ID column: Portfolio, Intake,
    Scoring, Schedule...) is in or out of the plan; written to Messages and shown in a box."""
    book = _caller(book)
    status = _StatusBar(book)
    try:
        selection = book.selection
        sheet_name, row = selection.sheet.name, selection.row
        snap, read = live.read_book(book)
        if sheet_name not in snap.sheets:
            snap.sheets[sheet_name] = live.read_sheet(book.sheets[sheet_name])
        project_id, where = _selected_id(snap.sheets[sheet_name], row)
        portfolio = read.portfolio
        if project_id is None or project_id not in {p.id for p in portfolio.projects}:
            text = (
                "Select a cell in a project's row (on Portfolio, Intake, Scoring or "
                "Schedule) and press Explain again."
            )
            lines = [text]
        else:
            lines = explain(portfolio, project_id, snap.sheet(schema.PORTFOLIO.name))
        rows = [Message(sheet_name, where, line, Severity.INFO) for line in lines]
        grid = messages_grid(rows)
        _write(book, [grid], snap)
    except Exception as error:
        return _failed(book, status, "Explain", error)
    status(f"PMO: {lines[0]}")
    _alert(book, "\n\n".join(lines), "PMO: explain selected project")
    return Report(lines[0], [grid])


def _header_row(data: live.SheetData, row: int) -> tuple[int, int] | None:
    """(header row, ID column) of the table the row belongs to: the nearest "ID" header above."""
    for r in range(row - 1, 0, -1):
        for (hr, c), value in data.cells.items():
            if hr == r and isinstance(value, str) and value.strip().casefold() == "id":
                return r, c
    return None


def _selected_id(data: live.SheetData, row: int) -> tuple[str | None, str | None]:
    found = _header_row(data, row)
    if found is None:
        return None, None
    _, column = found
    value = data.cells.get((row, column))
    if value is None:
        return None, None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()), live.cell_name(row, column)


def _last_plan(portfolio_sheet: live.SheetData | None) -> dict[str, dict[str, object]]:
    """{ID: {header: value}} of the rows on the Portfolio sheet (the last run's decisions)."""
    if portfolio_sheet is None:
        return {}
    found = None
    for (r, _c), value in sorted(portfolio_sheet.cells.items()):
        if isinstance(value, str) and value.strip().casefold() == "id":
            found = r
            break
    if found is None:
        return {}
    headers = {c: str(v) for (r, c), v in portfolio_sheet.cells.items() if r == found}
    rows: dict[int, dict[str, object]] = {}
    for (r, c), value in portfolio_sheet.cells.items():
        if r > found and c in headers:
            rows.setdefault(r, {})[headers[c]] = value
    plan = {}
    for values in rows.values():
        raw = values.get("ID")
        if raw is None:
            continue
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        plan[" ".join(str(raw).split())] = values
    return plan


def _month(value: object) -> int | None:
    try:
        return parse_month(value) if value is not None else None
    except ValueError:
        return None


def explain(portfolio: Portfolio, project_id: str, portfolio_sheet=None) -> list[str]:
    """Lines that say why a project is in or out, from the last plan on the Portfolio sheet
    checked against the inputs as they are now."""
    project = portfolio.project(project_id)
    title = f"{project.id} {project.name}".strip()
    plan = _last_plan(portfolio_sheet)
    starts = {
        pid: m
        for pid, row in plan.items()
        if row.get("Decision") == SELECTED
        and (m := _month(row.get("Start"))) is not None
        and pid in {p.id for p in portfolio.projects}
    }
    lines = []
    if project.out_of_play:
        why = out_of_play_words(project)
        where = (
            "record a new decision on Gates"
            if project.gate_blocked
            else ("change Status or Force on Intake")
        )
        lines.append(f"{title}: not in play ({why}); {where} to let the optimiser consider it.")
    elif project_id in starts:
        row = plan[project_id]
        finish = _month(row.get("Finish")) or starts[project_id]
        lines.append(
            f"{title}: selected in the last run, {month_range_text(starts[project_id], finish)}."
        )
        if row.get("Reason"):
            lines.append(f"Why: {row['Reason']}")
    elif plan:
        row = plan.get(project_id, {})
        managers = {  # under Assign the plan's managers hold their room
            pid: str(plan[pid]["Project manager"])
            for pid in starts
            if plan[pid].get("Project manager")
        }
        reason = (
            deferral_reasons(portfolio, starts, managers=managers).get(project_id)
            or row.get("Reason")
            or ""
        )
        lines.append(f"{title}: deferred in the last run.")
        if reason:
            lines.append(f"Why, with the inputs as they are now: {reason}")
    else:
        lines.append(f"{title}: no plan yet; press Re-optimise.")
    lines += _facts(portfolio, project)
    if not project.out_of_play and project_id not in starts:
        blocker = lone_fit_blockers(portfolio, project)
        lines.append(
            "Alone on an empty plan it would fit; other projects take what it needs."
            if blocker is None
            else f"Even alone on an empty plan it cannot fit: {blocker}."
        )
    return lines


def _facts(portfolio: Portfolio, project: Project) -> list[str]:
    flags = [f"status {project.status.value}"]
    if project.mandatory:
        flags.append("mandatory")
    if project.force is not Force.NONE:
        flags.append(f"force {project.force.value}")
    window = []
    if project.fixed_start is not None:
        window.append(f"fixed start {month_text(project.fixed_start)}")
    if project.earliest_start is not None:
        window.append(f"earliest start {month_text(project.earliest_start)}")
    if project.latest_start is not None:
        window.append(f"latest start {month_text(project.latest_start)}")
    roles = sorted({d.role for d in portfolio.demands if d.project_id == project.id})
    text = (
        f"Inputs: {', '.join(flags)}; {project.duration} months; cost {project.cost:,.0f}"
        + (f"; {', '.join(window)}" if window else "")
        + (f"; needs {', '.join(roles)}" if roles else "; no demand rows")
        + "."
    )
    return [text]


# --- Refresh dashboard --------------------------------------------------------------------------


def refresh_dashboard(book=None) -> Report:
    """Rewrite Latest status and Dashboard from the sheets as they are now (the plan is the
    last one on Portfolio), and list the problems found on Messages."""
    book = _caller(book)
    status = _StatusBar(book)
    status("PMO: refreshing the dashboard...")
    try:
        done = service.refresh_dashboard(ExcelTransport(book))
    except Exception as error:
        return _failed(book, status, "Refresh dashboard", error)
    key = done.dashboard.key
    red = done.dashboard.rag_counts["Overall"][Rag.RED]
    warnings = sum(1 for m in done.messages if m.severity is not Severity.INFO)
    summary = (
        f"Dashboard as of {key.as_of.isoformat()}: {key.in_flight} in flight, {red} red, "
        f"{key.overdue_actions} overdue action(s), {key.pending_gates} pending gate decision(s)"
    )
    if warnings:
        summary += f"; {warnings} problem(s) on Messages"
    status(f"PMO: {summary}")
    return Report(summary, done.grids)


# --- Efficient frontier -----------------------------------------------------------------------


def frontier(book=None, *, scales=None, time_limit: float | None = None) -> Report:
    """Solve the workbook at budgets from 60% to 140% of its Budget sheet and write the
    Frontier sheet (its chart plots value against budget), as `pmo frontier` does.

    Excel waits for the button, so the points run one after the other in this process, each
    warm-started from the plans of the smaller budgets; `pmo frontier` runs them in parallel.
    """
    from engine.frontier import DEFAULT_SCALES, in_process

    book = _caller(book)
    status = _StatusBar(book)
    levels = tuple(scales or DEFAULT_SCALES)
    status(f"PMO: solving {len(levels)} budget levels...")
    done_points: list[str] = []

    def execute(portfolio: Portfolio, tasks):
        points = []
        for task in sorted(tasks, key=lambda t: t.scale):
            status(f"PMO: frontier at {task.scale:.0%} of the budget ({len(done_points)} done)...")
            points.extend(in_process(portfolio, [task]))
            done_points.append(f"{task.scale:g}")
        by_scale = {p.budget_scale: p for p in points}
        return [by_scale[t.scale] for t in tasks]

    try:
        done = service.frontier(
            ExcelTransport(book),
            levels,
            service.Overrides(time_limit=time_limit),
            execute=execute,
            messages_on_failure=True,
        )
    except Exception as error:
        return _failed(book, status, "Efficient frontier", error)
    if done.outcome is service.Outcome.INPUT_ERRORS:
        summary = f"{len(done.errors)} input error(s): see the Messages sheet"
        status(f"PMO: {summary}")
        return Report(summary, done.grids, ok=False)
    planned = [p for p in done.points if p.value is not None]
    if not planned:
        summary = "no budget level has a plan: see the Note column of the Frontier sheet"
    else:
        low, high = planned[0], planned[-1]
        summary = (
            f"Frontier: value {low.value:g} at {low.budget_scale:.0%} of the budget to "
            f"{high.value:g} at {high.budget_scale:.0%}; see the Frontier sheet"
        )
    status(f"PMO: {summary}")
    return Report(summary, done.grids, ok=bool(planned))


# --- Scenarios --------------------------------------------------------------------------------


def save_scenario(
    book=None,
    *,
    name: str | None = None,
    note: str = "",
    time_limit: float | None = None,
    run_at: datetime | None = None,
) -> Report:
    """Solve the workbook as it is and keep its inputs and plan as a scenario inside the
    workbook (the very hidden sheet "PMO scenarios"), listed on the Scenarios sheet, as
    `pmo scenario save` does; the name is "Scenario <n>" unless given.

    From Excel the input cells are kept as values (formula cells as their results), so a
    restore leaves the workbook's own formulas in place. Restoring is `pmo scenario restore`.
    """
    book = _caller(book)
    status = _StatusBar(book)
    status("PMO: saving a scenario...")
    try:
        transport = ExcelTransport(book)
        if name is None:
            known, _ = service.stored_scenarios(transport.read())
            name = next_scenario_name([s.name for s in known])
        done = service.save_scenario(
            transport,
            name,
            note,
            service.Overrides(time_limit=time_limit),
            solver=lambda portfolio, _progress, baseline: _solve(status, portfolio, baseline),
            run_at=run_at,
        )
    except Exception as error:
        return _failed(book, status, "Save scenario", error)
    if done.outcome is not service.Outcome.DONE:
        summary = f"Scenario not saved ({done.outcome.value}): see the Messages sheet"
        with contextlib.suppress(Exception):
            live.write_grids(book, [messages_grid(done.messages, done.result)])
        status(f"PMO: {summary}")
        return Report(summary, done.grids, done.result, ok=False)
    result = done.result
    assert result is not None
    summary = (
        f'Saved scenario "{name}": value {result.objective:g}, {len(result.selected)} '
        f"projects; {len(done.scenarios)} scenario(s) on the Scenarios sheet."
    )
    status(f"PMO: {summary}")
    return Report(summary, done.grids, result)


def compare_scenarios(book=None, *, names: list[str] | None = None) -> Report:
    """Write the Compare sheet: the named scenarios side by side (the last two saved, unless
    given), as `pmo scenario compare` does."""
    book = _caller(book)
    status = _StatusBar(book)
    try:
        transport = ExcelTransport(book)
        if names is None:
            known, _ = service.stored_scenarios(transport.read())
            if len(known) < 2:
                summary = "Save two scenarios first (Save scenario), then compare them."
                status(f"PMO: {summary}")
                _alert(book, summary)
                return Report(summary, ok=False)
            names = [s.name for s in known[-2:]]
        done = service.compare_scenarios(transport, names)
    except Exception as error:
        return _failed(book, status, "Compare scenarios", error)
    summary = f"Compared {', '.join(names)} on the Compare sheet."
    status(f"PMO: {summary}")
    return Report(summary, done.grids)


def _alert(book, text: str, title: str = "PMO") -> None:
    # An engine without message boxes is fine: the status bar and Messages say it too.
    with contextlib.suppress(Exception):
        book.app.alert(text, title=title)


def next_scenario_name(names: list[str]) -> str:
    """`Scenario <n>` with n one more than the highest saved so far."""
    pattern = re.compile(rf"^{re.escape(SCENARIO_PREFIX)}(\d+)$")
    taken = [int(m.group(1)) for n in names if (m := pattern.match(n))]
    return f"{SCENARIO_PREFIX}{max(taken, default=0) + 1}"
