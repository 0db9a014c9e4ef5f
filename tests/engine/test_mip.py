"""The HiGHS baseline: its plans are checked here from the raw data, not through the engine."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace

import pytest

from bench.generate import generate_portfolio, generate_small_projects
from bench.instances import (
    TEST_DATA,
    knapsack_to_portfolio,
    load,
    makespan,
    rcpsp_to_portfolio,
    rcpsp_upper_bound,
    read_mknap,
)
from engine.feasibility import allowed_starts
from engine.mip import (
    _capacity,
    _Model,
    _patience_again,
    _Stops,
    capacity_nonzeros,
    solve_mip,
)
from engine.model import Demand, DependencyType
from engine.months import year_of
from engine.result import SolveStatus
from engine.scoring import weighted_score


def _violations(portfolio, plan: dict[str, int]) -> list[str]:
    """Every broken rule of the plan, recomputed by hand from demands, costs and links."""
    found = []
    by_id = {p.id: p for p in portfolio.projects}
    start0, horizon = portfolio.settings.plan_start, portfolio.settings.horizon
    load: dict[tuple[str, int], float] = defaultdict(float)
    for d in portfolio.demands:
        if d.project_id not in plan:
            continue
        project, start = by_id[d.project_id], plan[d.project_id]
        for k in range((d.from_month or 1) - 1, d.to_month or project.duration):
            load[d.role, start + k] += d.fte
    for (role, m), fte in load.items():
        if start0 <= m < start0 + horizon and fte > portfolio.capacity[role][m - start0] + 1e-9:
            found.append(f"{role} over capacity in {m}")
    spend: dict[int, float] = defaultdict(float)
    for pid, start in plan.items():
        project = by_id[pid]
        for k in range(project.duration):
            spend[year_of(start + k)] += project.cost / project.duration
    for year, amount in spend.items():
        if year in portfolio.budget and amount > portfolio.budget[year] + 1.0:  # cent rounding
            found.append(f"budget {year} exceeded")
    for project in portfolio.projects:
        if project.must_run and project.id not in plan:
            found.append(f"{project.id} must run")
        start = plan.get(project.id)
        if start is None:
            continue
        end = start + project.duration
        if project.earliest_start is not None and start < project.earliest_start:
            found.append(f"{project.id} before its window")
        if project.latest_start is not None and start > project.latest_start:
            found.append(f"{project.id} after its window")
        if project.fixed_start is not None and start != project.fixed_start:
            found.append(f"{project.id} moved")
        if project.fixed_start is None and end > start0 + horizon:
            found.append(f"{project.id} runs past the horizon")
    groups: dict[str, int] = defaultdict(int)
    for pid in plan:
        if by_id[pid].exclusive_group:
            groups[by_id[pid].exclusive_group] += 1
    found += [f"group {g} has {n}" for g, n in groups.items() if n > 1]
    for d in portfolio.dependencies:
        a, b = d.predecessor in plan, d.successor in plan
        if (
            d.type is DependencyType.FS
            and b
            and (
                not a
                or plan[d.successor] < plan[d.predecessor] + by_id[d.predecessor].duration + d.lag
            )
        ):
            found.append(f"FS {d.predecessor}->{d.successor}")
        if d.type is DependencyType.REQUIRES and b and not a:
            found.append(f"Requires {d.predecessor}->{d.successor}")
        if d.type is DependencyType.EXCLUDES and a and b:
            found.append(f"Excludes {d.predecessor}-{d.successor}")
        if d.type is DependencyType.WITH and a != b:
            found.append(f"With {d.predecessor}-{d.successor}")
    return found


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mip_plan_on_a_small_generated_portfolio_is_valid(seed):
    portfolio = generate_portfolio(
        14,
        n_roles=4,
        horizon=12,
        over_demand=1.8,
        seed=seed,
        dependency_share=0.3,
        exclude_share=0.1,
        group_share=0.3,
    )
    result = solve_mip(portfolio, time_limit=20)
    assert result.status.has_plan
    assert _violations(portfolio, result.plan) == []
    scores = {p.id: weighted_score(p.scores, portfolio.criteria) for p in portfolio.projects}
    assert result.value == pytest.approx(sum(scores[pid] for pid in result.plan))
    assert result.bound >= result.value - 1e-6
    if result.status is SolveStatus.OPTIMAL:
        assert result.bound == pytest.approx(result.value, rel=1e-5)
    # over-demanded: the optimum leaves something out
    assert len(result.plan) < len(portfolio.projects)


def test_mip_matches_the_knapsack_optima():
    for instance in read_mknap(TEST_DATA / "mknap" / "mknap1.txt")[:4]:
        result = solve_mip(knapsack_to_portfolio(instance), time_limit=20)
        assert result.status.has_plan and result.value is not None and result.bound is not None
        assert result.value <= instance.best_known + 1e-6 <= result.bound + 2e-6
        if result.status is SolveStatus.OPTIMAL:
            assert result.value == pytest.approx(instance.best_known)


def test_mip_reports_infeasible_must_run_sets():
    portfolio = generate_portfolio(6, n_roles=1, horizon=4, seed=3)
    role = portfolio.roles[0]
    # two mandatory projects that each need the whole role, with too little room for both
    a, b = portfolio.projects[:2]
    squeezed = replace(
        portfolio,
        projects=(
            replace(a, mandatory=True, duration=3, earliest_start=None, latest_start=None),
            replace(b, mandatory=True, duration=3, earliest_start=None, latest_start=None),
        ),
        demands=(Demand(a.id, role, 1.0), Demand(b.id, role, 1.0)),
        capacity={role: (1.0,) * 4},
        dependencies=(),
        budget={},
    )
    result = solve_mip(squeezed, time_limit=10)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.plan == {} and result.value is None


def test_mip_schedules_j301_1_within_the_serial_horizon():
    # all activities mandatory: any feasible plan is a valid schedule of the RCPSP
    instance = load("psplib", "j301_1", TEST_DATA)
    portfolio = rcpsp_to_portfolio(instance, horizon=rcpsp_upper_bound(instance))
    result = solve_mip(portfolio, time_limit=20)
    assert result.status.has_plan
    assert len(result.plan) == 32
    assert _violations(portfolio, result.plan) == []
    assert 43 <= makespan(portfolio, result.plan) <= rcpsp_upper_bound(instance)


def test_mip_keeps_searching_past_its_soft_limit_only_while_its_gap_is_tight():
    """`soft_limit` stops HiGHS unless its gap is at most `tight_gap`: a gap no plan can
    reach stops it at its first check, a gap every plan meets lets it prove the optimum.
    The stop is checked in HiGHS's callbacks, so neither case depends on the clock."""
    portfolio = generate_small_projects(60, seed=3)
    kept_on = solve_mip(portfolio, time_limit=120, soft_limit=0.0, tight_gap=math.inf, threads=1)
    stopped = solve_mip(portfolio, time_limit=120, soft_limit=0.0, tight_gap=-1.0, threads=1)
    assert kept_on.status is SolveStatus.OPTIMAL
    assert stopped.status is not SolveStatus.OPTIMAL
    assert not stopped.plan or _violations(portfolio, stopped.plan) == []


def test_patience_counts_again_from_the_end_of_presolve():
    stops = _Stops(patience=3.0, soft=60.0, hard=85.0, tight_gap=0.1)
    # the search began at 0: due to stop at 3; presolve ends at 1.1 -> patience from there
    assert _patience_again(1.1, 3.0, stops) == pytest.approx(4.1)
    # presolve outlasted the patience (ended at 4.8): a patience of its own all the same
    assert _patience_again(4.8, 3.0, stops) == pytest.approx(7.8)
    # never beyond the soft limit, and nothing to move once it is there
    assert _patience_again(58.0, 59.0, stops) == pytest.approx(60.0)
    assert _patience_again(1.0, 60.0, stops) is None
    assert _patience_again(1.0, 3.0, stops._replace(patience=None)) is None


def test_the_mip_size_estimate_holds_every_capacity_nonzero():
    portfolio = generate_small_projects(30, seed=6)
    projects = [p for p in portfolio.projects if not p.out_of_play]
    model = _Model()
    for project in projects:
        starts = allowed_starts(portfolio, project)
        model.starts[project.id] = [(s, len(model.costs) + k) for k, s in enumerate(starts)]
        model.costs.extend([0.0] * len(starts))
    _capacity(model, portfolio, projects)
    built = sum(len(terms) for terms, _, _ in model.rows)
    assert 0 < built <= capacity_nonzeros(portfolio)
