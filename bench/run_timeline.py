"""Value against time on generated portfolios: the engine's incumbent and bound as it runs,
the waterline, and HiGHS at the same limits; a PNG for docs/benchmarks.md.

    PYTHONPATH=. python -m bench.run_timeline --sizes 50 200 500 --limit 60 \
        --out docs/value_vs_time.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.generate import generate_portfolio
from engine.greedy import greedy
from engine.mip import solve_mip
from engine.optimiser import solve


def timeline(size: int, seed: int, limit: float) -> dict:
    """The engine's progress events, and the waterline and HiGHS values at 10 s and the limit."""
    portfolio = generate_portfolio(size, seed=seed)
    events: list[tuple[float, float, float]] = []
    result = solve(
        portfolio,
        time_limit=limit,
        progress=lambda p: events.append((p.elapsed, p.objective, p.bound)),
    )
    highs = {
        str(t): solve_mip(portfolio, time_limit=t, seed=seed).value
        for t in sorted({min(10.0, limit), limit})
    }
    return {
        "size": size,
        "seed": seed,
        "limit": limit,
        "events": events,
        "final": [result.wall_time, result.objective, result.bound],
        "greedy": greedy(portfolio).objective,
        "highs": highs,
    }


def plot(runs: list[dict], out: Path) -> None:
    """One panel per size: incumbent (solid), bound (dashed), waterline, HiGHS points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(runs), figsize=(5 * len(runs), 4), squeeze=False)
    for ax, run in zip(axes[0], runs, strict=True):
        times = [e[0] for e in run["events"]] + [run["final"][0]]
        values = [e[1] for e in run["events"]] + [run["final"][1]]
        bounds = [e[2] for e in run["events"]] + [run["final"][2]]
        ax.step(times, values, where="post", label="engine plan")
        ax.step(times, bounds, where="post", linestyle="--", label="engine bound")
        ax.axhline(run["greedy"], color="grey", linestyle=":", label="waterline")
        ax.plot(
            [float(t) for t in run["highs"]],
            list(run["highs"].values()),
            "o",
            color="black",
            label="HiGHS at 10 s / limit",
        )
        ax.set_title(f"{run['size']} projects (seed {run['seed']})")
        ax.set_xlabel("seconds")
        ax.set_ylabel("total weighted score")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=90)


def main(argv: list[str] | None = None) -> None:
    """Run the timelines and draw the plot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=Path("docs/value_vs_time.png"))
    args = parser.parse_args(argv)
    runs = [timeline(size, args.seed, args.limit) for size in args.sizes]
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/timeline.json").write_text(json.dumps(runs, indent=1))
    plot(runs, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
