"""Benchmark: issue 12's CP-SAT levers on both generated regimes, CP-SAT's stage alone.

    PYTHONPATH=. python -m bench.run_regime_levers --sizes 200 500 1000 --seeds 1 2 3

In the engine (`engine.optimiser`) HiGHS searches first on these sizes and CP-SAT improves
its plan with the rest of the time. Here every lever gets that same start (HiGHS's plan
after `--highs` seconds, 2 threads) and the same `--seconds` of CP-SAT on 2 workers, so a
difference in value is the lever's alone:

- "as shipped": the model as the engine builds it (intervals and cumulatives; the
  time-indexed layer only up to `TIME_INDEXED_LIMIT` start literals, which most of these
  portfolios pass: not 200 small projects, nor 500 on two seeds of three);
- "time-indexed kept": the time-indexed layer (start literals, capacity rows) kept at any
  size, for its LP;
- "linearization 0" / "linearization 2" / "LNS workers only": CP-SAT parameters that might
  suit many small items (no LP, the full LP, both workers on neighbourhood search);
- "window LNS": our own large-neighbourhood search over start windows: a window of months is
  drawn, the projects that may start in it are freed (up to a cap that grows while the
  sub-searches prove, shrinks while they do not), every other project keeps its place
  (or stays out), and a sub-search of at most `SUB_SECONDS` from the best plan keeps what
  improves;
- "3 threads: 1 full, 2 LNS": one full-problem subsolver (the bound) and two threads of
  neighbourhood search on the two cores (what `ModelOptions.neighbourhoods` does in the
  engine, where it was measured and left off: docs/benchmarks.md, "Levers on the regimes");
- "then LNS only" / "LNS only, then as shipped": as shipped and LNS only one after the other
  (as shipped gets `STAGE_SHARE` of the time, 40%), to keep CP-SAT's bound with LNS's plans.

Every plan is re-checked by the independent checker. Rows go to
bench/results/regime-levers.jsonl (or --out); the table gives medians over seeds of each
lever's value / as shipped's, and how much of HiGHS's plan each lever improved.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal, NamedTuple

from ortools.sat.python import cp_model

from bench.run_engine import record
from bench.run_regimes import portfolio_of
from engine.checker import check_starts
from engine.cpsat_model import ModelOptions, PortfolioModel
from engine.greedy import greedy_objective
from engine.mip import solve_mip
from engine.model import Objective, Portfolio
from engine.units import SCORE_UNITS


class Lever(NamedTuple):
    """A model's options, CP-SAT parameters, and how the search runs: one search with the
    parameters; our window LNS; or two searches, as shipped for STAGE_SHARE of the time (its
    root LP gives the bound) then with the parameters ("shipped first"), or the other way
    round ("parameters first")."""

    options: ModelOptions
    params: dict[str, object]
    how: Literal["search", "window LNS", "shipped first", "parameters first"] = "search"


LNS_ONLY: dict[str, object] = {"use_lns_only": True}
LEVERS: dict[str, Lever] = {
    "as shipped": Lever(ModelOptions(), {}),
    "time-indexed kept": Lever(ModelOptions(time_indexed=True), {}),
    "linearization 0": Lever(ModelOptions(), {"linearization_level": 0}),
    "linearization 2": Lever(ModelOptions(), {"linearization_level": 2}),
    "LNS workers only": Lever(ModelOptions(), LNS_ONLY),
    "3 threads: 1 full, 2 LNS": Lever(ModelOptions(), {"num_workers": 3, "num_full_subsolvers": 1}),
    "window LNS": Lever(ModelOptions(), {}, "window LNS"),
    "then LNS only": Lever(ModelOptions(), LNS_ONLY, "shipped first"),
    "LNS only, then as shipped": Lever(ModelOptions(), LNS_ONLY, "parameters first"),
}
STAGE_SHARE = 0.4
SUB_SECONDS = 1.0  # one window's sub-search
WINDOW_MONTHS = 3  # months of start a window frees
FIRST_CAP, MIN_CAP, MAX_CAP = 80, 20, 400  # projects a window frees at most


def value_of(portfolio: Portfolio, plan: dict[str, int]) -> float:
    """A plan's total weighted score, recomputed from the plan."""
    return greedy_objective(portfolio, plan, Objective.VALUE)


def cp_sat_solver(seconds: float, seed: int, params: dict[str, object]) -> cp_model.CpSolver:
    """A CP-SAT solver on 2 workers for `seconds`, with `params` set over the defaults."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.01)
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = seed
    for name, value in params.items():
        setattr(solver.parameters, name, value)
    return solver


def plain_search(
    built: PortfolioModel, start: dict[str, int], seconds: float, seed: int, params: dict
) -> tuple[dict[str, int], float | None]:
    """CP-SAT from `start` for `seconds`: (its best plan, its bound in score units)."""
    built.hint(start)
    solver = cp_sat_solver(seconds, seed, params)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return start, None
    return built.plan(solver), built.value_units(solver.best_objective_bound) / SCORE_UNITS


def window_lns(
    built: PortfolioModel,
    start: dict[str, int],
    seconds: float,
    seed: int,
    value: Callable[[dict[str, int]], float],
) -> tuple[dict[str, int], int, int]:
    """Our LNS over start windows from `start` for `seconds`: (the best plan, windows tried,
    windows that improved it)."""
    rng = random.Random(seed)
    deadline = time.perf_counter() + seconds
    plan, best = dict(start), value(start)
    cap, tried, improved = FIRST_CAP, 0, 0
    first = built.plan_start
    while (left := deadline - time.perf_counter()) > 0.1:
        month = rng.randrange(built.horizon)
        free = [
            pid
            for pid, v in built.projects.items()
            if not v.fixed and any(month <= s < month + WINDOW_MONTHS for s in v.starts)
        ]
        rng.shuffle(free)
        freed = set(free[:cap])
        built.hint(plan)
        sub = built.model.clone()
        for pid, v in built.projects.items():
            if pid in freed:
                continue
            chosen = pid in plan
            _fix(sub, v.selected, int(chosen))
            if chosen:
                _fix(sub, v.start, plan[pid] - first)
        solver = cp_sat_solver(min(SUB_SECONDS, left), seed + tried, {})
        status = solver.solve(sub)
        tried += 1
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            candidate = built.plan(solver)
            worth = value(candidate)
            if worth > best + 1e-9:
                plan, best, improved = candidate, worth, improved + 1
        grow = status == cp_model.OPTIMAL
        cap = min(MAX_CAP, int(cap * 1.5)) if grow else max(MIN_CAP, int(cap / 1.5))
    return plan, tried, improved


def _fix(model: cp_model.CpModel, var: cp_model.IntVar, value: int) -> None:
    """Fix a variable of a model's copy to one value (its domain becomes [value, value])."""
    domain = model.proto.variables[var.index].domain
    domain.clear()
    domain.extend([value, value])


def run(
    regime: str, size: int, seed: int, highs: float, seconds: float, levers: list[str]
) -> list[dict]:
    """HiGHS's plan once, then every lever from it; raises if any plan breaks a rule."""
    portfolio = portfolio_of(regime, size, seed)
    found = solve_mip(portfolio, time_limit=highs, threads=2, seed=seed, build_in_limit=True)
    start = found.plan
    start_value = value_of(portfolio, start)
    rows = []
    for lever in levers:
        options, params, how = LEVERS[lever]
        began = time.perf_counter()
        built = PortfolioModel(portfolio, Objective.VALUE, options)
        build = time.perf_counter() - began
        left = seconds - build
        extra: dict[str, object] = {}
        if how == "window LNS":
            plan, tried, improved = window_lns(
                built, start, left, seed, lambda p: value_of(portfolio, p)
            )
            bound = None
            extra = {"windows": tried, "improving_windows": improved}
        elif how == "shipped first":
            first, bound = plain_search(built, start, STAGE_SHARE * left, seed, {})
            left = seconds - (time.perf_counter() - began)
            plan, _ = plain_search(built, first, left, seed, params)
        elif how == "parameters first":
            first, _ = plain_search(built, start, (1 - STAGE_SHARE) * left, seed, params)
            left = seconds - (time.perf_counter() - began)
            plan, bound = plain_search(built, first, left, seed, {})
        else:
            plan, bound = plain_search(built, start, left, seed, params)
        broken = check_starts(portfolio, plan)
        if broken:
            raise AssertionError(f"{lever}, {regime} {size} seed {seed}: {broken[:3]}")
        rows.append(
            {
                "regime": regime,
                "size": size,
                "seed": seed,
                "highs_seconds": highs,
                "seconds": seconds,
                "lever": lever,
                "start": start_value,
                "value": value_of(portfolio, plan),
                "bound": bound,
                "time_indexed": built.time_indexed,  # the start-literal layer is in
                "build": build,
                "time": time.perf_counter() - began,
                **extra,
            }
        )
    return rows


def summarise(rows: list[dict]) -> str:
    """Per regime and size: each lever's median value / as shipped's (and its worst seed),
    its median CP-SAT bound / as shipped's (above 1: looser), and the median gain over
    HiGHS's plan it started from."""
    lines = [
        "| regime | projects | lever | value / as shipped (median) | worst seed | "
        "bound / as shipped's (median) | gain over HiGHS's plan (median) |",
        "|---|---|---|---|---|---|---|",
    ]
    keys = sorted({(r["regime"], r["size"]) for r in rows})
    for regime, size in keys:
        group = [r for r in rows if (r["regime"], r["size"]) == (regime, size)]
        shipped = {r["seed"]: r for r in group if r["lever"] == "as shipped"}
        for lever in LEVERS:
            mine = [r for r in group if r["lever"] == lever and r["seed"] in shipped]
            if not mine:
                continue
            ratios = [r["value"] / shipped[r["seed"]]["value"] for r in mine]
            bounds = [
                r["bound"] / shipped[r["seed"]]["bound"]
                for r in mine
                if r.get("bound") and shipped[r["seed"]].get("bound")
            ]
            bound = f"{statistics.median(bounds):.4f}" if bounds else "none"
            gains = [r["value"] / r["start"] - 1 for r in mine]
            lines.append(
                f"| {regime} | {size} | {lever} | {statistics.median(ratios):.4f} | "
                f"{min(ratios):.4f} | {bound} | {100 * statistics.median(gains):+.2f}% |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run every lever on every regime, size and seed; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regimes", nargs="+", default=["small", "big"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 500, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--highs", type=float, default=10.0, help="seconds of HiGHS first")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of CP-SAT")
    parser.add_argument("--levers", nargs="+", choices=sorted(LEVERS), default=list(LEVERS))
    parser.add_argument("--out", type=Path, default=Path("bench/results/regime-levers.jsonl"))
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    with args.out.open("a") as sink:
        for size in args.sizes:
            for regime in args.regimes:
                for seed in args.seeds:
                    for row in run(regime, size, seed, args.highs, args.seconds, args.levers):
                        record(row, rows, sink)
    print(summarise(rows))


if __name__ == "__main__":
    main()
