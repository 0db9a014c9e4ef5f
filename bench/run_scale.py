"""Scale and the time limit: does a large portfolio get a plan, at least the waterline's, with
every mandatory project, and does the whole run keep to the limit?

    PYTHONPATH=. python -m bench.run_scale --sizes 2000 5000 --seeds 1 --limit 20 \
        --out bench/results/scale.jsonl

Each size and seed: a generated portfolio (bench.generate, 12 roles, 60 months, 10 mandatory
projects, each after an optional FS or Requires predecessor: `optional_predecessors`),
written into a real workbook (workbook.files.template.build_workbook), then

- the product path: `pmo optimise BOOK --time-limit L --out OUT --json R.json` run as a
  subprocess; its wall time, and from R.json the command's steps (read, solve, write) and
  the engine's (waterline, build, warm start, search, tie-break, explain, reasons); the plan
  written into OUT is read back with the project's reader and checked by engine.checker;
- the engine alone: `engine.optimiser.solve` on the same portfolio, with its steps, checked.

Value is compared with the mandatory-aware waterline (engine.greedy.greedy) of the same
portfolio. Raw rows go to --out; a Markdown table is printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import generate_portfolio
from engine.checker import check_plan
from engine.greedy import greedy
from engine.model import Portfolio
from engine.optimiser import solve
from engine.plan import outcomes
from engine.result import Result, SolveStatus
from workbook.files.template import build_workbook
from workbook.service import FileTransport

MANDATORY = 10


def scale_portfolio(n: int, seed: int) -> Portfolio:
    """The issue's shape: n projects x 12 roles x 60 months, 10 mandatory projects each
    after an optional predecessor."""
    return generate_portfolio(
        n,
        n_roles=12,
        horizon=60,
        seed=seed,
        mandatory_share=MANDATORY / n,
        optional_predecessors=MANDATORY,
    )


def _placed(portfolio: Portfolio, starts: dict[str, int]) -> str:
    must = [p.id for p in portfolio.projects if p.mandatory]
    return f"{sum(pid in starts for pid in must)}/{len(must)}"


def _checked(portfolio: Portfolio, result: Result) -> list[str]:
    return check_plan(portfolio, result) if result.status.has_plan else ["no plan"]


def engine_row(portfolio: Portfolio, limit: float, seed: int) -> dict:
    """The engine alone, with its steps' seconds."""
    began = time.perf_counter()
    result = solve(portfolio, time_limit=limit, seed=seed)
    wall = time.perf_counter() - began
    starts = {o.project_id: o.start for o in result.selected if o.start is not None}
    return {
        "status": result.status.value,
        "value": result.objective,
        "wall_s": round(wall, 2),
        "phases_s": {name: round(s, 2) for name, s in result.phases},
        "mandatory_placed": _placed(portfolio, starts),
        "broken": _checked(portfolio, result)[:5],
        "cut_short": any(n.startswith("Reasons cut short") for n in result.notes),
    }


def command_row(portfolio: Portfolio, limit: float, seed: int, folder: Path) -> dict:
    """`pmo optimise` as a subprocess on a real workbook; the written plan checked."""
    began = time.perf_counter()
    book = build_workbook(folder / "scale.xlsm", portfolio)
    build_s = time.perf_counter() - began
    out, report = folder / "out.xlsm", folder / "r.json"
    command = [sys.executable, "-m", "workbook", "optimise", str(book), "--out", str(out)]
    command += ["--time-limit", f"{limit:g}", "--seed", str(seed), "--json", str(report)]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    row: dict = {"build_book_s": round(build_s, 2), "exit": done.returncode}
    row["command_wall_s"] = round(wall, 2)
    if not report.exists():
        row["error"] = (done.stdout + done.stderr)[-500:]
        return row
    data = json.loads(report.read_text())
    row |= {
        "status": data["status"],
        "value": data["objective"],
        "steps_s": data["steps_s"],
        "phases_s": data["phases_s"],
        "cut_short": any(n.startswith("Reasons cut short") for n in data["notes"]),
    }
    # the plan as written: read back from OUT and checked against OUT's own inputs
    read = FileTransport(out).read()
    starts = dict(read.baseline.starts) if read.baseline else {}
    written = read.portfolio
    plan = Result(
        SolveStatus(data["status"]),
        objective=data["objective"],
        projects=outcomes(written, starts, {}),
    )
    row["mandatory_placed"] = _placed(written, starts)
    row["broken"] = _checked(written, plan)[:5]
    return row


def run(n: int, seed: int, limit: float) -> dict:
    """One size and seed: the waterline, the command and the engine alone."""
    portfolio = scale_portfolio(n, seed)
    settings = dataclasses.replace(portfolio.settings, time_limit=limit)
    portfolio = dataclasses.replace(portfolio, settings=settings)
    began = time.perf_counter()
    waterline = greedy(portfolio)
    row: dict = {"projects": n, "seed": seed, "limit": limit}
    row["waterline"] = {
        "status": waterline.status.value,
        "value": waterline.objective,
        "wall_s": round(time.perf_counter() - began, 2),
    }
    with tempfile.TemporaryDirectory() as folder:
        row["command"] = command_row(portfolio, limit, seed, Path(folder))
    row["engine"] = engine_row(portfolio, limit, seed)
    return row


def _ratio(row: dict, side: str) -> str:
    value, base = row[side].get("value"), row["waterline"]["value"]
    return f"{value / base:.4f}" if value is not None and base else "-"


def summarise(rows: list[dict]) -> str:
    """A Markdown table: per size and seed, each path's status, value against the
    waterline, mandatory projects placed, wall time against the limit, steps and checks."""
    lines = [
        "| projects | seed | path | status | value / waterline | mandatory placed | wall s "
        "(limit) | read / solve / write s | engine steps s | reasons cut short | checker |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        for side in ("command", "engine"):
            got = row[side]
            steps = got.get("steps_s")
            steps_text = (
                f"{steps['read']:.1f} / {steps['solve']:.1f} / {steps['write']:.1f}"
                if steps
                else "-"
            )
            phases = ", ".join(f"{k} {v:.1f}" for k, v in got.get("phases_s", {}).items() if v)
            wall = got.get("command_wall_s", got.get("wall_s"))
            broken = got.get("broken", ["?"])
            lines.append(
                f"| {row['projects']} | {row['seed']} | {side} | {got.get('status', 'error')} | "
                f"{_ratio(row, side)} | {got.get('mandatory_placed', '-')} | "
                f"{wall:.1f} ({row['limit']:g}) | {steps_text} | {phases} | "
                f"{'yes' if got.get('cut_short') else 'no'} | "
                f"{'valid' if not broken else '; '.join(broken)} |"
            )
    return "\n".join(lines)


def _record(out: Path, row: dict) -> dict:
    """Append the row to the raw results (one JSON line) and show it."""
    with out.open("a") as sink:
        sink.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)
    return row


def main(argv: list[str] | None = None) -> None:
    """Run every size and seed and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 5000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--limit", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/scale.jsonl"))
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = [_record(args.out, run(n, seed, args.limit)) for n in args.sizes for seed in args.seeds]
    print(summarise(rows))
    beyond = [r["command"].get("command_wall_s", 0) - r["limit"] for r in rows]
    print(f"\ncommand wall beyond the limit: median {statistics.median(beyond):.1f} s")


if __name__ == "__main__":
    main()
