"""`pmo rollup`: department books into one enterprise book, re-optimised, decisions pushed back.

The enterprise PMO's step, in order:

1. Read every department book with the same reader as `pmo optimise`: in child processes
   (`jobs` at a time: a hostile or broken book costs its own process, and many books read in
   parallel), or on a Dask cluster (`scheduler`; the workers must see the books at the same
   paths). A book with input errors stops the roll-up: its errors are listed, nothing is
   written.
2. Merge them (`engine.enterprise.merge`): IDs that collide get their department as a prefix,
   one shared pool of people (the sum of the departments' capacities, or the Capacity table
   of `capacity`), enterprise criteria weights (the Criteria of the enterprise book when it
   exists, else the mean of the departments'), its Settings likewise.
3. Build the enterprise book from the template with the merged inputs, every department's
   lessons and evaluations (one knowledge base), and optimise it through `workbook.service`
   as any book: the reasons of projects deferred for want of a role name the departments
   that hold it. Its Enterprise and Enterprise load sheets show the plan by department. The
   book is built beside its target and moved into place only when all of it is written (the
   previous version kept as `NAME.bak.xlsm`).
4. With `push`, write each department's decisions (Portfolio, Schedule, Utilisation,
   Messages, Run log) into its own book through the file writer: output sheets only, input
   cells verified unchanged, a backup kept; every book is checked writable before the first
   is written.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from engine.enterprise import (
    Department,
    DepartmentSummary,
    Merged,
    department_loads,
    department_notes,
    department_summaries,
    merge,
    with_department_notes,
)
from engine.errors import FileError, InputError
from engine.lessons import Lesson
from engine.model import Portfolio
from engine.months import month_text
from engine.plan import ranks, utilisation
from engine.result import ProjectOutcome, Result
from engine.stability import Baseline
from engine.validation import Severity, errors, validate
from workbook import service
from workbook.book import schema
from workbook.book.grids import CellValue, Grid, result_grids, settings_text
from workbook.book.messages import Message
from workbook.files.atomic import check_writable, keep_backup, replacing
from workbook.files.reader import ReadResult, read_capacity_file, read_workbook
from workbook.files.template import build_workbook
from workbook.files.writer import WriteOutcome, write_grids

STRATEGY = "rollup"


@dataclass
class Book:
    """A department book as read: its file, its department's name and what the reader found."""

    path: Path
    department: str
    read: ReadResult


@dataclass
class RollupReport:
    """What a roll-up did; `outcome` as for one book (input errors, no plan, done)."""

    outcome: service.Outcome
    books: list[Book]
    messages: list[tuple[str, Message]] = field(default_factory=list)  # (book, message)
    merged: Merged | None = None
    result: Result | None = None
    summaries: list[DepartmentSummary] = field(default_factory=list)
    target: Path | None = None  # the enterprise book asked for
    written: Path | None = None  # the enterprise book, once written
    backup: Path | None = None  # its previous version
    pushed: list[WriteOutcome] = field(default_factory=list)


# --- Reading ----------------------------------------------------------------------------------


def read_books(
    paths: Sequence[Path], *, jobs: int | None = None, scheduler: str | None = None
) -> list[ReadResult]:
    """Read the books in child processes (`jobs` at a time) or on the Dask cluster at
    `scheduler`; the results in the order of `paths`. Raises the first FileError met."""
    names = [str(p) for p in paths]
    if scheduler:
        return _read_on_dask(names, scheduler)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(names)))
    if jobs == 1:
        return [read_workbook(name) for name in names]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(read_workbook, names))


def _read_on_dask(names: list[str], address: str) -> list[ReadResult]:
    try:
        from distributed import Client
    except ImportError as error:
        raise FileError("--scheduler needs Dask: pip install 'pmo-portfolio[cluster]'") from error
    try:
        client = Client(address, timeout=30)
    except OSError as error:
        raise FileError(f"cannot reach the Dask scheduler at {address} ({error})") from error
    with client:
        futures = client.map(read_workbook, names, pure=False)
        return client.gather(futures)


def department_name(read: ReadResult, path: Path) -> str:
    """Settings "Department", or else the file's name without its extension."""
    return (read.department or "").strip() or path.stem


# --- The roll-up ------------------------------------------------------------------------------


def rollup(
    paths: Sequence[Path],
    out: Path,
    *,
    capacity: Path | None = None,
    push: bool = False,
    time_limit: float | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Callable | None = None,
    on_stage: service.StageCallback | None = None,
    run_at: datetime | None = None,
) -> RollupReport:
    """Merge the department books into `out`, optimise it, and (`push`) write each
    department's decisions back into its book. Raises FileError for unusable files."""
    out = Path(out)
    _check_paths(paths, out, capacity)
    run_at = run_at or datetime.now().replace(microsecond=0)
    stage = on_stage or (lambda _name, _limit: None)
    stage("books", None)  # then the enterprise book's own: read, solve, write; then push
    reads = read_books(paths, jobs=jobs, scheduler=scheduler)
    books = [
        Book(path, department_name(read, path), read)
        for path, read in zip(paths, reads, strict=True)
    ]
    report = RollupReport(service.Outcome.DONE, books, target=out)
    for book in books:
        report.messages += [
            (book.path.name, m) for m in book.read.messages() if m.severity is Severity.ERROR
        ]
    if report.messages:
        report.outcome = service.Outcome.INPUT_ERRORS
        return report
    try:
        merged = report.merged = _merge(books, out, capacity)
    except InputError as error:
        report.messages.append((out.name, Message(None, None, str(error))))
        report.outcome = service.Outcome.INPUT_ERRORS
        return report
    problems = errors(validate(merged.portfolio))
    if problems:
        report.messages += [(out.name, Message(None, None, p.message)) for p in problems]
        report.outcome = service.Outcome.INPUT_ERRORS
        return report
    if push:  # before the long solve: refuse now if a department book cannot be written
        for book in books:
            check_writable(book.path, book.read.stamp)
    _enterprise_book(report, out, time_limit, progress, stage, run_at)
    if report.outcome is service.Outcome.DONE and push:
        stage("push", None)
        report.pushed = _push(report, out, run_at)
    return report


def _check_paths(paths: Sequence[Path], out: Path, capacity: Path | None) -> None:
    if not paths:
        raise FileError("name the department books to roll up")
    if out.suffix.lower() != ".xlsm":
        raise FileError(f"{out.name}: the enterprise book carries macros; its name must end .xlsm")
    resolved = {Path(p).resolve() for p in paths}
    if out.resolve() in resolved:
        raise FileError(f"{out.name} is one of the department books; write the roll-up elsewhere")
    if capacity is not None and not capacity.is_file():
        raise FileError(f"{capacity}: no such file (--capacity names a workbook with a Capacity)")
    out.parent.mkdir(parents=True, exist_ok=True)
    check_writable(out, None)


def _merge(books: list[Book], out: Path, capacity_file: Path | None) -> Merged:
    """The merged portfolio, with the enterprise book's own Settings and Criteria when it
    exists, and the shared pool from `capacity_file` when given."""
    departments = [Department(b.department, b.read.portfolio) for b in books]
    settings = criteria = None
    if out.exists():
        previous = read_workbook(out)
        own = [
            m
            for m in previous.messages()
            if m.severity is Severity.ERROR and m.sheet in ("Settings", "Criteria")
        ]
        if own:
            raise InputError(
                f"{out.name}: fix its Settings and Criteria first: " + "; ".join(map(str, own))
            )
        settings, criteria = previous.portfolio.settings, previous.portfolio.criteria
    pool = None
    if capacity_file is not None:
        probe = merge(departments, settings=settings, criteria=criteria)
        pool, problems = read_capacity_file(capacity_file, probe.portfolio.settings)
        bad = [m for m in problems if m.severity is Severity.ERROR]
        if bad:
            raise InputError(f"{capacity_file.name}: " + "; ".join(map(str, bad)))
    return merge(departments, settings=settings, criteria=criteria, capacity=pool)


def _enterprise_book(
    report: RollupReport,
    out: Path,
    time_limit: float | None,
    progress: Callable | None,
    stage: service.StageCallback,
    run_at: datetime,
) -> None:
    """Build, optimise and fill the enterprise book beside `out`; move it there when done."""
    merged = report.merged
    assert merged is not None
    try:
        with replacing(out) as temp:
            _fill(report, temp, time_limit, progress, stage, run_at)
            report.backup = keep_backup(out) if out.exists() else None
    except _Abandon:
        return  # no plan: the enterprise book is left as it was
    report.written = out


def _fill(
    report: RollupReport,
    temp: Path,
    time_limit: float | None,
    progress: Callable | None,
    stage: service.StageCallback,
    run_at: datetime,
) -> None:
    """Build the enterprise book at `temp`, optimise it and write its enterprise sheets."""
    merged = report.merged
    assert merged is not None
    build_workbook(
        temp,
        merged.portfolio,
        _details(report.books, merged),
        lessons=_lessons(report.books),
        evaluations=tuple(e for b in report.books for e in b.read.evaluations),
    )

    def solve(portfolio: Portfolio, listener: Callable | None, baseline: Baseline | None) -> Result:
        from engine.optimiser import solve as engine_solve  # CP-SAT loads slowly

        # a freshly built enterprise book has no plan yet: `baseline` is None
        result = engine_solve(portfolio, progress=listener, baseline=baseline)
        if not result.status.has_plan:
            return result
        starts = {o.project_id: o.start for o in result.selected if o.start is not None}
        return with_department_notes(
            result, department_notes(portfolio, starts, merged.department_of)
        )

    done = service.optimise(
        service.FileTransport(temp, backup=False),
        service.Overrides(time_limit=time_limit),
        progress=progress,
        on_stage=stage,
        solver=solve,
        run_at=run_at,
    )
    report.result = done.result
    report.messages += [
        (_report_name(temp, report), m) for m in done.messages if m.severity is not Severity.INFO
    ]
    if done.outcome is not service.Outcome.DONE or done.result is None:
        report.outcome = done.outcome
        raise _Abandon
    report.summaries = department_summaries(done.portfolio, done.result, merged.department_of)
    grids = [
        enterprise_grid(report.summaries),
        enterprise_load_grid(done.portfolio, done.result, merged.department_of),
    ]
    write_grids(temp, grids, backup=False)


def _report_name(temp: Path, report: RollupReport) -> str:
    """The enterprise book's name for messages (not the temporary file's)."""
    return report.target.name if report.target is not None else temp.name


class _Abandon(Exception):
    """Leave the enterprise book as it was (no plan): caught right away."""


def _details(books: list[Book], merged: Merged) -> dict[str, dict[str, str]]:
    """Each enterprise project's optional Intake columns, its department's name in Department."""
    by_department = {b.department: b.read.details for b in books}
    details = {}
    for eid, department in merged.department_of.items():
        own = by_department[department].get(merged.local_id[eid], {})
        details[eid] = {**{k: str(v) for k, v in own.items()}, "Department": department}
    return details


def _lessons(books: list[Book]) -> tuple[Lesson, ...]:
    """Every department's lessons; an ID two departments use gets its department as prefix."""
    users = Counter(lesson_id for b in books for lesson_id in {x.id for x in b.read.lessons})
    return tuple(
        dataclasses.replace(lesson, id=f"{b.department}/{lesson.id}")
        if users[lesson.id] > 1
        else lesson
        for b in books
        for lesson in b.read.lessons
    )


# --- Pushing the decisions back ---------------------------------------------------------------


def department_result(
    book: Book, merged: Merged, result: Result, out_name: str
) -> tuple[Portfolio, Result]:
    """The enterprise plan as seen from one department: its projects under their own IDs,
    its load against its own capacity."""
    portfolio = book.read.portfolio
    by_eid = {o.project_id: o for o in result.projects}
    outcomes: list[ProjectOutcome] = []
    for project in portfolio.projects:
        eid = merged.enterprise_id(book.department, project.id)
        outcome = by_eid[eid]
        outcomes.append(dataclasses.replace(outcome, project_id=project.id))
    local_rank = ranks({o.project_id: o.score for o in outcomes})
    outcomes = [dataclasses.replace(o, rank=local_rank[o.project_id]) for o in outcomes]
    starts = {o.project_id: o.start for o in outcomes if o.selected and o.start is not None}
    value = round(sum(o.score for o in outcomes if o.selected), 3)
    note = (
        f"Decisions from the enterprise roll-up {out_name}: selected and scheduled across "
        f"departments with the enterprise weights; Utilisation shows this department's load "
        "against its own capacity (above 100%: people from the shared pool)."
    )
    return portfolio, dataclasses.replace(
        result,
        objective=value,
        bound=None,
        gap=None,
        strategy=STRATEGY,
        projects=tuple(outcomes),
        utilisation=utilisation(portfolio, starts),
        conflicts=(),
        notes=(note,),
    )


def _push(report: RollupReport, out: Path, run_at: datetime) -> list[WriteOutcome]:
    merged, result = report.merged, report.result
    assert merged is not None and result is not None
    written = []
    for book in report.books:
        portfolio, mine = department_result(book, merged, result, out.name)
        grids = result_grids(
            portfolio,
            mine,
            (),
            book.read.details,
            run_at=run_at,
            settings=f"enterprise roll-up into {out.name} of {len(report.books)} book(s); "
            + settings_text(merged.portfolio, result),
        )
        written.append(write_grids(book.path, grids, stamp=book.read.stamp, backup=True))
    return written


# --- The enterprise sheets --------------------------------------------------------------------


def enterprise_grid(summaries: Sequence[DepartmentSummary]) -> Grid:
    """Enterprise: one row per department."""
    rows: list[list[CellValue]] = []
    for s in summaries:
        spend = "; ".join(f"{year}: {amount:,.0f}" for year, amount in s.spend.items())
        full = ", ".join(f"{role} {share:.0%}" for role, share in s.full_roles)
        rows.append(
            [
                s.department,
                s.projects,
                s.selected,
                s.deferred,
                s.not_in_play,
                s.value,
                s.cost,
                spend,
                s.fte_months,
                round(s.share, 4),
                full,
            ]
        )
    return Grid(schema.ENTERPRISE.name, [c.header for c in schema.ENTERPRISE.columns], rows)


def enterprise_load_grid(
    portfolio: Portfolio, result: Result, department_of: Mapping[str, str]
) -> Grid:
    """Enterprise load: FTE per month of each role, by department."""
    loads = department_loads(portfolio, result, department_of)
    order = list(dict.fromkeys(department_of[p.id] for p in portfolio.projects))
    roles = list(portfolio.capacity)
    header = [c.header for c in schema.ENTERPRISE_LOAD.columns] + [
        month_text(m) for m in portfolio.months
    ]
    rows: list[list[CellValue]] = []
    for department in order:
        for role in roles + sorted({r for d, r in loads if d == department} - set(roles)):
            line = loads.get((department, role))
            if line is not None:
                rows.append([department, role, *(round(v, 3) for v in line)])
    formats: list[str | None] = [schema.FMT_FTE] * len(rows)
    return Grid(schema.ENTERPRISE_LOAD.name, header, rows, formats)


def report_json(report: RollupReport) -> dict:
    """The roll-up as the `--json` file: status, departments, every project, notes, pushes."""
    merged, result = report.merged, report.result
    data: dict[str, object] = {
        "outcome": report.outcome.value,
        "books": [{"file": str(b.path), "department": b.department} for b in report.books],
        "messages": [
            {"book": book, "severity": str(m.severity), "where": m.location, "message": m.message}
            for book, m in report.messages
        ],
    }
    if merged is not None:
        data["notes"] = list(merged.notes)
    if result is None or merged is None or not result.status.has_plan:
        return data
    data.update(
        {
            "status": result.status.value,
            "objective": result.objective,
            "bound": result.bound,
            "gap": result.gap,
            "wall_time_s": round(result.wall_time, 3),
            "departments": [
                {
                    "department": s.department,
                    "projects": s.projects,
                    "selected": s.selected,
                    "deferred": s.deferred,
                    "not_in_play": s.not_in_play,
                    "score_selected": s.value,
                    "cost_selected": s.cost,
                    "spend": {str(y): v for y, v in s.spend.items()},
                    "fte_months": s.fte_months,
                    "share_of_load": round(s.share, 6),
                    "full_roles": {role: round(share, 6) for role, share in s.full_roles},
                }
                for s in report.summaries
            ],
            "projects": [
                {
                    "id": o.project_id,
                    "department": merged.department_of.get(o.project_id),
                    "local_id": merged.local_id.get(o.project_id),
                    "selected": o.selected,
                    "start": month_text(o.start) if o.selected and o.start is not None else None,
                    "finish": month_text(o.finish) if o.finish is not None else None,
                    "score": o.score,
                    "reason": o.reason,
                    "manager": o.manager,
                }
                for o in result.projects
            ],
            "enterprise_book": str(report.written) if report.written else None,
            "pushed": [str(w.path) for w in report.pushed],
        }
    )
    return data
