"""Benchmark: what was tried to prove the sample optimal sooner. The sample's own CP-SAT model
(as `engine.optimiser` builds it, warm-started from the waterline, no tie-break) under
solver parameters and formulation options, and HiGHS alone on its MIP.

    PYTHONPATH=. python -m bench.run_sample_levers --seeds 1 2 --limit 30

Each row: the lever, the seed, CP-SAT's status and the seconds to its end (to the proof when
OPTIMAL). "without hiring and balance" is the sample less the two rules the MIP lacks, so
that HiGHS alone can be timed on the same portfolio; "without the With link" drops one
dependency (P-130 With P-131), to show how much of the difficulty one rule carries. Rows go
to bench/results/sample-levers.jsonl (or --out).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

from bench.run_engine import record
from bench.run_regime_levers import cp_sat_solver
from engine.cpsat_model import ModelOptions, PortfolioModel
from engine.greedy import greedy_starts
from engine.mip import solve_mip
from engine.model import DependencyType, Objective, Portfolio
from workbook.book.sample import sample_portfolio

# lever -> (formulation options, CP-SAT parameters)
LEVERS: dict[str, tuple[ModelOptions, dict[str, object]]] = {
    "as shipped (2 workers)": (ModelOptions(), {}),
    "1 worker": (ModelOptions(), {"num_workers": 1}),
    "8 workers on the 2 cores": (ModelOptions(), {"num_workers": 8}),
    "2 full-problem workers": (ModelOptions(), {"num_full_subsolvers": 2}),
    "linearization_level 2": (ModelOptions(), {"linearization_level": 2}),
    "FS links over start literals": (ModelOptions(fs_time_indexed=True), {}),
    "cover cuts (depth 1)": (ModelOptions(cover_depth=1), {}),
    "no cumulative (LP rows only)": (ModelOptions(cumulative=False), {}),
}


def variants(sample: Portfolio) -> dict[str, Portfolio]:
    """The sample, the sample less the MIP's missing rules, and that less one With link."""
    bare = dataclasses.replace(sample, hiring=(), balance=())
    without_with = tuple(d for d in bare.dependencies if d.type is not DependencyType.WITH)
    return {
        "sample": sample,
        "without hiring and balance": bare,
        "without the With link": dataclasses.replace(bare, dependencies=without_with),
    }


def cp_sat(portfolio: Portfolio, options: ModelOptions, params: dict, seed: int, limit: float):
    """(status name, seconds) of one CP-SAT search of the portfolio's `value` model."""
    built = PortfolioModel(portfolio, Objective.VALUE, options)
    built.hint(greedy_starts(portfolio, Objective.VALUE)[0])
    solver = cp_sat_solver(limit, seed, params)
    began = time.perf_counter()
    status = solver.solve(built.model)
    return solver.status_name(status), time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    """Run every lever on the sample, the bare variants as shipped and HiGHS alone."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--limit", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/sample-levers.jsonl"))
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    portfolios = variants(sample_portfolio())
    rows: list[dict] = []
    with args.out.open("a") as sink:
        for seed in args.seeds:
            for lever, (options, params) in LEVERS.items():
                status, seconds = cp_sat(portfolios["sample"], options, params, seed, args.limit)
                row = {"portfolio": "sample", "lever": lever, "seed": seed}
                record(row | {"status": status, "seconds": seconds}, rows, sink)
            for name in ("without hiring and balance", "without the With link"):
                options, params = LEVERS["as shipped (2 workers)"]
                status, seconds = cp_sat(portfolios[name], options, params, seed, args.limit)
                row = {"portfolio": name, "lever": "as shipped (2 workers)", "seed": seed}
                record(row | {"status": status, "seconds": seconds}, rows, sink)
            mip = solve_mip(
                portfolios["without hiring and balance"], time_limit=args.limit, seed=seed
            )
            row = {"portfolio": "without hiring and balance", "lever": "HiGHS alone", "seed": seed}
            record(row | {"status": mip.status.value.upper(), "seconds": mip.wall_time}, rows, sink)
    print("| portfolio | lever | proven | median seconds |")
    print("|---|---|---:|---:|")
    for key in dict.fromkeys((r["portfolio"], r["lever"]) for r in rows):
        group = [r for r in rows if (r["portfolio"], r["lever"]) == key]
        proven = sum(r["status"] == "OPTIMAL" for r in group)
        median = statistics.median(r["seconds"] for r in group)
        print(f"| {key[0]} | {key[1]} | {proven}/{len(group)} | {median:.1f} |")


if __name__ == "__main__":
    main()
