"""`finish` with alternatives: one project of each exclusive group or Excludes pair is
scheduled, picked by a rule the reason names; what needs a set-aside one stays out too."""

from __future__ import annotations

from dataclasses import replace

from engine.alternatives import finish_alternatives
from engine.checker import check_plan, check_reasons
from engine.greedy import greedy
from engine.model import (
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Objective,
    Portfolio,
    Project,
    Settings,
)
from engine.optimiser import solve
from engine.reasons import ReasonKind
from engine.result import ProjectOutcome, SolveStatus
from tests.engine.strategies import PLAN_START
from workbook.book.sample import sample_portfolio


def _portfolio(projects, dependencies=()):
    return Portfolio(
        Settings(PLAN_START, 12, objective=Objective.FINISH, time_limit=10, workers=1),
        projects,
        [Demand(p.id, "Dev", 1.0) for p in projects],
        {"Dev": (2.0,) * 12},
        dependencies,
        [Criterion("v", 1.0)],
    )


def test_the_higher_score_is_kept_and_the_reason_says_so():
    portfolio = _portfolio(
        [
            Project("A", "Alpha", duration=2, exclusive_group="G", scores={"v": 4}),
            Project("B", "Beta", duration=2, exclusive_group="G", scores={"v": 6}),
            Project("C", "Gamma", duration=2, scores={"v": 1}),
            Project("D", "Delta", duration=2, scores={"v": 2}),
        ],
        [
            Dependency("C", "D", DependencyType.EXCLUDES),
            Dependency("A", "C", DependencyType.REQUIRES),  # C needs A, which is set aside
        ],
    )
    result = solve(portfolio)
    assert result.status.has_plan and result.everyone_fits
    assert {o.project_id for o in result.selected} == {"B", "D"}
    assert check_plan(portfolio, result, everyone=True) == []
    assert check_reasons(portfolio, result) == []
    a = result.outcome("A")
    assert a.why.kind is ReasonKind.ALTERNATIVE and a.why.projects == ("B",)
    assert a.reason == (
        'At most one project of exclusive group "G" (A "Alpha", B "Beta"): the finish objective '
        'schedules one alternative, B "Beta", the higher-scored (6 against 4)'
    )
    # C loses twice: its own Excludes partner D scores more, and it needs A, set aside
    assert result.outcome("C").why.kind in (ReasonKind.NEEDS, ReasonKind.ALTERNATIVE)


def test_a_project_that_must_run_wins_over_a_higher_score():
    portfolio = _portfolio(
        [
            Project("A", "Alpha", duration=2, mandatory=True, scores={"v": 1}),
            Project("B", "Beta", duration=2, scores={"v": 9}),
        ],
        [Dependency("A", "B", DependencyType.EXCLUDES)],
    )
    aside = finish_alternatives(portfolio)
    assert set(aside) == {"B"} and aside["B"].note == "which is mandatory"
    result = solve(portfolio)
    assert [o.project_id for o in result.selected] == ["A"]


def test_equal_scores_keep_the_one_listed_first():
    portfolio = _portfolio(
        [
            Project("A", "Alpha", duration=2, exclusive_group="G", scores={"v": 5}),
            Project("B", "Beta", duration=2, exclusive_group="G", scores={"v": 5}),
        ]
    )
    aside = finish_alternatives(portfolio)
    assert set(aside) == {"B"} and aside["B"].note == "listed first on Intake (both score 5)"


def test_the_checker_refuses_a_finish_plan_that_leaves_out_more_than_alternatives():
    portfolio = _portfolio(
        [
            Project("A", "Alpha", duration=2, exclusive_group="G", scores={"v": 4}),
            Project("B", "Beta", duration=2, exclusive_group="G", scores={"v": 6}),
            Project("C", "Gamma", duration=2, scores={"v": 1}),
        ]
    )
    result = solve(portfolio)
    assert check_plan(portfolio, result, everyone=True) == []
    without_c = replace(
        result,
        projects=tuple(
            ProjectOutcome("C", False) if o.project_id == "C" else o for o in result.projects
        ),
        objective=None,
    )
    assert check_plan(portfolio, without_c, everyone=True) == ["C: must be in the plan but is not"]


def test_finish_on_the_sample_returns_a_plan_with_every_left_out_project_explained():
    # The sample asks for about 1.4 times its capacity: not everything fits the 24 months, so
    # `finish` schedules the most valuable set that fits and says so.
    portfolio = sample_portfolio()
    result = solve(portfolio, objective=Objective.FINISH, time_limit=5)
    assert result.status.has_plan and not result.everyone_fits
    assert check_plan(portfolio, result) == []
    assert check_reasons(portfolio, result) == []
    assert any("Not every project fits inside the 24-month horizon" in n for n in result.notes)
    for pair in (("P-111", "P-112"), ("P-117", "P-118")):
        assert sum(result.outcome(pid).selected for pid in pair) <= 1
    for outcome in result.projects:
        assert outcome.selected or outcome.reason


def test_finish_sets_aside_the_alternatives_of_a_sample_with_room_for_everything():
    # Three times the capacity and twice the horizon: everything fits but one of each pair
    # (the waterline itself places everything, so no search for a full schedule is needed).
    sample = sample_portfolio()
    portfolio = replace(
        sample,
        capacity={
            role: tuple(3 * v for v in values) * 2 for role, values in sample.capacity.items()
        },
        budget={year: 3 * amount for year, amount in sample.budget.items()}
        | {2029: 3e7, 2030: 3e7},
        settings=replace(sample.settings, horizon=48),
        balance=(),  # the sample's balance rules cap shares no plan of everything can keep
    )
    assert greedy(portfolio, objective=Objective.FINISH).status is SolveStatus.FEASIBLE
    result = solve(portfolio, objective=Objective.FINISH, time_limit=10)
    assert result.status.has_plan and result.everyone_fits
    assert check_plan(portfolio, result, everyone=True) == []
    assert check_reasons(portfolio, result) == []
    assert result.outcome("P-112").why.kind is ReasonKind.ALTERNATIVE
    assert result.outcome("P-118").why.kind is ReasonKind.ALTERNATIVE
    assert "the higher-scored (6.95 against 6.4)" in result.outcome("P-112").reason
