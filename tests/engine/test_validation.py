"""Validation collects every problem and names the offender."""

from __future__ import annotations

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
from engine.months import month
from engine.validation import Severity, errors, validate

START = month(2027, 1)


def _portfolio(**parts) -> Portfolio:
    base = dict(
        settings=Settings(START, 12),
        projects=[
            Project("A", duration=3, scores={"v": 5}),
            Project("B", duration=2, scores={"v": 5}),
        ],
        demands=[Demand("A", "Dev", 1.0)],
        capacity={"Dev": (2.0,) * 12},
        criteria=[Criterion("v", 1.0)],
    )
    base.update(parts)
    return Portfolio(**base)


def _messages(portfolio):
    return [(p.entity, p.index, p.field, p.message) for p in errors(validate(portfolio))]


def test_a_clean_portfolio_has_no_problems():
    assert validate(_portfolio()) == []


def test_every_problem_is_collected_with_its_place():
    found = _messages(
        _portfolio(
            projects=[
                Project("A", duration=3, scores={"v": 5}),
                Project("A", duration=-1, scores={"v": 11}),
                Project("", duration=1, scores={"v": 1}),
            ],
            demands=[
                Demand("Z", "Dev", 1.0),
                Demand("A", "Ops", 1.0),
                Demand("A", "Dev", 1.0, from_month=4),
            ],
        )
    )
    assert ("project", 0, "id", 'ID "A" is used 2 times; IDs must be unique') in found
    assert any(e == "project" and i == 1 and f == "duration" for e, i, f, _ in found)
    assert any(
        e == "project" and i == 1 and f == "score:v" and "outside" in m for e, i, f, m in found
    )
    assert ("project", 2, "id", "ID is blank; give every project a unique ID") in found
    assert any(e == "demand" and i == 0 and 'unknown project ID "Z"' in m for e, i, _, m in found)
    assert any(e == "demand" and i == 1 and 'unknown role "Ops"' in m for e, i, _, m in found)
    assert any(e == "demand" and i == 2 and f == "from_month" for e, i, f, _ in found)


def test_cycles_are_named():
    found = _messages(
        _portfolio(
            projects=[Project(x, duration=1, scores={"v": 1}) for x in "ABC"],
            dependencies=[
                Dependency("A", "B"),
                Dependency("B", "C", DependencyType.REQUIRES),
                Dependency("C", "A"),
            ],
        )
    )
    assert any("dependency cycle: A -> B -> C -> A" in m for *_, m in found)


def test_contradictions_are_named():
    found = _messages(
        _portfolio(
            projects=[
                Project("A", duration=1, mandatory=True, force=Force.OUT, scores={"v": 1}),
                Project("B", duration=1, status=ProjectStatus.IN_FLIGHT, scores={"v": 1}),
                Project("C", duration=1, mandatory=True, exclusive_group="G", scores={"v": 1}),
                Project("D", duration=1, mandatory=True, exclusive_group="G", scores={"v": 1}),
                Project(
                    "E",
                    duration=1,
                    earliest_start=START + 5,
                    latest_start=START + 2,
                    scores={"v": 1},
                ),
            ]
        )
    )
    text = " | ".join(m for *_, m in found)
    assert '"A" is mandatory but forced out' in text
    assert '"B" is in flight, so it needs its actual start month' in text
    assert 'exclusive group "G" has 2 projects that must run (C, D)' in text
    assert '"E": latest start 2027-03 is before earliest start 2027-06' in text


def test_mandatory_project_that_cannot_fit_alone_names_role_and_month():
    found = _messages(
        _portfolio(
            projects=[Project("A", duration=3, mandatory=True, scores={"v": 5})],
            demands=[Demand("A", "Dev", 3.0, 2, 2)],
        )
    )
    assert any(
        '"A" must run but cannot fit even alone' in m and "Dev 2027-02" in m for *_, m in found
    )


def test_budget_outside_horizon_is_a_warning_only():
    problems = validate(_portfolio(budget={2031: 1000.0}))
    assert [p.severity for p in problems] == [Severity.WARNING]


def test_settings_out_of_range_are_named():
    found = _messages(_portfolio(settings=Settings(START, 10_001, time_limit=0)))
    assert (
        "settings",
        "horizon",
        "horizon",
        "Horizon (months) must be at most 10,000; found 10001",
    ) in found
    assert any(f == "time_limit" for _, _, f, _ in found)


def test_a_long_chain_of_links_is_checked_without_recursion():
    # issue 13, defect 7: about 1,000 chained links gave a RecursionError traceback
    count = 5_000
    projects = [Project(f"P{i:05d}", duration=1, scores={"v": 5}) for i in range(count)]
    chain = [Dependency(f"P{i:05d}", f"P{i + 1:05d}") for i in range(count - 1)]
    assert _messages(_portfolio(projects=projects, demands=[], dependencies=chain)) == []
    closed = [*chain, Dependency(f"P{count - 1:05d}", "P00000", DependencyType.REQUIRES)]
    found = _messages(_portfolio(projects=projects, demands=[], dependencies=closed))
    assert len(found) == 1
    entity, index, field, message = found[0]
    assert (entity, index, field) == ("dependency", 0, "successor")
    assert message.startswith("dependency cycle: P00000 -> P00001 -> P00002 -> ")
    assert message.endswith(f"P{count - 1:05d} -> P00000; remove one of these links")


def test_the_cycle_found_is_the_first_in_name_order():
    links = [Dependency("C", "D"), Dependency("D", "C"), Dependency("A", "B"), Dependency("B", "A")]
    projects = [Project(x, scores={"v": 5}) for x in "ABCD"]
    found = _messages(_portfolio(projects=projects, demands=[], dependencies=links))
    assert [m for *_, m in found] == ["dependency cycle: A -> B -> A; remove one of these links"]
