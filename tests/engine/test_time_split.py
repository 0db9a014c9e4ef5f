"""The time limit shared among the steps of a solve (engine.time_split), and what a solve
gives when the limit is spent: the mandatory-aware waterline at least, and reasons that say
they were cut short.

No timing is asserted: the split is tested by its arithmetic, and the solves below hold
whatever the machine's speed (a limit too small for any re-solve, a plan judged against the
waterline and the checker, not against the clock).
"""

from __future__ import annotations

import dataclasses

import pytest

from bench.generate import generate_portfolio
from engine.checker import check_plan, check_reasons
from engine.counterfactual import RESOLVE_SECONDS_PER_PROJECT, RESOLVE_SLICE, resolve_slice
from engine.greedy import greedy
from engine.model import Portfolio
from engine.optimiser import solve
from engine.reasons import NOT_COMPUTED
from engine.time_split import (
    HIGHS_NONZEROS_PER_SECOND,
    HIGHS_SHARE,
    HIGHS_TIGHT_MIN_PROJECTS,
    HIGHS_TIGHT_SHARE,
    MIN_SEARCH,
    REPORT_SECONDS_PER_PROJECT,
    REPORT_SECONDS_PER_PROJECT_SQUARED,
    REPORT_SHARE,
    RESERVE_SHARE,
    TIE_BREAK_SHARE,
    after_plan_reserve,
    highs_fits,
    highs_seconds,
    reasons_seconds,
    report_reserve,
    search_seconds,
    tie_break_seconds,
)


def test_highs_may_stretch_its_share_on_large_portfolios_only():
    share, stretch = highs_seconds(12.0, 2.0, HIGHS_TIGHT_MIN_PROJECTS)
    assert share == pytest.approx(HIGHS_SHARE * 10.0)
    assert stretch == pytest.approx(HIGHS_TIGHT_SHARE * 10.0)
    small = highs_seconds(12.0, 2.0, HIGHS_TIGHT_MIN_PROJECTS - 1)
    assert small == (share, share)  # a small portfolio: CP-SAT gets the rest
    assert highs_seconds(1.0, 2.0, 1000) == (0.0, 0.0)  # the reserve has taken it all


def test_highs_is_started_only_on_a_mip_small_enough_for_the_limit():
    assert highs_fits(HIGHS_NONZEROS_PER_SECOND * 20, 20.0)
    assert not highs_fits(HIGHS_NONZEROS_PER_SECOND * 20 + 1, 20.0)
    assert highs_fits(HIGHS_NONZEROS_PER_SECOND * 20 + 1, 60.0)  # more time, a bigger MIP


def test_the_report_reserve_grows_with_the_portfolio_up_to_its_share_of_the_limit():
    assert report_reserve(20, 1000) == pytest.approx(
        1000 * REPORT_SECONDS_PER_PROJECT + 1000**2 * REPORT_SECONDS_PER_PROJECT_SQUARED
    )
    # the explanations' work grows faster than the portfolio
    assert report_reserve(60, 2000) > 2 * report_reserve(60, 1000)
    assert report_reserve(20, 100_000) == pytest.approx(REPORT_SHARE * 20)
    assert report_reserve(20, 0) == 0.0
    assert report_reserve(0, 1000) == 0.0


def test_the_reserve_adds_the_reasons_budget_and_never_passes_half_the_limit():
    report = report_reserve(60, 2000)
    assert after_plan_reserve(60, 2000, 6) == pytest.approx(report + 6)
    assert after_plan_reserve(20, 5000, 2) == pytest.approx(REPORT_SHARE * 20 + 2)
    assert after_plan_reserve(20, 5000, 9) == pytest.approx(RESERVE_SHARE * 20)
    assert after_plan_reserve(20, 10, 300) == pytest.approx(RESERVE_SHARE * 20)
    assert after_plan_reserve(20, 10, -1) == pytest.approx(report_reserve(20, 10))


def test_the_search_gets_what_is_left_beyond_the_reserve_and_always_starts():
    assert search_seconds(18.0, 5.0) == pytest.approx(13.0)
    assert search_seconds(18.0, 5.0, share=0.5) == pytest.approx(6.5)
    assert search_seconds(4.0, 5.0) == MIN_SEARCH  # the limit spent before the search
    assert search_seconds(-3.0, 0.0) == MIN_SEARCH


def test_the_tie_break_gets_what_the_search_left_at_most_its_share():
    assert tie_break_seconds(5.0, 5.0, 20) == 0.0
    assert tie_break_seconds(6.5, 5.0, 20) == pytest.approx(1.5)
    assert tie_break_seconds(60.0, 5.0, 20) == pytest.approx(TIE_BREAK_SHARE * 20)
    assert tie_break_seconds(1.0, 5.0, 20) == 0.0


def test_the_solved_reasons_get_their_budget_at_most_what_is_left():
    assert reasons_seconds(2.0, 10.0) == 2.0
    assert reasons_seconds(2.0, 0.7) == pytest.approx(0.7)
    assert reasons_seconds(2.0, -1.0) == 0.0


def test_a_re_solve_needs_more_time_left_on_a_larger_portfolio():
    assert resolve_slice(10) == RESOLVE_SLICE
    assert resolve_slice(5000) == pytest.approx(5000 * RESOLVE_SECONDS_PER_PROJECT)
    assert resolve_slice(5000) > resolve_slice(2000) > RESOLVE_SLICE


def _with_optional_predecessors(**settings) -> Portfolio:
    """80 projects, 4 mandatory, each after a predecessor nobody declared mandatory."""
    portfolio = generate_portfolio(
        80, horizon=24, seed=3, mandatory_share=4 / 80, optional_predecessors=4
    )
    return dataclasses.replace(
        portfolio, settings=dataclasses.replace(portfolio.settings, workers=1, **settings)
    )


def test_the_generator_puts_optional_predecessors_before_mandatory_projects():
    portfolio = _with_optional_predecessors()
    mandatory = {p.id for p in portfolio.projects if p.mandatory}
    before = [d for d in portfolio.dependencies if d.successor in mandatory]
    assert len(mandatory) == 4 and len(before) == 4
    assert all(not portfolio.project(d.predecessor).must_run for d in before)


@pytest.mark.parametrize("reproducible", [False, True])
def test_a_spent_limit_still_gives_every_must_run_project_and_the_waterline_at_least(
    reproducible,
):
    portfolio = _with_optional_predecessors(reproducible=reproducible, explain_time=5.0)
    waterline = greedy(portfolio)
    assert waterline.status.has_plan and check_plan(portfolio, waterline) == []
    result = solve(portfolio, time_limit=0.01)  # spent before the search begins
    assert result.status.has_plan
    assert check_plan(portfolio, result) == []
    planned = {o.project_id for o in result.selected}
    assert {p.id for p in portfolio.projects if p.must_run} <= planned
    assert result.objective >= waterline.objective - 1e-9


def test_reasons_that_do_not_fit_in_the_limit_say_so_and_still_hold():
    # a Reasons time of 5 s within a limit of 0.2 s: no re-solve (0.3 s at least) can start
    portfolio = _with_optional_predecessors(explain_time=5.0)
    result = solve(portfolio, time_limit=0.2)
    assert result.status.has_plan
    cut = [n for n in result.notes if n.startswith("Reasons cut short")]
    assert len(cut) == 1 and 'of the 5.0 s of Settings "Reasons time"' in cut[0]
    deferred = [o for o in result.projects if not o.selected and o.why is not None]
    assert any(o.why.displacement_note == NOT_COMPUTED for o in deferred)
    assert any(NOT_COMPUTED in o.reason for o in deferred)
    assert check_reasons(portfolio, result) == []
    assert check_plan(portfolio, result) == []


def test_reasons_turned_off_are_not_called_cut_short():
    result = solve(_with_optional_predecessors(explain_time=0.0), time_limit=0.2)
    assert result.status.has_plan
    assert not [n for n in result.notes if n.startswith("Reasons cut short")]


def test_the_solve_reports_its_steps():
    result = solve(_with_optional_predecessors(explain_time=0.0), time_limit=0.2)
    steps = dict(result.phases)
    assert {"waterline", "build", "warm start", "search", "explain", "reasons"} <= set(steps)
    assert all(seconds >= 0 for seconds in steps.values())
