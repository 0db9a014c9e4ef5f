"""Balance rules: enforced by the model (every returned plan keeps them, as the independent
checker finds), a deferral caused by a share cap says so, and the cost of a rule shows."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import generate_portfolio
from engine.balance import shares
from engine.checker import check_plan
from engine.groups import dominant_perspective
from engine.model import BalanceRule, Measure
from engine.optimiser import solve
from engine.validation import errors, validate

DEPARTMENTS = ("IT", "Finance", "Sales", "HR")


def tagged(n: int = 30, seed: int = 4):
    """A generated portfolio whose projects belong to departments, round-robin."""
    base = generate_portfolio(n, seed=seed)
    projects = tuple(
        dataclasses.replace(p, tags={"Department": DEPARTMENTS[i % len(DEPARTMENTS)]})
        for i, p in enumerate(base.projects)
    )
    return dataclasses.replace(base, projects=projects)


def test_a_cap_holds_and_the_checker_agrees():
    portfolio = tagged()
    free = solve(portfolio, time_limit=5, workers=1)
    it_share = dict(
        (r.value, s)
        for r, s in shares(
            dataclasses.replace(
                portfolio, balance=(BalanceRule("Department", "IT", Measure.COST, None, 1.0),)
            ),
            [o.project_id for o in free.selected],
        )
    )["IT"]
    cap = round(it_share * 0.6, 3)  # well below what the unconstrained plan spends on IT
    rule = BalanceRule("Department", "IT", Measure.COST, None, cap)
    capped = dataclasses.replace(portfolio, balance=(rule,))
    result = solve(capped, time_limit=5, workers=1)
    assert result.status.has_plan
    assert check_plan(capped, result) == []
    ((_, share),) = shares(capped, [o.project_id for o in result.selected])
    assert share <= cap + 1e-9
    assert result.objective <= free.bound + 1e-9
    # an IT project left out because of the cap says so
    reasons = [o.reason for o in result.projects if not o.selected]
    assert any('balance rule: Department "IT" takes at most' in r for r in reasons), reasons


def test_the_checker_catches_a_broken_share():
    portfolio = tagged()
    result = solve(portfolio, time_limit=3, workers=1)
    it = [o for o in result.selected if portfolio.project(o.project_id).tags["Department"] == "IT"]
    assert it
    rule = BalanceRule("Department", "IT", Measure.COUNT, None, 0.0)
    broken = check_plan(dataclasses.replace(portfolio, balance=(rule,)), result)
    assert any(line.startswith("balance Department=IT") for line in broken)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    measure=st.sampled_from(list(Measure)),
    department=st.sampled_from(DEPARTMENTS),
    low=st.sampled_from([None, 0.1, 0.2]),
    high=st.sampled_from([None, 0.35, 0.5]),
)
def test_every_returned_plan_keeps_every_share(measure, department, low, high):
    portfolio = tagged(16, seed=9)
    rules = (BalanceRule("Department", department, measure, low, high),)
    if low is None and high is None:
        return
    balanced = dataclasses.replace(portfolio, balance=rules)
    if errors(validate(balanced)):
        return
    result = solve(balanced, time_limit=3, workers=1)
    if result.status.has_plan:
        assert check_plan(balanced, result) == []


def test_perspective_is_the_dominant_one():
    portfolio = generate_portfolio(10, seed=1)
    names = {dominant_perspective(portfolio, p) for p in portfolio.projects}
    assert names <= {"Financial", "Customer", "Internal process", "Learning and growth", None}


def test_balance_rows_are_validated():
    portfolio = tagged(8)
    bad = (
        BalanceRule("", "", Measure.COST, 1.5, 0.2),
        BalanceRule("Department", "Nowhere", Measure.COST, 0.1, None),
    )
    found = {
        (p.entity, p.index, p.field, p.severity.value)
        for p in validate(dataclasses.replace(portfolio, balance=bad))
    }
    for field_name in ("dimension", "value", "min_share", "max_share"):
        assert ("balance", 0, field_name, "Error") in found
    assert ("balance", 1, "value", "Warning") in found


@pytest.mark.parametrize("measure", list(Measure))
def test_a_floor_holds_for_every_measure(measure):
    portfolio = tagged(24, seed=2)
    rule = BalanceRule("Department", "HR", measure, 0.3, None)
    floored = dataclasses.replace(portfolio, balance=(rule,))
    result = solve(floored, time_limit=3, workers=1)
    if result.status.has_plan:
        assert check_plan(floored, result) == []
        ((_, share),) = shares(floored, [o.project_id for o in result.selected])
        assert share is None or share >= 0.3 - 1e-9
    else:
        assert result.status.value == "infeasible"
        assert any('Department "HR" takes at least 30%' in c for c in result.conflicts)


def test_the_waterline_rebalanced_keeps_every_rule():
    # the fallback plan of a solve with balance rules: the waterline, projects taken out
    from engine.balance import broken_rules, rebalanced
    from engine.checker import check_starts
    from engine.greedy import greedy_starts

    portfolio = tagged(30, seed=4)
    rules = (
        BalanceRule("Department", "IT", Measure.COST, None, 0.15),
        BalanceRule("Department", "HR", Measure.COUNT, 0.3, None),
    )
    balanced = dataclasses.replace(portfolio, balance=rules)
    plan, _ = greedy_starts(balanced)
    assert broken_rules(balanced, plan)
    repaired = rebalanced(balanced, plan)
    assert repaired is not None and set(repaired) < set(plan)
    assert check_starts(balanced, repaired) == []
    assert all(portfolio.project(pid).must_run is False for pid in set(plan) - set(repaired))
