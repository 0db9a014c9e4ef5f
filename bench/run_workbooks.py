"""Benchmark: published J30 instances end to end through workbooks, against the engine.

    PMO_BENCHMARKS=../shared/benchmarks PYTHONPATH=. python -m bench.run_workbooks \
        --every 24 --limit 10

The instances: every 24th J30 instance in the order of the best-known table (j301_1,
j303_5, j305_9, ..., j3046_7: 20 of the 480). Each is converted with `rcpsp_to_portfolio`
(its default horizon: the file's horizon or the sum of durations, 129-197 months here, so
Capacity has as many month columns) and written as a plain-sheet book (bench/plain_book.py:
no Excel Tables). Then, per instance:

* the reader's Portfolio from the book must equal the converted one, part by part;
* the real command `pmo optimise BOOK --time-limit L --json OUT.json` (a child process,
  the book's own Settings otherwise: seed 0, Reproducible No, 2 workers);
* `engine.optimiser.solve` on the converted Portfolio, with the same settings;
  (`--reproducible`: Settings "Reproducible" = Yes in the book and for the engine, so the
  two must give the very same plan; `--seed`: the Random seed of both)
* both plans checked by `engine.checker.check_plan` (every project planned, as `finish`
  requires), their makespans against each other and the published optimum; the book read
  again after the run must still equal the converted Portfolio (inputs untouched).

One JSON row per instance in bench/results/workbooks.jsonl (or --out); a Markdown table is
printed. A broken plan or a book that does not read back raises, after its row is written.
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

from bench.instances import best_known, instance_names, load, makespan, rcpsp_to_portfolio
from bench.plain_book import as_kept, differences, write_plain_book
from engine.checker import check_plan
from engine.model import Portfolio
from engine.months import parse_month
from engine.optimiser import solve
from engine.result import ProjectOutcome, Result, SolveStatus
from workbook.files.reader import read_workbook

RESULTS = Path("bench/results/workbooks.jsonl")


def pmo_command() -> list[str]:
    """The installed `pmo` beside this Python, else the same entry point as a module."""
    script = Path(sys.executable).with_name("pmo")
    return [str(script)] if script.exists() else [sys.executable, "-m", "workbook"]


def json_result(portfolio: Portfolio, payload: dict) -> Result:
    """The plan of a `pmo optimise --json` file as a `Result`, for the checker: each selected
    project at its start month, ending `duration` months later; the objective as reported."""
    durations = {p.id: p.duration for p in portfolio.projects}
    outcomes = []
    for entry in payload["projects"]:
        start = parse_month(entry["start"]) if entry["selected"] else None
        end = None if start is None else start + durations[entry["id"]]
        outcomes.append(ProjectOutcome(entry["id"], entry["selected"], start, end))
    return Result(
        SolveStatus(payload["status"]),
        objective=payload["objective"],
        projects=tuple(outcomes),
        objective_name=portfolio.settings.objective.value,
    )


def starts_of(result: Result) -> dict[str, int]:
    """{project ID: start month} of the selected projects."""
    return {o.project_id: o.start for o in result.selected if o.start is not None}


def run_one(
    name: str, limit: float, folder: Path, reproducible: bool = False, seed: int = 0
) -> dict:
    """One instance through the book and through the engine; the row of figures."""
    converted = as_kept(rcpsp_to_portfolio(load("psplib", name)))
    # the limit in the book too: the command's --time-limit then changes nothing it says
    settings = dataclasses.replace(
        converted.settings, time_limit=limit, reproducible=reproducible, random_seed=seed
    )
    portfolio = dataclasses.replace(converted, settings=settings)
    book = write_plain_book(portfolio, folder / f"{name}.xlsx")
    book_kb = round(book.stat().st_size / 1024, 1)  # as the user's book is, before the run
    read = read_workbook(book)
    read_differences = differences(portfolio, read.portfolio)

    out = folder / f"{name}.json"
    out.unlink(missing_ok=True)
    command = [*pmo_command(), "optimise", str(book), "--time-limit", f"{limit:g}"]
    began = time.perf_counter()
    done = subprocess.run(
        [*command, "--json", str(out)], capture_output=True, text=True, check=False
    )
    cli_wall = time.perf_counter() - began
    payload = json.loads(out.read_text()) if out.exists() else None
    after = differences(portfolio, read_workbook(book).portfolio)

    engine = solve(portfolio)
    engine_broken = check_plan(portfolio, engine, everyone=True)
    known = best_known("psplib", name).value
    row: dict = {
        "instance": name,
        "reproducible": reproducible,
        "seed": seed,
        "activities": len(portfolio.projects),
        "months": portfolio.settings.horizon,
        "book_kb": book_kb,
        "written_kb": round(book.stat().st_size / 1024, 1),  # with the plan written back
        "read_equal": not read_differences,
        "read_differences": read_differences[:5],
        "read_errors": len(read.errors),
        "inputs_kept": not after,
        "cli_exit": done.returncode,
        "cli_wall_s": round(cli_wall, 2),
        "best_known": known,
        "engine_status": engine.status.value,
        "engine_makespan": makespan(portfolio, starts_of(engine)) if engine.selected else None,
        "engine_s": round(engine.wall_time, 3),
        "engine_broken": engine_broken[:5],
    }
    if payload is None:
        row.update(cli_status=None, cli_makespan=None, cli_broken=["no JSON written"])
        row["cli_stderr"] = done.stderr[-500:]
    else:
        result = json_result(read.portfolio, payload)
        plan = starts_of(result)
        row.update(
            cli_status=payload["status"],
            cli_objective=payload["objective"],
            cli_makespan=makespan(read.portfolio, plan) if plan else None,
            cli_solve_s=payload["wall_time_s"],
            cli_broken=check_plan(read.portfolio, result, everyone=True)[:5],
            same_plan=plan == starts_of(engine),
        )
    row["same_makespan"] = row["cli_makespan"] == row["engine_makespan"]
    row["cli_at_optimum"] = row["cli_makespan"] == known
    row["engine_at_optimum"] = row["engine_makespan"] == known
    return row


def failures(row: dict) -> list[str]:
    """What in a row breaks the promise that the product path equals the engine path."""
    found = []
    if not row["read_equal"] or row["read_errors"]:
        found.append(f"the book does not read back: {row['read_differences']}")
    if not row["inputs_kept"]:
        found.append("the inputs read differently after the run")
    if row["cli_exit"] != 0 or row["cli_broken"]:
        found.append(f"pmo optimise: exit {row['cli_exit']}, {row['cli_broken']}")
    if row["engine_broken"]:
        found.append(f"engine plan breaks rules: {row['engine_broken']}")
    return found


# (header, right-aligned, the cell of a row)
COLUMNS = (
    ("instance", False, lambda r: r["instance"]),
    ("months", True, lambda r: r["months"]),
    ("book (KB)", True, lambda r: f"{r['book_kb']:.0f}"),
    ("read = converted", False, lambda r: "yes" if r["read_equal"] else "**no**"),
    ("pmo: makespan, status", False, lambda r: f"{r['cli_makespan']}, {r['cli_status']}"),
    ("engine: makespan, status", False, lambda r: f"{r['engine_makespan']}, {r['engine_status']}"),
    ("optimum", True, lambda r: f"{r['best_known']:g}"),
    ("pmo wall (s)", True, lambda r: f"{r['cli_wall_s']:.1f}"),
    ("engine (s)", True, lambda r: f"{r['engine_s']:.2f}"),
)


def summarise(rows: list[dict]) -> str:
    """A Markdown table: per instance, then the totals and the median wall of a run."""
    table = [
        [header for header, _, _ in COLUMNS],
        ["---:" if right else "---" for _, right, _ in COLUMNS],
        *([str(cell(r)) for _, _, cell in COLUMNS] for r in rows),
    ]
    text = [f"| {' | '.join(line)} |" for line in table]
    text += ["", totals(rows)]
    if rows:
        median = statistics.median(r["cli_wall_s"] for r in rows)
        text.append(f"median wall of a `pmo optimise` run (start to exit): {median:.1f} s")
    return "\n".join(text)


def totals(rows: list[dict]) -> str:
    """One sentence: read back, checked, equal makespans, at the optimum, out of n."""
    n = len(rows)

    def count(key: str) -> int:
        return sum(bool(r.get(key)) for r in rows)

    checked = sum(not r["cli_broken"] and not r["engine_broken"] for r in rows)
    return (
        f"{n} instances: read back equal {count('read_equal')}/{n}; inputs kept "
        f"{count('inputs_kept')}/{n}; both plans pass the checker {checked}/{n}; same makespan "
        f"{count('same_makespan')}/{n} (same plan {count('same_plan')}/{n}); at the published "
        f"optimum: pmo {count('cli_at_optimum')}/{n}, engine {count('engine_at_optimum')}/{n}"
    )


def main(argv: list[str] | None = None) -> None:
    """Run the instances, write the rows, print the table; raise on a broken promise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=24, help="take every k-th J30 instance")
    parser.add_argument("--max", type=int, default=0, help="at most this many instances")
    parser.add_argument("--limit", type=float, default=10.0, help="time limit per solve (s)")
    parser.add_argument(
        "--folder", type=Path, default=Path(tempfile.gettempdir()) / "pmo-bench-workbooks"
    )
    parser.add_argument(
        "--reproducible",
        action="store_true",
        help='Settings "Reproducible" = Yes in the book and for the engine: the same plan due',
    )
    parser.add_argument("--seed", type=int, default=0, help='Settings "Random seed"')
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    names = [n for n in instance_names("psplib") if n.startswith("j30")][:: args.every]
    if args.max:
        names = names[: args.max]
    args.folder.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows, broken = [], []
    with args.out.open("w") as sink:
        for name in names:
            row = run_one(name, args.limit, args.folder, args.reproducible, args.seed)
            rows.append(row)
            sink.write(json.dumps(row) + "\n")
            sink.flush()
            print(json.dumps(row), flush=True)
            broken += [f"{name}: {f}" for f in failures(row)]
    print(summarise(rows))
    if broken:
        raise AssertionError("; ".join(broken))


if __name__ == "__main__":
    main()
