"""Weighted scores and pairwise (AHP) weights."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import InputError
from engine.model import Criterion, Direction
from engine.scoring import ahp, score_rows, weighted_score

CRITERIA = [
    Criterion("Value", 3, Direction.HIGHER, 0, 10),
    Criterion("Risk", 1, Direction.LOWER, 1, 5),
]


def test_lower_is_better_is_reversed_within_its_own_scale():
    # (3 * 8 + 1 * (1 + 5 - 2)) / 4 = 7
    assert weighted_score({"Value": 8, "Risk": 2}, CRITERIA) == pytest.approx(7.0)


@given(st.floats(0, 10), st.floats(0, 10), st.floats(1, 5))
def test_score_is_linear_in_each_input(a, b, risk):
    f = lambda v: weighted_score({"Value": v, "Risk": risk}, CRITERIA)  # noqa: E731
    assert f((a + b) / 2) == pytest.approx((f(a) + f(b)) / 2)


def test_score_rows_matches_weighted_score():
    rows = score_rows(
        [[8, 2], [0, 5]], [3, 1], ["Higher is better", "Lower is better"], [0, 1], [10, 5]
    )
    assert rows == pytest.approx([7.0, 0.25])


def test_score_rows_rejects_ragged_rows():
    with pytest.raises(InputError, match="row 2 has 1 scores for 2 weights"):
        score_rows([[1, 2], [3]], [1, 1])


def test_ahp_consistent_matrix_has_exact_weights_and_zero_ratio():
    result = ahp([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    assert result.weights == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert result.worst_judgement is None


def test_ahp_names_the_judgement_that_breaks_consistency():
    # consistent except A:C, which says 1/4 instead of 4
    matrix = [[1, 2, 1 / 4], [1 / 2, 1, 2], [4, 1 / 2, 1]]
    result = ahp(matrix)
    assert result.consistency_ratio > 0.1
    assert result.worst_judgement in {(0, 2), (0, 1), (1, 2)}
    row, col = result.worst_judgement
    fixed = [list(r) for r in matrix]
    fixed[row][col] = result.suggested_value
    fixed[col][row] = 1 / result.suggested_value
    assert ahp(fixed).consistency_ratio < result.consistency_ratio


def test_ahp_saaty_example_ratio():
    # Saaty's car example: known lambda_max ~ 4.07, CR ~ 0.026 for this 4x4 matrix.
    m = [[1, 3, 7, 9], [1 / 3, 1, 5, 7], [1 / 7, 1 / 5, 1, 3], [1 / 9, 1 / 7, 1 / 3, 1]]
    result = ahp(m)
    assert result.weights[0] > result.weights[1] > result.weights[2] > result.weights[3]
    assert 0.0 < result.consistency_ratio < 0.1


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2], [2, 1]], "reciprocal"),
        ([[2, 1], [1, 1]], "diagonal must be 1"),
        ([[1, -1], [-1, 1]], "positive"),
        ([[1, 2, 3]], "square"),
        ([["a", 1], [1, 1]], "numbers only"),
    ],
)
def test_ahp_rejects_bad_matrices_with_a_reason(matrix, message):
    with pytest.raises(InputError, match=message):
        ahp(matrix)
