"""Reasons are records that hold up: each one is checked against the rules by the independent
checker (`engine.checker.check_reason`), never by the code that made it."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine.explain as explain
from engine.checker import check_reason, check_reasons, reason_cycles
from engine.explain import explain_plan
from engine.feasibility import Ledger, allowed_starts
from engine.hiring import units_from_runs
from engine.insertion import least_extra
from engine.model import (
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Force,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.optimiser import solve
from engine.plan import outcomes
from engine.reasons import ReasonKind, reason_json
from engine.result import SolveStatus
from engine.validation import errors, validate
from tests.engine.strategies import PLAN_START, portfolios
from workbook.book.grids import result_json
from workbook.book.sample import sample_portfolio

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
V = [Criterion("v", 1.0)]


def _portfolio(projects, demands=(), capacity=None, dependencies=(), horizon=6, budget=None):
    return Portfolio(
        Settings(PLAN_START, horizon, time_limit=10, workers=1),
        projects,
        demands,
        capacity or {"Dev": (1.0,) * horizon},
        dependencies,
        V,
        budget or {},
    )


def _solved(portfolio):
    result = solve(portfolio)
    assert result.status.has_plan, result.conflicts
    assert check_reasons(portfolio, result) == []
    return result


def test_with_partners_share_the_group_reason_and_never_blame_each_other():
    # A and B go together; C takes the only developer, so the pair cannot fit as a unit.
    portfolio = _portfolio(
        [
            Project("A", "Alpha", duration=3, scores={"v": 5}),
            Project("B", "Beta", duration=3, scores={"v": 1}),
            Project("C", "Gamma", duration=6, scores={"v": 7}),
        ],
        [Demand("A", "Dev", 1.0), Demand("B", "Ops", 1.0), Demand("C", "Dev", 1.0)],
        {"Dev": (1.0,) * 6, "Ops": (1.0,) * 6},
        [Dependency("A", "B", DependencyType.WITH)],
    )
    result = _solved(portfolio)
    a, b = result.outcome("A").why, result.outcome("B").why
    assert a.kind is b.kind is ReasonKind.CAPACITY
    assert a.group == b.group == ("A", "B")
    assert a.projects == b.projects == ()  # the blocker is Dev, not the partner
    assert a.binding_roles == b.binding_roles == ("Dev",)
    assert a.shortages == b.shortages and a.at == b.at
    assert result.outcome("A").reason.startswith(
        'Goes in only together with B "Beta" (With); together, not enough Dev left'
    )


def test_the_binding_role_comes_first_and_is_never_cut_off():
    # X can start in month 1 or 2. Y holds four roles in month 1: starting then, X is short
    # of each by 3 FTE. Z holds five other roles in month 3, which X needs in its second
    # month: starting in month 2, X is short of those five. So the cheapest start is month 1,
    # and no big role is short at both starts. Ops is short by only 0.3 FTE, but at every
    # start: it binds, so it comes first, and nothing is cut off.
    early, late = ("R1", "R2", "R3", "R4"), ("S1", "S2", "S3", "S4", "S5")
    portfolio = _portfolio(
        [
            Project("X", "Xray", duration=2, scores={"v": 3}),
            Project("Y", "Yankee", duration=1, fixed_start=PLAN_START, scores={"v": 9}),
            Project("Z", "Zulu", duration=1, fixed_start=PLAN_START + 2, scores={"v": 9}),
        ],
        [Demand(p, r, 3.0) for p in "XY" for r in early]
        + [Demand("X", r, 3.0, 2, 2) for r in late]
        + [Demand("Z", r, 3.0) for r in late]
        + [Demand("X", "Ops", 0.5)],
        {**{r: (3.0,) * 3 for r in (*early, *late)}, "Ops": (0.2,) * 3},
        horizon=3,
    )
    roles = early
    result = _solved(portfolio)
    why = result.outcome("X").why
    assert why.kind is ReasonKind.CAPACITY and why.binding_roles == ("Ops",)
    assert why.shortages[0].role == "Ops" and why.shortages[0].binding
    assert {s.role for s in why.shortages} == {"Ops", *roles}  # nothing cut off
    text = result.outcome("X").reason
    assert text.startswith("Not enough Ops left at any start 2027-01..2027-02.")
    assert text.index("Ops up to +0.3 FTE") < text.index("R1 +3 FTE")


def test_timing_by_the_rules_alone_names_the_chain_and_the_horizon():
    portfolio = _portfolio(
        [
            Project(
                "F",
                "Flight",
                status=ProjectStatus.IN_FLIGHT,
                fixed_start=PLAN_START - 1,
                duration=3,
                scores={"v": 1},
            ),
            Project("A", "Alpha", duration=2, scores={"v": 5}),
            Project("B", "Beta", duration=3, scores={"v": 4}),
        ],
        dependencies=[
            Dependency("F", "A", DependencyType.FS, 0),
            Dependency("A", "B", DependencyType.FS, 1),
        ],
    )
    result = _solved(portfolio)
    why = result.outcome("B").why
    assert why.kind is ReasonKind.TIMING and why.timing.structural
    assert why.timing.latest_from == "horizon" and why.projects == ("A",)
    assert [s.project for s in why.timing.chain] == ["B", "A", "F"]
    assert result.outcome("B").reason == (
        "Cannot start in time whatever the plan: it can start no earlier than 2027-06, after "
        'A "Alpha" finishes + 1 month; A "Alpha" can start no earlier than 2027-03, after F '
        '"Flight" (in flight since 2026-12) finishes, but to finish inside the horizon it must '
        "start by 2027-04"
    )


def test_timing_the_plan_causes_says_what_keeps_the_predecessor_late():
    # The in-flight M holds the developer for two months, so A (which needs it) starts in
    # month 3; B must start by month 4 (typed) and follows A: too late in this plan, though
    # the rules alone would allow it.
    portfolio = _portfolio(
        [
            Project(
                "M",
                "Mike",
                status=ProjectStatus.IN_FLIGHT,
                fixed_start=PLAN_START,
                duration=2,
                scores={"v": 1},
            ),
            Project("A", "Alpha", duration=2, scores={"v": 5}),
            Project("B", "Beta", duration=1, latest_start=PLAN_START + 3, scores={"v": 4}),
        ],
        [Demand("M", "Dev", 1.0), Demand("A", "Dev", 1.0)],
        dependencies=[Dependency("A", "B", DependencyType.FS, 0)],
    )
    result = _solved(portfolio)
    assert result.outcome("A").start == PLAN_START + 2
    why = result.outcome("B").why
    assert why.kind is ReasonKind.TIMING and not why.timing.structural
    assert why.timing.latest_from == "latest start"
    blocked = why.timing.blocked
    assert blocked.kind is ReasonKind.CAPACITY and blocked.binding_roles == ("Dev",)
    assert "though it could start from 2027-01 (every earlier start has Dev short" in (
        result.outcome("B").reason
    )


def test_links_name_what_blocks_and_never_point_back():
    portfolio = _portfolio(
        [
            Project("A", "Alpha", duration=1, force=Force.OUT, scores={"v": 5}),
            Project("B", "Beta", duration=1, scores={"v": 4}),
            Project("C", "Gamma", duration=1, scores={"v": 3}),
            Project("D", "Delta", duration=1, scores={"v": 6}, exclusive_group="G"),
            Project("E", "Echo", duration=1, scores={"v": 2}, exclusive_group="G"),
            # F and H go together but share an exclusive group: they can never both be in
            # (a With and an Excludes link on one pair is an input error since issue 14)
            Project("F", "Fox", duration=1, scores={"v": 2}, exclusive_group="X"),
            Project("H", "Hotel", duration=1, scores={"v": 2}, exclusive_group="X"),
        ],
        dependencies=[
            Dependency("A", "B", DependencyType.REQUIRES),  # B needs A, forced out
            Dependency("B", "C", DependencyType.FS),  # C needs B (and so A)
            Dependency("F", "H", DependencyType.WITH),
        ],
    )
    result = _solved(portfolio)
    c = result.outcome("C").why
    assert c.kind is ReasonKind.NEEDS and c.via == ("C", "B", "A") and c.projects == ("A",)
    assert result.outcome("C").reason == ('Needs A "Alpha" (through B "Beta"), which is forced out')
    e = result.outcome("E").why
    assert e.kind is ReasonKind.GROUP_TAKEN and e.projects == ("D",)
    assert result.outcome("F").why.kind is ReasonKind.CONFLICTING_LINKS
    assert reason_cycles({o.project_id: o.why for o in result.projects}) == []


def test_a_window_that_leaves_no_start_says_which_limit():
    portfolio = _portfolio(
        [Project("A", "Alpha", duration=4, earliest_start=PLAN_START + 4, scores={"v": 5})]
    )
    result = _solved(portfolio)
    assert result.outcome("A").why.kind is ReasonKind.NO_WINDOW
    assert "earliest start 2027-05 leaves fewer than 4 months" in result.outcome("A").reason


def test_every_project_of_the_sample_has_a_checked_record_in_the_json():
    portfolio = sample_portfolio()
    result = solve(portfolio, time_limit=5)
    assert check_reasons(portfolio, result) == []
    # the plan found in 5 s may hold the With pair; without it, it is a plan all the same
    starts = {o.project_id: o.start for o in result.selected if o.project_id not in PAIR}
    hires = units_from_runs(portfolio, result.hiring)  # the sample may hire (Hiring sheet)
    projects = outcomes(portfolio, starts, explain_plan(portfolio, starts, hires=hires))
    result = replace(result, projects=projects, objective=None)
    assert check_reasons(portfolio, result) == []
    data = result_json(portfolio, result)
    assert all(p["why"]["text"] == p["reason"] for p in data["projects"])
    kinds = {p["id"]: p["why"]["kind"] for p in data["projects"]}
    # the With pair gets the group's reason, not each other's
    assert kinds["P-130"] == kinds["P-131"] and kinds["P-130"] in ("capacity", "not chosen")
    pair = [p["why"] for p in data["projects"] if p["id"] in ("P-130", "P-131")]
    assert pair[0]["group"] == pair[1]["group"] == ["P-130", "P-131"]
    assert "projects" not in pair[0] and "projects" not in pair[1]
    # P-109's timing comes from the rules (P-102 in flight), not from where P-108 was put
    p109 = next(p["why"] for p in data["projects"] if p["id"] == "P-109")
    assert p109["kind"] == "timing" and p109["timing"]["structural"]
    assert p109["timing"]["latest_from"] == "horizon"


@PROPERTY
@given(portfolios(budget=True))
def test_every_reason_of_every_plan_holds_and_none_points_back(portfolio):
    if errors(validate(portfolio)):
        return
    result = solve(portfolio, time_limit=10, workers=1)
    if not result.status.has_plan:
        return
    assert check_reasons(portfolio, result) == []
    for outcome in result.projects:
        assert outcome.why.text == outcome.reason
        assert reason_json(outcome.why)["kind"] == outcome.why.kind.value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(budget=True))
def test_the_small_model_agrees_with_trying_every_combination(portfolio):
    """Past COMBINATION_LIMIT the explainer asks `least_extra`; with the limit at zero every
    group goes that way, and the reasons must still hold and bind the same roles."""
    if errors(validate(portfolio)):
        return
    result = solve(portfolio, time_limit=10, workers=1)
    if result.status is not SolveStatus.OPTIMAL:
        return
    starts = {o.project_id: o.start for o in result.selected}
    tried = explain_plan(portfolio, starts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(explain, "COMBINATION_LIMIT", 0)
        modelled = explain_plan(portfolio, starts)
    for pid, reason in tried.items():
        other = modelled[pid]
        assert other.kind is reason.kind, pid
        assert other.binding_roles == reason.binding_roles
        assert other.binding_years == reason.binding_years
        outcome = replace(result.outcome(pid), why=other)
        projects = tuple(outcome if o.project_id == pid else o for o in result.projects)
        assert check_reasons(portfolio, replace(result, projects=projects)) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(budget=True))
def test_least_extra_is_the_least_over_every_start(portfolio):
    if errors(validate(portfolio)):
        return
    result = solve(portfolio, time_limit=10, workers=1)
    if not result.status.has_plan:
        return
    ledger = Ledger(portfolio)
    for o in result.selected:
        ledger.commit(portfolio.project(o.project_id), o.start)
    for o in result.projects:
        project = portfolio.project(o.project_id)
        if o.selected or project.out_of_play or not allowed_starts(portfolio, project):
            continue
        starts = list(allowed_starts(portfolio, project))
        found = least_extra(portfolio, ledger, {project.id: starts}, time_limit=5)
        assert found.proven and found.found
        least = min(
            (sum(s.missing for s in ledger.shortfalls(project, s)), sum(over.values()))
            for s in starts
            for over in [ledger.over_budget(project, s)]
        )
        assert (sum(found.fte.values()), sum(found.money.values())) == least


@pytest.mark.parametrize("limit", [0, 1_000])
def test_a_group_past_the_limit_still_gets_a_checked_reason(monkeypatch, limit):
    monkeypatch.setattr(explain, "COMBINATION_LIMIT", limit)
    portfolio = sample_portfolio()
    result = solve(portfolio, time_limit=3)
    assert check_reasons(portfolio, result) == []
    # whatever the plan, without the With pair P-130 + P-131 it is still a plan: explain that
    starts = {o.project_id: o.start for o in result.selected if o.project_id not in PAIR}
    hires = units_from_runs(portfolio, result.hiring)  # the sample may hire (Hiring sheet)
    reasons = explain_plan(portfolio, starts, hires=hires)
    for pid in PAIR:
        assert check_reason(portfolio, starts, pid, reasons[pid], hiring=result.hiring) == []
        assert reasons[pid].group == PAIR and reasons[pid].kind in (
            ReasonKind.CAPACITY,
            ReasonKind.NOT_CHOSEN,
        )


PAIR = ("P-130", "P-131")


def test_combinations_count_every_window_pair():
    # two partners of 3 and 2 starts with no FS between them: 6 combinations
    portfolio = _portfolio(
        [
            Project("A", "Alpha", duration=4, scores={"v": 5}),
            Project("B", "Beta", duration=5, scores={"v": 1}),
            Project("C", "Gamma", duration=6, scores={"v": 9}),
        ],
        [Demand(p, "Dev", 1.0) for p in "ABC"],
        dependencies=[Dependency("A", "B", DependencyType.WITH)],
    )
    result = _solved(portfolio)
    why = result.outcome("A").why
    windows = [allowed_starts(portfolio, portfolio.project(p)) for p in "AB"]
    assert len(list(itertools.product(*windows))) == 6
    assert why.kind is ReasonKind.CAPACITY and why.first == PLAN_START


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(budget=True), st.randoms(use_true_random=False))
def test_any_plan_even_one_that_breaks_rules_gets_reasons_without_a_traceback(portfolio, rng):
    # the Explain button explains the last plan against inputs that may have changed since
    if errors(validate(portfolio)):
        return
    starts = {}
    for project in portfolio.projects:
        window = allowed_starts(portfolio, project)
        if window and rng.random() < 0.5:
            starts[project.id] = rng.choice(list(window))
    reasons = explain_plan(portfolio, starts)
    assert set(reasons) == {p.id for p in portfolio.projects}
    assert all(r.text for r in reasons.values())
