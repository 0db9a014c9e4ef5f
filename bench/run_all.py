"""Every benchmark of docs/benchmarks.md in one command, then the table against the targets.

    PMO_BENCHMARKS=../shared/benchmarks PYTHONPATH=. python -m bench.run_all
    PYTHONPATH=. python -m bench.run_all --report     # only the table, from bench/results/

The steps run one after another (never side by side: they share the machine's cores), each
writing its raw rows under bench/results/. `--only` picks steps; `--report` runs none and
reads what earlier runs left. The targets are those of the performance issue: 2 cores, the
same machine and run, the limits below.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
from collections.abc import Iterable
from pathlib import Path

from bench import (
    run_button,
    run_published,
    run_regime_levers,
    run_regimes,
    run_reproducible,
    run_sample_levers,
    run_scale,
    run_stability,
    run_timeline,
    run_workbooks,
)

RESULTS = Path("bench/results")
REGIMES_ROWS = RESULTS / "regimes.jsonl"
STABILITY_ROWS = RESULTS / "stability.jsonl"
BUTTON_ROWS = RESULTS / "button.jsonl"


# (name, arguments of the step's own main); the published subsets are documented ones
STEPS: dict[str, list[tuple[object, list[str]]]] = {
    "regimes": [
        (
            run_regimes.main,
            [
                *("--sizes", "200", "500", "1000", "--seeds", "1", "2", "3", "4", "5"),
                *("--limits", "10", "60", "--out", str(REGIMES_ROWS)),
            ],
        )
    ],
    "button": [
        (
            run_button.main,
            [
                *("--sizes", "40", "60", "100", "150", "--seeds", "1", "2", "3"),
                *("--limit", "20", "--out", str(BUTTON_ROWS)),
            ],
        )
    ],
    "levers": [
        (
            run_regime_levers.main,
            [
                *("--sizes", "200", "500", "1000", "--seeds", "1", "2", "3"),
                *("--highs", "10", "--seconds", "10"),
                *("--out", str(RESULTS / "regime-levers.jsonl")),
            ],
        ),
        (
            run_sample_levers.main,
            [
                *("--seeds", "1", "2", "--limit", "30"),
                *("--out", str(RESULTS / "sample-levers.jsonl")),
            ],
        ),
        *(
            (
                run_regimes.main,
                [
                    *("--regimes", "big", "--sizes", *sizes, "--seeds", *seeds),
                    *("--limits", limit, "--configs", "default", "neighbourhoods"),
                    *("--out", str(RESULTS / "neighbourhoods.jsonl")),
                ],
            )
            for sizes, seeds, limit in (
                (("200", "500", "1000"), ("1", "2", "3", "4", "5"), "10"),
                (("500", "1000"), ("1", "2", "3"), "60"),
            )
        ),
    ],
    "timeline": [(run_timeline.main, ["--sizes", "50", "200", "500", "--limit", "60"])],
    "published": [
        (run_published.main, ["psplib", "--subset", "j30", "--limit", "10"]),
        (run_published.main, ["psplib", "--subset", "j60", "--limit", "60", "--every", "4"]),
        (run_published.main, ["psplib", "--subset", "j120", "--limit", "60", "--every", "60"]),
        (run_published.main, ["mplib1", "--limit", "60", "--every", "6"]),
        *(
            (run_published.main, ["mknap", "--subset", s, "--limit", "10", "--every", "3"])
            for s in ("5.100", "10.100", "5.250", "10.250")
        ),
        (run_published.main, ["mknap", "--subset", "mknap1", "--limit", "10"]),
    ],
    "stability": [
        (
            run_stability.main,
            [
                *("--sizes", "40", "80", "--seeds", "1", "2", "3", "4", "5"),
                *("--limit", "20", "--out", str(STABILITY_ROWS)),
            ],
        )
    ],
    "reproducible": [
        (
            run_reproducible.main,
            [
                *("--sizes", "100", "200", "--seeds", "1", "2", "3"),
                *("--limit", "10", "--out", str(RESULTS / "reproducible.jsonl")),
            ],
        )
    ],
    "workbooks": [
        (
            run_workbooks.main,
            ["--every", "24", "--limit", "10", "--out", str(RESULTS / "workbooks.jsonl")],
        ),
        (
            run_workbooks.main,
            [
                *("--every", "24", "--limit", "10", "--reproducible"),
                *("--out", str(RESULTS / "workbooks-reproducible.jsonl")),
            ],
        ),
    ],
    "scale": [
        (
            run_scale.main,
            [
                *("--sizes", "2000", "5000", "--seeds", "1"),
                *("--limit", "20", "--out", str(RESULTS / "scale.jsonl")),
            ],
        )
    ],
}
# the steps whose benchmarks append rows to these files
APPENDING = {
    "regimes": (REGIMES_ROWS,),
    "button": (BUTTON_ROWS,),
    "levers": tuple(
        RESULTS / name
        for name in ("regime-levers.jsonl", "sample-levers.jsonl", "neighbourhoods.jsonl")
    ),
}
KNAPSACK_SETS = ("5.100", "10.100", "5.250", "10.250")


def report(results: Path = RESULTS) -> str:
    """The Markdown table of every target: what was asked, what was measured, met or not."""
    lines = ["| target | measured | met |", "|---|---|---|"]
    lines += _regime_lines(results / REGIMES_ROWS.name)
    lines += _button_lines(results / BUTTON_ROWS.name)
    lines += _published_lines(results)
    lines += _stability_lines(results / STABILITY_ROWS.name)
    lines += _workbook_lines(results)
    return "\n".join(lines)


def _workbook_lines(results: Path) -> list[str]:
    """J30 through plain-sheet books: read back equal, both plans checked, and the same
    makespan (Reproducible No: clock-stopped searches may differ) or the same plan (Yes)."""
    lines = []
    for name, same, what in (
        ("workbooks.jsonl", "same_makespan", "same makespan"),
        ("workbooks-reproducible.jsonl", "same_plan", "Reproducible: the same plan"),
    ):
        path = results / name
        if not path.exists():
            continue
        rows = _jsonl(path)
        whole = [r for r in rows if not run_workbooks.failures(r) and r.get(same)]
        if rows:
            lines.append(
                _line(
                    "J30 through workbooks (pmo optimise on plain sheets) = engine: read back "
                    f"equal, both plans checked, {what}",
                    f"{len(whole)}/{len(rows)} instances",
                    len(whole) == len(rows),
                )
            )
    return lines


def _stability_lines(path: Path) -> list[str]:
    """+0.5 FTE in one role-month at Stability Normal: at most 2 changes, at most 1% given up."""
    if not path.exists():
        return []
    rows = _jsonl(path)
    fte = [r for r in rows if r["edit"] == "fte"]
    if not fte:
        return []
    ok = [
        r
        for r in fte
        if r["changes_normal"] <= run_stability.GOAL_CHANGES
        and r["given_up"] <= run_stability.GOAL_GIVEN_UP
    ]
    sample = [r for r in fte if r["portfolio"] == "sample"]
    sample_ok = [r for r in ok if r["portfolio"] == "sample"]
    return [
        _line(
            "+0.5 FTE edit at Stability Normal: <= 2 changes and <= 1% value given up",
            f"{len(ok)}/{len(fte)} runs (sample {len(sample_ok)}/{len(sample)})",
            len(ok) == len(fte),
        )
    ]


def _regime_lines(path: Path) -> list[str]:
    """Both regimes against HiGHS and the waterline (bench/run_regimes.py)."""
    if not path.exists():
        return ["| generated portfolios (both regimes) | not run | - |"]
    rows = _jsonl(path)
    rows = [r for r in rows if r.get("config", "default") == "default"]
    lines = []
    for limit in (60, 10):
        groups = _groups(r for r in rows if r["limit"] == limit)
        if not groups:
            continue
        worst = min(
            (min(map(run_regimes.ratio, g)), statistics.median(map(run_regimes.ratio, g)), k)
            for k, g in groups.items()
        )
        lowest_median = min(statistics.median(map(run_regimes.ratio, g)) for g in groups.values())
        lines.append(
            _line(
                f"value >= 0.998 of HiGHS's (median and worst seed), both regimes, every size, "
                f"{limit} s",
                f"lowest median {lowest_median:.3f}; worst seed {worst[0]:.3f} "
                f"({worst[2][0]}, {worst[2][1]} projects)",
                worst[0] >= 0.998 and lowest_median >= 0.998,
            )
        )
    above = sum(r["value"] >= r["waterline"] - 1e-6 for r in rows)
    lines.append(
        _line("value >= waterline always", f"{above}/{len(rows)} runs", above == len(rows))
    )
    for regime, size, most in (("small", 500, 0.02), ("big", 200, 0.01), ("big", 500, 0.02)):
        group = [r for r in rows if (r["regime"], r["size"], r["limit"]) == (regime, size, 60)]
        if group:
            gap = statistics.median(r["gap"] for r in group)
            lines.append(
                _line(
                    f"reported gap <= {most:.0%} at {size} projects ({regime} projects), 60 s",
                    f"median {gap:.2%} over {len(group)} seeds",
                    gap <= most,
                )
            )
    for regime in ("big", "small"):
        firsts = [
            r["first_above_waterline"] for r in rows if (r["regime"], r["size"]) == (regime, 200)
        ]
        if firsts:
            known = sorted(f if f is not None else math.inf for f in firsts)
            median = statistics.median(known)
            lines.append(
                _line(
                    f"first plan above the waterline within 1 s at 200 projects ({regime})",
                    f"median {median:.1f} s over {len(known)} runs",
                    median <= 1.0,
                )
            )
    return lines


def _button_lines(path: Path) -> list[str]:
    """The button: the sample, and generated portfolios of up to 60 projects, proven optimal
    with the tie-break within 3 s (bench/run_button.py), the engine as shipped."""
    if not path.exists():
        return []
    rows = _jsonl(path)
    rows = [r for r in rows if r["config"] == "default"]
    lines = []
    for what, group in (
        ("the sample", [r for r in rows if r["kind"] == "sample"]),
        (
            "generated portfolios of up to 60 projects (both regimes)",
            [r for r in rows if r["kind"] != "sample" and r["size"] <= 60],
        ),
    ):
        if not group:
            continue
        quick = [r for r in group if run_button.proven_quickly(r)]
        median = statistics.median(r["plan_time"] for r in group)
        lines.append(
            _line(
                f"{what} proven optimal, tie-break included, within 3 s",
                f"{len(quick)}/{len(group)} runs (median {median:.1f} s to the plan, "
                f"{sum(r['proven'] for r in group)} proven within {group[0]['limit']:g} s)",
                len(quick) == len(group),
            )
        )
    return lines


def _groups(rows: Iterable[dict]) -> dict[tuple[str, int], list[dict]]:
    grouped: dict[tuple[str, int], list[dict]] = {}
    for row in rows:
        grouped.setdefault((row["regime"], row["size"]), []).append(row)
    return grouped


def _published_lines(results: Path) -> list[str]:
    lines = []
    j30 = _rows(results / "psplib-j30.csv")
    if j30:
        at_best = sum(_gap(r) is not None and _gap(r) <= 1e-9 for r in j30)
        fast = sum(r["status"] == "optimal" and float(r["time_s"]) <= 1.0 for r in j30)
        lines.append(
            _line("PSPLIB J30: 480/480 at the optimum", f"{at_best}/{len(j30)}", at_best == 480)
        )
        lines.append(
            _line(
                "PSPLIB J30: >= 95% proven optimal within 1 s",
                f"{fast}/{len(j30)} ({fast / len(j30):.1%})",
                fast >= 0.95 * 480,
            )
        )
    for subset, most in (("j60", 0.003), ("j120", 0.02)):
        rows = _rows(results / f"psplib-{subset}.csv")
        if rows:
            mean, failed = _mean_gap(rows)
            lines.append(
                _line(
                    f"PSPLIB {subset.upper()}: mean gap <= {most:.1%} in 60 s",
                    f"{mean:.3%} over {len(rows)} instances{failed}",
                    mean <= most and not failed,
                )
            )
    rows = _rows(results / "mplib1-all.csv")
    if rows:
        mean, failed = _mean_gap(rows)
        lines.append(
            _line(
                "MPLIB1: mean gap <= 1% in 60 s",
                f"{mean:.3%} over {len(rows)} instances{failed}",
                mean <= 0.01 and not failed,
            )
        )
    rows = _rows(results / "mknap-mknap1.csv")
    if rows:
        proven = sum(r["status"] == "optimal" for r in rows)
        lines.append(
            _line("mknap1: all optimal", f"{proven}/{len(rows)} proven", proven == len(rows))
        )
    rows = [r for s in KNAPSACK_SETS for r in _rows(results / f"mknap-{s}.csv")]
    if rows:
        mean, failed = _mean_gap(rows)
        lines.append(
            _line(
                "mknapcb 5x100..10x250: mean gap <= 0.05% in 10 s",
                f"{mean:.3%} over {len(rows)} instances{failed}",
                mean <= 0.0005 and not failed,
            )
        )
    return lines


def _jsonl(path: Path) -> list[dict]:
    """The rows of a JSON-lines result file."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="") as source:
        return list(csv.DictReader(source))


def _gap(row: dict) -> float | None:
    text = row["gap_to_best_known"]
    return float(text) if text not in ("", "None") else None


def _mean_gap(rows: list[dict]) -> tuple[float, str]:
    gaps = [g for r in rows if (g := _gap(r)) is not None]
    missing = len(rows) - len(gaps)
    return (
        statistics.mean(gaps) if gaps else float("nan"),
        f" ({missing} without a plan)" if missing else "",
    )


def _line(target: str, measured: str, met: bool) -> str:
    return f"| {target} | {measured} | {'yes' if met else '**no**'} |"


def main(argv: list[str] | None = None) -> None:
    """Run the chosen steps in order, then print the targets table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(STEPS), default=sorted(STEPS))
    parser.add_argument("--report", action="store_true", help="run nothing, report only")
    args = parser.parse_args(argv)
    if not args.report:
        for step, files in APPENDING.items():
            if step in args.only:  # these steps append; a fresh run starts fresh files
                for rows in files:
                    rows.unlink(missing_ok=True)
        for name in args.only:
            for step, step_args in STEPS[name]:
                print(f"== {name}: {' '.join(step_args)}", flush=True)
                step(step_args)
    print(report())


if __name__ == "__main__":
    main()
