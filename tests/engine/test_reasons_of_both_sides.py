"""The reasons main's rules give (a gate's Stop or Hold, work in flight stopped, no project
manager free under Assign, a balance rule, the plan's hires) as records of `engine.reasons`:
worded as before, and each claim checked by `engine.checker.check_reasons` against the rules,
so a false claim is caught."""

from __future__ import annotations

import dataclasses

from engine.checker import check_reason, check_reasons, reason_cycles
from engine.model import (
    BalanceRule,
    Criterion,
    Demand,
    ManagerMode,
    Measure,
    Portfolio,
    Project,
    Settings,
)
from engine.optimiser import solve
from engine.reasons import ReasonKind, reason_json
from tests.engine.test_managers import _contested
from tests.engine.test_what_if_with_delivery import START, _combined


def _starts(result) -> dict[str, int]:
    return {o.project_id: o.start for o in result.selected if o.start is not None}


def _managers(result) -> dict[str, str]:
    return {o.project_id: o.manager for o in result.selected if o.manager}


def test_gate_stopped_balance_and_hires_are_records_checked_against_the_rules():
    for mode in (ManagerMode.CHECK, ManagerMode.ASSIGN):
        portfolio = _combined(mode)
        result = solve(portfolio)
        assert result.status.has_plan, mode
        assert check_reasons(portfolio, result) == [], mode
        assert reason_cycles({o.project_id: o.why for o in result.projects}) == []
        gate, stopped, capped = (result.outcome(p).why for p in ("P1", "F", "P5"))
        assert gate.kind is ReasonKind.GATE and gate.rule == "Stopped at gate G2 on 2027-01-10"
        assert stopped.kind is ReasonKind.STOPPED and stopped.freed == 6.0
        assert capped.kind is ReasonKind.CAPACITY and [i for i, _ in capped.balance] == [0]
        assert reason_json(capped)["balance"] == [{"rule": 1, "share": capped.balance[0][1]}]
        # the capacity reasons count the plan's hires: without them the claims do not hold
        assert result.hiring
        starts, managers = _starts(result), _managers(result)
        unhired = check_reason(portfolio, starts, "P5", capped, managers=managers)
        assert unhired, mode


def test_false_claims_of_the_new_kinds_are_caught():
    portfolio = _combined(ManagerMode.CHECK)
    result = solve(portfolio)
    starts, hiring = _starts(result), result.hiring
    gate, stopped, capped = (result.outcome(p).why for p in ("P1", "F", "P5"))
    # a gate decision on a project no gate stopped
    assert check_reason(portfolio, starts, "P5", gate, hiring=hiring)
    # stopping frees other figures than those stated
    wrong = dataclasses.replace(stopped, freed=(stopped.freed or 0) + 1)
    assert any("frees" in t for t in check_reason(portfolio, starts, "F", wrong, hiring=hiring))
    # a balance rule that adding it would not break
    none = dataclasses.replace(capped, balance=())
    assert any("balance" in t for t in check_reason(portfolio, starts, "P5", none, hiring=hiring))


def test_no_manager_free_is_its_own_kind_and_only_under_assign():
    portfolio = _contested()
    result = solve(portfolio)
    deferred = result.outcome("D")
    assert deferred.why.kind is ReasonKind.NO_MANAGER
    assert deferred.reason.startswith("No project manager on People is free for it at any start")
    assert check_reasons(portfolio, result) == []
    # under Check no manager is needed: the same claim is false
    check = dataclasses.replace(
        portfolio,
        settings=dataclasses.replace(portfolio.settings, project_managers=ManagerMode.CHECK),
    )
    broken = check_reason(check, _starts(result), "D", deferred.why, managers=_managers(result))
    assert any("no manager is needed" in t for t in broken)
    # and with a manager's place freed (her project left out), one is free after all
    freed = {pid: s for pid, s in _starts(result).items() if _managers(result)[pid] != "Bo"}
    kept = {pid: m for pid, m in _managers(result).items() if pid in freed}
    assert check_reason(portfolio, freed, "D", deferred.why, managers=kept)


def test_a_project_that_fits_but_breaks_a_balance_rule_is_held_back_by_it():
    # room for all three, but IT may take at most half of the projects: one IT project waits
    projects = (
        Project("O", "Ops tooling", duration=3, scores={"Value": 5}, tags={"Department": "Ops"}),
        Project("I1", "IT one", duration=3, scores={"Value": 9}, tags={"Department": "IT"}),
        Project("I2", "IT two", duration=3, scores={"Value": 4}, tags={"Department": "IT"}),
    )
    portfolio = Portfolio(
        settings=Settings(plan_start=START, horizon=6, time_limit=10, workers=1),
        projects=projects,
        demands=tuple(Demand(p.id, "Developer", 1.0) for p in projects),
        capacity={"Developer": (3.0,) * 6},
        criteria=(Criterion("Value", 1.0),),
        balance=(BalanceRule("Department", "IT", Measure.COUNT, max_share=0.5),),
    )
    result = solve(portfolio)
    assert set(_starts(result)) == {"O", "I1"}
    held = result.outcome("I2")
    assert held.why.kind is ReasonKind.BALANCE
    assert held.reason.startswith(
        'Held back by a balance rule: Department "IT" takes at most 50% of the projects '
        "(with it: 66.67%)"
    )
    assert check_reasons(portfolio, result) == []
    # without the rule the same claim is false
    free = dataclasses.replace(portfolio, balance=())
    assert check_reason(free, _starts(result), "I2", held.why)
