"""The targets table reads the raw result files and says met only when the figure is."""

from __future__ import annotations

import csv
import json

from bench.run_all import report

FIELDS = ["instance", "status", "objective", "bound", "best_known", "gap_to_best_known", "time_s"]


def _csv(path, rows):
    with path.open("w", newline="") as sink:
        writer = csv.DictWriter(sink, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow(dict(zip(FIELDS, row, strict=True)))


def _verdict(table: str, target: str) -> str:
    line = next(line for line in table.splitlines() if line.startswith(f"| {target}"))
    return line.rsplit("|", 2)[-2].strip()


def test_targets_are_met_only_by_the_measured_figures(tmp_path):
    rows = [
        {
            "config": "default",
            "regime": regime,
            "size": size,
            "seed": s,
            "limit": 60,
            "value": v,
            "waterline": 90,
            "gap": g,
            "mip_value": 100,
            "first_above_waterline": first,
        }
        for regime, size in (("big", 200), ("small", 500))
        for s, v, g, first in ((1, 101, 0.005, 0.4), (2, 99.9, 0.004, None), (3, 100, 0.02, 0.9))
    ]
    (tmp_path / "regimes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    _csv(
        tmp_path / "psplib-j60.csv",
        [
            ("a", "optimal", 10, 10, 10, 0.0, 0.1),
            ("b", "feasible", 11, 9, 10, 0.1, 60),
        ],
    )
    _csv(
        tmp_path / "mplib1-all.csv",
        [
            ("a", "feasible", 101, 90, 100, 0.01, 60),
            ("b", "no_solution", "", "", 100, "", 60),
        ],
    )
    _csv(tmp_path / "mknap-mknap1.csv", [("a", "optimal", 5, 5, 5, 0.0, 0.1)])
    table = report(tmp_path)
    assert _verdict(table, "value >= 0.998 of HiGHS") == "yes"  # worst 0.999
    assert "worst seed 0.999" in table
    assert _verdict(table, "value >= waterline") == "yes"
    assert _verdict(table, "reported gap <= 1% at 200 projects (big") == "yes"  # median 0.5%
    assert _verdict(table, "reported gap <= 2% at 500 projects (small") == "yes"
    assert "at 500 projects (big" not in table  # nothing measured, nothing claimed
    first = "first plan above the waterline within 1 s at 200 projects (big"
    assert _verdict(table, first) == "yes"  # median 0.9 s
    rows[1]["value"] = 99  # one seed at 0.99 of HiGHS
    (tmp_path / "regimes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = report(tmp_path)
    assert _verdict(table, "value >= 0.998 of HiGHS") == "**no**"
    assert _verdict(table, "PSPLIB J60") == "**no**"  # mean 5%
    assert "(1 without a plan)" in table and _verdict(table, "MPLIB1") == "**no**"
    assert _verdict(table, "mknap1") == "yes"
    assert "J30" not in table  # nothing measured, nothing claimed


def _workbook_row(name: str, **changes) -> dict:
    row = {
        "instance": name,
        "read_equal": True,
        "read_differences": [],
        "read_errors": 0,
        "inputs_kept": True,
        "cli_exit": 0,
        "cli_broken": [],
        "engine_broken": [],
        "same_makespan": True,
        "same_plan": True,
    }
    return {**row, **changes}


def test_the_workbook_lines_need_every_instance(tmp_path):
    clock = [_workbook_row("a"), _workbook_row("b", same_makespan=False, same_plan=False)]
    steady = [_workbook_row("a"), _workbook_row("b", cli_broken=["A2: starts too early"])]
    (tmp_path / "workbooks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in clock))
    table = report(tmp_path)
    assert "Reproducible" not in table  # not run, not claimed
    line = next(x for x in table.splitlines() if "same makespan" in x)
    assert "| 1/2 instances | **no** |" in line
    (tmp_path / "workbooks-reproducible.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in steady)
    )
    line = next(x for x in report(tmp_path).splitlines() if "the same plan" in x)
    assert "| 1/2 instances | **no** |" in line  # a broken plan counts against it
    steady[1] = _workbook_row("b")
    (tmp_path / "workbooks-reproducible.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in steady)
    )
    line = next(x for x in report(tmp_path).splitlines() if "the same plan" in x)
    assert "| 2/2 instances | yes |" in line


def _button_row(kind: str, size: int, proven: bool, plan_time: float, config="default") -> dict:
    return {
        "kind": kind,
        "size": size,
        "seed": 1,
        "limit": 20,
        "config": config,
        "proven": proven,
        "plan_time": plan_time,
    }


def test_the_button_lines_need_every_run_proven_within_3_s(tmp_path):
    rows = [
        _button_row("sample", 45, True, 2.5),
        _button_row("sample", 45, True, 2.9),
        _button_row("big", 40, True, 1.0),
        _button_row("small", 60, True, 2.0),
        _button_row("big", 100, False, 20.0),  # above 60 projects: not counted
        _button_row("big", 40, False, 20.0, config="highs-first"),  # not the product
    ]
    path = tmp_path / "button.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = report(tmp_path)
    assert _verdict(table, "the sample proven optimal") == "yes"
    assert _verdict(table, "generated portfolios of up to 60 projects") == "yes"
    rows[1] = _button_row("sample", 45, True, 3.5)  # proven, but not within 3 s
    rows[2] = _button_row("big", 40, False, 2.0)  # quick, but not proven
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = report(tmp_path)
    assert _verdict(table, "the sample proven optimal") == "**no**"
    line = next(x for x in table.splitlines() if "up to 60 projects" in x)
    assert "| 1/2 runs" in line and line.endswith("| **no** |")
