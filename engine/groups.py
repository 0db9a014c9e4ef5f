"""Which group a project belongs to on a dimension: a field, an Intake column, or Perspective.

A project's Perspective is the balanced-scorecard perspective of the criteria that give it
the most weighted score (ties: the first by name). Names and values compare without case and
extra spaces.
"""

from __future__ import annotations

from collections import defaultdict

from engine.model import BalanceRule, Direction, Portfolio, Project

PERSPECTIVE = "perspective"


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def dominant_perspective(portfolio: Portfolio, project: Project) -> str | None:
    """The perspective whose criteria give the project the most weighted score."""
    by_perspective: dict[str, float] = defaultdict(float)
    for c in portfolio.criteria:
        if c.perspective is None:
            continue
        s = project.scores.get(c.name, c.min)
        value = (c.min + c.max - s) if c.direction is Direction.LOWER else s
        by_perspective[c.perspective.value] += c.weight * value
    if not by_perspective:
        return None
    return max(sorted(by_perspective), key=lambda name: by_perspective[name])


def attribute(portfolio: Portfolio, project: Project, dimension: str) -> str | None:
    """The project's value on a dimension (None when it has none)."""
    key = _key(dimension)
    if key == PERSPECTIVE:
        return dominant_perspective(portfolio, project)
    builtin = {
        "id": project.id,
        "name": project.name,
        "status": project.status.value,
        "force": project.force.value,
        "mandatory": "Yes" if project.mandatory else "No",
        "exclusive group": project.exclusive_group,
    }
    if key in builtin:
        return builtin[key]
    for name, value in project.tags.items():
        if _key(name) == key:
            return value
    return None


def in_group(portfolio: Portfolio, project: Project, rule: BalanceRule) -> bool:
    """Whether the project belongs to the rule's group."""
    value = attribute(portfolio, project, rule.dimension)
    return value is not None and _key(str(value)) == _key(rule.value)


def perspective_scores(portfolio: Portfolio, project: Project) -> dict[str, float]:
    """The project's weighted score split by the perspectives of the criteria that give it
    (criteria without a perspective are left out); the parts add up to its score."""
    total_weight = sum(c.weight for c in portfolio.criteria)
    parts: dict[str, float] = defaultdict(float)
    if total_weight <= 0:
        return {}
    for c in portfolio.criteria:
        if c.perspective is None:
            continue
        s = project.scores.get(c.name, c.min)
        value = (c.min + c.max - s) if c.direction is Direction.LOWER else s
        parts[c.perspective.value] += c.weight * value / total_weight
    return dict(parts)
