"""Benchmark: how much a small edit changes the plan, with Stability Off and Normal.

    PYTHONPATH=. python -m bench.run_stability --sizes 40 80 --seeds 1 2 3 4 5 --limit 20

For the sample portfolio and generated ones (bench/generate.py), per seed: solve once (the
baseline, the plan last written), then apply one small edit and re-optimise from that
baseline with Stability Off and with Normal. The edits: +0.5 FTE for one role in one month,
a new project scored like the median one, and one project's score moved by 2 on one
criterion. Measured: decisions changed since the baseline (projects in, out or moved) and
the value Normal gives up against Off. Every plan is re-checked by the independent checker.
Prints a Markdown table of medians over seeds and writes every run as JSON lines to
bench/results/stability.jsonl (or --out). Goal (docs/benchmarks.md): a +0.5 FTE edit moves
at most 2 projects at Normal and gives up at most 1% of value.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
from pathlib import Path

from bench.generate import generate_portfolio
from engine.checker import check_plan
from engine.model import Portfolio
from engine.optimiser import solve
from engine.plan import scores
from engine.stability import Baseline
from workbook.book.sample import sample_portfolio

EDITS = ("fte", "project", "score")
LEVELS = ("Off", "Normal")
GOAL_CHANGES = 2
GOAL_GIVEN_UP = 0.01


def edit_portfolio(portfolio: Portfolio, kind: str, rng: random.Random) -> tuple[Portfolio, str]:
    """The portfolio with one small edit, and the edit in words."""
    if kind == "fte":
        role = rng.choice(list(portfolio.capacity))
        offset = rng.randrange(portfolio.settings.horizon)
        row = list(portfolio.capacity[role])
        row[offset] += 0.5
        capacity = {**portfolio.capacity, role: tuple(row)}
        return dataclasses.replace(portfolio, capacity=capacity), f"+0.5 FTE {role} m{offset}"
    if kind == "project":
        by_score = scores(portfolio)
        in_play = sorted(
            (p for p in portfolio.projects if not p.out_of_play and not p.must_run),
            key=lambda p: (by_score[p.id], p.id),
        )
        median = in_play[len(in_play) // 2]
        new = dataclasses.replace(
            median,
            id=f"{median.id}-NEW",
            name="New proposal",
            exclusive_group=None,
            earliest_start=None,
            latest_start=None,
        )
        demands = [
            dataclasses.replace(d, project_id=new.id)
            for d in portfolio.demands
            if d.project_id == median.id
        ]
        return (
            dataclasses.replace(
                portfolio,
                projects=(*portfolio.projects, new),
                demands=(*portfolio.demands, *demands),
            ),
            f"new project like {median.id}",
        )
    candidates = [p for p in portfolio.projects if not p.out_of_play and not p.must_run]
    target = rng.choice(candidates)
    criterion = rng.choice(portfolio.criteria)
    old = target.scores.get(criterion.name, criterion.min)
    step = rng.choice((-2.0, 2.0))
    new_score = min(max(old + step, criterion.min), criterion.max)
    if new_score == old:
        new_score = min(max(old - step, criterion.min), criterion.max)
    changed = dataclasses.replace(target, scores={**target.scores, criterion.name: new_score})
    projects = tuple(changed if p.id == target.id else p for p in portfolio.projects)
    return (
        dataclasses.replace(portfolio, projects=projects),
        f"{target.id} {criterion.name} {old:g}->{new_score:g}",
    )


def _with_level(portfolio: Portfolio, level: str) -> Portfolio:
    """At this Stability level; no solved reasons (they do not change the plan)."""
    settings = dataclasses.replace(portfolio.settings, stability=level, explain_time=0.0)
    return dataclasses.replace(portfolio, settings=settings)


def _checked(portfolio: Portfolio, result, where: str):
    broken = check_plan(portfolio, result)
    if broken or not result.status.has_plan:
        raise AssertionError(f"{where}: {result.status} {broken}")
    return result


def run(
    name: str,
    portfolio: Portfolio,
    seed: int,
    limit: float,
    workers: int,
    baseline_limit: float | None = None,
) -> list[dict]:
    """Every edit on one portfolio and seed: rows of changes and values at each level. The
    baseline gets `baseline_limit` seconds (default: `limit`)."""
    first = _checked(
        portfolio,
        solve(
            _with_level(portfolio, "Off"),
            time_limit=baseline_limit or limit,
            seed=seed,
            workers=workers,
        ),
        f"{name} seed {seed} baseline",
    )
    baseline = Baseline(
        {o.project_id: o.start for o in first.selected},
        frozenset(p.id for p in portfolio.projects),
        {o.project_id: o.score for o in first.projects},
    )
    rows = []
    for kind in EDITS:
        rng = random.Random(f"{name}-{seed}-{kind}")
        edited, words = edit_portfolio(portfolio, kind, rng)
        row: dict[str, object] = {
            "portfolio": name,
            "seed": seed,
            "edit": kind,
            "what": words,
            "limit": limit,
            "baseline_limit": baseline_limit or limit,
            "baseline_value": first.objective,
            "baseline_status": first.status.value,
        }
        for level in LEVELS:
            result = _checked(
                edited,
                solve(
                    _with_level(edited, level),
                    time_limit=limit,
                    seed=seed,
                    workers=workers,
                    baseline=baseline,
                ),
                f"{name} seed {seed} {kind} {level}",
            )
            key = level.lower()
            row[f"changes_{key}"] = len(result.changes)
            row[f"value_{key}"] = result.objective
            row[f"status_{key}"] = result.status.value
        value_off, value_normal = row["value_off"], row["value_normal"]
        assert isinstance(value_off, float) and isinstance(value_normal, float)
        row["given_up"] = (value_off - value_normal) / value_off if value_off else 0.0
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def table(rows: list[dict]) -> str:
    """Medians over seeds per portfolio and edit, and whether the +0.5 FTE goal is met."""
    lines = [
        "| portfolio | edit | runs | changes Off (median) | changes Normal (median, max) "
        "| value given up at Normal (median, max) | goal met |",
        "|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["portfolio"], row["edit"]), []).append(row)
    for (name, kind), items in groups.items():
        off = statistics.median(r["changes_off"] for r in items)
        normal = [r["changes_normal"] for r in items]
        given = [r["given_up"] for r in items]
        met = ""
        if kind == "fte":
            ok = sum(
                r["changes_normal"] <= GOAL_CHANGES and r["given_up"] <= GOAL_GIVEN_UP
                for r in items
            )
            met = f"{ok} of {len(items)}"
        lines.append(
            f"| {name} | {kind} | {len(items)} | {off:g} | {statistics.median(normal):g}, "
            f"{max(normal)} | {statistics.median(given):.2%}, {max(given):.2%} | {met} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[40, 80])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument(
        "--baseline-limit",
        type=float,
        help="seconds for the baseline solve (default: --limit)",
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-sample", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("bench/results/stability.jsonl"))
    args = parser.parse_args(argv)
    rows: list[dict] = []
    names = ([] if args.no_sample else ["sample"]) + [f"generated {n}" for n in args.sizes]
    for name in names:
        for seed in args.seeds:
            portfolio = (
                sample_portfolio()
                if name == "sample"
                else generate_portfolio(int(name.split()[-1]), seed=seed)
            )
            rows += run(name, portfolio, seed, args.limit, args.workers, args.baseline_limit)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(table(rows))


if __name__ == "__main__":
    main()
