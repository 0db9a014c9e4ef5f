"""Benchmark: the engine against HiGHS and the waterline in both regimes, one run per size.

    PYTHONPATH=. python -m bench.run_regimes --sizes 200 500 1000 --seeds 1 2 3 4 5 --limits 10 60

For each size (outermost, so one size's rows share one stretch of the machine), regime
("big": `bench.generate.generate_portfolio`, weak LP; "small": `generate_small_projects`,
tight LP), time limit and seed: the waterline's value, the engine's value, reported bound and
the bound's source, the time its first plan above the waterline arrived, and HiGHS alone on
the time-indexed MIP (`engine/mip.py`) with the same wall time (building the MIP counts) and
threads. Every plan is re-checked by
the independent checker. Reasons are not timed (Settings "Reasons time" = 0): this is the
race for the plan. Rows go to bench/results/regimes.jsonl (or --out); the table gives
medians over seeds and the worst seed's engine / HiGHS ratio.
"""

from __future__ import annotations

import dataclasses
import statistics
import time

from bench.generate import REGIMES
from bench.run_engine import CONFIGS, grid_parser, record
from engine.checker import check_plan, check_starts
from engine.greedy import greedy
from engine.mip import solve_mip
from engine.model import Portfolio
from engine.optimiser import Progress, solve
from engine.result import relative_gap


def portfolio_of(regime: str, size: int, seed: int) -> Portfolio:
    """The benchmark portfolio of a regime, size and seed, without reasons to time."""
    portfolio = REGIMES[regime](size, seed=seed)
    settings = dataclasses.replace(portfolio.settings, explain_time=0.0)
    return dataclasses.replace(portfolio, settings=settings)


def run(regime: str, size: int, seed: int, limit: float, config: str, workers: int) -> dict:
    """One engine solve, the waterline and one HiGHS solve; raises if any plan breaks a rule."""
    portfolio = portfolio_of(regime, size, seed)
    began = time.perf_counter()
    waterline = greedy(portfolio)
    waterline_time = time.perf_counter() - began
    above: list[float] = []

    def first_above(event: Progress) -> None:
        if not above and event.objective > waterline.objective + 1e-9:
            above.append(event.elapsed)

    result = solve(
        portfolio,
        time_limit=limit,
        workers=workers,
        options=CONFIGS[config],
        progress=first_above,
    )
    for name, plan in (("waterline", waterline), ("engine", result)):
        broken = check_plan(portfolio, plan)
        if broken:
            raise AssertionError(f"{name} breaks rules: {regime} {size} seed {seed}: {broken}")
    # the same wall time as the engine: building the MIP counts against HiGHS's limit too
    mip = solve_mip(portfolio, time_limit=limit, threads=workers, seed=seed, build_in_limit=True)
    broken = check_starts(portfolio, mip.plan) if mip.plan else []
    if broken:
        raise AssertionError(f"HiGHS breaks rules: {regime} {size} seed {seed}: {broken}")
    return {
        "regime": regime,
        "size": size,
        "seed": seed,
        "limit": limit,
        "config": config,
        "workers": workers,
        "waterline": waterline.objective,
        "waterline_time": waterline_time,
        "status": result.status.value,
        "value": result.objective,
        "bound": result.bound,
        "bound_source": result.bound_source,
        "gap": result.gap,
        "time": result.wall_time,
        "first_above_waterline": above[0] if above else None,
        "mip_value": mip.value,
        "mip_bound": mip.bound,
        "mip_status": mip.status.value,
        "mip_time": mip.wall_time,
    }


def ratio(row: dict) -> float:
    """Engine value over HiGHS's (HiGHS without a plan counts as 0: the engine wins)."""
    if not row["mip_value"]:
        return float("inf")
    return row["value"] / row["mip_value"]


def _best_bound_gap(row: dict) -> float | None:
    bounds = [b for b in (row["bound"], row["mip_bound"]) if b is not None]
    return relative_gap(row["value"], min(bounds)) if bounds else None


def summarise(rows: list[dict]) -> str:
    """Markdown table: medians over seeds per size, limit, regime and config."""
    lines = [
        "| projects | regime | limit (s) | config | waterline | engine | HiGHS | engine / HiGHS "
        "(median, worst) | engine >= HiGHS | engine gap (bound from) | HiGHS gap "
        "| gap to the best bound | first plan above waterline (s) |",
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    keys = sorted({(r["size"], r["regime"], r["limit"], r["config"]) for r in rows})
    for key in keys:
        group = [r for r in rows if (r["size"], r["regime"], r["limit"], r["config"]) == key]
        size, regime, limit, config = key

        def med(values: list[float | None]) -> str:
            known = [v for v in values if v is not None]
            return f"{statistics.median(known):.1f}" if known else "-"

        def pct(values: list[float | None]) -> str:
            known = [v for v in values if v is not None]
            return f"{statistics.median(known):.2%}" if known else "-"

        ratios = [ratio(r) for r in group]
        sources = sorted({r["bound_source"] or "-" for r in group})
        mip_gaps = [relative_gap(r["mip_value"], r["mip_bound"]) for r in group]
        firsts = [r["first_above_waterline"] for r in group]
        lines.append(
            f"| {size} | {regime} | {limit:g} | {config} | {med([r['waterline'] for r in group])} "
            f"| {med([r['value'] for r in group])} | {med([r['mip_value'] for r in group])} "
            f"| {statistics.median(ratios):.3f}, {min(ratios):.3f} "
            f"| {sum(r >= 1 - 1e-9 for r in ratios)}/{len(group)} "
            f"| {pct([r['gap'] for r in group])} ({', '.join(sources)}) | {pct(mip_gaps)} "
            f"| {pct([_best_bound_gap(r) for r in group])} "
            f"| {med(firsts) if any(f is not None for f in firsts) else 'never'} "
            f"({sum(f is not None for f in firsts)}/{len(group)}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the grid and print the table."""
    parser = grid_parser(
        __doc__.splitlines()[0], [200, 500, 1000], [1, 2, 3, 4, 5], "bench/results/regimes.jsonl"
    )
    parser.add_argument("--regimes", nargs="+", default=["big", "small"], choices=sorted(REGIMES))
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with args.out.open("a") as sink:
        for size in args.sizes:
            for regime in args.regimes:
                for limit in args.limits:
                    for config in args.configs:
                        for seed in args.seeds:
                            row = run(regime, size, seed, limit, config, args.workers)
                            record(row, rows, sink)
    print(summarise(rows))


if __name__ == "__main__":
    main()
