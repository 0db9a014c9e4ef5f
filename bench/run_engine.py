"""Benchmark: the CP-SAT engine against the greedy waterline on generated portfolios.

    python -m bench.run_engine --sizes 50 200 500 --seeds 1 2 3 --limits 10 60

For each size, seed and time limit: greedy value, engine value, proven bound, gap and wall
time, every plan re-checked by the independent checker. Prints a Markdown table of medians
over seeds and writes every run as JSON lines to bench/results/engine.jsonl (or --out).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import TextIO

from bench.generate import generate_portfolio
from engine.checker import check_plan, check_starts
from engine.cpsat_model import ModelOptions
from engine.greedy import greedy
from engine.optimiser import solve

ENGINE_ROWS = "bench/results/engine.jsonl"
CONFIGS = {
    "default": ModelOptions(),
    "cp-sat-only": ModelOptions(highs=False),
    "highs-first": ModelOptions(highs=True),  # whatever the portfolio's size
    "neighbourhoods": ModelOptions(neighbourhoods=True),  # 1 full search, the rest LNS
    "no-cumulative": ModelOptions(cumulative=False),
    "fs-linear": ModelOptions(fs_time_indexed=True),
    "time-indexed": ModelOptions(time_indexed=True),
    "interval-only": ModelOptions(time_indexed=False),
    "lp-start": ModelOptions(lp_warm_start=True),
    "covers": ModelOptions(cover_depth=3),
}


def run(size: int, seed: int, limit: float, config: str, workers: int, mip: bool = False) -> dict:
    """One benchmark run; raises if any plan breaks a rule."""
    portfolio = generate_portfolio(size, seed=seed)
    began = time.perf_counter()
    baseline = greedy(portfolio)
    greedy_time = time.perf_counter() - began
    result = solve(portfolio, time_limit=limit, workers=workers, options=CONFIGS[config])
    for name, plan in (("greedy", baseline), ("engine", result)):
        broken = check_plan(portfolio, plan)
        if broken:
            raise AssertionError(f"{name} plan breaks rules at size {size} seed {seed}: {broken}")
    row_mip = {}
    if mip:
        from engine.mip import solve_mip  # highspy is a benchmark-only dependency

        found = solve_mip(portfolio, time_limit=limit, threads=workers, seed=seed)
        broken = check_starts(portfolio, found.plan) if found.plan else []
        if broken:
            raise AssertionError(f"HiGHS plan breaks rules at size {size} seed {seed}: {broken}")
        row_mip = {
            "mip_value": found.value,
            "mip_bound": found.bound,
            "mip_status": found.status.value,
            "mip_time": found.wall_time,
        }
    return {
        **row_mip,
        "size": size,
        "seed": seed,
        "limit": limit,
        "config": config,
        "workers": workers,
        "status": result.status.value,
        "greedy": baseline.objective,
        "greedy_time": greedy_time,
        "value": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "time": result.wall_time,
        "selected": len(result.selected),
    }


def summarise(rows: list[dict]) -> str:
    """Markdown table: medians over seeds per size, limit and config."""
    lines = [
        "| projects | limit (s) | config | greedy value | engine value | vs greedy | bound | gap "
        "| proven | time (s) | HiGHS value | HiGHS bound | engine >= HiGHS |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    keys = sorted({(r["size"], r["limit"], r["config"]) for r in rows})
    for size, limit, config in keys:
        group = [r for r in rows if (r["size"], r["limit"], r["config"]) == (size, limit, config)]

        def med(key: str, group: list[dict] = group) -> float:
            return statistics.median(r[key] for r in group)

        lift = statistics.median(r["value"] / r["greedy"] - 1 for r in group)
        proven = sum(r["status"] == "optimal" for r in group)
        with_mip = [r for r in group if r.get("mip_value") is not None]
        mip = (
            f"{statistics.median(r['mip_value'] for r in with_mip):.1f} | "
            f"{statistics.median(r['mip_bound'] for r in with_mip):.1f} | "
            f"{sum(r['value'] >= r['mip_value'] - 1e-6 for r in with_mip)}/{len(with_mip)}"
            if with_mip
            else "- | - | -"
        )
        lines.append(
            f"| {size} | {limit:g} | {config} | {med('greedy'):.1f} | {med('value'):.1f} | "
            f"{lift:+.1%} | {med('bound'):.1f} | {med('gap'):.2%} | {proven}/{len(group)} | "
            f"{med('time'):.1f} | {mip} |"
        )
    return "\n".join(lines)


def grid_parser(
    description: str, sizes: list[int], seeds: list[int], out: str
) -> argparse.ArgumentParser:
    """The arguments of a grid of generated portfolios: sizes, seeds, limits, configs,
    workers and the JSON-lines file the rows are appended to."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", type=int, nargs="+", default=sizes)
    parser.add_argument("--seeds", type=int, nargs="+", default=seeds)
    parser.add_argument("--limits", type=float, nargs="+", default=[10, 60])
    parser.add_argument("--configs", nargs="+", default=["default"], choices=sorted(CONFIGS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(out))
    return parser


def record(row: dict, rows: list[dict], sink: TextIO) -> None:
    """Keep a row, append it to the raw file at once (a long run keeps what it measured)
    and show it."""
    rows.append(row)
    sink.write(json.dumps(row) + "\n")
    sink.flush()
    print(json.dumps(row), flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark grid and print the table."""
    parser = grid_parser(__doc__.splitlines()[0], [50, 200, 500], [1, 2, 3], ENGINE_ROWS)
    parser.add_argument("--mip", action="store_true", help="also run HiGHS on the same model")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with args.out.open("a") as sink:
        for size in args.sizes:
            for limit in args.limits:
                for config in args.configs:
                    for seed in args.seeds:
                        record(run(size, seed, limit, config, args.workers, args.mip), rows, sink)
    print(summarise(rows))


if __name__ == "__main__":
    main()
