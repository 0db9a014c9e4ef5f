"""Project managers (issue 16): the Check-mode message, Assign in the model, checked apart."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from engine.checker import check_plan
from engine.cpsat_model import ModelOptions, PortfolioModel
from engine.greedy import greedy, greedy_starts
from engine.managers import assign_managers, summarise
from engine.model import (
    Criterion,
    Demand,
    Direction,
    Manager,
    ManagerMode,
    Objective,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.months import month
from engine.optimiser import solve
from engine.result import SolveStatus
from engine.validation import Severity, errors, manager_load, validate
from tests.engine.strategies import PLAN_START

JAN = month(2027, 1)
VALUE = (Criterion("Value", 1.0, Direction.HIGHER, 0, 10),)


def _portfolio(projects, managers, mode=ManagerMode.CHECK, horizon=12, capacity=None):
    return Portfolio(
        Settings(JAN, horizon, time_limit=10, workers=1, project_managers=mode),
        tuple(projects),
        tuple(Demand(p.id, "Dev", 1.0) for p in projects),
        capacity or {"Dev": (10.0,) * horizon},
        (),
        VALUE,
        {},
        managers=tuple(managers),
    )


def _project(pid, score=5, duration=4, **fields):
    return Project(pid, f"Project {pid}", duration=duration, scores={"Value": score}, **fields)


# --- Check: the limit message -------------------------------------------------------------------


def test_the_limit_message_names_the_manager_the_projects_and_the_months():
    projects = [
        _project("A", status=ProjectStatus.IN_FLIGHT, fixed_start=JAN, manager="Ana"),
        _project("B", duration=3, fixed_start=JAN + 2, manager="Ana"),
        _project("C", duration=2, fixed_start=JAN + 6, manager="Ana"),  # after A and B
    ]
    portfolio = _portfolio(projects, [Manager("Ana", max_projects=1)])
    starts = {"A": JAN, "B": JAN + 2, "C": JAN + 6}
    [problem] = manager_load(portfolio, starts)
    assert problem.severity is Severity.WARNING
    assert (problem.entity, problem.index, problem.field) == ("project", 1, "manager")
    assert problem.message == (
        'project manager "Ana" runs 2 projects at once in 2027-03..2027-04 '
        '(A "Project A", B "Project B"); People allows 1 (Max concurrent projects). Give one '
        "of them another manager, raise the limit, or set Project managers to Assign"
    )
    two = _portfolio(projects, [Manager("Ana", max_projects=2)])
    assert manager_load(two, starts) == []


def test_before_a_plan_the_months_must_run_work_certainly_runs_count():
    projects = [
        # in flight since November 2026: runs to August 2027
        _project("A", duration=10, status=ProjectStatus.IN_FLIGHT, fixed_start=JAN - 2),
        # mandatory, starts April to June: runs June and July whatever its start
        _project("B", mandatory=True, earliest_start=JAN + 3, latest_start=JAN + 5),
        _project("C", duration=3),  # proposed: no start yet, not counted
    ]
    projects = [dataclasses.replace(p, manager="Ana") for p in projects]
    portfolio = _portfolio(projects, [Manager("Ana", max_projects=1)])
    [problem] = manager_load(portfolio)  # no plan
    assert 'runs 2 projects at once in 2027-06..2027-07 (A "Project A", B "Project B")' in (
        problem.message
    )


def test_a_manager_named_for_months_they_are_away_is_warned_about():
    projects = [_project("A", fixed_start=JAN + 3, manager="Bo")]
    portfolio = _portfolio(projects, [Manager("Bo", max_projects=2, available_from=JAN + 5)])
    [problem] = manager_load(portfolio, {"A": JAN + 3})
    assert 'project manager "Bo" of A "Project A" is available from 2027-06' in problem.message
    assert "the project runs 2027-04..2027-07" in problem.message


def test_work_in_flight_counts_only_from_the_plan_start():
    # both started before the plan; they overlap only in 2026, which is history
    projects = [
        _project("A", duration=6, status=ProjectStatus.IN_FLIGHT, fixed_start=JAN - 6),
        _project("B", duration=8, status=ProjectStatus.IN_FLIGHT, fixed_start=JAN - 2),
    ]
    projects = [dataclasses.replace(p, manager="Ana") for p in projects]
    portfolio = _portfolio(projects, [Manager("Ana", max_projects=1)])
    assert manager_load(portfolio, {"A": JAN - 6, "B": JAN - 2}) == []


def test_validation_checks_the_roster_and_the_names_on_intake():
    projects = [_project("A", manager="Priya Ramen"), _project("B", manager="Nobody Known")]
    people = [
        Manager("Priya Raman"),
        Manager("Priya Raman"),
        Manager("Bo", available_from=JAN + 5, available_to=JAN + 2),
    ]
    found = {(p.entity, p.index, p.field): p for p in validate(_portfolio(projects, people))}
    assert "listed 2 times on People" in found["manager", 0, "name"].message
    assert "swap them" in found["manager", 2, "available_to"].message
    near = found["project", 0, "manager"]
    assert near.severity is Severity.WARNING and 'did you mean "Priya Raman"?' in near.message
    assert "add them to People" in found["project", 1, "manager"].message


def test_assign_needs_people_and_staff_for_every_must_run_project():
    nobody = _portfolio([_project("A")], [], ManagerMode.ASSIGN)
    [problem] = errors(validate(nobody))
    assert "the People sheet lists nobody" in problem.message
    away = _portfolio(
        [_project("A", mandatory=True, earliest_start=JAN, latest_start=JAN + 1)],
        [Manager("Bo", available_from=JAN + 6)],
        ManagerMode.ASSIGN,
    )
    [problem] = errors(validate(away))
    assert problem.field == "manager" and "no one on People is available" in problem.message


# --- Assign: the model staffs the plan; the checker holds it -------------------------------------


def _contested() -> Portfolio:
    """Four projects that fit the capacity at once; two managers, one of them only from April."""
    projects = [_project(pid, score=s) for pid, s in zip("ABCD", (9, 8, 7, 6), strict=True)]
    managers = [
        Manager("Ana", max_projects=1),
        Manager("Bo", max_projects=1, available_from=JAN + 3),
    ]
    return _portfolio(projects, managers, ManagerMode.ASSIGN, horizon=8)


def test_assign_keeps_every_manager_within_limits_checked_independently():
    portfolio = _contested()
    result = solve(portfolio)
    assert result.status is SolveStatus.OPTIMAL
    assert check_plan(portfolio, result) == []
    chosen = {o.project_id: o for o in result.selected}
    # 8 months: Ana runs two 4-month projects one after the other, Bo one from April
    assert len(chosen) == 3 and set(chosen) == {"A", "B", "C"}
    assert all(o.manager in ("Ana", "Bo") for o in chosen.values())
    bo = [o for o in chosen.values() if o.manager == "Bo"]
    assert all(o.start >= JAN + 3 for o in bo)
    deferred = result.outcome("D")
    assert "No project manager on People is free for it at any start" in deferred.reason
    # the same portfolio under Check runs all four at once: the checker catches it under Assign
    check = dataclasses.replace(
        portfolio,
        settings=dataclasses.replace(portfolio.settings, project_managers=ManagerMode.CHECK),
    )
    loose = solve(check)
    assert len(loose.selected) == 4
    broken = check_plan(portfolio, loose)
    assert broken and any("planned without a project manager" in b for b in broken)
    staffed = [dataclasses.replace(o, manager="Ana") for o in loose.projects]
    broken = check_plan(portfolio, dataclasses.replace(loose, projects=tuple(staffed)))
    assert any("Ana in month" in b and "1 allowed" in b for b in broken)


def test_the_waterline_staffs_as_it_places():
    portfolio = _contested()
    baseline = greedy(portfolio)
    assert baseline.status is SolveStatus.FEASIBLE
    assert check_plan(portfolio, baseline) == []


def test_preferences_pick_who_never_what():
    """Grade and skills decide who runs a project, never which projects run: the value of the
    plan is the same with or without any preference."""
    projects = [
        _project("A", score=9, pm_skills=("data",), pm_grade="Senior"),
        _project("B", score=8),
        _project("C", score=7, manager="Cy"),
    ]
    people = [
        Manager("Ana", "Associate", ("agile",), max_projects=1),
        Manager("Dee", "Senior", ("Data",), max_projects=1),
        Manager("Cy", "Manager", max_projects=1),
    ]
    portfolio = _portfolio(projects, people, ManagerMode.ASSIGN, horizon=4)
    result = solve(portfolio)
    assert check_plan(portfolio, result) == []
    got = {o.project_id: o.manager for o in result.selected}
    assert got == {"A": "Dee", "B": "Ana", "C": "Cy"}  # skill and grade; the name on Intake
    plain = dataclasses.replace(
        portfolio,
        projects=tuple(
            dataclasses.replace(p, pm_skills=(), pm_grade=None, manager=None) for p in projects
        ),
    )
    assert solve(plain).objective == result.objective


def test_work_in_flight_keeps_its_manager():
    projects = [
        _project("A", score=1, status=ProjectStatus.IN_FLIGHT, fixed_start=JAN, manager="Ana"),
        _project("B", score=9, pm_skills=("agile",)),
    ]
    people = [Manager("Ana", skills=("agile",), max_projects=2), Manager("Bo", max_projects=1)]
    result = solve(_portfolio(projects, people, ManagerMode.ASSIGN, horizon=6))
    assert result.outcome("A").manager == "Ana"


def test_managers_over_their_limit_with_must_run_work_are_named_as_the_conflict():
    projects = [
        _project(p, status=ProjectStatus.IN_FLIGHT, fixed_start=JAN, manager="Ana") for p in "AB"
    ]
    portfolio = _portfolio(
        projects, [Manager("Ana", max_projects=1)], ManagerMode.ASSIGN, horizon=6
    )
    result = solve(portfolio)
    assert result.status is SolveStatus.INFEASIBLE
    assert any(
        'project manager "Ana" runs at most 1 project at once' in c for c in result.conflicts
    )


def test_the_staffing_of_a_fixed_plan_is_exact():
    portfolio = _contested()
    assert assign_managers(portfolio, {"A": JAN, "B": JAN + 4, "C": JAN + 3}) is not None
    assert assign_managers(portfolio, {"A": JAN, "B": JAN, "C": JAN}) is None  # three at once


@pytest.mark.parametrize("time_indexed", [True, False])
def test_the_warm_start_sets_the_manager_literals_too(time_indexed):
    portfolio = _contested()
    plan, _ = greedy_starts(portfolio, Objective.VALUE)
    built = PortfolioModel(portfolio, Objective.VALUE, ModelOptions(time_indexed=time_indexed))
    built.hint(plan)
    proto = built.model.proto
    assert len(proto.solution_hint.vars) == len(proto.variables)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    assert solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert built.plan(solver) == plan


@st.composite
def staffed_portfolios(draw):
    """Random portfolios under Assign where the managers are what binds: 3 to 7 projects with
    windows, some in flight or mandatory, one or two managers with limits and availability,
    and (half the time) other rules from the general strategy's capacity."""
    horizon = 8
    people = [
        Manager(
            f"M{i}",
            skills=draw(st.sampled_from([(), ("data",)])),
            max_projects=draw(st.sampled_from([1, 1, 2])),
            available_from=draw(st.one_of(st.none(), st.integers(0, 3).map(PLAN_START.__add__))),
            available_to=draw(st.one_of(st.none(), st.integers(5, 7).map(PLAN_START.__add__))),
        )
        for i in range(draw(st.integers(1, 2)))
    ]
    projects = []
    for i in range(draw(st.integers(3, 7))):
        duration = draw(st.integers(1, 4))
        kind = draw(st.sampled_from(["free"] * 5 + ["window", "mandatory", "flight"]))
        earliest = draw(st.integers(0, horizon - duration)) if kind == "window" else None
        projects.append(
            Project(
                f"P{i}",
                duration=duration,
                scores={"Value": draw(st.integers(1, 10))},
                status=ProjectStatus.IN_FLIGHT if kind == "flight" else ProjectStatus.PROPOSED,
                fixed_start=PLAN_START + draw(st.integers(-2, 2)) if kind == "flight" else None,
                mandatory=kind == "mandatory",
                earliest_start=None if earliest is None else PLAN_START + earliest,
                latest_start=None if earliest is None else PLAN_START + earliest + 1,
                manager=draw(st.sampled_from([None, "M0"])),
                pm_skills=draw(st.sampled_from([(), ("data",)])),
            )
        )
    dev = tuple(
        draw(st.lists(st.sampled_from([1.0, 2.0, 10.0]), min_size=horizon, max_size=horizon))
    )
    return Portfolio(
        Settings(
            PLAN_START, horizon, time_limit=10, workers=1, project_managers=ManagerMode.ASSIGN
        ),
        tuple(projects),
        tuple(Demand(p.id, "Dev", 1.0) for p in projects),
        {"Dev": dev},
        (),
        VALUE,
        {},
        managers=tuple(people),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(staffed_portfolios())
def test_every_assign_plan_keeps_every_rule_and_every_limit(portfolio):
    if errors(validate(portfolio)):
        return
    result = solve(portfolio, time_limit=10, workers=1)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE)
    if result.status is SolveStatus.INFEASIBLE:
        assert result.conflicts
        return
    assert check_plan(portfolio, result) == []
    baseline = greedy(portfolio)
    if baseline.status is SolveStatus.FEASIBLE:
        assert check_plan(portfolio, baseline) == []
        assert result.objective >= baseline.objective - 1e-9


# --- PM evaluation -------------------------------------------------------------------------------


def test_evaluations_sum_up_per_manager():
    from engine.managers import Evaluation

    rows = [
        Evaluation("Ana", "P1", scores={"Delivery": 4, "Governance": 2}),
        Evaluation("Ana", "P2", scores={"Delivery": 2, "Stakeholders": 5, "Governance": 5}),
        Evaluation("Bo", "P3", scores={}),
    ]
    ana, bo = summarise(rows)
    assert (ana.manager, ana.evaluations, ana.projects) == ("Ana", 2, ("P1", "P2"))
    assert ana.means["Delivery"] == 3 and ana.means["Stakeholders"] == 5
    assert ana.means["Team leadership"] is None
    assert ana.overall == pytest.approx((3 + 4) / 2)  # the mean of each evaluation's mean
    assert bo.overall is None and bo.evaluations == 1
