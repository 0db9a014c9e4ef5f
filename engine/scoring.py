"""Weighted scoring on each criterion's own scale, and pairwise (AHP) weights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import InputError
from engine.model import Criterion, Direction
from engine.units import EPS

# a[i, j] * a[j, i] may miss 1 by this much: judgements such as 1/3 typed as 0.333
RECIPROCAL_TOLERANCE = 1e-3

# Saaty's random consistency index by matrix size (Saaty 1980).
RANDOM_INDEX = (
    0.0,
    0.0,
    0.0,
    0.58,
    0.90,
    1.12,
    1.24,
    1.32,
    1.41,
    1.45,
    1.49,
    1.51,
    1.48,
    1.56,
    1.57,
    1.59,
)


def oriented(value: float, criterion: Criterion) -> float:
    """The score as "higher is better" on the criterion's own scale (s' = min + max - s)."""
    if criterion.direction is Direction.LOWER:
        return criterion.min + criterion.max - value
    return value


def weighted_score(scores: Mapping[str, float], criteria: Sequence[Criterion]) -> float:
    """sum(w * s') / sum(w) over the criteria; a missing score counts as the scale's worst."""
    total_weight = sum(c.weight for c in criteria)
    if total_weight <= 0:
        return 0.0
    total = 0.0
    for criterion in criteria:
        value = scores.get(criterion.name)
        if value is None:
            value = criterion.min if criterion.direction is Direction.HIGHER else criterion.max
        total += criterion.weight * oriented(float(value), criterion)
    return total / total_weight


def score_rows(
    scores: Sequence[Sequence[float]],
    weights: Sequence[float],
    directions: Sequence[str | Direction] | None = None,
    mins: Sequence[float] | None = None,
    maxs: Sequence[float] | None = None,
) -> list[float]:
    """Weighted score of each row of a score table (one column per criterion)."""
    count = len(weights)
    directions = directions or [Direction.HIGHER] * count
    mins = mins if mins is not None else [0.0] * count
    maxs = maxs if maxs is not None else [10.0] * count
    if not (len(directions) == len(mins) == len(maxs) == count):
        raise InputError("weights, directions, mins and maxs must have one entry per criterion")
    criteria = [
        Criterion(
            f"c{i}",
            float(weights[i]),
            parse_direction(directions[i]),
            float(mins[i]),
            float(maxs[i]),
        )
        for i in range(count)
    ]
    rows = []
    for number, row in enumerate(scores, start=1):
        if len(row) != count:
            raise InputError(f"row {number} has {len(row)} scores for {count} weights")
        values = {c.name: float(v) for c, v in zip(criteria, row, strict=True)}
        rows.append(weighted_score(values, criteria))
    return rows


def parse_direction(value: str | Direction) -> Direction:
    """Accept "Higher is better", "higher", "high", "+", "max" and their opposites."""
    if isinstance(value, Direction):
        return value
    text = str(value).strip().lower()
    if text in ("higher is better", "higher", "high", "+", "max", "up", ""):
        return Direction.HIGHER
    if text in ("lower is better", "lower", "low", "-", "min", "down"):
        return Direction.LOWER
    raise InputError(f'direction must be "Higher is better" or "Lower is better"; found {value!r}')


@dataclass(frozen=True, slots=True)
class AhpResult:
    """Weights from a pairwise comparison matrix and how consistent the judgements are."""

    weights: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    worst_judgement: tuple[int, int] | None  # (row, column), 0-based, above the diagonal
    suggested_value: float | None  # the value that judgement would need to be consistent


def ahp(matrix: Sequence[Sequence[float]]) -> AhpResult:
    """Principal-eigenvector weights, Saaty consistency ratio and the most inconsistent judgement.

    The worst judgement is the one whose replacement by the value implied by the weights
    (w_i / w_j) lowers the consistency ratio the most.
    """
    a = _pairwise(matrix)
    weights, lambda_max = _principal(a)
    n = a.shape[0]
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n] if n < len(RANDOM_INDEX) else RANDOM_INDEX[-1]
    cr = ci / ri if ri > 0 else 0.0
    worst, suggested, best_cr = None, None, cr
    if n > 2:
        for i in range(n):
            for j in range(i + 1, n):
                implied = weights[i] / weights[j]
                trial = a.copy()
                trial[i, j], trial[j, i] = implied, 1.0 / implied
                _, lam = _principal(trial)
                trial_cr = ((lam - n) / (n - 1)) / ri
                if trial_cr < best_cr - EPS:
                    worst, suggested, best_cr = (i, j), float(implied), trial_cr
    return AhpResult(
        tuple(float(w) for w in weights),
        float(lambda_max),
        float(max(ci, 0.0)),
        float(max(cr, 0.0)),
        worst,
        suggested,
    )


def _pairwise(matrix: Sequence[Sequence[float]]) -> np.ndarray:
    try:
        a = np.array(matrix, dtype=float)
    except (TypeError, ValueError) as error:
        raise InputError("the comparison matrix must hold numbers only") from error
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
        raise InputError(f"the comparison matrix must be square; found shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise InputError("every judgement must be a positive number (1/9 .. 9)")
    n = a.shape[0]
    for i in range(n):
        if abs(a[i, i] - 1) > EPS:
            raise InputError(f"the diagonal must be 1; row {i + 1} has {a[i, i]:g}")
        for j in range(i + 1, n):
            if abs(a[i, j] * a[j, i] - 1) > RECIPROCAL_TOLERANCE:
                raise InputError(
                    f"judgements must be reciprocal: row {i + 1} column {j + 1} is {a[i, j]:g} "
                    f"but row {j + 1} column {i + 1} is {a[j, i]:g} (expected {1 / a[i, j]:g})"
                )
    return a


def _principal(a: np.ndarray) -> tuple[np.ndarray, float]:
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    vector = np.abs(vectors[:, k].real)
    return vector / vector.sum(), float(values[k].real)
