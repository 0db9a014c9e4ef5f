"""What the two delivery views say: Latest status (live lookups, one row per project) and the
Dashboard (blocks of figures at fixed places, so its charts always point at the right cells).

The rows come from `engine.delivery.dashboard`; cells that stay live in the workbook are
`Formula` cells carrying the engine's value, so a fresh workbook shows the right numbers even
before anything recalculates it, and a test can check that the formulas agree with the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from engine.delivery.dashboard import Dashboard, Split, risk_label
from engine.delivery.raid import risk_score
from engine.delivery.status import StatusFigures
from engine.evm import Rag
from engine.gates import SCORE_SCALE
from engine.months import month_text
from workbook.book import schema
from workbook.book.grids import CellValue, Formula, Grid

LOW, HIGH = SCORE_SCALE
Canvas = dict[tuple[int, int], CellValue]  # (1-based row, column) -> value


EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's (1900) date serials


def _excel_date(value: date) -> str:
    return value.isoformat()


def excel_serial(value: date) -> int:
    """The date as Excel stores it: days since 1899-12-30."""
    return (value - EXCEL_EPOCH).days


def month_serial(month_number: int) -> int:
    """The Excel serial of the first day of a month."""
    year, index = divmod(month_number, 12)
    return excel_serial(date(year, index + 1, 1))


def _colour(value: Rag | None) -> str | None:
    return None if value is None else value.value


def departments(details: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    """{project ID: department} from the optional Intake column."""
    found = {}
    for project_id, extra in details.items():
        department = extra.get("Department")
        if department is not None and str(department).strip():
            found[project_id] = str(department).strip()
    return found


# --- Latest status -----------------------------------------------------------------------------


def latest_values(figures: StatusFigures, name: str) -> CellValue:
    """What the Latest status column `header` shows for a project's latest status row."""
    report = figures.report
    values: dict[str, CellValue] = {
        "ID": report.project_id,
        "Period": month_serial(report.period),
        "% complete": report.percent_complete,
        "Planned value": figures.pv,
        "Earned value": figures.ev,
        "Actual cost": report.actual_cost,
        "SPI": figures.spi,
        "CPI": figures.cpi,
        "EAC": figures.eac,
        "VAC": figures.vac,
        "Schedule RAG": _colour(figures.schedule_rag),
        "Cost RAG": _colour(figures.cost_rag),
        "Overall RAG": _colour(figures.overall_rag),
        "Commentary": report.commentary or None,
        "Next steps": report.next_steps or None,
    }
    return values.get(name)


def latest_status_grid(latest: list[StatusFigures], names: dict[str, str] | None = None) -> Grid:
    """Latest status: each project's ID, the rest live lookups into Status."""
    spec = schema.LATEST_STATUS
    names = names or {}
    rows: list[list[CellValue]] = []
    for figures in latest:
        row: list[CellValue] = []
        for column in spec.columns:
            if column.formula is None:
                row.append(figures.project_id)
                continue
            value = (
                names.get(figures.project_id)
                if column.header == "Name"
                else latest_values(figures, column.header)
            )
            row.append(Formula(column.formula, value))
        rows.append(row)
    return Grid(spec.name, [c.header for c in spec.columns], rows)


# --- Dashboard ---------------------------------------------------------------------------------


def _put(canvas: Canvas, row: int, values: list[CellValue], column: int = 1) -> None:
    for offset, value in enumerate(values):
        if value is not None:
            canvas[(row, column + offset)] = value


def _block(canvas: Canvas, title: str, rows: list[list[CellValue]], more: int = 0) -> None:
    """A block's title, header and rows (cut to its size; `more` says how many were left)."""
    block = schema.dashboard_block(title)
    _put(canvas, block.row, [block.title])
    # a header that is a number (the heat map's impacts) is written as one
    _put(canvas, block.row + 1, [int(h) if h.isdigit() else h for h in block.header])
    shown = rows if block.rows == 0 else rows[: block.rows]
    for offset, values in enumerate(shown):
        _put(canvas, block.first + offset, values)
    left = more + len(rows) - len(shown)
    if left > 0:
        _put(canvas, block.row, [f"{block.title} (first {len(shown)}; {left} more)"])


def key_figures(board: Dashboard) -> list[list[CellValue]]:
    """Figure and value of each key figure; counts that follow the sheets live are formulas."""
    key = board.key
    as_of = Formula("=PMO_AsOf", excel_serial(key.as_of))
    rag = "tblRAID"
    return [
        ["As of", as_of],
        ["Projects in flight", key.in_flight],
        ["Projects in the plan", key.selected],
        ["Projects in play", key.in_play],
        [
            "Overdue actions",
            Formula(
                f'=COUNTIFS({rag}[Type],"Action",{rag}[Status],"<>Closed",{rag}[Due],"<"&PMO_AsOf)',
                key.overdue_actions,
            ),
        ],
        [
            "Overdue RAID entries",
            Formula(
                f'=COUNTIFS({rag}[Status],"<>Closed",{rag}[Due],"<"&PMO_AsOf)', key.overdue_entries
            ),
        ],
        [
            "Pending gate decisions",
            Formula('=COUNTIFS(tblGates[Date],"<>",tblGates[Decision],"")', key.pending_gates),
        ],
        [
            "Open risks",
            Formula(f'=COUNTIFS({rag}[Type],"Risk",{rag}[Status],"<>Closed")', key.open_risks),
        ],
        [
            "Open issues",
            Formula(f'=COUNTIFS({rag}[Type],"Issue",{rag}[Status],"<>Closed")', key.open_issues),
        ],
        [
            "Budget at completion",
            Formula(
                "=SUMPRODUCT(SUMIF(tblIntake[ID],tblLatestStatus[ID],tblIntake[Cost]))", key.bac
            ),
        ],
        ["Estimate at completion", Formula("=SUM(tblLatestStatus[EAC])", key.eac)],
        ["Variance at completion", Formula("=SUM(tblLatestStatus[VAC])", key.vac)],
    ]


def _rag_rows(board: Dashboard) -> list[list[CellValue]]:
    block = schema.dashboard_block("RAG of the latest status")
    columns = {"Schedule": "Schedule RAG", "Cost": "Cost RAG", "Overall": "Overall RAG"}
    rows: list[list[CellValue]] = []
    for offset, colour in enumerate(Rag):
        label_cell = f"$A${block.first + offset}"
        row: list[CellValue] = [colour.value]
        for name in block.header[1:]:
            formula = f"=COUNTIF(tblLatestStatus[{columns[name]}],{label_cell})"
            row.append(Formula(formula, board.rag_counts[name][colour]))
        rows.append(row)
    return rows


def _worst_rows(figures: list[StatusFigures], names: dict[str, str]) -> list[list[CellValue]]:
    return [
        [f.project_id, names.get(f.project_id, ""), f.spi, f.cpi, _colour(f.overall_rag)]
        for f in figures
    ]


def _heat_rows(board: Dashboard) -> list[list[CellValue]]:
    rows: list[list[CellValue]] = []
    for offset, probability in enumerate(range(HIGH, LOW - 1, -1)):
        row: list[CellValue] = [probability]
        for impact in range(LOW, HIGH + 1):
            count = board.heat_map[offset][impact - LOW]
            row.append(Formula(schema.heat_map_formula(probability, impact), count))
        rows.append(row)
    return rows


def _split_rows(splits: list[Split]) -> list[list[CellValue]]:
    return [[s.label, s.selected, s.deferred] for s in splits]


def dashboard_canvas(board: Dashboard, names: dict[str, str] | None = None) -> Canvas:
    """Every cell of the Dashboard, block by block."""
    names = names or {}
    canvas: Canvas = {}
    _block(canvas, "Key figures", key_figures(board))
    _block(canvas, "RAG of the latest status", _rag_rows(board))
    _block(canvas, "Worst SPI", _worst_rows(board.worst_spi, names))
    _block(canvas, "Worst CPI", _worst_rows(board.worst_cpi, names))
    _block(
        canvas,
        "Open risks by score",
        [
            [risk_label(r), r.project_id or None, risk_score(r), r.owner or None]
            for r in board.top_risks
        ],
        more=board.key.open_risks - len(board.top_risks),
    )
    _block(canvas, "Heat map of open risks", _heat_rows(board))
    _block(
        canvas,
        "Pending gate decisions",
        [
            [g.project_id, g.gate, _excel_date(g.date) if g.date else None, g.reviewer or None]
            for g in board.pending
        ],
    )
    _block(
        canvas,
        "Overdue RAID entries",
        [
            [
                i.id,
                i.type.value,
                i.project_id or None,
                i.title,
                _excel_date(i.due) if i.due else None,
            ]
            for i in board.overdue
        ],
    )
    _block(
        canvas,
        "Spend per year against budget",
        [[str(s.year), s.budget, round(s.planned, 2)] for s in board.spend],
    )
    _block(
        canvas,
        "Load by role",
        [[r.role, _rounded(r.average), _rounded(r.peak)] for r in board.load],
    )
    _block(canvas, "Portfolio by perspective", _split_rows(board.perspectives))
    _block(canvas, "Portfolio by department", _split_rows(board.departments))
    _block(
        canvas,
        "Value against cost",
        [
            [
                v.project_id,
                v.name,
                v.cost,
                v.score if v.selected else None,
                None if v.selected else v.score,
            ]
            for v in board.value
        ],
    )
    return canvas


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def dashboard_grid(board: Dashboard, names: dict[str, str] | None = None) -> Grid:
    """The Dashboard as a grid from its first block's title row down."""
    canvas = dashboard_canvas(board, names)
    top = schema.DASHBOARD.header_row
    last_row = max(r for r, _ in canvas)
    width = max(c for _, c in canvas)
    lines = [[canvas.get((r, c)) for c in range(1, width + 1)] for r in range(top, last_row + 1)]
    header = ["" if v is None else str(v) for v in lines[0]]
    return Grid(schema.DASHBOARD.name, header, lines[1:])


# --- The same figures as JSON (`pmo status --json`) --------------------------------------------


def _status_json(f: StatusFigures, names: Mapping[str, str]) -> dict[str, object]:
    report = f.report
    return {
        "id": f.project_id,
        "name": names.get(f.project_id, ""),
        "period": month_text(report.period),
        "percent_complete": report.percent_complete,
        "actual_cost": report.actual_cost,
        "planned_value": f.pv,
        "earned_value": f.ev,
        "spi": f.spi,
        "cpi": f.cpi,
        "eac": f.eac,
        "vac": f.vac,
        "schedule_rag": _colour(f.schedule_rag),
        "cost_rag": _colour(f.cost_rag),
        "overall_rag": _colour(f.overall_rag),
        "commentary": report.commentary,
        "next_steps": report.next_steps,
    }


def status_json(board: Dashboard, names: Mapping[str, str] | None = None) -> dict[str, object]:
    """The Dashboard's figures as plain data, for `pmo status --json`."""
    names = names or {}
    key = board.key
    return {
        "as_of": key.as_of.isoformat(),
        "key_figures": {
            "projects_in_flight": key.in_flight,
            "projects_in_plan": key.selected,
            "projects_in_play": key.in_play,
            "overdue_actions": key.overdue_actions,
            "overdue_raid_entries": key.overdue_entries,
            "pending_gate_decisions": key.pending_gates,
            "open_risks": key.open_risks,
            "open_issues": key.open_issues,
            "budget_at_completion": key.bac,
            "estimate_at_completion": key.eac,
            "variance_at_completion": key.vac,
        },
        "latest_status": [_status_json(f, names) for f in board.latest],
        "rag_counts": {
            measure: {colour.value: count for colour, count in counts.items()}
            for measure, counts in board.rag_counts.items()
        },
        "worst_spi": [_status_json(f, names) for f in board.worst_spi],
        "worst_cpi": [_status_json(f, names) for f in board.worst_cpi],
        "open_risks_by_score": [
            {
                "id": r.id,
                "project": r.project_id,
                "title": r.title,
                "owner": r.owner,
                "probability": r.probability,
                "impact": r.impact,
                "score": risk_score(r),
            }
            for r in board.top_risks
        ],
        "heat_map": {
            "probabilities": list(range(HIGH, LOW - 1, -1)),
            "impacts": list(range(LOW, HIGH + 1)),
            "counts": board.heat_map,
        },
        "pending_gate_decisions": [
            {
                "id": g.project_id,
                "gate": g.gate,
                "date": g.date.isoformat() if g.date else None,
                "reviewer": g.reviewer,
            }
            for g in board.pending
        ],
        "overdue_raid_entries": [
            {
                "id": i.id,
                "type": i.type.value,
                "project": i.project_id,
                "title": i.title,
                "owner": i.owner,
                "due": i.due.isoformat() if i.due else None,
            }
            for i in board.overdue
        ],
        "spend_per_year": [
            {"year": s.year, "budget": s.budget, "planned": s.planned} for s in board.spend
        ],
        "load_by_role": [
            {"role": r.role, "average": r.average, "peak": r.peak} for r in board.load
        ],
        "value_against_cost": [
            {
                "id": v.project_id,
                "name": v.name,
                "cost": v.cost,
                "score": v.score,
                "selected": v.selected,
            }
            for v in board.value
        ],
        "portfolio_by_perspective": [
            {"perspective": s.label, "selected": s.selected, "deferred": s.deferred}
            for s in board.perspectives
        ],
        "portfolio_by_department": [
            {"department": s.label, "selected": s.selected, "deferred": s.deferred}
            for s in board.departments
        ],
    }
