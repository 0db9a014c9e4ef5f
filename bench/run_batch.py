"""Benchmark: `pmo batch` over generated workbooks, at several job counts.

    python -m bench.run_batch --books 50 --projects 100 --time-limit 5 --jobs 1 2

Builds the workbooks once (generated portfolios, seeds 1..N, in --folder), then for each job
count runs the whole batch exactly as `pmo batch --out-dir` does (child processes, one warm
LibreOffice each, CP-SAT threads = cores / jobs) and reports the wall time, throughput, the
median time per workbook in read / solve / write / recalc, and the overhead per workbook
outside the solve. Every workbook must end "ok". Prints a Markdown table and writes the
figures as JSON to bench/results/batch.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import generate_portfolio
from workbook.files.template import build_workbook
from workbook.headless.batch import RunnerOptions, expand_inputs, plan_tasks, run_local


def build_books(folder: Path, books: int, projects: int) -> list[Path]:
    """`books` workbooks of `projects` generated projects each (reused when already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(1, books + 1):
        path = folder / f"dept{seed:03d}.xlsm"
        if not path.exists():
            build_workbook(path, generate_portfolio(projects, seed=seed))
        paths.append(path)
    return paths


def run(paths: list[Path], jobs: int, time_limit: float, out_dir: Path) -> dict:
    """One whole batch; raises when a workbook does not end "ok"."""
    shutil.rmtree(out_dir, ignore_errors=True)
    workers = max(1, (os.cpu_count() or 1) // jobs)
    tasks = plan_tasks(
        expand_inputs(paths),
        out_dir=out_dir,
        in_place=False,
        time_limit=time_limit,
        workers=workers,
    )
    began = time.perf_counter()
    reports = run_local(tasks, jobs=jobs, options=RunnerOptions())
    wall = time.perf_counter() - began
    failed = [r for r in reports if not r.ok]
    if failed:
        raise AssertionError(f"{len(failed)} workbook(s) failed, first: {failed[0]}")

    def med(values) -> float:
        return round(statistics.median(values), 3)

    return {
        "jobs": jobs,
        "solver_workers": workers,
        "books": len(reports),
        "wall_s": round(wall, 1),
        "books_per_min": round(60 * len(reports) / wall, 2),
        "read_s": med(r.read_s for r in reports),
        "solve_s": med(r.solve_s for r in reports),
        "write_s": med(r.write_s for r in reports),
        "recalc_s": med(r.recalc_s for r in reports),
        "overhead_s": med(r.read_s + r.write_s + r.recalc_s for r in reports),
        "outside_solve_s": med(r.seconds - r.solve_s for r in reports),
        "max_recalc_s": round(max(r.recalc_s for r in reports), 3),
        "optimal": sum(r.gap == 0 for r in reports),
    }


def summarise(rows: list[dict]) -> str:
    """Markdown table, one row per job count."""
    lines = [
        "| jobs | CP-SAT threads | workbooks | wall (s) | per min | read | solve | write "
        "| recalc | read+write+recalc | outside solve | proven optimal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['jobs']} | {r['solver_workers']} | {r['books']} | {r['wall_s']:.1f} | "
            f"{r['books_per_min']:.1f} | {r['read_s']:.2f} | {r['solve_s']:.2f} | "
            f"{r['write_s']:.2f} | {r['recalc_s']:.2f} | {r['overhead_s']:.2f} | "
            f"{r['outside_solve_s']:.2f} | {r['optimal']}/{r['books']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Build the workbooks, run the batch at each job count, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=50)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--folder", type=Path, default=Path(tempfile.gettempdir()) / "pmo-bench-batch"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/batch.json"))
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    paths = build_books(args.folder / "in", args.books, args.projects)
    rows = []
    for jobs in args.jobs:
        rows.append(run(paths, jobs, args.time_limit, args.folder / f"out-{jobs}"))
        print(summarise(rows[-1:]).splitlines()[-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "command": " ".join(["python -m bench.run_batch", *argv]),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                f"{platform.python_version()}",
                "projects": args.projects,
                "time_limit_s": args.time_limit,
                "runs": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(summarise(rows))


if __name__ == "__main__":
    main()
