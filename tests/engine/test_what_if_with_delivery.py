"""What-if (stopping, hiring, balance) together with delivery and the centre of excellence
(gate decisions, project managers under Assign): each keeps its rules when the other is on."""

from __future__ import annotations

import dataclasses
from datetime import date

from engine.checker import check_plan
from engine.gates import GateDecision, GateReview
from engine.model import (
    BalanceRule,
    Criterion,
    Demand,
    HiringOption,
    Manager,
    ManagerMode,
    Measure,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.months import month
from engine.optimiser import solve
from engine.result import ProjectOutcome, Result, SolveStatus

START = month(2027, 1)


def _in_flight(pid: str, *, can_stop: bool) -> Project:
    return Project(
        pid,
        f"Work {pid}",
        status=ProjectStatus.IN_FLIGHT,
        fixed_start=START - 2,
        duration=8,
        cost=800_000,
        scores={"Value": 7},
        can_stop=can_stop,
        remaining_cost=120_000,
        remaining_value=1.0,
    )


def _stop(pid: str) -> GateReview:
    return GateReview(pid, "G2 Plan", date(2027, 1, 10), GateDecision.STOP)


def test_a_gate_stop_outranks_can_stop_and_neither_is_must_run():
    stopped_at_gate = Portfolio(
        settings=Settings(plan_start=START),
        projects=(_in_flight("S", can_stop=True), _in_flight("K", can_stop=False)),
        gates=(_stop("S"), _stop("K")),
    )
    for p in stopped_at_gate.projects:
        assert p.gate_blocked and p.out_of_play
        assert not p.must_run and not p.stoppable  # the gate decided: nothing for the model
    # the checker, from the raw reviews: neither must run, and neither may be planned
    empty = Result(SolveStatus.FEASIBLE, projects=())
    assert check_plan(stopped_at_gate, empty) == []
    planned = Result(
        SolveStatus.FEASIBLE,
        projects=(ProjectOutcome("S", True, START - 2, START + 6),),
    )
    assert any("S" in problem for problem in check_plan(stopped_at_gate, planned))


def test_without_a_gate_only_the_stoppable_one_may_be_left_out():
    p = Portfolio(
        settings=Settings(plan_start=START),
        projects=(_in_flight("S", can_stop=True), _in_flight("K", can_stop=False)),
    )
    broken = check_plan(p, Result(SolveStatus.FEASIBLE, projects=()))
    assert broken == ["K: must be in the plan but is not"]


def _combined(mode: ManagerMode) -> Portfolio:
    """Stoppable work in flight, a gate that stops one proposal, a hiring option, a balance
    cap and two project managers: every rule of both sides at once."""
    proposals = tuple(
        Project(
            f"P{i}",
            f"Proposal {i}",
            duration=8,
            latest_start=START + 3,
            cost=100_000,
            scores={"Value": 9 - i},
            manager=None,
        )
        for i in range(1, 6)
    )
    tags = {"P1": "Ops", "P2": "Ops", "P3": "IT", "P4": "IT", "P5": "IT"}
    proposals = tuple(dataclasses.replace(p, tags={"Department": tags[p.id]}) for p in proposals)
    flight = dataclasses.replace(
        _in_flight("F", can_stop=True), manager="Ana", tags={"Department": "IT"}
    )
    return Portfolio(
        settings=Settings(
            plan_start=START, horizon=12, time_limit=10, workers=1, project_managers=mode
        ),
        projects=(flight, *proposals),
        demands=tuple(Demand(p.id, "Developer", 1.0) for p in (flight, *proposals)),
        capacity={"Developer": (2.0,) * 12},
        criteria=(Criterion("Value", 1.0),),
        budget={2027: 2_000_000},
        hiring=(HiringOption("Developer", "Overtime", 1.0, 1.0, max_units=2),),
        balance=(BalanceRule("Department", "IT", Measure.COUNT, max_share=0.7),),
        gates=(_stop("P1"),),
        managers=(Manager("Ana", max_projects=2), Manager("Ben", max_projects=2)),
    )


def test_every_rule_of_both_sides_holds_in_the_plan():
    for mode in (ManagerMode.CHECK, ManagerMode.ASSIGN):
        p = _combined(mode)
        result = solve(p)
        assert result.status.has_plan, mode
        assert check_plan(p, result) == [], mode
        assert "P1" not in {o.project_id for o in result.selected}
        assert result.outcome("P1").reason == "Stopped at gate G2 on 2027-01-10"
        # overtime pays for a third proposal; the balance cap keeps the fourth out; the work
        # in flight worth little is stopped for them
        assert {o.project_id for o in result.selected} == {"P2", "P3", "P4"}, mode
        assert [(h.option, h.units) for h in result.hiring] == [("Overtime", 1)], mode
        assert result.outcome("F").reason.startswith("Stopped (in flight, Can stop)")
        assert 'It would also break a balance rule: Department "IT"' in result.outcome("P5").reason
        if mode is ManagerMode.ASSIGN:
            assert all(o.manager in ("Ana", "Ben") for o in result.selected)
            kept = result.outcome("F")
            assert not kept.selected or kept.manager == "Ana"  # in flight keeps its manager
