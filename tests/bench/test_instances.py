"""Benchmark readers and converters, on the instance copies in tests/data."""

from __future__ import annotations

from itertools import combinations

import pytest

from bench.instances import (
    TEST_DATA,
    best_known,
    instance_names,
    knapsack_to_portfolio,
    load,
    rcmpsp_to_portfolio,
    rcmpsp_upper_bound,
    rcpsp_to_portfolio,
    read_mknap,
    read_mplib,
    read_psplib,
    serial_schedule,
)
from engine.errors import FileError
from engine.feasibility import Ledger
from engine.model import DependencyType, Objective
from engine.scoring import weighted_score
from engine.validation import errors, validate

PSPLIB = TEST_DATA / "psplib"
J301_1 = PSPLIB / "j30" / "j301_1.sm"
MPLIB = TEST_DATA / "mplib1" / "instances" / "MPLIB1_Set3_0.txt"
MKNAP1 = TEST_DATA / "mknap" / "mknap1.txt"


@pytest.fixture(scope="module")
def mplib():
    return read_mplib(MPLIB)


def test_psplib_counts_match_the_file():
    instance = read_psplib(J301_1)
    assert instance.name == "j301_1"
    assert instance.n_activities == 32
    assert instance.capacities == (12, 13, 4, 12)
    assert instance.horizon == 158
    # totals computed from the file with awk: 48 successor links, durations sum to 158,
    # 30 positive requests
    assert sum(len(s) for s in instance.successors) == 48
    assert sum(instance.durations) == 158
    assert sum(1 for row in instance.demands for units in row if units > 0) == 30
    assert instance.successors[0] == (1, 2, 3)  # job 1 -> jobs 2, 3, 4
    assert instance.durations[2] == 4 and instance.demands[2] == (10, 0, 0, 0)  # job 3
    assert instance.durations[0] == instance.durations[-1] == 0


def test_j301_1_as_a_portfolio():
    instance = read_psplib(J301_1)
    portfolio = rcpsp_to_portfolio(instance)
    assert validate(portfolio) == []
    assert len(portfolio.projects) == 32
    assert portfolio.roles == ("R1", "R2", "R3", "R4")
    assert all(p.mandatory for p in portfolio.projects)
    assert portfolio.project("A1").duration == 0 and portfolio.project("A32").duration == 0
    assert portfolio.project("A3").duration == 4
    assert portfolio.settings.objective is Objective.FINISH
    assert portfolio.settings.horizon == 158
    assert portfolio.capacity["R3"] == (4.0,) * 158
    assert len(portfolio.dependencies) == 48
    assert {d.type for d in portfolio.dependencies} == {DependencyType.FS}
    assert {d.lag for d in portfolio.dependencies} == {0}
    assert len(portfolio.demands) == 30
    assert portfolio.criteria == ()


@pytest.mark.parametrize("name", instance_names("psplib", TEST_DATA))
def test_every_psplib_copy_converts_and_its_serial_schedule_is_feasible(name):
    instance = load("psplib", name, TEST_DATA)
    assert errors(validate(rcpsp_to_portfolio(instance))) == []
    starts = serial_schedule(
        instance.durations, instance.successors, instance.demands, instance.capacities
    )
    finish = [s + d for s, d in zip(starts, instance.durations, strict=True)]
    for j, successors in enumerate(instance.successors):
        assert all(starts[k] >= finish[j] for k in successors)
    makespan = max(finish)
    for t in range(makespan):
        for k, cap in enumerate(instance.capacities):
            used = sum(
                row[k] for j, row in enumerate(instance.demands) if starts[j] <= t < finish[j]
            )
            assert used <= cap
    # a feasible makespan can never beat a proven optimum
    assert makespan >= best_known("psplib", name, TEST_DATA).value


def test_psplib_best_known():
    record = best_known("psplib", "j301_1", TEST_DATA)
    assert record.value == 43 and record.is_optimal and record.bound == 43
    with pytest.raises(KeyError, match="j9999_1"):
        best_known("psplib", "j9999_1", TEST_DATA)


def test_mplib_counts_and_conversion(mplib):
    assert mplib.n_projects == 24
    assert mplib.n_activities == 24 * 62
    assert mplib.capacities == (164, 1894, 1879, 1433)
    assert mplib.releases == (0,) * 24
    assert mplib.durations[0][1] == 5 and mplib.demands[0][1] == (6, 4, 10, 6)
    assert mplib.successors[0][0] == ((0, 1), (0, 2), (0, 3))  # "1:2 1:3 1:4"

    record = best_known("mplib1", "MPLIB1_Set3_0", TEST_DATA)
    assert (record.value, record.is_optimal, record.bound) == (373, False, 371)
    upper = rcmpsp_upper_bound(mplib)
    assert upper >= record.bound

    portfolio = rcmpsp_to_portfolio(mplib)
    assert len(portfolio.projects) == 1488
    assert portfolio.settings.horizon == upper + 1
    assert portfolio.project("P3.A12").duration == mplib.durations[2][11]
    assert portfolio.roles == ("R1", "R2", "R3", "R4")
    links = sum(len(s) for p in mplib.successors for s in p)
    assert len(portfolio.dependencies) == links
    assert errors(validate(portfolio)) == []


def test_mknap1_first_problem():
    problems = read_mknap(MKNAP1)
    assert len(problems) == 7
    first = problems[0]
    assert first.name == "mknap1-1"
    assert (first.n_items, first.n_constraints) == (6, 10)
    assert first.values == (100, 600, 1200, 2400, 500, 2000)
    assert first.weights[0] == (8, 12, 13, 64, 22, 41)
    assert first.capacities[-1] == 24
    assert first.best_known == best_known("mknap", "mknap1-1", TEST_DATA).value == 3800
    assert problems[1].best_known == pytest.approx(8706.1)
    assert load("mknap", "mknap1-3", TEST_DATA) == problems[2]


def test_knapsack_portfolio_keeps_the_optimum():
    instance = read_mknap(MKNAP1)[0]
    portfolio = knapsack_to_portfolio(instance)
    assert validate(portfolio) == []
    assert portfolio.settings.horizon == 1
    assert portfolio.roles == tuple(f"r{i}" for i in range(1, 11))
    assert not any(p.must_run for p in portfolio.projects)
    scores = [weighted_score(p.scores, portfolio.criteria) for p in portfolio.projects]
    assert scores == [float(v) for v in instance.values]
    # brute force over all 64 selections, with fit decided by the engine's own ledger
    best = 0.0
    start = portfolio.settings.plan_start
    for size in range(len(scores) + 1):
        for chosen in combinations(range(len(scores)), size):
            ledger = Ledger(portfolio)
            fits = True
            for j in chosen:
                fits = fits and ledger.fits(portfolio.projects[j], start)
                ledger.commit(portfolio.projects[j], start)
            if fits:
                best = max(best, sum(scores[j] for j in chosen))
    assert best == instance.best_known


def test_truncated_psplib_file_names_the_file(tmp_path):
    text = J301_1.read_text().splitlines()
    cut = next(i for i, line in enumerate(text) if line.startswith("REQUESTS/DURATIONS"))
    broken = tmp_path / "broken.sm"
    broken.write_text("\n".join(text[: cut + 10]))
    with pytest.raises(FileError, match=r"broken\.sm"):
        read_psplib(broken)


def test_mknap_leftover_numbers_are_an_error(tmp_path):
    extra = tmp_path / "extra.txt"
    extra.write_text(MKNAP1.read_text() + "\n 42\n")
    with pytest.raises(FileError, match="1 numbers left"):
        read_mknap(extra)


def test_mplib_bad_successor_is_an_error(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(MPLIB.read_text().replace("1:2 1:3 1:4", "1:2 1:3 x", 1))
    with pytest.raises(FileError, match=r"bad\.txt line"):
        read_mplib(bad)
