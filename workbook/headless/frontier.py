"""Run the points of an efficient frontier in parallel: child processes here, or on Dask.

`engine.frontier.frontier` solves its points in waves through an executor; these are the
parallel ones. Locally (`local_executor`) every point runs in a child process of its own
(`python -m workbook.headless.frontier`), at most `jobs` at a time, with the batch runner's
care: an address-space limit per child, and a wall-clock budget (the point's time limit plus
a margin) after which the child is killed and the point reported, never waited for.
`dask_executor` sends the points as tasks to a Dask cluster instead.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.errors import FileError
from engine.frontier import Executor, FrontierPoint, PointTask, solve_task
from engine.model import Portfolio
from workbook.headless.batch import MEMORY_LIMIT_MB

MARGIN_S = 60.0  # per point, on top of its solver time limit, before the child is killed
CRASHED = "crashed"
TIMEOUT = "timeout"


PointListener = Callable[[FrontierPoint], None]


def default_jobs() -> int:
    """Points at a time by default: one per core."""
    return max(1, os.cpu_count() or 1)


def local_executor(
    jobs: int | None = None,
    *,
    memory_limit_mb: int = MEMORY_LIMIT_MB,
    margin: float = MARGIN_S,
    on_point: PointListener | None = None,
) -> Executor:
    """Solve a wave of points in child processes on this machine, `jobs` at a time."""
    slots = max(1, jobs or default_jobs())

    def execute(portfolio: Portfolio, tasks: list[PointTask]) -> list[FrontierPoint]:
        return _run_local(portfolio, tasks, slots, memory_limit_mb, margin, on_point)

    return execute


def dask_executor(
    address: str, *, margin: float = MARGIN_S, on_point: PointListener | None = None
) -> Executor:
    """Solve a wave of points as tasks on the Dask cluster at `address`."""

    def execute(portfolio: Portfolio, tasks: list[PointTask]) -> list[FrontierPoint]:
        return _run_dask(portfolio, tasks, address, margin, on_point)

    return execute


# --- Locally: one child process per point ----------------------------------------------------


def _child_main(argv: Sequence[str]) -> int:
    """The child (`python -m workbook.headless.frontier TASK OUT MB`): solve, pickle the point."""
    from workbook.headless.batch_worker import _set_memory_limit

    task_path, out_path, memory_mb = Path(argv[0]), Path(argv[1]), int(argv[2])
    try:
        _set_memory_limit(memory_mb)
        portfolio, task = pickle.loads(task_path.read_bytes())
        answer: tuple[str, object] = ("ok", solve_task(portfolio, task))
    except MemoryError:
        answer = ("error", "ran out of memory (the memory limit per point was reached)")
    except Exception as error:  # reported as the point's status, never raised in the parent
        answer = ("error", f"{type(error).__name__}: {error}")
    partial = out_path.with_suffix(".part")
    partial.write_bytes(pickle.dumps(answer))
    partial.replace(out_path)  # the parent sees a whole answer or none
    return 0


def _failed(portfolio: Portfolio, task: PointTask, status: str, seconds: float) -> FrontierPoint:
    from engine.frontier import scaled_budget

    budget = sum(scaled_budget(portfolio, task.scale).budget.values())
    return FrontierPoint(task.scale, budget, status, wall_time=seconds)


@dataclass
class _Running:
    task: PointTask
    process: subprocess.Popen[bytes]
    answer: Path
    began: float


def _run_local(
    portfolio: Portfolio,
    tasks: list[PointTask],
    jobs: int,
    memory_mb: int,
    margin: float,
    on_point: PointListener | None,
) -> list[FrontierPoint]:
    """The tasks in child processes, `jobs` at a time; results in the tasks' order."""
    results: dict[int, FrontierPoint] = {}
    waiting = list(enumerate(tasks))
    running: dict[int, _Running] = {}
    home = Path(tempfile.mkdtemp(prefix="pmo-frontier-"))
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # the child imports this same code
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                index, task = waiting.pop(0)
                task_path = home / f"task{index}.pickle"
                task_path.write_bytes(pickle.dumps((portfolio, task)))
                answer = home / f"point{index}.pickle"
                with open(home / f"child{index}.log", "wb") as log:
                    process = subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "workbook.headless.frontier",
                            str(task_path),
                            str(answer),
                            str(memory_mb),
                        ],
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=env,
                        cwd=home,
                    )
                running[index] = _Running(task, process, answer, time.monotonic())
            for index, item in list(running.items()):
                point = _poll(portfolio, item, margin)
                if point is not None:
                    results[index] = point
                    del running[index]
                    if on_point is not None:
                        on_point(point)
            time.sleep(0.05)
    finally:
        for item in running.values():
            _stop(item)
        shutil.rmtree(home, ignore_errors=True)
    return [results[i] for i in range(len(tasks))]


def _poll(portfolio: Portfolio, item: _Running, margin: float) -> FrontierPoint | None:
    """The point when its child has answered, died or overrun; None while it works."""
    elapsed = time.monotonic() - item.began
    code = item.process.poll()
    if code is None:
        if elapsed <= item.task.time_limit + margin:
            return None
        _stop(item)
        budget = item.task.time_limit + margin
        return _failed(portfolio, item.task, f"{TIMEOUT}: no answer within {budget:g} s", elapsed)
    if not item.answer.exists():
        what = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        return _failed(
            portfolio, item.task, f"{CRASHED}: the point's process died ({what})", elapsed
        )
    kind, payload = pickle.loads(item.answer.read_bytes())
    if kind == "ok":
        return payload
    return _failed(portfolio, item.task, f"{CRASHED}: {payload}", elapsed)


def _stop(item: _Running) -> None:
    if item.process.poll() is None:
        item.process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        item.process.wait(timeout=10)


# --- On a Dask cluster ---------------------------------------------------------------------


def _run_dask(
    portfolio: Portfolio,
    tasks: list[PointTask],
    address: str,
    margin: float,
    on_point: PointListener | None,
    connect_timeout: float = 30.0,
) -> list[FrontierPoint]:
    """The tasks on the Dask cluster at `address`; results in the tasks' order."""
    try:
        from distributed import Client, as_completed
    except ImportError as error:
        raise FileError("--scheduler needs Dask: pip install 'pmo-portfolio[cluster]'") from error
    try:
        client = Client(address, timeout=connect_timeout)
    except OSError as error:
        raise FileError(
            f"cannot reach the Dask scheduler at {address} ({error}); check the "
            "address and that the scheduler is running"
        ) from error
    results: dict[int, FrontierPoint] = {}
    with client:
        shared = client.scatter(portfolio, broadcast=True)
        run = uuid.uuid4().hex[:8]
        futures = {
            client.submit(solve_task, shared, task, key=f"pmo-point-{run}-{i}", pure=False): i
            for i, task in enumerate(tasks)
        }
        longest = max((t.time_limit for t in tasks), default=0.0) + margin
        try:
            for future in as_completed(futures, timeout=longest * len(tasks)):
                index = futures[future]
                try:
                    point = future.result()
                except Exception as error:  # a lost worker or an unpicklable answer
                    status = f"{CRASHED}: {type(error).__name__}: {error}"
                    point = _failed(portfolio, tasks[index], status, 0.0)
                results[index] = point
                if on_point is not None:
                    on_point(point)
        except TimeoutError:
            pass  # the points not done by then are reported below
    return [
        results.get(i) or _failed(portfolio, task, f"{TIMEOUT}: no answer from the cluster", 0.0)
        for i, task in enumerate(tasks)
    ]


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
