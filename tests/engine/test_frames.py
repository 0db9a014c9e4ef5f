"""DataFrame views of a portfolio and of a solve's result agree with the objects they show."""

from __future__ import annotations

import math
import subprocess
import sys

import pandas as pd
import pytest

from engine.frames import (
    DEFERRED,
    NOT_IN_PLAY,
    SELECTED,
    portfolio_frames,
    result_frames,
)
from engine.model import (
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Direction,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.months import month, month_text
from engine.optimiser import solve
from engine.result import SolveStatus

PLAN_START = month(2027, 1)


def small_portfolio() -> Portfolio:
    """Five projects on one developer and half a tester over six months: not all fit."""
    return Portfolio(
        Settings(PLAN_START, 6, time_limit=10, workers=1),
        [
            Project("A", "Alpha", duration=3, cost=300.0, scores={"Value": 5, "Risk": 2}),
            Project("B", "Beta", duration=2, cost=100.0, scores={"Value": 4, "Risk": 1}),
            Project("C", "Gamma", duration=4, cost=400.0, scores={"Value": 6, "Risk": 4}),
            Project(
                "D",
                "Delta",
                duration=2,
                mandatory=True,
                earliest_start=PLAN_START + 1,
                scores={"Value": 1, "Risk": 1},
            ),
            Project("E", "Epsilon", status=ProjectStatus.CLOSED, scores={"Value": 9, "Risk": 1}),
        ],
        [
            Demand("A", "Dev", 1.0),
            Demand("B", "Dev", 0.5),
            Demand("B", "Test", 0.5, 2, 2),
            Demand("C", "Dev", 1.0, 1, 3),
            Demand("D", "Test", 0.5),
        ],
        {"Dev": (1.0,) * 6, "Test": (0.5,) * 6},
        [Dependency("A", "B", DependencyType.REQUIRES, 0)],
        [Criterion("Value", 3.0), Criterion("Risk", 1.0, Direction.LOWER, 1, 5)],
        {2027: 1000.0},
    )


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    return small_portfolio()


@pytest.fixture(scope="module")
def solved(portfolio: Portfolio):
    result = solve(portfolio, time_limit=10, workers=1)
    assert result.status.has_plan
    return result


def test_portfolio_frames_hold_every_input(portfolio: Portfolio) -> None:
    frames = portfolio_frames(portfolio)

    assert list(frames) == [
        "settings",
        "projects",
        "scores",
        "criteria",
        "demands",
        "capacity",
        "dependencies",
        "budget",
        "managers",
    ]
    projects = frames["projects"]
    assert projects["project_id"].tolist() == [p.id for p in portfolio.projects]
    assert projects.loc[3, "earliest_start"] == pd.Period("2027-02", freq="M")
    assert pd.isna(projects.loc[0, "earliest_start"])
    assert projects["mandatory"].tolist() == [False, False, False, True, False]
    assert projects.loc[4, "status"] == "Closed"
    assert frames["settings"].loc[0, "plan_start"] == pd.Period("2027-01", freq="M")
    scores = frames["scores"]
    assert len(scores) == sum(len(p.scores) for p in portfolio.projects)
    table = scores.pivot(index="project_id", columns="criterion", values="score")
    assert table.loc["C", "Risk"] == 4 and table.loc["E", "Value"] == 9
    assert frames["criteria"]["direction"].tolist() == ["Higher is better", "Lower is better"]
    demands = frames["demands"]
    assert demands["fte"].sum() == pytest.approx(sum(d.fte for d in portfolio.demands))
    assert demands["from_month"].isna().sum() == 3 and demands.loc[2, "to_month"] == 2
    capacity = frames["capacity"]
    assert len(capacity) == 2 * 6
    assert capacity.groupby("role")["capacity_fte"].sum().to_dict() == {"Dev": 6.0, "Test": 3.0}
    assert capacity["month"].iloc[-1] == pd.Period("2027-06", freq="M")
    assert frames["dependencies"].to_dict("records") == [
        {"predecessor": "A", "successor": "B", "type": "Requires", "lag": 0}
    ]
    assert frames["budget"].to_dict("records") == [{"year": 2027, "cost_limit": 1000.0}]


def test_empty_portfolio_keeps_the_columns() -> None:
    frames = portfolio_frames(Portfolio(Settings(PLAN_START, 3)))

    assert len(frames["settings"]) == 1
    for name in ("projects", "scores", "demands", "capacity", "dependencies", "budget"):
        assert frames[name].empty and len(frames[name].columns) >= 2, name
    assert list(frames["budget"].columns) == ["year", "cost_limit"]
    assert str(frames["capacity"]["month"].dtype) == "period[M]"


def test_result_frames_agree_with_the_result(portfolio: Portfolio, solved) -> None:
    frames = result_frames(portfolio, solved)

    assert list(frames) == ["projects", "utilisation", "summary", "messages"]
    plan = frames["projects"].set_index("project_id")
    chosen = plan[plan["decision"] == SELECTED]
    assert len(chosen) == len(solved.selected)
    assert set(chosen.index) == {o.project_id for o in solved.selected}
    assert plan.loc["E", "decision"] == NOT_IN_PLAY
    assert set(plan["decision"]) <= {SELECTED, DEFERRED, NOT_IN_PLAY}
    for outcome in solved.projects:
        row = plan.loc[outcome.project_id]
        assert row["score"] == pytest.approx(outcome.score)
        assert row["rank"] == outcome.rank
        assert row["reason"] == outcome.reason
        if outcome.selected:
            assert str(row["start"]) == month_text(outcome.start)
            assert str(row["finish"]) == month_text(outcome.finish)
        else:
            assert pd.isna(row["start"]) and pd.isna(row["finish"])
    deferred = plan[plan["decision"] == DEFERRED]
    assert (deferred["reason"] != "").all()


def test_utilisation_sums_equal_the_demand_of_selected_projects(portfolio: Portfolio, solved):
    utilisation = result_frames(portfolio, solved)["utilisation"]
    assert len(utilisation) == len(portfolio.roles) * portfolio.settings.horizon

    expected: dict[str, float] = {}
    for outcome in solved.selected:
        project = portfolio.project(outcome.project_id)
        for demand in portfolio.demands:
            if demand.project_id == project.id:
                first = demand.from_month or 1
                last = demand.to_month or project.duration
                expected[demand.role] = expected.get(demand.role, 0.0) + demand.fte * (
                    last - first + 1
                )
    by_role = utilisation.groupby("role")["demand_fte"].sum()
    for role in portfolio.roles:
        assert by_role[role] == pytest.approx(expected.get(role, 0.0)), role
    assert (utilisation["demand_fte"] <= utilisation["capacity_fte"] + 1e-9).all()
    assert utilisation["remaining_fte"].tolist() == pytest.approx(
        (utilisation["capacity_fte"] - utilisation["demand_fte"]).tolist()
    )
    cell = solved.utilisation[0]
    assert utilisation.loc[0, "load"] == pytest.approx(cell.load)


def test_summary_is_one_row_of_the_numbers_that_prove_the_plan(portfolio: Portfolio, solved):
    summary = result_frames(portfolio, solved)["summary"]

    assert len(summary) == 1
    row = summary.iloc[0]
    assert row["status"] == "optimal"
    assert row["objective"] == pytest.approx(solved.objective)
    assert row["bound"] == pytest.approx(solved.bound)
    assert row["gap"] == pytest.approx(solved.gap)
    assert row["wall_time"] == solved.wall_time
    assert row["selected"] == len(solved.selected)
    assert row["projects"] == len(portfolio.projects)


def test_no_plan_leaves_decisions_blank_and_lists_the_conflicts() -> None:
    portfolio = Portfolio(
        Settings(PLAN_START, 4, time_limit=10, workers=1),
        [
            Project("A", "Alpha", duration=3, mandatory=True),
            Project("B", "Beta", duration=3, mandatory=True),
        ],
        [Demand("A", "Dev", 1.0), Demand("B", "Dev", 1.0)],
        {"Dev": (1.0,) * 4},
    )
    result = solve(portfolio)
    assert result.status is SolveStatus.INFEASIBLE

    frames = result_frames(portfolio, result)

    assert frames["projects"]["decision"].isna().all()
    messages = frames["messages"]
    assert messages["message"].tolist()[: len(result.conflicts)] == list(result.conflicts)
    assert set(messages["kind"]) <= {"conflict", "note"}
    summary = frames["summary"].iloc[0]
    assert summary["status"] == "infeasible" and math.isnan(summary["objective"])


def test_invalid_input_problems_become_messages() -> None:
    portfolio = Portfolio(
        Settings(PLAN_START, 4, workers=1),
        [Project("A", duration=2)],
        [Demand("Z", "Dev", 1.0)],
        {"Dev": (1.0,) * 4},
    )
    result = solve(portfolio)
    assert result.status is SolveStatus.INVALID_INPUT

    messages = result_frames(portfolio, result)["messages"]
    problems = messages[messages["kind"] == "problem"]
    assert len(problems) == len(result.problems)
    assert any('unknown project ID "Z"' in m for m in problems["message"])


def test_frames_match_portfolio_frames_and_do_not_load_pandas_early(portfolio: Portfolio):
    code = (
        "import sys, engine, engine.model, engine.result;"
        "print('pandas' in sys.modules); sys.exit(1 if 'pandas' in sys.modules else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
