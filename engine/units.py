"""The engine's fixed scales, written once: integer units, the calendar and float tolerance.

FTE, money and scores are kept in integer units so that the greedy plan, the CP-SAT model
and the explanations agree to the unit on what fits and what a plan is worth.
"""

from __future__ import annotations

FTE_UNITS = 1000  # 0.001 FTE resolution
MONEY_UNITS = 100  # cents
SCORE_UNITS = 1000  # scores are optimised to 0.001
MONTHS_PER_YEAR = 12
EPS = 1e-9  # float tolerance: below this, two values are equal
