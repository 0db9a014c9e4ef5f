"""The portfolio and a solve's result as pandas DataFrames: one tidy frame per kind of thing.

For analysts working in Python: `portfolio_frames(portfolio)` gives the inputs,
`result_frames(portfolio, result)` the plan. Only this module imports pandas (it is slow to
load), so `engine.model` and `engine.result` stay quick to import and never import it back.

Conventions: one row per thing, snake_case column names, FTE and money as floats, calendar
months as monthly `pandas.Period` values (`2027-03`; missing is NaT), months counted within a
project (demand rows) as nullable integers, and every frame keeps its columns when it has no
rows. Nothing here checks the data; `engine.validation.validate` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from engine.model import Portfolio, Project
from engine.months import month_text
from engine.result import ProjectOutcome, Result, UtilisationCell

MONTH = "period[M]"
SELECTED = "Selected"  # the decisions as the Portfolio sheet writes them (engine.plan)
DEFERRED = "Deferred"
NOT_IN_PLAY = "Not in play"
# Text: pandas 3's string dtype (missing values are NaN); plain object columns on pandas 2.
TEXT = "str" if int(pd.__version__.split(".")[0]) >= 3 else "object"

# Column name -> dtype.
_Columns = Mapping[str, str]

SETTINGS_COLUMNS: _Columns = {
    "plan_start": MONTH,
    "horizon": "int64",
    "objective": TEXT,
    "time_limit": "float64",
    "random_seed": "int64",
    "workers": "int64",
    "project_managers": TEXT,
}
PROJECT_COLUMNS: _Columns = {
    "project_id": TEXT,
    "name": TEXT,
    "status": TEXT,
    "mandatory": "bool",
    "force": TEXT,
    "earliest_start": MONTH,
    "latest_start": MONTH,
    "fixed_start": MONTH,
    "duration": "int64",
    "cost": "float64",
    "exclusive_group": TEXT,
    "manager": TEXT,
    "pm_grade": TEXT,
    "pm_skills": TEXT,
}
SCORE_COLUMNS: _Columns = {"project_id": TEXT, "criterion": TEXT, "score": "float64"}
CRITERION_COLUMNS: _Columns = {
    "criterion": TEXT,
    "weight": "float64",
    "direction": TEXT,
    "min": "float64",
    "max": "float64",
    "perspective": TEXT,
}
DEMAND_COLUMNS: _Columns = {
    "project_id": TEXT,
    "role": TEXT,
    "fte": "float64",
    "from_month": "Int64",
    "to_month": "Int64",
}
CAPACITY_COLUMNS: _Columns = {"role": TEXT, "month": MONTH, "capacity_fte": "float64"}
DEPENDENCY_COLUMNS: _Columns = {
    "predecessor": TEXT,
    "successor": TEXT,
    "type": TEXT,
    "lag": "int64",
}
BUDGET_COLUMNS: _Columns = {"year": "int64", "cost_limit": "float64"}
MANAGER_COLUMNS: _Columns = {
    "name": TEXT,
    "grade": TEXT,
    "skills": TEXT,
    "certifications": TEXT,
    "max_projects": "int64",
    "available_from": MONTH,
    "available_to": MONTH,
}

PLAN_COLUMNS: _Columns = {
    "project_id": TEXT,
    "name": TEXT,
    "decision": TEXT,
    "start": MONTH,
    "finish": MONTH,
    "duration": "int64",
    "cost": "float64",
    "score": "float64",
    "rank": "Int64",
    "reason": TEXT,
    "manager": TEXT,
}
UTILISATION_COLUMNS: _Columns = {
    "role": TEXT,
    "month": MONTH,
    "demand_fte": "float64",
    "capacity_fte": "float64",
    "remaining_fte": "float64",
    "load": "float64",
}
SUMMARY_COLUMNS: _Columns = {
    "status": TEXT,
    "objective_name": TEXT,
    "objective": "float64",
    "bound": "float64",
    "gap": "float64",
    "bound_source": TEXT,
    "wall_time": "float64",
    "strategy": TEXT,
    "baseline_objective": "float64",
    "projects": "int64",
    "selected": "int64",
}
MESSAGE_COLUMNS: _Columns = {
    "kind": TEXT,
    "severity": TEXT,
    "entity": TEXT,
    "index": TEXT,
    "field": TEXT,
    "message": TEXT,
}


def _period(month: int | None) -> pd.Period | None:
    return None if month is None else pd.Period(month_text(month), freq="M")


def _text(value: object) -> str | None:
    """Enum members as their text; None stays None."""
    return None if value is None else str(value)


def frame(columns: _Columns, rows: Iterable[Sequence[object]]) -> pd.DataFrame:
    """A DataFrame of `rows` (one value per column, in order) with the columns' dtypes."""
    data = pd.DataFrame(list(rows), columns=list(columns))
    return data.astype(dict(columns))


def decision(project: Project, outcome: ProjectOutcome | None) -> str:
    """Selected, Deferred or Not in play, as on the sheets: the engine's own word for it when
    the outcome carries one (`engine.plan.decision`)."""
    if outcome is not None and outcome.decision:
        return outcome.decision
    if outcome is not None and outcome.selected:
        return SELECTED
    return NOT_IN_PLAY if project.out_of_play else DEFERRED


# --- inputs ------------------------------------------------------------------------------


def settings_frame(portfolio: Portfolio) -> pd.DataFrame:
    """One row: plan start, horizon (months), objective, time limit (s), seed, workers."""
    s = portfolio.settings
    row = (
        _period(s.plan_start),
        s.horizon,
        _text(s.objective),
        s.time_limit,
        s.random_seed,
        s.workers,
        _text(s.project_managers),
    )
    return frame(SETTINGS_COLUMNS, [row])


def projects_frame(portfolio: Portfolio) -> pd.DataFrame:
    """One row per project, in input order; scores are in `scores_frame`."""
    rows = [
        (
            p.id,
            p.name,
            _text(p.status),
            p.mandatory,
            _text(p.force),
            _period(p.earliest_start),
            _period(p.latest_start),
            _period(p.fixed_start),
            p.duration,
            p.cost,
            p.exclusive_group,
            p.manager,
            p.pm_grade,
            ", ".join(p.pm_skills) or None,
        )
        for p in portfolio.projects
    ]
    return frame(PROJECT_COLUMNS, rows)


def scores_frame(portfolio: Portfolio) -> pd.DataFrame:
    """One row per project and scored criterion (long form; pivot for a score table)."""
    rows = [(p.id, name, value) for p in portfolio.projects for name, value in p.scores.items()]
    return frame(SCORE_COLUMNS, rows)


def criteria_frame(portfolio: Portfolio) -> pd.DataFrame:
    """One row per criterion: weight, direction and scale."""
    rows = [
        (c.name, c.weight, _text(c.direction), c.min, c.max, _text(c.perspective))
        for c in portfolio.criteria
    ]
    return frame(CRITERION_COLUMNS, rows)


def demands_frame(portfolio: Portfolio) -> pd.DataFrame:
    """One row per demand row; from/to months count within the project (blank: first/last)."""
    rows = [(d.project_id, d.role, d.fte, d.from_month, d.to_month) for d in portfolio.demands]
    return frame(DEMAND_COLUMNS, rows)


def capacity_frame(portfolio: Portfolio) -> pd.DataFrame:
    """One row per role and horizon month: the FTE available."""
    rows = [
        (role, _period(month), fte)
        for role, values in portfolio.capacity.items()
        for month, fte in zip(portfolio.months, values, strict=False)
    ]
    return frame(CAPACITY_COLUMNS, rows)


def dependencies_frame(portfolio: Portfolio) -> pd.DataFrame:
    """One row per link: predecessor, successor, type (FS, Requires, Excludes, With), lag."""
    rows = [(d.predecessor, d.successor, _text(d.type), d.lag) for d in portfolio.dependencies]
    return frame(DEPENDENCY_COLUMNS, rows)


def budget_frame(portfolio: Portfolio) -> pd.DataFrame:
    """One row per budgeted calendar year: the limit on the cost of the plan in that year."""
    return frame(BUDGET_COLUMNS, sorted(portfolio.budget.items()))


def managers_frame(portfolio: Portfolio) -> pd.DataFrame:
    """One row per project manager on People: grade, skills, limit and availability."""
    rows = [
        (
            m.name,
            m.grade,
            ", ".join(m.skills) or None,
            ", ".join(m.certifications) or None,
            m.max_projects,
            _period(m.available_from),
            _period(m.available_to),
        )
        for m in portfolio.managers
    ]
    return frame(MANAGER_COLUMNS, rows)


def portfolio_frames(portfolio: Portfolio) -> dict[str, pd.DataFrame]:
    """Every input as a tidy frame: settings, projects, scores, criteria, demands, capacity,
    dependencies, budget and managers (the keys, in this order)."""
    return {
        "settings": settings_frame(portfolio),
        "projects": projects_frame(portfolio),
        "scores": scores_frame(portfolio),
        "criteria": criteria_frame(portfolio),
        "demands": demands_frame(portfolio),
        "capacity": capacity_frame(portfolio),
        "dependencies": dependencies_frame(portfolio),
        "budget": budget_frame(portfolio),
        "managers": managers_frame(portfolio),
    }


# --- results -----------------------------------------------------------------------------


def plan_frame(portfolio: Portfolio, result: Result) -> pd.DataFrame:
    """One row per project, in input order: decision, start and finish month (the last month it
    runs), duration, cost, weighted score, rank (1 = best score), the reason and the project
    manager. Without a plan (see the summary's status) the decision is blank."""
    outcomes = {o.project_id: o for o in result.projects}
    rows = []
    for project in portfolio.projects:
        outcome = outcomes.get(project.id)
        start = finish = None
        if outcome is not None and outcome.selected:
            start, finish = _period(outcome.start), _period(outcome.finish)
        rows.append(
            (
                project.id,
                project.name,
                decision(project, outcome) if result.status.has_plan else None,
                start,
                finish,
                project.duration,
                project.cost,
                None if outcome is None else outcome.score,
                outcome.rank if outcome is not None and outcome.rank else None,
                "" if outcome is None else outcome.reason,
                None if outcome is None else outcome.manager,
            )
        )
    return frame(PLAN_COLUMNS, rows)


def utilisation_frame(cells: Iterable[UtilisationCell]) -> pd.DataFrame:
    """One row per role and month: planned demand, capacity, what remains (negative: over)
    and the load (demand / capacity; inf for demand on no capacity)."""
    rows = [
        (
            c.role,
            _period(c.month),
            c.demand,
            c.capacity,
            c.capacity - c.demand,
            c.load,
        )
        for c in cells
    ]
    return frame(UTILISATION_COLUMNS, rows)


def summary_frame(result: Result) -> pd.DataFrame:
    """One row: status, objective, bound (and what proves it), gap, wall time (s), strategy and
    counts."""
    row = (
        _text(result.status),
        result.objective_name,
        result.objective,
        result.bound,
        result.gap,
        result.bound_source,
        result.wall_time,
        result.strategy,
        result.baseline_objective,
        len(result.projects),
        len(result.selected),
    )
    return frame(SUMMARY_COLUMNS, [row])


def messages_frame(result: Result) -> pd.DataFrame:
    """Conflicting rules (no plan), input problems and notes, one row each."""
    rows: list[tuple[object, ...]] = [
        ("conflict", "Error", None, None, None, c) for c in result.conflicts
    ]
    rows += [
        (
            "problem",
            _text(p.severity),
            p.entity,
            None if p.index is None else str(p.index),
            p.field,
            p.message,
        )
        for p in result.problems
    ]
    rows += [("note", "Info", None, None, None, n) for n in result.notes]
    return frame(MESSAGE_COLUMNS, rows)


def result_frames(portfolio: Portfolio, result: Result) -> dict[str, pd.DataFrame]:
    """The plan as tidy frames: projects (decision, start, finish, score, reason),
    utilisation (role x month), summary (one row) and messages (the keys, in this order)."""
    return {
        "projects": plan_frame(portfolio, result),
        "utilisation": utilisation_frame(result.utilisation),
        "summary": summary_frame(result),
        "messages": messages_frame(result),
    }
