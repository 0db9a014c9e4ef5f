"""One workbook of a batch: validate, optimise, write back, recalculate; and the child process.

`process_book` is the whole per-workbook task and never raises: whatever happens ends up in
a `BookReport`. `pmo batch` runs it in a child process (`python -m workbook.headless.batch_worker`)
so that a crash, hang or memory blow-up costs one workbook, never the batch. The child keeps
one LibreOffice running from workbook to workbook.

The child speaks JSON lines. It reads one task per line on stdin and answers on stdout with
`{"event": "stage", "stage": "solve", "limit": 5.0}` as each step begins, then
`{"event": "done", "report": {...}}`. End of input means quit; LibreOffice is closed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from engine.errors import FileError, PmoError

RECALC_TIMEOUT_S = 120.0


class Status(StrEnum):
    """How one workbook of a batch ended; only OK means it got a fresh plan and values."""

    OK = "ok"
    INPUT_ERRORS = "input errors"
    INFEASIBLE = "infeasible"
    NO_PLAN = "no plan"
    FILE_ERROR = "file error"
    TIMEOUT = "timeout"
    CRASHED = "crashed"


@dataclass(frozen=True)
class Task:
    """One workbook to process: where it is, where its results go and the overrides."""

    path: str
    out: str | None = None  # None: in place (the previous version kept as a backup)
    time_limit: float | None = None  # None: the workbook's own Settings
    workers: int | None = None  # CP-SAT workers; None: the workbook's own Settings
    seed: int | None = None


@dataclass
class BookReport:
    """One line of the batch report. Times are seconds; `message` is the first thing to read."""

    file: str
    status: Status
    selected: int | None = None
    value: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    read_s: float = 0.0
    solve_s: float = 0.0
    write_s: float = 0.0
    recalc_s: float = 0.0
    message: str = ""
    output: str = ""

    @property
    def ok(self) -> bool:
        """True when the workbook got a plan and fresh cached values."""
        return self.status is Status.OK

    def to_dict(self) -> dict[str, object]:
        """Plain values, for JSON and CSV."""
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BookReport:
        """The inverse of `to_dict`."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["status"] = Status(str(values["status"]))
        return cls(**values)


StageCallback = Callable[[str, float | None], None]


def process_book(task: Task, calc, on_stage: StageCallback | None = None) -> BookReport:
    """Validate, optimise, write back and recalculate one workbook; never raises.

    `calc` is a started-on-demand `workbook.headless.recalc.Recalculator`, reused across workbooks.
    Nothing is written unless a plan was found; with `task.out` the input is never changed.
    """
    from workbook import service
    from workbook.files.atomic import check_writable

    stage = on_stage or (lambda _name, _limit: None)
    began = time.perf_counter()
    target = Path(task.out) if task.out else Path(task.path)
    report = BookReport(task.path, Status.CRASHED, output=str(target))
    outcome = None
    try:
        # LibreOffice first: without it nothing should be written (started once per child).
        if task.out:
            Path(task.out).parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        calc.start()
        report.recalc_s += time.perf_counter() - started
        transport = service.FileTransport(
            Path(task.path), Path(task.out) if task.out else None, backup=task.out is None
        )
        overrides = service.Overrides(
            time_limit=task.time_limit, seed=task.seed, workers=task.workers
        )
        outcome = service.optimise(transport, overrides, on_stage=stage)
        report.read_s, report.solve_s = outcome.read_s, outcome.solve_s
        report.write_s = outcome.write_s
        if outcome.outcome is service.Outcome.INPUT_ERRORS:
            errors = outcome.errors
            report.status = Status.INPUT_ERRORS
            report.message = (
                f"{len(errors)} input error(s); first: {errors[0]}" if errors else "input errors"
            )
        elif outcome.outcome is service.Outcome.NO_PLAN:
            _no_plan(report, outcome.result)
        else:
            result = outcome.result
            assert result is not None  # a plan was written
            report.selected = len(result.selected)
            report.value, report.gap = result.objective, result.gap
            stage("recalc", None)
            started = time.perf_counter()
            check_writable(target, None)
            recalculated = calc.recalc(target)
            report.recalc_s += time.perf_counter() - started
            if recalculated.ok:
                report.status = Status.OK
                report.message = _ok_message(outcome.messages, recalculated)
            else:
                report.status = Status.FILE_ERROR
                report.message = (
                    f"the plan was written but recalculation failed: {recalculated.error}"
                )
    except FileError as error:
        report.status = Status.FILE_ERROR
        report.message = str(error)
    except PmoError as error:  # LibreOffice missing or broken on this machine
        report.status = Status.FILE_ERROR
        report.message = str(error)
    except OSError as error:  # a folder that vanished, a full disk, no permission
        report.status = Status.FILE_ERROR
        report.message = f"{Path(task.path).name}: {error}"
    except MemoryError:
        report.status = Status.CRASHED
        report.message = "ran out of memory (the memory limit per workbook was reached)"
    except Exception as error:  # a bug, or a file that breaks a library: report, go on
        traceback.print_exc(file=sys.stderr)
        report.status = Status.CRASHED
        report.message = f"unexpected {type(error).__name__}: {error}"
    if report.status is not Status.OK and (outcome is None or outcome.written is None):
        report.output = ""  # nothing was written
    report.message = one_line(report.message)
    report.seconds = time.perf_counter() - began
    return report


def one_line(text: str, limit: int = 500) -> str:
    """A message fit for one report cell: whitespace runs collapsed, at most `limit` chars."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _no_plan(report: BookReport, result) -> None:
    from engine.result import SolveStatus

    if result.status is SolveStatus.INFEASIBLE:
        report.status = Status.INFEASIBLE
        first = result.conflicts[0] if result.conflicts else "the rules cannot all hold"
        report.message = f"no plan: {first}"
    else:
        report.status = Status.NO_PLAN
        note = result.notes[0] if result.notes else result.status.value
        report.message = f"no plan: {note}"


def _ok_message(messages, recalculated) -> str:
    if recalculated.unsupported:
        return f"not computed by LibreOffice (kept old value): {recalculated.unsupported[0]}"
    return str(messages[0]) if messages else ""


def _set_memory_limit(megabytes: int) -> None:
    """Cap this process's address space; LibreOffice, started from here, inherits it."""
    if megabytes <= 0:
        return
    try:
        import resource
    except ImportError:  # not on this platform
        return
    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def main(argv: list[str] | None = None) -> int:
    """The child loop: tasks in on stdin, events out on stdout, until stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m workbook.headless.batch_worker")
    parser.add_argument("--recalc-timeout", type=float, default=RECALC_TIMEOUT_S)
    parser.add_argument("--memory-limit", type=int, default=0, metavar="MB")
    args = parser.parse_args(argv)
    # The protocol gets its own copy of stdout; anything a library prints goes to stderr.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _set_memory_limit(args.memory_limit)

    from workbook.headless.recalc import Recalculator

    def send(message: dict[str, object]) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    calc = Recalculator(timeout=args.recalc_timeout)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            task = Task(**json.loads(line))
            report = process_book(
                task,
                calc,
                lambda name, limit: send({"event": "stage", "stage": name, "limit": limit}),
            )
            send({"event": "done", "report": report.to_dict()})
    finally:
        calc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
