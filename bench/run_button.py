"""Benchmark: the button. Time to a proven optimum, tie-break included, on the sample and on
small generated portfolios, the engine as shipped against HiGHS first and HiGHS alone.

    PYTHONPATH=. python -m bench.run_button --sizes 40 60 100 150 --seeds 1 2 3 --limit 20

Issue 12 asks that the sample, and any portfolio up to ~60 projects, be proven optimal with
the tie-break within 3 s on 2 cores. For the sample (`workbook.book.sample`; hiring and
balance rules, which the MIP lacks, so HiGHS cannot run on it) and each size, regime ("big":
weak LP, "small": tight LP; `bench.generate`) and seed: the engine as a user gets it
("default"), the engine with HiGHS first whatever the size ("highs-first", below
`engine.optimiser.HIGHS_MIN_PROJECTS`, where the default is CP-SAT alone) or CP-SAT alone
("cp-sat-only", from that size on, where the default is HiGHS first), and HiGHS alone on the
time-indexed MIP ("highs-alone", no tie-break: it has none). `plan_time` is the solve up to
its plan (waterline, HiGHS, model, search, tie-break); the reasons that follow are not
timed (Settings "Reasons time" = 0). Every plan is re-checked by the independent checker.
Rows go to bench/results/button.jsonl (or --out); the table gives, per portfolio kind, size
and config, how many runs were proven optimal, how many within 3 s, and the median time.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
from pathlib import Path

from bench.generate import REGIMES
from bench.run_engine import CONFIGS, record
from engine.checker import check_plan, check_starts
from engine.mip import solve_mip
from engine.model import Portfolio
from engine.optimiser import HIGHS_MIN_PROJECTS, solve
from engine.result import SolveStatus
from workbook.book.sample import sample_portfolio

BUTTON_SECONDS = 3.0  # the "answers in seconds"
PLAN_PHASES = ("waterline", "highs", "build", "warm start", "search", "tie-break")


def proven_quickly(row: dict) -> bool:
    """Whether a run was proven optimal within the button's seconds."""
    return bool(row["proven"]) and row["plan_time"] <= BUTTON_SECONDS


def _untimed_reasons(portfolio: Portfolio) -> Portfolio:
    settings = dataclasses.replace(portfolio.settings, explain_time=0.0)
    return dataclasses.replace(portfolio, settings=settings)


def run(kind: str, size: int, seed: int, limit: float, config: str, workers: int) -> dict:
    """One solve of one portfolio in one config; raises if its plan breaks a rule."""
    portfolio = _untimed_reasons(
        sample_portfolio() if kind == "sample" else REGIMES[kind](size, seed=seed)
    )
    row = {"kind": kind, "size": len(portfolio.projects), "seed": seed, "limit": limit}
    if config == "highs-alone":
        mip = solve_mip(
            portfolio, time_limit=limit, threads=workers, seed=seed, build_in_limit=True
        )
        if mip.plan and check_starts(portfolio, mip.plan):
            raise AssertionError(f"HiGHS breaks rules: {kind} {size} seed {seed}")
        return row | {
            "config": config,
            "status": mip.status.value,
            "value": mip.value,
            "proven": mip.status is SolveStatus.OPTIMAL,
            "plan_time": mip.wall_time,
        }
    result = solve(portfolio, time_limit=limit, workers=workers, seed=seed, options=CONFIGS[config])
    broken = check_plan(portfolio, result)
    if broken:
        raise AssertionError(f"the engine breaks rules: {kind} {size} seed {seed}: {broken}")
    phases = dict(result.phases)
    return row | {
        "config": config,
        "status": result.status.value,
        "value": result.objective,
        "proven": result.status is SolveStatus.OPTIMAL,
        "plan_time": sum(phases.get(name, 0.0) for name in PLAN_PHASES),
        "strategy": result.strategy,
        "phases": {name: round(seconds, 3) for name, seconds in phases.items()},
    }


def configs_for(kind: str, size: int) -> list[str]:
    """The configs worth running: HiGHS cannot run on the sample; on either side of HiGHS's
    threshold, the default and the other choice."""
    if kind == "sample":
        return ["default"]
    other = "cp-sat-only" if size >= HIGHS_MIN_PROJECTS else "highs-first"
    return ["default", other, "highs-alone"]


def summarise(rows: list[dict]) -> str:
    """Markdown table: proven, proven within the button's 3 s, median time to the plan."""
    lines = [
        "| portfolio | projects | config | proven optimal | proven within 3 s "
        "| median time to the plan (s) | median value |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    keys = sorted({(r["kind"], r["size"], r["config"]) for r in rows})
    for kind, size, config in keys:
        group = [r for r in rows if (r["kind"], r["size"], r["config"]) == (kind, size, config)]
        quick = [r for r in group if proven_quickly(r)]
        values = [r["value"] for r in group if r["value"] is not None]
        lines.append(
            f"| {kind} | {size} | {config} | {sum(r['proven'] for r in group)}/{len(group)} "
            f"| {len(quick)}/{len(group)} "
            f"| {statistics.median(r['plan_time'] for r in group):.2f} "
            f"| {f'{statistics.median(values):.1f}' if values else '-'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the sample and the grid, then print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 60, 100, 150])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--limit", type=float, default=20.0)
    parser.add_argument("--regimes", nargs="+", default=["big", "small"], choices=sorted(REGIMES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-sample", action="store_true", help="generated portfolios only")
    parser.add_argument("--out", type=Path, default=Path("bench/results/button.jsonl"))
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    grid = [] if args.no_sample else [("sample", 0)]
    grid += [(regime, size) for size in args.sizes for regime in args.regimes]
    rows: list[dict] = []
    with args.out.open("a") as sink:
        for kind, size in grid:
            for config in configs_for(kind, size):
                for seed in args.seeds:
                    record(run(kind, size, seed, args.limit, config, args.workers), rows, sink)
    print(summarise(rows))


if __name__ == "__main__":
    main()
