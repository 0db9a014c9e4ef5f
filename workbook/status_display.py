"""`pmo status` in the terminal: the Dashboard's figures as rich tables."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console
from rich.table import Table
from rich.text import Text

from engine.delivery.dashboard import Dashboard
from engine.delivery.raid import risk_score
from engine.delivery.status import StatusFigures
from engine.evm import Rag
from engine.months import month_text

RAG_STYLES = {Rag.GREEN: "bold green", Rag.AMBER: "bold yellow", Rag.RED: "bold red"}


def _rag(value: Rag | None) -> Text:
    return Text("") if value is None else Text(value.value, style=RAG_STYLES[value])


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def render_status(console: Console, book: str, board: Dashboard, names: Mapping[str, str]) -> None:
    """Print the key figures, the latest status and the lists a PMO meets about."""
    key = board.key
    figures = Table(title=f"{book}: delivery as of {key.as_of.isoformat()}", show_header=False)
    for label, value in (
        ("Projects in flight", str(key.in_flight)),
        ("Projects in the plan", f"{key.selected} of {key.in_play} in play"),
        ("Overdue actions", str(key.overdue_actions)),
        ("Overdue RAID entries", str(key.overdue_entries)),
        ("Pending gate decisions", str(key.pending_gates)),
        ("Open risks / issues", f"{key.open_risks} / {key.open_issues}"),
        ("Budget at completion", _money(key.bac)),
        ("Estimate at completion", _money(key.eac)),
        ("Variance at completion", _money(key.vac)),
    ):
        figures.add_row(label, value)
    console.print(figures)
    console.print(_latest_table("Latest status", board.latest, names))
    if board.worst_spi:
        console.print(_worst_table("Worst SPI", board.worst_spi, names))
    if board.worst_cpi:
        console.print(_worst_table("Worst CPI", board.worst_cpi, names))
    _risks(console, board)
    _gates_and_overdue(console, board)
    _plan(console, board)


def _latest_table(title: str, rows: list[StatusFigures], names: Mapping[str, str]) -> Table:
    table = Table(title=title)
    table.add_column("ID", no_wrap=True)
    table.add_column("Name", max_width=24, overflow="ellipsis", no_wrap=True)
    table.add_column("Period", no_wrap=True)
    for header in ("Done", "SPI", "CPI", "EAC", "VAC"):
        table.add_column(header, justify="right", no_wrap=True)
    for header in ("Schedule", "Cost", "Overall"):
        table.add_column(header, no_wrap=True)
    for f in rows:
        pct = f.report.percent_complete
        table.add_row(
            f.project_id,
            names.get(f.project_id, ""),
            month_text(f.report.period),
            "" if pct is None else f"{pct:.0%}",
            _ratio(f.spi),
            _ratio(f.cpi),
            _money(f.eac),
            _money(f.vac),
            _rag(f.schedule_rag),
            _rag(f.cost_rag),
            _rag(f.overall_rag),
        )
    return table


def _worst_table(title: str, rows: list[StatusFigures], names: Mapping[str, str]) -> Table:
    table = Table(title=title)
    table.add_column("ID", no_wrap=True)
    table.add_column("Name", max_width=30, overflow="ellipsis", no_wrap=True)
    for header in ("SPI", "CPI"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("Overall", no_wrap=True)
    for f in rows:
        table.add_row(
            f.project_id,
            names.get(f.project_id, ""),
            _ratio(f.spi),
            _ratio(f.cpi),
            _rag(f.overall_rag),
        )
    return table


def _risks(console: Console, board: Dashboard) -> None:
    if not board.top_risks:
        return
    table = Table(title="Open risks by score")
    for header in ("ID", "Project", "Title", "Owner", "P", "I", "Score"):
        table.add_column(header)
    for r in board.top_risks:
        score = risk_score(r)
        table.add_row(
            r.id,
            r.project_id,
            r.title,
            r.owner,
            "" if r.probability is None else str(r.probability),
            "" if r.impact is None else str(r.impact),
            "" if score is None else str(score),
        )
    console.print(table)


def _gates_and_overdue(console: Console, board: Dashboard) -> None:
    if board.overdue:
        table = Table(title="Overdue RAID entries")
        for header in ("ID", "Type", "Project", "Title", "Owner", "Due"):
            table.add_column(header)
        for i in board.overdue:
            due = i.due.isoformat() if i.due else ""
            table.add_row(i.id, i.type.value, i.project_id, i.title, i.owner, due)
        console.print(table)
    if board.pending:
        table = Table(title="Pending gate decisions")
        for header in ("ID", "Gate", "Date", "Reviewer"):
            table.add_column(header)
        for g in board.pending:
            table.add_row(g.project_id, g.gate, g.date.isoformat() if g.date else "", g.reviewer)
        console.print(table)


def _plan(console: Console, board: Dashboard) -> None:
    spend = Table(title="Spend per year against budget")
    for header in ("Year", "Budget", "Planned spend"):
        spend.add_column(header, justify="right")
    for s in board.spend:
        spend.add_row(str(s.year), _money(s.budget), _money(s.planned))
    console.print(spend)
    load = Table(title="Load by role")
    for header in ("Role", "Average load", "Peak load"):
        load.add_column(header, justify="left" if header == "Role" else "right")
    for r in board.load:
        load.add_row(r.role, _share(r.average), _share(r.peak))
    console.print(load)
