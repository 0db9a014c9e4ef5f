"""Stable re-planning: the plan last written is the baseline; changes cost points, approved
projects stay, and every change names the input change behind it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from engine.changes import ChangeKind
from engine.checker import check_plan, check_reasons
from engine.model import (
    Criterion,
    Demand,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
    parse_stability,
)
from engine.optimiser import solve
from engine.result import SolveStatus
from engine.stability import Baseline, penalty_of, stability_weight
from engine.validation import errors, validate
from tests.engine.strategies import PLAN_START, portfolios


def _portfolio(projects, capacity=1.0, stability="Normal", horizon=6):
    return Portfolio(
        Settings(PLAN_START, horizon, time_limit=10, workers=1, stability=stability),
        projects,
        [Demand(p.id, "Dev", 1.0) for p in projects],
        {"Dev": (capacity,) * horizon},
        criteria=[Criterion("v", 1.0)],
    )


def _baseline(portfolio, result):
    return Baseline(
        {o.project_id: o.start for o in result.selected},
        frozenset(p.id for p in portfolio.projects),
        {o.project_id: o.score for o in result.projects},
        {p.id: p.duration for p in portfolio.projects},
        {p.id: p.cost for p in portfolio.projects},
        {
            (role, PLAN_START + t): v
            for role, values in portfolio.capacity.items()
            for t, v in enumerate(values)
        },
    )


A = Project("A", "Alpha", duration=3, scores={"v": 5})
B = Project("B", "Beta", duration=3, scores={"v": 4})
N = Project("N", "New", duration=3, scores={"v": 4.2})


def test_a_small_gain_does_not_move_the_plan_at_normal_but_does_when_off():
    first = _portfolio([A, B])
    before = solve(first)
    baseline = _baseline(first, before)
    assert set(baseline.starts) == {"A", "B"}
    # a new project, a little better than B, competes for the same developer
    steady = _portfolio([A, B, N])
    kept = solve(steady, baseline=baseline)
    assert {o.project_id: o.start for o in kept.selected} == dict(baseline.starts)
    assert kept.changes == ()
    assert check_plan(steady, kept) == [] and check_reasons(steady, kept) == []
    afresh = solve(_portfolio([A, B, N], stability="Off"), baseline=baseline)
    assert {o.project_id for o in afresh.selected} == {"A", "N"}
    changes = {c.project_id: c for c in afresh.changes}
    assert changes["N"].kind is ChangeKind.IN
    assert [c.text for c in changes["N"].causes] == ["new project"]
    assert changes["B"].kind is ChangeKind.OUT
    assert changes["B"].causes[0].text.startswith("knock-on of new project")
    assert afresh.objective - kept.objective == pytest.approx(0.2)


def test_a_large_gain_still_changes_the_plan_at_normal():
    big = Project("N", "New", duration=3, scores={"v": 9})
    first = _portfolio([A, B])
    baseline = _baseline(first, solve(first))
    result = solve(_portfolio([A, B, big]), baseline=baseline)
    assert {o.project_id for o in result.selected} == {"A", "N"}


def test_an_approved_project_stays_unless_the_rules_leave_no_choice():
    approved = replace(B, status=ProjectStatus.APPROVED)
    first = _portfolio([A, approved])
    baseline = _baseline(first, solve(first))
    # even with stability off, a far better newcomer does not push the approved one out
    big = Project("N", "New", duration=3, scores={"v": 9})
    result = solve(_portfolio([A, approved, big], stability="Off"), baseline=baseline)
    assert "B" in {o.project_id for o in result.selected}
    # a developer for three months only: one of A and B must go; A is not approved
    short = _portfolio([A, approved], horizon=6)
    short = replace(short, capacity={"Dev": (1.0, 1.0, 1.0, 0.0, 0.0, 0.0)})
    result = solve(short, baseline=baseline)
    assert {o.project_id for o in result.selected} == {"B"}
    # and when B itself cannot fit, its reason says the rules left no choice
    none = replace(short, capacity={"Dev": (0.0,) * 6})
    result = solve(none, baseline=baseline)
    why = result.outcome("B").why
    assert why.approved == "the rules leave no choice"
    assert result.outcome("B").reason.startswith("Approved, but the rules leave no choice: ")
    assert check_reasons(none, result) == []


def test_a_capacity_cut_names_the_cell_behind_each_change():
    first = _portfolio([A, B])
    baseline = _baseline(first, solve(first))
    b_start = baseline.starts["B"]
    cut = list(first.capacity["Dev"])
    cut[b_start - PLAN_START] = 0.0  # B's first month loses its developer
    second = replace(first, capacity={"Dev": tuple(cut)})
    result = solve(second, baseline=baseline)
    change = next(c for c in result.changes if c.project_id == "B")
    assert change.causes[0].key == ("capacity", "Dev", str(b_start))
    assert change.causes[0].text.startswith("capacity of Dev in ")
    assert "1 -> 0 FTE" in change.causes[0].text


def test_a_score_change_is_named():
    first = _portfolio([A, B, N])
    baseline = _baseline(first, solve(first))
    dropped = next(p for p in ("A", "B", "N") if p not in baseline.starts)
    boosted = replace(
        first,
        projects=tuple(
            replace(p, scores={"v": 9}) if p.id == dropped else p for p in first.projects
        ),
    )
    result = solve(boosted, baseline=baseline)
    change = next(c for c in result.changes if c.project_id == dropped)
    assert change.kind is ChangeKind.IN
    assert change.causes[0].key == (
        "project",
        [p.id for p in first.projects].index(dropped),
        "score:v",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Normal", "normal"), (" off ", "off"), ("HIGH", "high"), ("0.5", 0.5), (2, 2.0)],
)
def test_stability_is_a_level_or_points(text, expected):
    assert parse_stability(text) == expected


@pytest.mark.parametrize("text", ["steady", "-1", "nan"])
def test_a_bad_stability_is_an_input_error(text):
    with pytest.raises(ValueError, match="Stability"):
        parse_stability(text)
    problems = validate(_portfolio([A], stability=text))
    assert [p.field for p in errors(problems)] == ["stability"]


def test_levels_scale_with_the_scores():
    portfolio = _portfolio([A, B])  # mean score 4.5
    weights = [
        stability_weight(replace(portfolio, settings=replace(portfolio.settings, stability=s)))
        for s in ("Off", "Low", "Normal", "High", "0.3")
    ]
    assert weights == pytest.approx([0.0, 0.225, 0.75, 2.25, 0.3])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(budget=True))
def test_re_planning_unchanged_inputs_changes_nothing(portfolio):
    if errors(validate(portfolio)):
        return
    first = solve(portfolio, time_limit=10, workers=1)
    if first.status is not SolveStatus.OPTIMAL:
        return
    baseline = _baseline(portfolio, first)
    if stability_weight(portfolio) <= 0:
        return
    again = solve(portfolio, time_limit=10, workers=1, baseline=baseline)
    assert again.status is SolveStatus.OPTIMAL
    assert again.changes == ()
    assert penalty_of(portfolio, baseline, baseline.starts) == 0
    assert check_plan(portfolio, again) == [] and check_reasons(portfolio, again) == []


def test_finish_keeps_the_baseline_where_the_shortest_schedule_allows():
    from engine.model import Objective

    projects = [
        Project("A", "Alpha", duration=2, scores={"v": 4}),
        Project("B", "Beta", duration=3, scores={"v": 6}),
        Project("C", "Gamma", duration=2, scores={"v": 1}),
    ]
    portfolio = replace(
        _portfolio(projects, capacity=2.0),
        settings=replace(_portfolio(projects).settings, objective=Objective.FINISH),
    )
    # A late but inside the shortest finish (4 months); C at month 6 cannot stay
    baseline = Baseline({"A": PLAN_START + 2, "B": PLAN_START, "C": PLAN_START + 5})
    result = solve(portfolio, baseline=baseline)
    assert result.objective == 4.0
    starts = {o.project_id: o.start for o in result.selected}
    assert starts["A"] == PLAN_START + 2 and starts["B"] == PLAN_START
    assert [(c.project_id, c.kind) for c in result.changes] == [("C", ChangeKind.MOVED)]
    assert check_plan(portfolio, result, everyone=True) == []
