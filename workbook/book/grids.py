"""What the output sheets say, as plain rows of cells: shared by every way of writing them.

Nothing here knows about openpyxl or Excel: the file writer (`workbook.files.writer`) and the live
Excel writer both take these grids and put them on their sheets. Months are `YYYY-MM` text.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from engine.balance import shares
from engine.changes import ChangeKind
from engine.feasibility import demand_profile
from engine.frontier import FrontierPoint
from engine.groups import dominant_perspective, perspective_scores
from engine.model import Perspective, Portfolio
from engine.months import month_text
from engine.plan import DEFERRED, SELECTED, decision
from engine.reasons import reason_json
from engine.result import BOUND_SOURCES, ProjectOutcome, Result, SolveStatus
from engine.units import FTE_UNITS
from engine.validation import Severity
from workbook.book import schema
from workbook.book.messages import Message

CellValue = schema.CellValue


class Formula(str):
    """A live formula for an output cell, written as a formula (user text never becomes one).

    `value` is what it computes to, for a writer that stores a cached result with it (the
    template); it plays no part in equality, so a grid compares by its formulas.
    """

    value: CellValue

    def __new__(cls, text: str, value: CellValue = None) -> Formula:
        formula = super().__new__(cls, text)
        formula.value = value
        return formula


PLANNED = 1  # Schedule cell of a planned month
MUST_RUN = 2  # Schedule cell of a month of a mandatory, forced or in-flight project


@dataclass(frozen=True, slots=True)
class Grid:
    """The content of one output sheet: a header row and the rows below it.

    `row_formats` gives, per row, the number format of the columns after the fixed ones
    (the month columns of Utilisation mix FTE and percentages). `append` grids add their rows
    below the existing ones instead of replacing them (the run log keeps its history).
    """

    sheet: str
    header: list[str]
    rows: list[list[CellValue]]
    row_formats: list[str | None] = field(default_factory=list)
    append: bool = False

    @property
    def spec(self) -> schema.Sheet:
        """The schema entry of the sheet."""
        return schema.sheet(self.sheet)


def portfolio_checksum(portfolio: Portfolio) -> str:
    """A short fingerprint of the inputs, to tell runs on the same data apart from others."""
    return hashlib.sha256(repr(portfolio).encode("utf-8")).hexdigest()[:16]


def _month(value: int | None) -> str | None:
    return None if value is None else month_text(value)


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value


def _outcomes(result: Result) -> dict[str, ProjectOutcome]:
    return {o.project_id: o for o in result.projects}


def portfolio_grid(
    portfolio: Portfolio, result: Result, details: Mapping[str, Mapping[str, object]] | None = None
) -> Grid:
    """Portfolio: every project in rank order with its decision, dates, score and reason."""
    details = details or {}
    outcomes = _outcomes(result)
    rows = []
    for project in portfolio.projects:
        outcome = outcomes.get(project.id)
        department = details.get(project.id, {}).get("Department")
        rows.append(
            [
                outcome.rank if outcome and outcome.rank else None,
                project.id,
                project.name,
                None if department is None else str(department),
                decision(project, outcome, portfolio.settings.plan_start),
                _month(outcome.start) if outcome and outcome.selected else None,
                _month(outcome.finish) if outcome and outcome.selected else None,
                project.duration,
                project.cost,
                round(outcome.score, 3) if outcome else None,
                outcome.reason if outcome else "",
                outcome.manager if outcome else project.manager,
            ]
        )
    rows.sort(key=lambda row: (row[0] is None, row[0] or 0, row[1]))
    return Grid(schema.PORTFOLIO.name, [c.header for c in schema.PORTFOLIO.columns], rows)


def schedule_grid(portfolio: Portfolio, result: Result) -> Grid:
    """Schedule: a Gantt chart, one row per project and a 1 (or 2) in each month it runs."""
    outcomes = _outcomes(result)
    months = list(portfolio.months)
    header = [c.header for c in schema.SCHEDULE.columns] + [month_text(m) for m in months]
    planned, others = [], []
    for project in portfolio.projects:
        outcome = outcomes.get(project.id)
        start = outcome.start if outcome is not None and outcome.selected else None
        finish = outcome.finish if outcome is not None and start is not None else None
        row: list[CellValue] = [
            project.id,
            project.name,
            decision(project, outcome, portfolio.settings.plan_start),
            _month(start),
            _month(finish),
        ]
        marks: list[CellValue] = [None] * len(months)
        if start is not None:
            mark = MUST_RUN if project.must_run else PLANNED
            for m in range(start, (finish or start) + 1):
                if months and months[0] <= m <= months[-1]:
                    marks[m - months[0]] = mark
            planned.append((start, project.id, row + marks))
        else:
            others.append((project.id, row + marks))
    rows = [row for *_, row in sorted(planned)] + [row for _, row in sorted(others)]
    return Grid(schema.SCHEDULE.name, header, rows)


def utilisation_grid(portfolio: Portfolio, result: Result) -> Grid:
    """Utilisation: per role, demand, capacity and load (demand / capacity) per month."""
    months = list(portfolio.months)
    header = [c.header for c in schema.UTILISATION.columns] + [month_text(m) for m in months]
    cells = {(u.role, u.month): u for u in result.utilisation}
    rows: list[list[CellValue]] = []
    formats: list[str | None] = []
    for role, capacity in portfolio.capacity.items():
        demand_row: list[CellValue] = [role, "Demand (FTE)"]
        capacity_row: list[CellValue] = [role, "Capacity (FTE)"]
        load_row: list[CellValue] = [role, "Load"]
        for offset, m in enumerate(months):
            cell = cells.get((role, m))
            demand = cell.demand if cell else 0.0
            available = (
                cell.capacity if cell else (capacity[offset] if offset < len(capacity) else 0.0)
            )
            demand_row.append(round(demand, 3))
            capacity_row.append(round(available, 3))
            if available > 0:
                load_row.append(round(demand / available, 4))
            else:
                load_row.append(None if demand <= 0 else "no capacity")
        rows += [demand_row, capacity_row, load_row]
        formats += [schema.FMT_FTE, schema.FMT_FTE, schema.FMT_PERCENT]
    return Grid(schema.UTILISATION.name, header, rows, formats)


def hiring_plan_grid(portfolio: Portfolio, result: Result) -> Grid:
    """Hiring plan: one row per run of hires, by start month."""
    fte = {(o.role, o.option): o.fte for o in portfolio.hiring}
    rows: list[list[CellValue]] = [
        [
            hire.role,
            hire.option,
            month_text(hire.first),
            month_text(hire.last),
            hire.units,
            round(hire.units * fte.get((hire.role, hire.option), 0.0), 3),
            hire.cost,
        ]
        for hire in result.hiring
    ]
    return Grid(schema.HIRING_PLAN.name, [c.header for c in schema.HIRING_PLAN.columns], rows)


def shortfall_grid(portfolio: Portfolio, result: Result) -> Grid:
    """Shortfall: by role and month, the FTE the deferred projects lack and their score."""
    rows: list[list[CellValue]] = [
        [
            cell.role,
            month_text(cell.month),
            round(cell.fte, 3),
            round(cell.score, 3),
            ", ".join(cell.projects),
        ]
        for cell in result.shortfall
    ]
    return Grid(schema.SHORTFALL.name, [c.header for c in schema.SHORTFALL.columns], rows)


def balance_grid(portfolio: Portfolio, result: Result) -> Grid:
    """Balance view: each rule's share in the plan against its limits."""
    rows: list[list[CellValue]] = []
    for rule, share in shares(portfolio, [o.project_id for o in result.selected]):
        if share is None:
            status = "None selected"
        elif any(
            limit is not None and abs(share - limit) < 0.005
            for limit in (rule.min_share, rule.max_share)
        ):
            status = "At the limit"
        else:
            status = "Within"
        rows.append(
            [
                f"{rule.dimension}: {rule.value}",
                rule.measure.value,
                rule.min_share,
                None if share is None else round(share, 6),
                rule.max_share,
                status,
            ]
        )
    return Grid(schema.BALANCE_VIEW.name, [c.header for c in schema.BALANCE_VIEW.columns], rows)


def scorecard_grid(portfolio: Portfolio, result: Result) -> Grid:
    """Scorecard: score, projects, cost and FTE-months by perspective, selected and deferred."""
    outcomes = _outcomes(result)
    rows: list[list[CellValue]] = []
    table: dict[tuple[str, str], list[float]] = {}
    perspectives = [p.value for p in Perspective]
    for project in portfolio.projects:
        if project.out_of_play:
            continue
        outcome = outcomes.get(project.id)
        decided = SELECTED if outcome is not None and outcome.selected else DEFERRED
        main = dominant_perspective(portfolio, project)
        fte = sum(sum(row) for row in demand_profile(portfolio, project).values()) / FTE_UNITS
        for name, part in perspective_scores(portfolio, project).items():
            table.setdefault((name, decided), [0.0, 0.0, 0.0, 0.0])[0] += part
        if main is not None:
            cell = table.setdefault((main, decided), [0.0, 0.0, 0.0, 0.0])
            cell[1] += 1
            cell[2] += project.cost
            cell[3] += fte
    for name in perspectives:
        for decided in (SELECTED, DEFERRED):
            score, count, cost, fte = table.get((name, decided), [0.0, 0.0, 0.0, 0.0])
            rows.append([name, decided, round(score, 3), int(count), cost, round(fte, 2)])
    return Grid(schema.SCORECARD.name, [c.header for c in schema.SCORECARD.columns], rows)


def run_messages(portfolio: Portfolio, result: Result) -> list[Message]:
    """What a run says besides the input messages, in the words of both the Messages sheet and
    the console: a plan's summary, or why there is none and the rules in conflict; then the
    run's notes."""
    if result.status.has_plan:
        lines = [Message(None, None, summary_text(portfolio, result), Severity.INFO)]
    elif result.status is SolveStatus.INVALID_INPUT:
        lines = []  # the input errors say it all
    elif result.status is SolveStatus.INFEASIBLE:
        lines = [
            Message(
                None,
                None,
                "No plan: the rules cannot all hold. These conflict; relax one of them "
                "(the plan on Portfolio is the last one that was found).",
            )
        ]
        lines += [Message(None, None, f"Conflict: {text}") for text in result.conflicts]
    else:
        lines = [Message(None, None, f"No plan: {result.status.value}.")]
    lines += [Message(None, None, text, Severity.INFO) for text in result.notes]
    return lines


def summary_text(portfolio: Portfolio, result: Result) -> str:
    """`Plan: optimal; objective 139.9 (value); gap 0.0%; 30 of 43 projects in play selected;
    2 changes since the last plan (1 in, 1 moved): see Changes`."""
    in_play = sum(1 for p in portfolio.projects if not p.out_of_play)
    parts = [f"Plan: {result.status.value}"]
    if result.objective is not None:
        parts.append(f"objective {result.objective:g} ({result.objective_name})")
    if result.gap is not None:
        parts.append(f"gap {result.gap:.1%}{bound_from(result)}")
    parts.append(f"{len(result.selected)} of {in_play} projects in play selected")
    parts.append(changes_text(result))
    return "; ".join(parts)


def bound_from(result: Result) -> str:
    """` (bound from HiGHS's MIP (time-indexed))`: what proves the bound, when a solver does."""
    if result.bound_source in (None, "optimal"):
        return ""
    return f" (bound from {BOUND_SOURCES.get(result.bound_source, result.bound_source)})"


def changes_text(result: Result) -> str:
    """How the plan changed since the baseline, in a few words."""
    if result.baseline_size is None:
        return "no earlier plan to compare with (this one is the next run's baseline)"
    steady = ""
    if result.stability_points > 0:
        steady = f" (Stability: {result.stability_points:.2g} points per change)"
    if not result.changes:
        return f"no change since the last plan{steady}"
    counts = Counter(c.kind for c in result.changes)
    kinds = ", ".join(f"{counts[k]} {k.value.lower()}" for k in ChangeKind if counts[k])
    return f"{len(result.changes)} change(s) since the last plan ({kinds}){steady}: see Changes"


def changes_grid(
    portfolio: Portfolio,
    result: Result,
    locations: Mapping[tuple[str, object, object], str] | None = None,
) -> Grid:
    """Changes: projects in, out or moved since the baseline, with the input change behind
    each and the cell it is in."""
    locations = locations or {}
    names = {p.id: p.name for p in portfolio.projects}
    rows: list[list[CellValue]] = []
    for change in result.changes:
        where = [w for c in change.causes if (w := _where(locations, c.key))]
        rows.append(
            [
                change.kind.value,
                change.project_id,
                names.get(change.project_id, ""),
                _month(change.before),
                _month(change.after),
                "; ".join(c.text for c in change.causes),
                ", ".join(dict.fromkeys(where)) or None,
            ]
        )
    if not rows:
        rows.append([None, None, None, None, None, changes_text(result), None])
    return Grid(schema.CHANGES.name, [c.header for c in schema.CHANGES.columns], rows)


def _where(locations: Mapping[tuple[str, object, object], str], key) -> str | None:
    if key is None:
        return None
    entity, index, field_name = key
    return locations.get((entity, index, field_name)) or locations.get((entity, index, None))


def messages_grid(messages: Iterable[Message], result: Result | None = None) -> Grid:
    """Messages: what the run says first (`run_messages`), then input problems and warnings,
    each located; with `result`, its conflicts and notes after them (for callers that do not
    pass `run_messages`)."""
    rows: list[list[CellValue]] = []
    for message in messages:
        rows.append([str(message.severity), message.sheet, message.cell, message.message])
    if result is not None:
        rows += [["Error", None, None, f"Conflict: {text}"] for text in result.conflicts]
        rows += [[Severity.INFO.value, None, None, text] for text in result.notes]
    if not rows:
        rows.append([Severity.INFO.value, None, None, "No problems found in the inputs."])
    return Grid(schema.MESSAGES.name, [c.header for c in schema.MESSAGES.columns], rows)


def settings_text(portfolio: Portfolio, result: Result | None = None) -> str:
    """The settings a run used, in one line."""
    s = portfolio.settings
    objective = result.objective_name if result is not None else s.objective.value
    return (
        f"objective={objective}; plan {month_text(s.plan_start)} for {s.horizon} months; "
        f"time limit {s.time_limit:g} s; seed {s.random_seed}"
        + ("; reproducible (limits count work done)" if s.reproducible else "")
        + (f"; bound from {BOUND_SOURCES[source]}" if (source := _source(result)) else "")
    )


def _source(result: Result | None) -> str | None:
    """The Run log's word on what proves the bound (nothing when proven optimal)."""
    if result is None or result.bound_source in (None, "optimal"):
        return None
    return result.bound_source if result.bound_source in BOUND_SOURCES else None


def run_log_grid(
    portfolio: Portfolio,
    result: Result,
    *,
    run_at: datetime | None = None,
    settings: str | None = None,
) -> Grid:
    """Run log: one new row for this run, appended below the earlier ones."""
    run_at = run_at or datetime.now().replace(microsecond=0)
    row: list[CellValue] = [
        run_at.isoformat(sep=" "),
        result.status.value,
        result.strategy,
        _number(result.objective),
        _number(result.bound),
        _number(result.gap),
        round(result.wall_time, 2),
        len(result.selected),
        settings or settings_text(portfolio, result),
        portfolio_checksum(portfolio),
    ]
    return Grid(schema.RUN_LOG.name, [c.header for c in schema.RUN_LOG.columns], [row], append=True)


def result_grids(
    portfolio: Portfolio,
    result: Result,
    messages: Iterable[Message] = (),
    details: Mapping[str, Mapping[str, object]] | None = None,
    *,
    run_at: datetime | None = None,
    settings: str | None = None,
    locations: Mapping[tuple[str, object, object], str] | None = None,
) -> list[Grid]:
    """Every output sheet for a finished run; `messages` are all the Messages sheet lists
    (`run_messages` first, then the input's); `locations` name the cells of input changes."""
    grids = [messages_grid(messages)]
    if result.status.has_plan:
        grids = [
            portfolio_grid(portfolio, result, details),
            schedule_grid(portfolio, result),
            utilisation_grid(portfolio, result),
            *grids,
            hiring_plan_grid(portfolio, result),
            shortfall_grid(portfolio, result),
            balance_grid(portfolio, result),
            scorecard_grid(portfolio, result),
            changes_grid(portfolio, result, locations),
        ]
    return [*grids, run_log_grid(portfolio, result, run_at=run_at, settings=settings)]


def frontier_grid(points: Sequence[FrontierPoint]) -> Grid:
    """Frontier: one row per budget level, lowest first."""
    rows: list[list[CellValue]] = []
    for point in points:
        rows.append(
            [
                point.budget_scale,
                round(point.budget, 2),
                _number(point.value),
                _number(point.bound),
                _number(point.gap),
                point.status,
                _number(point.value) if point.proven else None,
                len(point.starts),
                ", ".join(point.entered),
                point.note,
            ]
        )
    return Grid(schema.FRONTIER.name, [c.header for c in schema.FRONTIER.columns], rows)


def result_json(portfolio: Portfolio, result: Result) -> dict:
    """The result as the `--json` file: status, numbers, projects and utilisation."""
    outcomes = _outcomes(result)
    projects = []
    for project in portfolio.projects:
        outcome = outcomes.get(project.id)
        chosen = outcome if outcome is not None and outcome.selected else None
        projects.append(
            {
                "id": project.id,
                "selected": chosen is not None,
                "start": _month(chosen.start) if chosen is not None else None,
                "finish": _month(chosen.finish) if chosen is not None else None,
                "score": round(outcome.score, 6) if outcome else None,
                "reason": outcome.reason if outcome else "",
                "manager": outcome.manager if outcome else project.manager,
                "why": reason_json(outcome.why) if outcome and outcome.why else None,
            }
        )
    return {
        "status": result.status.value,
        "objective": _number(result.objective),
        "bound": _number(result.bound),
        "gap": _number(result.gap),
        "bound_source": result.bound_source,
        "wall_time_s": round(result.wall_time, 3),
        "phases_s": {name: round(seconds, 3) for name, seconds in result.phases},
        "notes": list(result.notes),
        "baseline": None
        if result.baseline_size is None
        else {"projects": result.baseline_size, "points_per_change": result.stability_points},
        "changes": [
            {
                "id": c.project_id,
                "change": c.kind.value,
                "was": _month(c.before),
                "now": _month(c.after),
                "causes": [c2.text for c2 in c.causes],
            }
            for c in result.changes
        ],
        "projects": projects,
        "utilisation": [
            {
                "role": u.role,
                "month": month_text(u.month),
                "demand": round(u.demand, 6),
                "capacity": round(u.capacity, 6),
            }
            for u in result.utilisation
        ],
        "hiring": [
            {
                "role": h.role,
                "option": h.option,
                "from": month_text(h.first),
                "to": month_text(h.last),
                "units": h.units,
                "cost": h.cost,
            }
            for h in result.hiring
        ],
        "balance": [
            {
                "dimension": rule.dimension,
                "value": rule.value,
                "measure": rule.measure.value,
                "min_share": rule.min_share,
                "max_share": rule.max_share,
                "share": None if share is None else round(share, 6),
            }
            for rule, share in shares(portfolio, [o.project_id for o in result.selected])
        ],
        "shortfall": [
            {
                "role": c.role,
                "month": month_text(c.month),
                "fte": round(c.fte, 6),
                "score": c.score,
                "projects": list(c.projects),
            }
            for c in result.shortfall
        ],
    }
