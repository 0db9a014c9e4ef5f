"""The frontier benchmark runs end to end on a small portfolio and writes its figures."""

from __future__ import annotations

import json

from bench import run_frontier


def test_the_frontier_benchmark_writes_monotone_checked_points(tmp_path, capsys):
    out = tmp_path / "frontier.json"
    run_frontier.main(
        [
            *("--projects", "12", "--points", "3", "--time-limit", "1"),
            *("--jobs", "1", "--seeds", "1", "--out", str(out)),
        ]
    )
    figures = json.loads(out.read_text(encoding="utf-8"))
    (run,) = figures["runs"]
    assert run["jobs"] == 1 and len(run["points"]) == 3
    values = [p["value"] for p in run["points"] if p["value"] is not None]
    assert values == sorted(values)
    assert "| seed | jobs | x0.5 | x1 | x1.5 |" in capsys.readouterr().out
