"""The stability benchmark: its edits change one thing each, and its table reads the rows."""

from __future__ import annotations

import random

from bench.generate import generate_portfolio
from bench.run_stability import edit_portfolio, run, table
from engine.plan import scores


def test_each_edit_changes_one_thing():
    portfolio = generate_portfolio(20, seed=3)
    fte, words = edit_portfolio(portfolio, "fte", random.Random(1))
    changed = [
        (role, t)
        for role, row in portfolio.capacity.items()
        for t, value in enumerate(row)
        if fte.capacity[role][t] != value
    ]
    assert len(changed) == 1 and words.startswith("+0.5 FTE")
    role, t = changed[0]
    assert fte.capacity[role][t] == portfolio.capacity[role][t] + 0.5
    new, _ = edit_portfolio(portfolio, "project", random.Random(1))
    added = [p for p in new.projects if p.id not in {q.id for q in portfolio.projects}]
    assert len(added) == 1 and added[0].id.endswith("-NEW")
    assert any(d.project_id == added[0].id for d in new.demands)
    scored, _ = edit_portfolio(portfolio, "score", random.Random(1))
    before, after = scores(portfolio), scores(scored)
    assert sum(before[pid] != after[pid] for pid in before) == 1


def test_a_run_gives_a_row_per_edit_and_the_table_counts_the_goal():
    rows = run("generated 8", generate_portfolio(8, seed=2), 2, 2.0, 1)
    assert [r["edit"] for r in rows] == ["fte", "project", "score"]
    assert all(r["changes_normal"] >= 0 and r["value_off"] is not None for r in rows)
    made = [
        {"portfolio": "p", "edit": "fte", "changes_off": 9, "changes_normal": c, "given_up": g}
        for c, g in ((0, 0.0), (2, 0.01), (3, 0.0), (1, 0.02))
    ]
    line = next(line for line in table(made).splitlines() if line.startswith("| p | fte"))
    assert line.endswith("| 2 of 4 |")
