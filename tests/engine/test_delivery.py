"""Delivery figures: earned value per status row, the latest status, RAID, health, benefits,
the dashboard, and the problems in delivery records."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.delivery.benefits import review_figures, variance
from engine.delivery.dashboard import commitments, dashboard
from engine.delivery.health import health_figures, latest_health
from engine.delivery.raid import heat_map, is_overdue, open_risks, overdue, risk_score
from engine.delivery.records import (
    Benefit,
    Delivery,
    DeliverySettings,
    HealthCheck,
    RaidItem,
    RaidStatus,
    RaidType,
    Review,
    StatusReport,
)
from engine.delivery.status import latest_status, planned_value, status_figures, worst
from engine.delivery.validation import validate_delivery
from engine.evm import Rag, earned_value
from engine.gates import GateDecision, GateReview
from engine.model import (
    Criterion,
    Demand,
    Direction,
    Perspective,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.months import month
from engine.validation import Severity

START = month(2027, 1)
SETTINGS = DeliverySettings(status_date=date(2027, 3, 31))


def _portfolio(**extra) -> Portfolio:
    return Portfolio(
        settings=Settings(plan_start=START, horizon=12),
        projects=(
            Project(
                "A",
                "Alpha",
                ProjectStatus.IN_FLIGHT,
                fixed_start=START - 2,
                duration=10,
                cost=1000.0,
                scores={"Value": 8, "Risk": 2},
            ),
            Project("B", "Bravo", duration=4, cost=400.0, scores={"Value": 5, "Risk": 4}),
            Project("C", "Closed one", ProjectStatus.CLOSED, duration=2, cost=50.0),
        ),
        demands=(Demand("A", "Dev", 1.0), Demand("B", "Dev", 2.0)),
        capacity={"Dev": (2.0,) * 12},
        criteria=(
            Criterion("Value", 3.0, perspective=Perspective.FINANCIAL),
            Criterion("Risk", 1.0, Direction.LOWER, 1, 5, Perspective.INTERNAL_PROCESS),
        ),
        budget={2027: 900.0},
        **extra,
    )


def test_planned_value_spreads_the_cost_up_to_the_period():
    assert planned_value(1200, START, 12, START - 1) == 0
    assert planned_value(1200, START, 12, START) == 100
    assert planned_value(1200, START, 12, START + 5) == 600
    assert planned_value(1200, START, 12, START + 30) == 1200
    assert planned_value(80, START, 0, START) == 80  # a milestone spends it in its month


def test_status_figures_follow_earned_value():
    a = _portfolio().project("A")  # started 2 months before START, 10 months, 1000
    report = StatusReport("A", START + 2, percent_complete=0.4, actual_cost=500.0)
    figures = status_figures(report, a, {}, SETTINGS)
    assert figures.pv == pytest.approx(500.0)  # 5 of 10 months
    assert figures.ev == pytest.approx(400.0)
    textbook = earned_value(pv=500, ev=400, ac=500, bac=1000)
    assert figures.spi == pytest.approx(textbook.spi) == pytest.approx(0.8)
    assert figures.cpi == pytest.approx(textbook.cpi)
    assert figures.eac == pytest.approx(textbook.eac) == pytest.approx(1250.0)
    assert figures.vac == pytest.approx(textbook.vac) == pytest.approx(-250.0)
    assert (figures.schedule_rag, figures.cost_rag, figures.overall_rag) == (
        Rag.RED,
        Rag.RED,
        Rag.RED,
    )


def test_a_typed_planned_value_wins_and_missing_inputs_leave_blanks():
    a = _portfolio().project("A")
    typed = status_figures(
        StatusReport("A", START, 0.5, 450.0, planned_value=470.0), a, {}, SETTINGS
    )
    assert typed.pv == 470.0 and typed.spi == pytest.approx(500 / 470)
    assert typed.schedule_rag is Rag.GREEN and typed.cost_rag is Rag.GREEN
    nothing = status_figures(StatusReport("A", START), a, {}, SETTINGS)
    assert (nothing.ev, nothing.spi, nothing.cpi, nothing.eac, nothing.vac) == (None,) * 5
    assert nothing.overall_rag is None
    unspent = status_figures(StatusReport("A", START, 0.0, 0.0), a, {}, SETTINGS)
    assert unspent.cpi is None and unspent.eac == 1000.0 and unspent.vac == 0.0
    b = _portfolio().project("B")  # no fixed start: the last plan's start counts
    assert status_figures(StatusReport("B", START + 1, 0.1), b, {}, SETTINGS).pv is None
    assert status_figures(StatusReport("B", START + 1, 0.1), b, {"B": START}, SETTINGS).pv == 200
    unknown = status_figures(StatusReport("Z", START, 0.5, 10.0), None, {}, SETTINGS)
    assert unknown.bac is None and unknown.ev is None and unknown.eac is None


@given(
    value=st.floats(0, 2, allow_nan=False),
    green=st.floats(0.5, 1.5),
    gap=st.floats(0.01, 0.4),
)
def test_rag_thresholds_take_the_better_colour_on_the_line(value, green, gap):
    amber = green - gap
    figures = status_figures(
        StatusReport("A", START, value, 1000.0 * value or None, planned_value=1000.0),
        _portfolio().project("A"),
        {},
        DeliverySettings(rag_green=green, rag_amber=amber),
    )
    spi = figures.spi
    assert spi is not None
    expected = Rag.GREEN if spi >= green else Rag.AMBER if spi >= amber else Rag.RED
    assert figures.schedule_rag is expected


def test_worst_colour():
    assert worst(Rag.GREEN, None, Rag.AMBER) is Rag.AMBER
    assert worst(Rag.RED, Rag.GREEN) is Rag.RED
    assert worst(None, None) is None


def test_latest_status_takes_the_latest_period_then_the_later_row():
    delivery = Delivery(
        SETTINGS,
        status=(
            StatusReport("B", START, 0.1, 90.0, commentary="first"),
            StatusReport("A", START + 1, 0.3, 300.0, commentary="feb"),
            StatusReport("A", START, 0.2, 200.0, commentary="jan"),
            StatusReport("Z", START, 0.5, 5.0, commentary="unknown project"),
            StatusReport("B", START, 0.15, 95.0, commentary="same month, later row"),
        ),
    )
    latest = latest_status(_portfolio(), delivery, {"B": START})
    assert [(f.project_id, f.report.commentary) for f in latest] == [
        ("A", "feb"),
        ("B", "same month, later row"),
        ("Z", "unknown project"),
    ]


RAID = (
    RaidItem(RaidType.RISK, "R1", "A", "Vendor late", probability=4, impact=5),
    RaidItem(RaidType.RISK, "R2", "A", "Key person leaves", probability=2, impact=4),
    RaidItem(
        RaidType.RISK, "R3", "B", "Closed risk", probability=5, impact=5, status=RaidStatus.CLOSED
    ),
    RaidItem(RaidType.RISK, "R4", "B", "Another 4x5", probability=4, impact=5),
    RaidItem(RaidType.ACTION, "A1", "A", "Chase vendor", due=date(2027, 3, 1)),
    RaidItem(RaidType.ACTION, "A2", "A", "Done", due=date(2027, 1, 1), status=RaidStatus.CLOSED),
    RaidItem(RaidType.ISSUE, "I1", "B", "Build broken", due=date(2027, 3, 30), impact=3),
    RaidItem(RaidType.ACTION, "A3", "B", "Not yet due", due=date(2027, 4, 30)),
)


def test_risk_scores_heat_map_and_overdue_entries():
    assert [risk_score(i) for i in RAID[:2]] == [20, 8]
    assert risk_score(RAID[4]) is None
    assert [i.id for i in open_risks(RAID)] == ["R1", "R4", "R2"]
    grid = heat_map(RAID)
    assert grid[5 - 4][5 - 1] == 2  # probability 4, impact 5: R1 and R4 (R3 is closed)
    assert grid[5 - 2][4 - 1] == 1
    assert sum(map(sum, grid)) == 3
    as_of = date(2027, 3, 31)
    assert is_overdue(RAID[4], as_of) and not is_overdue(RAID[5], as_of)
    assert [i.id for i in overdue(RAID, as_of)] == ["A1", "I1"]
    assert [i.id for i in overdue(RAID, as_of, RaidType.ACTION)] == ["A1"]


def test_health_index_and_colour():
    check = HealthCheck("A", date(2027, 3, 20), scores=(4, 3, None, 5, 2, 3, 4, 3))
    figures = health_figures(check, SETTINGS)
    assert figures.index == pytest.approx(24 / 7)
    assert figures.rag is Rag.AMBER
    assert health_figures(HealthCheck("A", scores=(5,) * 8), SETTINGS).rag is Rag.GREEN
    assert health_figures(HealthCheck("A", scores=(None,) * 8), SETTINGS).index is None
    older = HealthCheck("A", date(2027, 1, 20), scores=(1,) * 8)
    assert latest_health([check, older], SETTINGS)["A"].check is check


def test_benefit_variance_and_post_project_review():
    rows = (
        Benefit("C", "Line rental saved", planned=1000.0, realised=800.0),
        Benefit("C", "Maintenance saved", planned=500.0, realised=None),
        Benefit("A", "Other project", planned=99.0, realised=99.0),
    )
    assert variance(rows[0]) == -200.0 and variance(rows[1]) is None
    figures = review_figures(Review("C", date(2027, 2, 1)), rows)
    assert (figures.planned, figures.realised) == (1500.0, 800.0)
    assert figures.realised_share == pytest.approx(800 / 1500)
    assert review_figures(Review("Z"), rows).realised_share is None


def test_dashboard_figures():
    portfolio = _portfolio(
        gates=(
            GateReview("B", "G1 Business case", date(2027, 1, 10), GateDecision.GO),
            GateReview("B", "G2 Plan", date(2027, 4, 15)),  # pending
        )
    )
    delivery = Delivery(
        SETTINGS,
        status=(
            StatusReport("A", START + 2, 0.4, 500.0),
            StatusReport("B", START + 1, 0.5, 150.0),
        ),
        raid=RAID,
    )
    plan = {"A": START - 2, "B": START}
    board = dashboard(portfolio, delivery, plan, {"A": "Finance"})
    key = board.key
    assert (key.in_flight, key.selected, key.in_play) == (1, 2, 2)
    assert (key.overdue_actions, key.overdue_entries, key.pending_gates) == (1, 2, 1)
    assert (key.open_risks, key.open_issues) == (3, 1)
    assert key.bac == 1400.0 and key.as_of == date(2027, 3, 31)
    assert key.eac == pytest.approx(1250.0 + 400.0 / (200.0 / 150.0))
    assert [f.project_id for f in board.worst_spi] == ["A", "B"]  # 0.8, then 200/200 = 1
    assert board.rag_counts["Overall"] == {Rag.GREEN: 1, Rag.AMBER: 0, Rag.RED: 1}
    assert [r.id for r in board.top_risks] == ["R1", "R4", "R2"]
    # A runs 2026-11..2027-08 (100 a month: 800 in 2027); B 2027-01..04 (400); the years
    # shown are the horizon's and the budget's
    [spend] = board.spend
    assert (spend.year, spend.budget, spend.planned) == (2027, 900.0, 1200.0)
    [dev] = board.load
    assert dev.peak == pytest.approx(1.5) and dev.average == pytest.approx((8 + 8) / 24)
    assert {(v.project_id, v.selected) for v in board.value} == {("A", True), ("B", True)}
    assert {s.label: round(s.selected, 6) for s in board.perspectives} == {
        "Financial": round(3 * 8 / 4 + 3 * 5 / 4, 6),
        "Internal process": round((6 - 2) / 4 + (6 - 4) / 4, 6),
    }
    assert [(s.label, s.selected) for s in board.departments] == [
        ("Finance", 1000.0),
        ("(no department)", 400.0),
    ]


def test_before_any_plan_the_commitments_stand_in():
    assert commitments(_portfolio()) == {"A": START - 2}


def test_delivery_problems_are_warnings_with_their_field():
    delivery = Delivery(
        DeliverySettings(rag_green=0.8, rag_amber=0.9),
        status=(
            StatusReport("A", START, 35.0, -1.0),
            StatusReport("A", START, 0.3),
            StatusReport("Z", START),
            StatusReport("B", START, 0.2),  # no start anywhere
        ),
        raid=(
            RaidItem(RaidType.RISK, "R1", "Q", "Unscored"),
            RaidItem(RaidType.RISK, "R1", "A", "Twice", probability=6, impact=2),
            RaidItem(RaidType.ACTION, "A1", due=date(2027, 1, 1), raised=date(2027, 2, 1)),
        ),
        health=(HealthCheck("A", None, scores=(0,)),),
        benefits=(Benefit("Y", "?"),),
        reviews=(Review("A"),),
    )
    found = {
        (p.entity, p.index, p.field): p.message for p in validate_delivery(_portfolio(), delivery)
    }
    assert all(p.severity is Severity.WARNING for p in validate_delivery(_portfolio(), delivery))
    assert "must be above the Amber one" in found[("settings", "rag_green", "rag_green")]
    assert "did you mean 35%?" in found[("status", 0, "percent_complete")]
    assert "0 or more" in found[("status", 0, "actual_cost")]
    assert "reported twice for 2027-01" in found[("status", 1, "period")]
    assert 'unknown project ID "Z"' in found[("status", 2, "project_id")]
    assert "planned value is unknown" in found[("status", 3, "planned_value")]
    assert 'unknown project ID "Q"' in found[("raid", 0, "project_id")]
    assert "needs a Probability and an Impact" in found[("raid", 0, "probability")]
    assert 'ID "R1" is used 2 times' in found[("raid", 0, "id")]
    assert "from 1 to 5; found 6" in found[("raid", 1, "probability")]
    assert "before it was raised" in found[("raid", 2, "due")]
    assert "no date" in found[("health", 0, "date")]
    assert "found 0" in found[("health", 0, "score:Schedule")]
    assert 'unknown project ID "Y"' in found[("benefit", 0, "project_id")]
    assert "set it to Closed" in found[("review", 0, "project_id")]
