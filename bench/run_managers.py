"""Benchmark: what Settings "Project managers" = Assign costs the optimiser (issue 16).

    python -m bench.run_managers --sizes 40 100 --seeds 1 2 3 --limit 20

For each size and seed: the generated portfolio is solved under Check (managers ignored by
the plan), then given a roster of managers whose joint limit is half the most projects
the Check plan runs at once (so the limits bind), and solved under Assign. Every plan is
re-checked by the independent checker (under Assign, with the managers' limits), and so is
the waterline's plan under Assign (it staffs projects as it places them). Prints a Markdown
table of medians over seeds: value, gap and wall time of each mode, the share of the Check
value that Assign keeps (what the roster's limits cost), and Assign's value against its
waterline's. Writes every run as JSON lines to
bench/results/managers.jsonl (or --out).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import statistics
from collections import Counter
from pathlib import Path

from bench.generate import generate_portfolio
from engine.checker import check_plan
from engine.greedy import greedy
from engine.model import Manager, ManagerMode, Portfolio
from engine.optimiser import solve
from engine.result import Result

ROSTER_SHARE = 0.5  # of the Check plan's peak number of projects at once


def peak_concurrency(portfolio: Portfolio, result: Result) -> int:
    """The most selected projects running in one horizon month."""
    running: Counter[int] = Counter()
    for outcome in result.selected:
        project = portfolio.project(outcome.project_id)
        assert outcome.start is not None
        for month in range(outcome.start, outcome.start + max(project.duration, 1)):
            if portfolio.settings.plan_start <= month < portfolio.months.stop:
                running[month] += 1
    return max(running.values(), default=0)


def roster(portfolio: Portfolio, slots: int, seed: int) -> tuple[Manager, ...]:
    """Managers of 1 to 3 projects each, `slots` in all; a quarter join late or leave early."""
    rng = random.Random(seed)
    people, left, first = [], max(slots, 1), portfolio.settings.plan_start
    while left > 0:
        limit = min(left, rng.choice((1, 2, 2, 3)))
        late = rng.random() < 0.25
        people.append(
            Manager(
                f"PM{len(people) + 1:02d}",
                max_projects=limit,
                available_from=first + rng.randint(1, 6) if late else None,
            )
        )
        left -= limit
    return tuple(people)


def run(size: int, seed: int, limit: float, workers: int) -> dict:
    """Check, then Assign with a binding roster; raises if any plan breaks a rule."""
    check = generate_portfolio(size, seed=seed)
    loose = solve(check, time_limit=limit, workers=workers)
    assert check_plan(check, loose) == [], "Check plan breaks a rule"
    peak = peak_concurrency(check, loose)
    people = roster(check, math.floor(ROSTER_SHARE * peak), seed)
    settings = dataclasses.replace(check.settings, project_managers=ManagerMode.ASSIGN)
    assign = dataclasses.replace(check, settings=settings, managers=people)
    staffed = solve(assign, time_limit=limit, workers=workers)
    waterline = greedy(assign)
    for name, plan in (("Assign", staffed), ("Assign waterline", waterline)):
        broken = check_plan(assign, plan)
        if broken:
            raise AssertionError(f"{name} plan breaks rules at size {size} seed {seed}: {broken}")
    return {
        "size": size,
        "seed": seed,
        "limit": limit,
        "peak_at_once": peak,
        "managers": len(people),
        "slots": sum(m.max_projects for m in people),
        "check_value": loose.objective,
        "check_gap": loose.gap,
        "check_time": loose.wall_time,
        "check_status": loose.status.value,
        "assign_value": staffed.objective,
        "assign_gap": staffed.gap,
        "assign_time": staffed.wall_time,
        "assign_status": staffed.status.value,
        "assign_selected": len(staffed.selected),
        "assign_waterline": waterline.objective,
        "check_selected": len(loose.selected),
    }


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(float(r[key]) for r in rows if r[key] is not None)


def table(rows: list[dict]) -> str:
    """Medians per size, as Markdown."""
    lines = [
        "| projects | managers (slots) | Check value | Check gap | Check s | Assign value "
        "| Assign gap | Assign s | Assign keeps | Assign / its waterline |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sorted({r["size"] for r in rows}):
        mine = [r for r in rows if r["size"] == size]
        kept = statistics.median(r["assign_value"] / r["check_value"] for r in mine)
        over = statistics.median(r["assign_value"] / r["assign_waterline"] for r in mine)
        lines.append(
            f"| {size} | {_median(mine, 'managers'):g} ({_median(mine, 'slots'):g}) "
            f"| {_median(mine, 'check_value'):.1f} | {_median(mine, 'check_gap'):.1%} "
            f"| {_median(mine, 'check_time'):.1f} | {_median(mine, 'assign_value'):.1f} "
            f"| {_median(mine, 'assign_gap'):.1%} | {_median(mine, 'assign_time'):.1f} "
            f"| {kept:.1%} | {over:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 100])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--limit", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("bench/results/managers.jsonl"))
    args = parser.parse_args()
    rows = []
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as handle:
        for size in args.sizes:
            for seed in args.seeds:
                row = run(size, seed, args.limit, args.workers)
                rows.append(row)
                handle.write(json.dumps(row) + "\n")
                handle.flush()
    print(table(rows))


if __name__ == "__main__":
    main()
