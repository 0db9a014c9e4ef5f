"""Gate decisions steer the plan: Stop takes a project out, Hold keeps it from starting."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from engine.checker import check_plan, check_starts
from engine.gates import GateDecision, GateReview, gate_score, latest_decisions, pending_reviews
from engine.model import Criterion, Demand, Portfolio, Project, ProjectStatus, Settings
from engine.months import month
from engine.optimiser import solve
from engine.validation import Severity, errors, gate_notes, validate

START = month(2027, 1)
GO, HOLD, STOP, RECYCLE = (
    GateDecision.GO,
    GateDecision.HOLD,
    GateDecision.STOP,
    GateDecision.RECYCLE,
)


def _portfolio(*gates: GateReview, **changes) -> Portfolio:
    """Three projects that all fit: A in flight, B and C proposed."""
    projects = (
        Project("A", "Alpha", ProjectStatus.IN_FLIGHT, fixed_start=START - 2, duration=6, cost=60),
        Project("B", "Bravo", duration=4, cost=40, scores={"Value": 8}),
        Project("C", "Charlie", duration=3, cost=30, scores={"Value": 5}),
    )
    projects = tuple(replace(p, scores={"Value": p.scores.get("Value", 6)}) for p in projects)
    demands = tuple(Demand(p.id, "Dev", 1.0) for p in projects)
    portfolio = Portfolio(
        settings=Settings(plan_start=START, horizon=12, time_limit=5, workers=1),
        projects=projects,
        demands=demands,
        capacity={"Dev": (3.0,) * 12},
        criteria=(Criterion("Value", 1.0),),
        gates=gates,
    )
    return replace(portfolio, **changes) if changes else portfolio


def review(pid: str, gate: str, day: date | None, decision: GateDecision | None) -> GateReview:
    return GateReview(pid, gate, day, decision)


def test_the_latest_dated_decision_counts_and_pending_reviews_do_not():
    reviews = (
        review("B", "G1 Business case", date(2027, 1, 10), GO),
        review("B", "G2 Plan", date(2027, 3, 14), STOP),
        review("B", "G1 Business case", date(2027, 2, 1), GO),  # older, though a later row
        review("B", "G3 Build", date(2027, 5, 1), None),  # pending
        review("C", "G2 Plan", date(2027, 3, 1), HOLD),
        review("C", "G2 Plan", date(2027, 3, 1), GO),  # same day, later row wins
        review("A", "G3 Build", None, STOP),  # no date: cannot be ordered
    )
    latest = latest_decisions(reviews)
    assert latest["B"].decision is STOP and latest["B"].code == "G2"
    assert latest["C"].decision is GO
    assert "A" not in latest
    assert [r.gate for r in pending_reviews(reviews)] == ["G3 Build"]


def test_gate_code_and_score():
    assert review("X", "G4 Handover", None, None).code == "G4"
    assert review("X", "g2 plan", None, None).code == "G2"
    assert review("X", "Investment board", None, None).code == "Investment board"
    scored = GateReview("X", "G1", scores=(4.0, None, 3.0, 5.0))
    assert gate_score(scored) == pytest.approx(4.0)
    assert gate_score(GateReview("X", "G1")) is None


def test_stop_takes_a_selected_project_out_of_the_next_plan():
    before = solve(_portfolio(), tie_break=False)
    assert {o.project_id for o in before.selected} == {"A", "B", "C"}

    stopped = _portfolio(
        review("B", "G1 Business case", date(2027, 1, 10), GO),
        review("B", "G2 Plan", date(2027, 3, 14), STOP),
    )
    after = solve(stopped, tie_break=False)

    assert after.status.has_plan and check_plan(stopped, after) == []
    assert {o.project_id for o in after.selected} == {"A", "C"}
    assert after.outcome("B").reason == "Stopped at gate G2 on 2027-03-14"
    assert stopped.project("B").out_of_play and not stopped.project("B").must_run


def test_hold_keeps_a_project_from_starting_and_a_later_go_releases_it():
    held = _portfolio(review("C", "G1 Business case", date(2027, 2, 10), HOLD))
    result = solve(held, tie_break=False)
    assert "C" not in {o.project_id for o in result.selected}
    assert result.outcome("C").reason == "Held at gate G1 on 2027-02-10"
    assert check_plan(held, result) == []

    released = _portfolio(
        review("C", "G1 Business case", date(2027, 2, 10), HOLD),
        review("C", "G1 Business case", date(2027, 4, 2), GO),
    )
    assert "C" in {o.project_id for o in solve(released, tie_break=False).selected}


def test_a_stopped_project_in_flight_leaves_the_plan():
    stopped = _portfolio(review("A", "G3 Build", date(2027, 1, 20), STOP))
    assert errors(validate(stopped)) == []
    result = solve(stopped, tie_break=False)
    assert "A" not in {o.project_id for o in result.selected}
    assert check_plan(stopped, result) == []  # in flight, yet not required: the gate stopped it
    assert result.outcome("A").reason == "Stopped at gate G3 on 2027-01-20"


def test_the_checker_refuses_a_plan_with_a_stopped_or_held_project():
    portfolio = _portfolio(
        review("B", "G2 Plan", date(2027, 3, 14), STOP),
        review("C", "G1", date(2027, 2, 1), HOLD),
    )
    broken = check_starts(portfolio, {"A": START - 2, "B": START, "C": START})
    assert "B: planned although its latest gate decision is Stop" in broken
    assert "C: planned although its latest gate decision is Hold" in broken


def test_a_recycle_or_go_leaves_the_optimiser_free():
    portfolio = _portfolio(
        review("B", "G2 Plan", date(2027, 3, 14), RECYCLE),
        review("C", "G2 Plan", date(2027, 3, 14), GO),
    )
    assert not portfolio.project("B").out_of_play and not portfolio.project("C").out_of_play


def test_a_mandatory_project_cannot_be_stopped_and_the_message_says_why():
    portfolio = _portfolio(review("B", "G2 Plan", date(2027, 3, 14), STOP))
    projects = tuple(replace(p, mandatory=p.id == "B") for p in portfolio.projects)
    mandatory = replace(portfolio, projects=projects)
    [problem] = errors(validate(mandatory))
    assert (problem.entity, problem.index, problem.field) == ("gate", 0, "decision")
    assert problem.message == (
        'B "Bravo" is mandatory but stopped at gate G2 on 2027-03-14; record a new gate '
        "decision or change Mandatory / Force on Intake"
    )


def test_gate_notes_and_problems_are_located_on_the_review():
    portfolio = _portfolio(
        review("B", "G2 Plan", date(2027, 3, 14), STOP),
        review("Z", "G1", date(2027, 1, 1), GO),
        review("C", "G1", None, HOLD),
        GateReview("C", "G1", date(2027, 1, 5), GO, scores=(7.0,)),
    )
    found = {(p.index, p.field, p.severity): p.message for p in validate(portfolio)}
    found.update({(p.index, p.field, p.severity): p.message for p in gate_notes(portfolio)})
    assert all(p.severity is not Severity.INFO for p in validate(portfolio))
    assert found[(0, "decision", Severity.INFO)] == (
        'B "Bravo": Stopped at gate G2 on 2027-03-14; it is left out of the plan'
    )
    assert 'unknown project ID "Z"' in found[(1, "project_id", Severity.WARNING)]
    assert "has no date" in found[(2, "date", Severity.ERROR)]
    assert "from 1 to 5; found 7" in found[(3, "score:Business case", Severity.WARNING)]
