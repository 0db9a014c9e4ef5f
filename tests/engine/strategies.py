"""Hypothesis strategies for random portfolios that are valid input (they may be infeasible)."""

from __future__ import annotations

from hypothesis import strategies as st

from engine.model import (
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Direction,
    Force,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.months import month

PLAN_START = month(2027, 1)
ROLES = ("Analyst", "Developer", "Architect")
CRITERIA = (
    Criterion("Value", 3.0, Direction.HIGHER, 0, 10),
    Criterion("Risk", 1.0, Direction.LOWER, 1, 5),
)


@st.composite
def portfolios(
    draw,
    max_projects: int = 8,
    horizon: int = 8,
    budget: bool | None = None,
    min_projects: int = 1,
):
    """A small random portfolio: windows, demand, capacity, links, groups, budget."""
    n = draw(st.integers(min_projects, max_projects))
    projects = []
    for i in range(n):
        duration = draw(st.integers(0, 4))
        earliest = draw(st.one_of(st.none(), st.integers(0, horizon - 1)))
        latest = draw(st.one_of(st.none(), st.integers(earliest or 0, horizon - 1)))
        flag = draw(st.sampled_from(["none"] * 6 + ["mandatory", "out", "hold"]))
        projects.append(
            Project(
                id=f"P{i}",
                name=f"Project {i}",
                status=ProjectStatus.ON_HOLD if flag == "hold" else ProjectStatus.PROPOSED,
                mandatory=flag == "mandatory" and i == 0,
                force=Force.OUT if flag == "out" else Force.NONE,
                earliest_start=None if earliest is None else PLAN_START + earliest,
                latest_start=None if latest is None else PLAN_START + latest,
                duration=duration,
                cost=draw(st.sampled_from([0, 10_000, 55_000, 120_000])),
                exclusive_group=draw(st.sampled_from([None, None, None, "G1"])),
                scores={"Value": draw(st.integers(0, 10)), "Risk": draw(st.integers(1, 5))},
            )
        )
    demands = []
    for project in projects:
        for role in draw(st.lists(st.sampled_from(ROLES), max_size=2, unique=True)):
            whole = project.duration == 0 or draw(st.booleans())
            first = None if whole else draw(st.integers(1, project.duration))
            last = None if whole else draw(st.integers(first, project.duration))
            fte = draw(st.sampled_from([0.5, 1.0, 1.5, 2.0]))
            demands.append(Demand(project.id, role, fte, first, last))
    capacity = {
        role: tuple(
            draw(
                st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=horizon, max_size=horizon)
            )
        )
        for role in ROLES
    }
    links = []
    for _ in range(draw(st.integers(0, 3))):
        if n < 2:
            break
        a, b = sorted(draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)))
        kind = draw(st.sampled_from(list(DependencyType)))
        links.append(Dependency(f"P{a}", f"P{b}", kind, draw(st.integers(0, 1))))
    with_budget = draw(st.booleans()) if budget is None else budget
    years = {2027: draw(st.sampled_from([50_000.0, 150_000.0, 400_000.0]))} if with_budget else {}
    return Portfolio(
        Settings(PLAN_START, horizon, time_limit=10, workers=1),
        projects,
        demands,
        capacity,
        links,
        CRITERIA,
        years,
    )
