"""What Settings "Reproducible" = Yes costs: the value found at the same time limit under Yes
against No, on the sample and on generated portfolios, and whether two Yes runs agree.

    PYTHONPATH=. python -m bench.run_reproducible --sizes 100 200 --seeds 1 2 3 --limit 10 \
        --out bench/results/reproducible.jsonl

Each portfolio and seed: one solve under No, two under Yes (the second must give the very
plan of the first). Every plan is checked by engine.checker. Solved reasons are off (Reasons
time 0): they come after the plan and do not change it. Wall times are reported too: under
Yes the limit counts work done, so a run may end before or after it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from pathlib import Path

from bench.generate import generate_portfolio
from engine.checker import check_plan
from engine.model import Portfolio
from engine.optimiser import solve
from workbook.book.sample import sample_portfolio


def _setting(portfolio: Portfolio, reproducible: bool, workers: int) -> Portfolio:
    settings = dataclasses.replace(
        portfolio.settings, reproducible=reproducible, explain_time=0.0, workers=workers
    )
    return dataclasses.replace(portfolio, settings=settings)


def _solved(portfolio: Portfolio, limit: float, seed: int, where: str):
    result = solve(portfolio, time_limit=limit, seed=seed)
    broken = check_plan(portfolio, result)
    if broken or not result.status.has_plan:
        raise AssertionError(f"{where}: {result.status} {broken}")
    return result


def run(name: str, portfolio: Portfolio, seed: int, limit: float, workers: int) -> dict:
    """One portfolio and seed: No once, Yes twice; values, wall times, agreement."""
    clock = _solved(_setting(portfolio, False, workers), limit, seed, f"{name} No")
    yes = _setting(portfolio, True, workers)
    first = _solved(yes, limit, seed, f"{name} Yes")
    again = _solved(yes, limit, seed, f"{name} Yes again")

    def plan(result) -> list[tuple[str, int | None]]:
        return sorted((o.project_id, o.start) for o in result.selected)

    return {
        "portfolio": name,
        "seed": seed,
        "limit": limit,
        "workers": workers,
        "value_no": clock.objective,
        "value_yes": first.objective,
        "ratio": first.objective / clock.objective if clock.objective else None,
        "gap_no": clock.gap,
        "gap_yes": first.gap,
        "wall_no": round(clock.wall_time, 2),
        "wall_yes": round(first.wall_time, 2),
        "wall_yes_again": round(again.wall_time, 2),
        "same_plan": plan(first) == plan(again) and first.objective == again.objective,
        "safety_stop": any("safety stop" in n for n in (*first.notes, *again.notes)),
    }


def summarise(rows: list[dict]) -> str:
    """A Markdown table: per portfolio, the median and worst value ratio Yes / No over the
    seeds, median wall times, and how many Yes pairs gave the same plan."""
    lines = [
        "| portfolio | seeds | value Yes / No: median (worst) | wall No / Yes, median s | "
        "same plan twice under Yes |",
        "|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(r["portfolio"] for r in rows):
        mine = [r for r in rows if r["portfolio"] == name]
        ratios = [r["ratio"] for r in mine if r["ratio"] is not None]
        lines.append(
            f"| {name} | {len(mine)} | {statistics.median(ratios):.4f} ({min(ratios):.4f}) | "
            f"{statistics.median(r['wall_no'] for r in mine):.1f} / "
            f"{statistics.median(r['wall_yes'] for r in mine):.1f} | "
            f"{sum(r['same_plan'] for r in mine)}/{len(mine)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("bench/results/reproducible.jsonl"))
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    portfolios = [("sample", sample_portfolio())]
    portfolios += [(f"generated {n}", generate_portfolio(n, seed=n)) for n in args.sizes]
    rows = []
    with args.out.open("a") as sink:
        for name, portfolio in portfolios:
            for seed in args.seeds:
                row = run(name, portfolio, seed, args.limit, args.workers)
                rows.append(row)
                sink.write(json.dumps(row) + "\n")
                sink.flush()
                print(json.dumps(row), flush=True)
    print(summarise(rows))


if __name__ == "__main__":
    main()
