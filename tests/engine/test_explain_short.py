"""What a set of projects lacks at given starts (engine.explain's `_short`), against a plain
sum of every demand row written here: the shortcuts (one project alone, projects that never
share a month, shortfalls kept between calls) must give the very same answer."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict

from bench.generate import generate_portfolio
from engine.explain import _short, plan_ledger
from engine.feasibility import Ledger, allowed_starts, fte_units, year_costs
from engine.greedy import greedy_starts
from engine.model import Portfolio, Project


def _plain(ledger: Ledger, portfolio: Portfolio, placed) -> tuple[dict, dict]:
    need: dict = defaultdict(int)
    cost: dict = defaultdict(int)
    for project, start in placed:
        for d in portfolio.demands:
            if d.project_id != project.id:
                continue
            for k in range((d.from_month or 1) - 1, d.to_month or project.duration):
                need[d.role, start + k] += fte_units(d.fte)
        for year, cents in year_costs(portfolio, project, start).items():
            cost[year] += cents
    plan_start = portfolio.settings.plan_start
    fte = {}
    for (role, month), units in need.items():
        row, offset = ledger.capacity[role], month - plan_start
        if units > 0 and 0 <= offset < len(row) and units > row[offset]:
            fte[role, month] = units - row[offset]
    money = {y: c - ledger.budget[y] for y, c in cost.items() if c > ledger.budget[y]}
    return fte, money


def test_the_shortfall_of_one_two_or_three_projects_is_the_plain_sum():
    portfolio = generate_portfolio(60, horizon=24, seed=7)
    plan, _ = greedy_starts(portfolio, portfolio.settings.objective)
    ledger = plan_ledger(portfolio, plan)
    rng = random.Random(7)
    deferred: list[Project] = [p for p in portfolio.projects if p.id not in plan]
    deferred = [p for p in deferred if allowed_starts(portfolio, p)]
    kept: dict = {}
    apart = together = 0
    for size, _round in itertools.product((1, 2, 3), range(60)):
        chosen = rng.sample(deferred, size)
        placed = tuple((p, rng.choice(allowed_starts(portfolio, p))) for p in chosen)
        spans = sorted((s, s + max(p.duration, 1)) for p, s in placed)
        if all(end <= after for (_s, end), (after, _e) in itertools.pairwise(spans)):
            apart += size > 1
        else:
            together += 1
        expected = _plain(ledger, portfolio, placed)
        assert _short(ledger, portfolio, placed) == expected
        assert _short(ledger, portfolio, placed, kept) == expected  # filling the cache
        assert _short(ledger, portfolio, placed, kept) == expected  # read from it
    assert apart and together  # both ways of adding up were tried
