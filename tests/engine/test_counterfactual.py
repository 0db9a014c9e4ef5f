"""Solved counterfactuals: what forcing a project in (or out) would cost and the least extra
capacity that lets it in, within the Reasons time; "not computed" when the time runs out.

No timing is asserted: a budget of 0 computes nothing, a generous one on a tiny portfolio
computes everything (each model there is proven in milliseconds on any machine).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.checker import check_reasons
from engine.model import Criterion, Demand, Portfolio, Project, Settings
from engine.optimiser import solve
from engine.reasons import NOT_COMPUTED, ReasonKind
from tests.engine.strategies import PLAN_START


def _three(explain_time: float) -> Portfolio:
    # one developer for six months: C (6) + B (4) = 10 beats A (5) + B = 9; A and C overlap
    return Portfolio(
        Settings(PLAN_START, 6, time_limit=10, workers=1, explain_time=explain_time),
        [
            Project("A", "Alpha", duration=3, scores={"v": 5}),
            Project("B", "Beta", duration=2, scores={"v": 4}),
            Project("C", "Gamma", duration=4, scores={"v": 6}),
        ],
        [Demand(p, "Dev", 1.0) for p in "ABC"],
        {"Dev": (1.0,) * 6},
        criteria=[Criterion("v", 1.0)],
    )


def test_with_no_time_nothing_is_computed_and_the_reasons_say_so():
    portfolio = _three(explain_time=0)
    result = solve(portfolio)
    a = result.outcome("A").why
    assert a.kind is ReasonKind.CAPACITY
    assert a.displacement is None and a.extra is None
    assert a.displacement_note == NOT_COMPUTED and a.extra_note == NOT_COMPUTED
    assert result.outcome("A").reason.endswith(
        "What it would displace: not computed in the time allowed. Least extra capacity: not "
        "computed in the time allowed"
    )
    for pid in ("B", "C"):
        why = result.outcome(pid).why
        assert why.kind is ReasonKind.ON_MERIT and why.displacement_note == NOT_COMPUTED
        assert "What leaving it out would cost: not computed" in result.outcome(pid).reason
    assert check_reasons(portfolio, result) == []


def test_with_time_everything_is_solved_and_checked():
    portfolio = _three(explain_time=30)
    result = solve(portfolio)
    assert {o.project_id for o in result.selected} == {"B", "C"}
    assert check_reasons(portfolio, result) == []
    a = result.outcome("A").why
    d = a.displacement
    assert d is not None and d.proven and d.forced == "in"
    assert (d.dropped, d.value_before, d.value_after) == (("C",), 10.0, 9.0)
    assert "To fund it from 2027-0" in result.outcome("A").reason
    assert 'drop C "Gamma"; total score 10 -> 9 (best possible)' in result.outcome("A").reason
    # the least extra with nobody dropped or moved: the developer's three months for A
    assert a.extra is not None
    assert sum(s.fte for s in a.extra.fte) == pytest.approx(3.0)
    assert {s.role for s in a.extra.fte} == {"Dev"} and a.extra.money == ()
    # why C is in: leaving it out lets A in, worth 1 less
    c = result.outcome("C").why.displacement
    assert c is not None and c.forced == "out" and c.added == ("A",) and c.value_after == 9.0
    assert "Leaving it out: drop C" not in result.outcome("C").reason  # C itself is forced out
    assert 'add A "Alpha"; total score 10 -> 9' in result.outcome("C").reason


def test_the_checker_refuses_a_displacement_or_an_extra_that_does_not_hold():
    portfolio = _three(explain_time=30)
    result = solve(portfolio)
    a = result.outcome("A")
    worth_more = replace(a.why, displacement=replace(a.why.displacement, value_after=9.5))
    too_little = replace(
        a.why, extra=replace(a.why.extra, fte=(replace(a.why.extra.fte[0], fte=0.5),))
    )
    for wrong in (worth_more, too_little):
        projects = tuple(
            replace(o, why=wrong) if o.project_id == "A" else o for o in result.projects
        )
        assert check_reasons(portfolio, replace(result, projects=projects)) != []
