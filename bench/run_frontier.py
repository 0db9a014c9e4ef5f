"""Benchmark: the efficient frontier of a generated portfolio, at several job counts.

    python -m bench.run_frontier --projects 200 --points 9 --time-limit 10 --jobs 1 2 --seeds 1 2 3

For each seed and job count, solves the frontier exactly as `pmo frontier --points N` does
(`engine.frontier.frontier` through `workbook.headless.frontier.local_executor`: one child
process per point, CP-SAT threads = cores / jobs, two waves, neighbours warm-starting each
other), then checks every point's plan with the independent checker at its budget and that
the curve is monotone. Reports the wall time per job count (median over the seeds, and the
speed-up of 2 jobs over 1 in the same run), the points proven optimal, and the gap per point.
The machine load (1-minute load average before and after) is recorded, as the machine may be
shared. Prints Markdown tables and writes the figures as JSON to bench/results/frontier.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from bench.generate import generate_portfolio
from engine.checker import check_starts
from engine.frontier import frontier, scaled_budget, spread_scales
from workbook.headless.frontier import local_executor


def run(projects: int, seed: int, points: int, time_limit: float, jobs: int) -> dict:
    """One frontier; raises when a point's plan breaks a rule or the curve is not monotone."""
    portfolio = generate_portfolio(projects, seed=seed)
    workers = max(1, (os.cpu_count() or 1) // jobs)
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    curve = frontier(
        portfolio,
        spread_scales(points),
        time_limit=time_limit,
        workers=workers,
        seed=0,
        execute=local_executor(jobs),
    )
    wall = time.perf_counter() - began
    planned = [p for p in curve if p.value is not None]
    for point in planned:
        broken = check_starts(
            scaled_budget(portfolio, point.budget_scale), dict(point.starts), hiring=point.hires
        )
        if broken:
            raise AssertionError(f"seed {seed} x{point.budget_scale}: {broken[:3]}")
    values = [p.value for p in planned]
    if values != sorted(values):
        raise AssertionError(f"seed {seed}: not monotone: {values}")
    return {
        "seed": seed,
        "jobs": jobs,
        "solver_workers": workers,
        "wall_s": round(wall, 1),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "planned": len(planned),
        "proven": sum(p.proven for p in curve),
        "points": [
            {
                "budget_scale": p.budget_scale,
                "value": p.value,
                "bound": p.bound,
                "gap": None if p.gap is None else round(p.gap, 4),
                "status": p.status,
                "from_neighbour": p.from_neighbour,
                "selected": len(p.starts),
            }
            for p in curve
        ],
    }


def summarise(rows: list[dict]) -> str:
    """Markdown: wall time per job count (median over seeds), then the gaps per point."""
    by_jobs: dict[int, list[dict]] = {}
    for r in rows:
        by_jobs.setdefault(r["jobs"], []).append(r)
    lines = [
        "| jobs | CP-SAT threads | seeds | wall (s), median | wall (s), each seed | points "
        "proven | load before/after |",
        "|---:|---:|---:|---:|---|---:|---|",
    ]
    for jobs, items in sorted(by_jobs.items()):
        walls = [r["wall_s"] for r in items]
        loads = ", ".join(f"{r['load_before']:.1f}/{r['load_after']:.1f}" for r in items)
        lines.append(
            f"| {jobs} | {items[0]['solver_workers']} | {len(items)} | "
            f"{statistics.median(walls):.1f} | {', '.join(f'{w:.1f}' for w in walls)} | "
            f"{sum(r['proven'] for r in items)}/{sum(len(r['points']) for r in items)} | "
            f"{loads} |"
        )
    if 1 in by_jobs and 2 in by_jobs:
        ratios = [
            one["wall_s"] / two["wall_s"]
            for one in by_jobs[1]
            for two in by_jobs[2]
            if one["seed"] == two["seed"]
        ]
        lines.append("")
        speedup = statistics.median(ratios)
        lines.append(f"Speed-up of 2 jobs over 1 (median over seeds): {speedup:.2f}x")
    lines.append("")
    scales = [p["budget_scale"] for p in rows[0]["points"]]
    lines.append("| seed | jobs | " + " | ".join(f"x{s:g}" for s in scales) + " |")
    lines.append("|---:|---:|" + "---:|" * len(scales))
    for r in rows:
        cells = []
        for p in r["points"]:
            if p["value"] is None:
                cells.append(p["status"])
            else:
                cells.append(f"{p['value']:.1f} ({100 * (p['gap'] or 0):.1f}%)")
        lines.append(f"| {r['seed']} | {r['jobs']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the frontier for every seed and job count, print the tables, write the JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--points", type=int, default=9)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--out", type=Path, default=Path("bench/results/frontier.json"))
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    rows = []
    for seed in args.seeds:
        for jobs in args.jobs:
            rows.append(run(args.projects, seed, args.points, args.time_limit, jobs))
            last = rows[-1]
            print(f"seed {seed}, {jobs} job(s): {last['wall_s']:.1f} s", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "command": " ".join(["python -m bench.run_frontier", *argv]),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                f"{platform.python_version()}",
                "projects": args.projects,
                "points": args.points,
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
