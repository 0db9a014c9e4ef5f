"""The enterprise merge (issue 16): IDs, one pool, enterprise weights, reasons by department."""

from __future__ import annotations

import dataclasses

import pytest

from engine.checker import check_plan
from engine.enterprise import (
    Department,
    department_notes,
    department_summaries,
    merge,
    with_department_notes,
)
from engine.errors import InputError
from engine.model import (
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Direction,
    Manager,
    Portfolio,
    Project,
    Settings,
)
from engine.months import month
from engine.optimiser import solve

JAN = month(2027, 1)
CRITERIA = (
    Criterion("Value", 3.0, Direction.HIGHER, 0, 10),
    Criterion("Risk", 1.0, Direction.LOWER, 1, 5),
)


def _book(projects, demands, capacity, *, start=JAN, horizon=6, weights=(3.0, 1.0), **more):
    criteria = tuple(
        dataclasses.replace(c, weight=w) for c, w in zip(CRITERIA, weights, strict=True)
    )
    return Portfolio(
        Settings(start, horizon), projects, demands, capacity, criteria=criteria, **more
    )


def _departments():
    window = {"earliest_start": JAN + 2, "latest_start": JAN + 2}
    finance = _book(
        (
            Project("P-1", "Close", duration=3, scores={"Value": 9, "Risk": 1}, **window),
            Project("F-2", "Treasury", duration=2, scores={"Value": 4, "Risk": 2}),
        ),
        (Demand("P-1", "Data", 2.0), Demand("F-2", "Dev", 1.0)),
        {"Data": (1.0,) * 6, "Dev": (1.0,) * 6},
        dependencies=(Dependency("F-2", "P-1", DependencyType.REQUIRES),),
        budget={2027: 100.0},
        managers=(Manager("Ana"),),
    )
    sales = _book(
        (
            Project("P-1", "Pricing", duration=3, scores={"Value": 6, "Risk": 1}, **window),
            Project("S-2", "Leads", duration=2, scores={"Value": 5, "Risk": 1}),
        ),
        (Demand("P-1", "Data", 2.0), Demand("S-2", "Dev", 1.0)),
        {"Data": (1.0,) * 4},
        start=JAN + 2,
        horizon=4,
        weights=(1.0, 3.0),
        budget={2027: 50.0, 2028: 10.0},
        managers=(Manager("Ana", max_projects=3), Manager("Bo")),
    )
    return [Department("Finance", finance), Department("Sales", sales)]


def test_colliding_ids_get_their_department_and_links_follow():
    merged = merge(_departments())
    ids = [p.id for p in merged.portfolio.projects]
    assert ids == ["Finance/P-1", "F-2", "Sales/P-1", "S-2"]
    assert merged.department_of == {
        "Finance/P-1": "Finance",
        "F-2": "Finance",
        "Sales/P-1": "Sales",
        "S-2": "Sales",
    }
    assert merged.local_id["Sales/P-1"] == "P-1"
    assert merged.enterprise_id("Sales", "P-1") == "Sales/P-1"
    assert [(d.predecessor, d.successor) for d in merged.portfolio.dependencies] == [
        ("F-2", "Finance/P-1")
    ]
    assert {d.project_id for d in merged.portfolio.demands} == set(ids)
    assert merged.notes == (
        'project ID "P-1" is used by Finance, Sales: it is Finance/P-1, Sales/P-1 in the '
        "enterprise book",
    )


def test_one_pool_the_sum_of_budgets_and_the_mean_weights():
    merged = merge(_departments())
    p = merged.portfolio
    assert (p.settings.plan_start, p.settings.horizon) == (JAN, 6)
    # Sales' capacity counts in its own months only (March to June)
    assert p.capacity["Data"] == (1.0, 1.0, 2.0, 2.0, 2.0, 2.0)
    assert p.capacity["Dev"] == (1.0,) * 6
    assert dict(p.budget) == {2027: 150.0, 2028: 10.0}
    assert [c.weight for c in p.criteria] == [2.0, 2.0]
    assert [m.name for m in p.managers] == ["Ana", "Bo"]  # one Ana, as Finance lists her


def test_what_the_enterprise_gives_replaces_what_is_derived():
    enterprise = tuple(
        dataclasses.replace(c, weight=w) for c, w in zip(CRITERIA, (5, 0), strict=True)
    )
    merged = merge(
        _departments(),
        settings=Settings(JAN, 3),
        criteria=enterprise,
        capacity={"Data": (4.0,) * 3, "Dev": (2.0,) * 3},
        budget={2027: 1.0},
    )
    assert merged.portfolio.settings.horizon == 3
    assert [c.weight for c in merged.portfolio.criteria] == [5, 0]
    assert merged.portfolio.capacity["Data"] == (4.0,) * 3
    assert dict(merged.portfolio.budget) == {2027: 1.0}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: [d[0], dataclasses.replace(d[1], name=" finance ")], "both department"),
        (
            lambda d: [
                d[0],
                dataclasses.replace(
                    d[1], portfolio=dataclasses.replace(d[1].portfolio, criteria=CRITERIA[:1])
                ),
            ],
            "scores on other criteria",
        ),
        (
            lambda d: [
                d[0],
                dataclasses.replace(
                    d[1],
                    portfolio=dataclasses.replace(
                        d[1].portfolio,
                        criteria=(CRITERIA[0], dataclasses.replace(CRITERIA[1], max=10.0)),
                    ),
                ),
            ],
            'criterion "Risk" has another scale',
        ),
        (lambda d: [], "no department books"),
    ],
)
def test_books_that_cannot_be_merged_say_why(change, words):
    with pytest.raises(InputError, match=words):
        merge(change(_departments()))


def test_the_reason_names_the_department_that_got_the_scarce_role():
    merged = merge(_departments())
    portfolio = merged.portfolio
    result = solve(portfolio, time_limit=5, workers=1)
    assert check_plan(portfolio, result) == []
    chosen = {o.project_id for o in result.selected}
    # both P-1 need 2 Data in March-May; the pool has 2 then: Finance's scores higher
    assert "Finance/P-1" in chosen and "Sales/P-1" not in chosen
    starts = {o.project_id: o.start for o in result.selected}
    notes = department_notes(portfolio, starts, merged.department_of)
    assert notes == {"Sales/P-1": "Data in those months went to Finance 6 FTE-months (Finance/P-1)"}
    annotated = with_department_notes(result, notes)
    reason = annotated.outcome("Sales/P-1").reason
    assert reason.startswith(result.outcome("Sales/P-1").reason)
    assert reason.endswith("went to Finance 6 FTE-months (Finance/P-1)")
    finance, sales = department_summaries(portfolio, annotated, merged.department_of)
    assert (finance.department, finance.selected, finance.deferred) == ("Finance", 2, 0)
    assert (sales.selected, sales.deferred) == (1, 1)
    assert finance.full_roles[0] == ("Data", 1.0)
    assert finance.share + sales.share == pytest.approx(1.0)


def test_a_reason_names_the_biggest_holders_first_and_counts_the_rest():
    march = {"earliest_start": JAN + 2, "latest_start": JAN + 2}
    small = tuple(
        Project(f"F-{i}", duration=3, scores={"Value": 9, "Risk": 1}, **march) for i in range(5)
    )
    finance = _book(
        (*small, Project("F-big", duration=3, scores={"Value": 9, "Risk": 1}, **march)),
        (*(Demand(p.id, "Data", 1.0) for p in small), Demand("F-big", "Data", 2.0)),
        {"Data": (7.0,) * 6},
    )
    sales = _book(
        (Project("S-1", duration=3, scores={"Value": 1, "Risk": 5}, **march),),
        (Demand("S-1", "Data", 1.0),),
        {"Data": (0.0,) * 6},
    )
    merged = merge([Department("Finance", finance), Department("Sales", sales)])
    starts = {p.id: JAN + 2 for p in merged.portfolio.projects if p.id.startswith("F-")}
    notes = department_notes(merged.portfolio, starts, merged.department_of)
    assert notes == {
        "S-1": "Data in those months went to Finance 21 FTE-months (F-big, F-0, F-1 and 3 more)"
    }
