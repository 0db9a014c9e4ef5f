"""Forward-backward justification of a `finish` schedule keeps every rule and never lengthens."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings

from bench.instances import rcpsp_to_portfolio, rcpsp_upper_bound, read_psplib
from engine.checker import check_starts
from engine.greedy import greedy_objective, greedy_starts, justify, shortest_schedule
from engine.model import Objective
from engine.validation import errors, validate
from tests.engine.strategies import portfolios

DATA = Path(__file__).resolve().parents[1] / "data" / "psplib"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(max_projects=8, budget=True))
def test_justified_schedules_keep_every_rule_and_never_end_later(portfolio):
    assume(not errors(validate(portfolio)))
    serial, unplaced = greedy_starts(portfolio, Objective.FINISH)
    assume(all(portfolio.project(pid).out_of_play for pid in unplaced))  # a whole schedule
    justified = justify(portfolio, serial)
    assert justified.keys() == serial.keys()
    assert check_starts(portfolio, justified, everyone=True) == []
    assert greedy_objective(portfolio, justified, Objective.FINISH) <= greedy_objective(
        portfolio, serial, Objective.FINISH
    )
    sampled = shortest_schedule(portfolio, serial, deadline=time.perf_counter() + 5, seed=3)
    assert sampled.keys() == serial.keys()
    assert check_starts(portfolio, sampled, everyone=True) == []
    assert greedy_objective(portfolio, sampled, Objective.FINISH) <= greedy_objective(
        portfolio, justified, Objective.FINISH
    )


def test_justification_shortens_a_published_serial_schedule():
    # tests/data/psplib/README.md: Kolisch & Sprecher (1997); j301_3's optimum is 47
    instance = read_psplib(DATA / "j30" / "j301_3.sm")
    portfolio = rcpsp_to_portfolio(instance, horizon=rcpsp_upper_bound(instance) + 1)
    serial, unplaced = greedy_starts(portfolio, Objective.FINISH)
    assert not unplaced
    justified = justify(portfolio, serial)
    assert check_starts(portfolio, justified, everyone=True) == []
    before = greedy_objective(portfolio, serial, Objective.FINISH)
    after = greedy_objective(portfolio, justified, Objective.FINISH)
    assert 47 <= after < before
