"""Benchmark: the engine on published instances with best-known values.

    PMO_BENCHMARKS=../shared/benchmarks python -m bench.run_published psplib --subset j30 \
        --limit 10
    PMO_BENCHMARKS=../shared/benchmarks python -m bench.run_published mplib1 --limit 60
    PMO_BENCHMARKS=../shared/benchmarks python -m bench.run_published mknap --limit 10

PSPLIB and MPLIB1 run with objective `finish` (activities become mandatory projects, the
horizon is a serial schedule's makespan); mknap with objective `value` (items become one-month
projects). Every plan is re-checked by the independent checker. Each run is one CSV row in
bench/results/<family>-<subset>.csv; a Markdown summary is printed.
"""

from __future__ import annotations

import argparse
import csv
import statistics
from pathlib import Path

from bench.instances import (
    best_known,
    instance_names,
    knapsack_to_portfolio,
    load,
    rcmpsp_to_portfolio,
    rcmpsp_upper_bound,
    rcpsp_to_portfolio,
    rcpsp_upper_bound,
)
from engine.checker import check_plan
from engine.model import Objective
from engine.optimiser import solve


def portfolio_of(family: str, name: str):
    """The instance as a portfolio, with a tight horizon for the scheduling sets.

    The horizon is a serial schedule's makespan plus one month: the dummy sink is a
    milestone that starts when the last activity ends, and a start must lie in the horizon.
    MPLIB1 gets a tenth more: on its largest portfolios the engine's own serial schedule
    (its warm start) breaks ties differently and can end a few months after this one.
    """
    instance = load(family, name)
    if family == "psplib":
        return rcpsp_to_portfolio(instance, horizon=rcpsp_upper_bound(instance) + 1)
    if family == "mplib1":
        serial = rcmpsp_upper_bound(instance)
        return rcmpsp_to_portfolio(instance, horizon=serial + serial // 10 + 1)
    return knapsack_to_portfolio(instance)


def run_one(family: str, name: str, limit: float, workers: int) -> dict:
    """Solve one instance and compare with its best-known value."""
    portfolio = portfolio_of(family, name)
    objective = Objective.VALUE if family == "mknap" else Objective.FINISH
    result = solve(
        portfolio, objective=objective, time_limit=limit, workers=workers, tie_break=False
    )
    if result.status.has_plan:
        broken = check_plan(portfolio, result, everyone=objective is Objective.FINISH)
        if broken:
            raise AssertionError(f"{name}: the plan breaks rules: {broken[:3]}")
    known = best_known(family, name)
    value = result.objective
    gap = (
        None
        if value is None
        else (
            (known.value - value) / known.value
            if objective is Objective.VALUE
            else (value - known.value) / known.value
        )
    )
    return {
        "instance": name,
        "status": result.status.value,
        "objective": value,
        "bound": result.bound,
        "best_known": known.value,
        "best_known_optimal": known.is_optimal,
        "gap_to_best_known": gap,
        "time_s": round(result.wall_time, 3),
    }


def summarise(rows: list[dict]) -> str:
    """One Markdown line: share at best-known, share proven, share proven within 1 s, gaps."""
    n = len(rows)
    at_best = sum(
        r["gap_to_best_known"] is not None and r["gap_to_best_known"] <= 1e-9 for r in rows
    )
    better = sum(
        r["gap_to_best_known"] is not None and r["gap_to_best_known"] < -1e-9 for r in rows
    )
    proven = sum(r["status"] == "optimal" for r in rows)
    fast = sum(r["status"] == "optimal" and r["time_s"] <= 1.0 for r in rows)
    gaps = [r["gap_to_best_known"] for r in rows if r["gap_to_best_known"] is not None]
    return (
        f"| {n} | {at_best}/{n} ({at_best / n:.1%}) | {better} | {proven}/{n} ({proven / n:.1%}) "
        f"| {fast}/{n} ({fast / n:.1%}) | {statistics.mean(gaps):.3%} | "
        f"{statistics.median(r['time_s'] for r in rows):.2f} |"
    )


def main(argv: list[str] | None = None) -> None:
    """Run a family (or a subset by name prefix) and print the summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("family", choices=["psplib", "mplib1", "mknap"])
    parser.add_argument("--subset", default="", help="instance name prefix, e.g. j30, j60, 5.100")
    parser.add_argument("--limit", type=float, default=10.0, help="time limit per instance (s)")
    parser.add_argument("--max", type=int, default=0, help="at most this many instances")
    parser.add_argument("--every", type=int, default=1, help="take every k-th instance")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    names = [n for n in instance_names(args.family) if n.startswith(args.subset)]
    if args.family == "mplib1":
        names = [n for n in names if n.startswith(args.subset)]
    names = names[:: args.every]
    if args.max:
        names = names[: args.max]
    out = args.out or Path(f"bench/results/{args.family}-{args.subset or 'all'}.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with out.open("w", newline="") as sink:
        writer = None
        for name in names:
            row = run_one(args.family, name, args.limit, args.workers)
            rows.append(row)
            if writer is None:
                writer = csv.DictWriter(sink, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
            sink.flush()
            print(row, flush=True)
    print(
        "| instances | at best-known | better than best-known | proven optimal "
        "| proven within 1 s | mean gap to best-known | median time (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(summarise(rows))


if __name__ == "__main__":
    main()
