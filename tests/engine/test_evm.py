"""Earned value and the RAG rule."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from engine.errors import InputError
from engine.evm import Rag, earned_value, rag


def test_textbook_example():
    # PMBOK-style: planned 100, earned 90, spent 120, budget 1000
    ev = earned_value(pv=100, ev=90, ac=120, bac=1000)
    assert ev.spi == pytest.approx(0.9)
    assert ev.cpi == pytest.approx(0.75)
    assert ev.eac == pytest.approx(1000 / 0.75)
    assert ev.vac == pytest.approx(1000 - 1000 / 0.75)
    assert (ev.sv, ev.cv) == (pytest.approx(-10), pytest.approx(-30))


def test_undefined_ratios_are_none():
    before_start = earned_value(pv=0, ev=0, ac=0, bac=500)
    assert before_start.spi is None and before_start.cpi is None
    assert before_start.eac == 500 and before_start.vac == 0  # nothing spent: budget stands
    spent_nothing_earned = earned_value(pv=50, ev=0, ac=40, bac=500)
    assert spent_nothing_earned.cpi == 0
    assert spent_nothing_earned.eac is None and spent_nothing_earned.vac is None


@pytest.mark.parametrize(
    "args, word",
    [
        ((-1, 0, 0, 0), "PV"),
        ((0, "lots", 0, 0), "EV"),
        ((0, 0, float("nan"), 0), "AC"),
    ],
)
def test_bad_amounts_name_the_argument(args, word):
    with pytest.raises(InputError, match=word):
        earned_value(*args)


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.80, Rag.RED),
        (0.90, Rag.AMBER),
        (0.93, Rag.AMBER),
        (0.95, Rag.GREEN),
        (1.2, Rag.GREEN),
    ],
)
def test_rag_lower_is_worse_when_amber_above_red(value, expected):
    assert rag(value, amber=0.95, red=0.90) is expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.0, Rag.GREEN),
        (0.05, Rag.GREEN),
        (0.07, Rag.AMBER),
        (0.10, Rag.AMBER),
        (0.2, Rag.RED),
    ],
)
def test_rag_higher_is_worse_when_amber_below_red(value, expected):
    assert rag(value, amber=0.05, red=0.10) is expected


def test_rag_refuses_equal_thresholds():
    with pytest.raises(InputError, match="equal"):
        rag(1, 0.9, 0.9)


@given(st.floats(0, 10), st.floats(0.01, 5), st.floats(0.01, 5))
def test_rag_is_monotone(value, a, b):
    amber, red = max(a, b), min(a, b)
    assume(amber != red)
    order = [Rag.RED, Rag.AMBER, Rag.GREEN]
    # lower is worse: a higher value never gets a worse colour
    assert order.index(rag(value + 0.5, amber, red)) >= order.index(rag(value, amber, red))
    # mirrored thresholds: higher is worse
    assert order.index(rag(value + 0.5, red, amber)) <= order.index(rag(value, red, amber))
