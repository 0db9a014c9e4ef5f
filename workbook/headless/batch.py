"""`pmo batch`: optimise and recalculate many workbooks, each in a child process that can die.

Every workbook is validated, optimised, written back and recalculated by
`workbook.headless.batch_worker.process_book`, inside a child process owned by a `BookRunner`. The
runner gives each workbook a wall-clock budget (its solver time limit plus a margin for
reading, writing and recalculating); a child that overruns it, crashes or runs out of memory
is killed with everything it started (LibreOffice included) and reported, and the next
workbook gets a fresh child. A child otherwise lives on, keeping its LibreOffice warm.

Locally, `run_local` keeps `jobs` runners busy from a queue. `run_dask` sends one task per
workbook to an existing Dask cluster, where each worker thread keeps a runner of its own.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import glob
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import FileError
from workbook.files.atomic import replacing
from workbook.headless.batch_worker import RECALC_TIMEOUT_S, BookReport, Status, Task, one_line
from workbook.headless.processes import pump, reap, start_line_child, tail

if TYPE_CHECKING:  # rich is imported only where a display is drawn
    from rich.console import Console, JustifyMethod
    from rich.table import Table

SUFFIXES = (".xlsx", ".xlsm")
OWNER_PREFIX = "~$"  # Excel's lock ("owner") files: never inputs, but they mark a book as open
MARGIN_S = 120.0  # per workbook, on top of its solver time limit
MEMORY_LIMIT_MB = 4096
TASKS_PER_CHILD = 200  # a fresh child now and then, so slow leaks cannot pile up
REPORT_COLUMNS = (
    "file",
    "status",
    "selected",
    "value",
    "gap",
    "seconds",
    "read_s",
    "solve_s",
    "write_s",
    "recalc_s",
    "message",
    "output",
)
_MARKER = "PMO_BATCH_RUNNER"  # environment tag inherited by everything a child starts


# --- Inputs ---------------------------------------------------------------------------------


def expand_inputs(items: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Workbooks named by files, folders (not recursive) and glob patterns, in a stable order.

    Excel's `~$` owner files are skipped, and so are the writer's `.bak` copies and hidden
    temporary files. Raises `FileError` for an item that matches no workbook.
    """
    found: dict[Path, None] = {}
    for item in items:
        text = os.fspath(item)
        path = Path(text)
        if path.is_dir():
            candidates = sorted(path.iterdir())
        elif glob.has_magic(text):
            candidates = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
        elif path.is_file():
            candidates = [path]
        else:
            raise FileError(f"{text}: no such file or folder")
        # A file named outright is tried whatever its name (the report says what is wrong),
        # except an owner file; from folders and patterns only workbooks are taken.
        books = [
            c
            for c in candidates
            if _is_workbook(c)
            or (c == path and c.is_file() and not c.name.startswith(OWNER_PREFIX))
        ]
        if not books:
            raise FileError(f"{text}: no .xlsx or .xlsm workbooks there")
        for book in books:
            found.setdefault(book.resolve(), None)
    return list(found)


def _is_workbook(path: Path) -> bool:
    name = path.name
    return (
        path.is_file()
        and path.suffix.lower() in SUFFIXES
        and not name.startswith((OWNER_PREFIX, "."))
        and ".bak." not in name
    )


def plan_tasks(
    paths: Sequence[Path],
    *,
    out_dir: Path | None,
    in_place: bool,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
) -> list[Task]:
    """One task per workbook; raises `FileError` when the outputs would collide or overwrite."""
    if (out_dir is None) == (not in_place):
        raise FileError(
            "choose where the results go: --out-dir DIR, or --in-place to update "
            "the workbooks themselves (each keeps a .bak copy)"
        )
    if time_limit is not None and not time_limit > 0:
        raise FileError("--time-limit must be more than 0 seconds")
    tasks = []
    if out_dir is not None:
        out_dir = out_dir.resolve()
        check_distinct_names(paths)
        for path in paths:
            if path.parent == out_dir:
                raise FileError(
                    f"--out-dir {out_dir} holds the input {path.name}; choose another "
                    "folder, or use --in-place"
                )
        out_dir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        out = str(out_dir / path.name) if out_dir is not None else None
        tasks.append(Task(str(path), out, time_limit, workers, seed))
    return tasks


def check_distinct_names(paths: Sequence[Path]) -> None:
    """Raise `FileError` when two inputs would land on the same file in an output folder."""
    seen: dict[str, Path] = {}
    for path in paths:
        other = seen.setdefault(path.name.lower(), path)
        if other != path:
            raise FileError(
                f"two workbooks are named {path.name} ({other} and {path}); "
                "--out-dir needs distinct names: run them in two batches"
            )


# --- One child process ----------------------------------------------------------------------


@dataclass(frozen=True)
class RunnerOptions:
    """How a `BookRunner` budgets and limits its child."""

    margin: float = MARGIN_S
    recalc_timeout: float = RECALC_TIMEOUT_S
    memory_limit_mb: int = MEMORY_LIMIT_MB
    tasks_per_child: int = TASKS_PER_CHILD


class BookRunner:
    """A child process that processes workbook after workbook, and is killed when one overruns.

    `run` never raises for a bad workbook. Not thread-safe: one runner per thread.
    """

    def __init__(self, options: RunnerOptions | None = None) -> None:
        self.options = options or RunnerOptions()
        self._child: subprocess.Popen[str] | None = None
        self._events: queue.Queue[str | None] = queue.Queue()
        self._home: Path | None = None
        self._token = ""
        self._tasks = 0
        self.starts = 0  # children started so far (a kill or recycling shows here)

    @property
    def pid(self) -> int | None:
        """The child's process id, while one runs."""
        return self._child.pid if self._child is not None else None

    def _start(self) -> subprocess.Popen[str]:
        if self._child is not None and self._child.poll() is None:
            return self._child
        self._stop(kill=True)
        self._token = uuid.uuid4().hex
        self._home = Path(tempfile.mkdtemp(prefix="pmo-batch-"))
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])  # the child imports this same code
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        env["TMPDIR"] = str(self._home)  # LibreOffice's profile and scratch files go here
        env[_MARKER] = self._token
        command = [
            sys.executable,
            "-m",
            "workbook.headless.batch_worker",
            "--recalc-timeout",
            str(self.options.recalc_timeout),
            "--memory-limit",
            str(self.options.memory_limit_mb),
        ]
        with open(self._home / "child.log", "ab") as log:
            self._child = start_line_child(command, log=log, env=env, cwd=self._home)
        self._events = queue.Queue()
        threading.Thread(target=pump, args=(self._child, self._events), daemon=True).start()
        self._tasks = 0
        self.starts += 1
        return self._child

    def run(
        self, task: Task, on_stage: Callable[[str, float | None], None] | None = None
    ) -> BookReport:
        """Process one workbook in the child; a timeout or crash is reported, never raised."""
        began = time.monotonic()
        began_ns = time.time_ns()
        try:
            child = self._start()
            assert child.stdin is not None
            child.stdin.write(json.dumps(task.__dict__) + "\n")
            child.stdin.flush()
        except OSError as error:
            self._stop(kill=True)
            return BookReport(task.path, Status.CRASHED, message=f"could not start: {error}")
        deadline = began + self.options.margin
        budget = self.options.margin
        stage = None
        while True:
            try:
                line = self._events.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                self._stop(kill=True)
                _remove_partial_outputs(task, began_ns)
                return BookReport(
                    task.path,
                    Status.TIMEOUT,
                    seconds=time.monotonic() - began,
                    message=f"did not finish within {budget:g} s (solver time limit + "
                    f"{self.options.margin:g} s margin); {_aftermath(task, stage)}",
                )
            if line is None:  # the child died
                detail = self._death()
                self._stop(kill=True)
                _remove_partial_outputs(task, began_ns)
                return BookReport(
                    task.path,
                    Status.CRASHED,
                    seconds=time.monotonic() - began,
                    message=f"the worker process died ({detail}); {_aftermath(task, stage)}",
                )
            event = json.loads(line)
            if event.get("event") == "stage":
                stage = event.get("stage")
                limit = event.get("limit")
                if event.get("stage") == "solve" and limit is not None:
                    # CP-SAT may add a short diagnosis after its limit: the margin covers it.
                    budget = float(limit) + self.options.margin
                    deadline = time.monotonic() + budget
                if on_stage is not None:
                    on_stage(str(event.get("stage")), limit)
            elif event.get("event") == "done":
                self._tasks += 1
                if self._tasks >= self.options.tasks_per_child:
                    self._stop(kill=False)
                return BookReport.from_dict(event["report"])

    def _death(self) -> str:
        child = self._child
        code = child.wait(timeout=5) if child is not None else None
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            what = f"killed by {name}" + (", perhaps out of memory" if name == "SIGKILL" else "")
        else:
            what = f"exit code {code}"
        log = tail(self._home / "child.log", 300, lines=3) if self._home else ""
        return one_line(f"{what}{': ' + log if log else ''}", 300)

    def _stop(self, *, kill: bool) -> None:
        child, self._child = self._child, None
        if child is not None:
            if not kill:
                with contextlib.suppress(OSError):
                    assert child.stdin is not None
                    child.stdin.close()  # end of input: the child closes LibreOffice and exits
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    kill = True
            reap(child, kill=kill)
        if self._token:
            _kill_tagged(self._token)  # LibreOffice runs in sessions of its own
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def close(self) -> None:
        """Let the child finish and close LibreOffice, then clean up. Safe to call twice."""
        self._stop(kill=False)

    def kill(self) -> None:
        """Stop the child and everything it started at once."""
        self._stop(kill=True)

    def __enter__(self) -> BookRunner:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _kill_tagged(token: str, rounds: int = 10) -> None:
    """SIGKILL every process whose environment carries this runner's tag (Linux /proc).

    Repeated until two sweeps in a row find none (at most `rounds` sweeps): one clean sweep
    is no proof, as a process caught forking, or in the middle of an exec (its environment
    reads empty for that instant), escapes a sweep but not the next one 50 ms later.
    """
    tag = f"{_MARKER}={token}".encode()
    proc = Path("/proc")
    if not proc.is_dir():
        return
    clean = 0
    for _ in range(rounds):
        found = False
        for entry in proc.iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:  # gone already, or not ours
                continue
            if tag in environ.split(b"\0"):
                found = True
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(entry.name), signal.SIGKILL)
        clean = 0 if found else clean + 1
        if clean == 2:
            return
        time.sleep(0.05)


def _aftermath(task: Task, stage: str | None) -> str:
    """What a stopped child left behind, for the report."""
    if stage in (None, "read", "solve"):
        return "stopped before writing: nothing was changed"
    where = Path(task.out or task.path).name
    kept = "" if task.out else " (its previous version is kept as .bak)"
    return (
        f'stopped while it was at "{stage}": {where} may hold the new plan without '
        f"fresh formula values{kept}"
    )


def _remove_partial_outputs(task: Task, since_ns: int) -> None:
    """Delete the hidden temporary files a killed child left beside its output."""
    target = Path(task.out or task.path)
    with contextlib.suppress(OSError):
        for leftover in target.parent.glob(f".{glob.escape(target.stem)}.*"):
            if leftover.is_file() and leftover.stat().st_mtime_ns >= since_ns:
                leftover.unlink(missing_ok=True)


# --- Running many ---------------------------------------------------------------------------


class Listener:
    """What a batch tells its display; every method is called from worker threads."""

    def started(self, slot: int, task: Task) -> None:
        """A workbook was handed to runner `slot`."""

    def stage(self, slot: int, task: Task, stage: str, limit: float | None) -> None:
        """The workbook on runner `slot` began a step: read, solve, write or recalc."""

    def finished(self, slot: int, report: BookReport) -> None:
        """A workbook is done, whatever its status."""


def default_jobs() -> int:
    """Parallel runners by default: one per core."""
    return max(1, os.cpu_count() or 1)


def run_local(
    tasks: Sequence[Task],
    *,
    jobs: int | None = None,
    options: RunnerOptions | None = None,
    listener: Listener | None = None,
) -> list[BookReport]:
    """Process the tasks with `jobs` runners on this machine; reports in the tasks' order."""
    jobs = max(1, min(jobs or default_jobs(), len(tasks) or 1))
    listener = listener or Listener()
    todo: queue.Queue[int] = queue.Queue()
    for index in range(len(tasks)):
        todo.put(index)
    reports: list[BookReport | None] = [None] * len(tasks)
    runners = [BookRunner(options) for _ in range(jobs)]
    stopping = threading.Event()

    def work(slot: int) -> None:
        runner = runners[slot]
        try:
            while not stopping.is_set():
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                task = tasks[index]
                listener.started(slot, task)
                report = runner.run(task, functools.partial(listener.stage, slot, task))
                reports[index] = report
                listener.finished(slot, report)
        finally:
            runner.close()

    threads = [threading.Thread(target=work, args=(slot,), daemon=True) for slot in range(jobs)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)  # short joins keep Ctrl-C responsive
    except BaseException:
        stopping.set()
        for runner in runners:
            runner.kill()
        raise
    return [
        r if r is not None else BookReport(t.path, Status.CRASHED, message="not run")
        for r, t in zip(reports, tasks, strict=True)
    ]


_local = threading.local()
_all_runners: list[BookRunner] = []


def run_on_worker(task: Task, options: RunnerOptions) -> BookReport:
    """The Dask task: process one workbook with this worker thread's own runner."""
    runner = getattr(_local, "runner", None)
    if runner is None or runner.options != options:
        if runner is not None:
            runner.close()
        runner = _local.runner = BookRunner(options)
        if not _all_runners:
            import atexit

            atexit.register(_kill_all_runners)
        _all_runners.append(runner)
    return runner.run(task)


def _kill_all_runners() -> None:
    """At the Dask worker's exit: stop every runner's child and its LibreOffice."""
    for runner in _all_runners:
        runner.kill()


def run_dask(
    tasks: Sequence[Task],
    address: str,
    *,
    options: RunnerOptions | None = None,
    listener: Listener | None = None,
    connect_timeout: float = 30.0,
) -> list[BookReport]:
    """Process the tasks on the Dask cluster at `address`, one task per workbook.

    The workers need this package and LibreOffice, and must see the workbooks at the same
    paths (a shared filesystem).
    """
    try:
        from distributed import Client, as_completed
    except ImportError as error:
        raise FileError("--scheduler needs Dask: pip install 'pmo-portfolio[cluster]'") from error
    options = options or RunnerOptions()
    listener = listener or Listener()
    reports: list[BookReport | None] = [None] * len(tasks)
    try:
        client = Client(address, timeout=connect_timeout)
    except OSError as error:
        raise FileError(
            f"cannot reach the Dask scheduler at {address} ({error}); check the "
            "address and that the scheduler is running"
        ) from error
    with client:
        batch = uuid.uuid4().hex[:8]
        futures = {}
        for index, task in enumerate(tasks):
            key = f"pmo-book-{batch}-{index}"
            futures[client.submit(run_on_worker, task, options, key=key, pure=False)] = index
            listener.started(-1, task)
        for future in as_completed(futures):
            index = futures[future]
            try:
                report = future.result()
            except Exception as error:  # the worker itself was lost, or could not unpickle
                report = BookReport(
                    tasks[index].path,
                    Status.CRASHED,
                    message=f"the Dask task failed: {type(error).__name__}: {error}",
                )
            reports[index] = report
            listener.finished(-1, report)
    return [
        r if r is not None else BookReport(t.path, Status.CRASHED, message="not run")
        for r, t in zip(reports, tasks, strict=True)
    ]


# --- Reports --------------------------------------------------------------------------------


def report_rows(reports: Iterable[BookReport]) -> list[dict[str, object]]:
    """The report as rows of plain values, in `REPORT_COLUMNS` order, times rounded to ms."""
    rows = []
    for report in reports:
        data = report.to_dict()
        times = {
            "seconds": report.seconds,
            "read_s": report.read_s,
            "solve_s": report.solve_s,
            "write_s": report.write_s,
            "recalc_s": report.recalc_s,
        }
        for name, seconds in times.items():
            data[name] = round(float(seconds), 3)
        rows.append({name: data[name] for name in REPORT_COLUMNS})
    return rows


def write_csv(reports: Iterable[BookReport], path: str | os.PathLike[str]) -> Path:
    """The report as CSV, one row per workbook (blank where a value does not apply)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as temp, temp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REPORT_COLUMNS)
        writer.writeheader()
        for row in report_rows(reports):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path


def write_json(reports: Sequence[BookReport], path: str | os.PathLike[str]) -> Path:
    """The report as JSON: a summary (counts per status) and one object per workbook."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for report in reports:
        counts[report.status.value] = counts.get(report.status.value, 0) + 1
    data = {
        "workbooks": len(reports),
        "ok": counts.get(Status.OK.value, 0),
        "statuses": counts,
        "books": report_rows(reports),
    }
    with replacing(path) as temp:
        temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


# --- Display --------------------------------------------------------------------------------

STAGE_WORDS = {
    "read": "reading",
    "solve": "optimising",
    "write": "writing",
    "recalc": "recalculating",
}


def describe(report: BookReport) -> str:
    """One line about a workbook's outcome: the plan's numbers, or what went wrong."""
    if report.ok:
        gap = "" if report.gap is None else f", gap {report.gap:.1%}"
        text = f"{report.selected} selected, value {report.value:g}{gap}"
        return f"{text}; {report.message}" if report.message else text
    return report.message


class ProgressDisplay(Listener):
    """A rich progress bar, one status row per busy runner, a line per finished workbook."""

    def __init__(self, console: Console, total: int, slots: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self.overall = self.progress.add_task("Workbooks", total=total)
        self.rows = [self.progress.add_task("", total=None, visible=False) for _ in range(slots)]

    def __enter__(self) -> ProgressDisplay:
        self.progress.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.progress.stop()

    def _row(self, slot: int, text: str | None) -> None:
        if 0 <= slot < len(self.rows):
            self.progress.update(self.rows[slot], description=text or "", visible=text is not None)

    def started(self, slot: int, task: Task) -> None:
        self._row(slot, f"  {Path(task.path).name}: starting")

    def stage(self, slot: int, task: Task, stage: str, limit: float | None) -> None:
        words = STAGE_WORDS.get(stage, stage)
        if limit is not None:
            words += f" (up to {limit:g} s)"
        self._row(slot, f"  {Path(task.path).name}: {words}")

    def finished(self, slot: int, report: BookReport) -> None:
        from rich.markup import escape

        self._row(slot, None)
        style = "green" if report.ok else "red"
        self.progress.console.print(
            f"[{style}]{report.status.value:<12}[/] {escape(Path(report.file).name)}  "
            f"{escape(describe(report))}  [dim]{report.seconds:.1f} s[/]",
            highlight=False,
        )
        self.progress.advance(self.overall)


def summary_table(reports: Sequence[BookReport]) -> Table:
    """The final rich Table: one row per workbook, in input order."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="pmo batch")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("File", "left"),
        ("Status", "left"),
        ("Selected", "right"),
        ("Value", "right"),
        ("Gap", "right"),
        ("Time", "right"),
        ("Message", "left"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")
    for report in reports:
        style = "green" if report.ok else "red"
        table.add_row(
            escape(Path(report.file).name),
            f"[{style}]{report.status.value}[/]",
            "" if report.selected is None else str(report.selected),
            "" if report.value is None else f"{report.value:g}",
            "" if report.gap is None else f"{report.gap:.1%}",
            f"{report.seconds:.1f} s",
            escape(report.message),
        )
    return table
