"""The delivery views as grids: blocks at their fixed rows, cut to size, live cells with values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from engine.delivery.dashboard import commitments, dashboard
from engine.delivery.records import RaidItem, RaidType
from workbook.book import schema
from workbook.book.grids import Formula
from workbook.book.sample import sample_delivery, sample_details, sample_portfolio
from workbook.book.views import dashboard_canvas, dashboard_grid, departments, latest_status_grid


def _board(**changes):
    portfolio = sample_portfolio()
    delivery = replace(sample_delivery(), **changes)
    return dashboard(portfolio, delivery, commitments(portfolio), departments(sample_details()))


def test_every_block_sits_at_its_row_with_its_header():
    canvas = dashboard_canvas(_board())
    for block in schema.DASHBOARD_BLOCKS:
        assert canvas[(block.row, 1)] == block.title
        header = [canvas.get((block.row + 1, c)) for c in range(1, len(block.header) + 1)]
        assert [str(h) for h in header] == list(block.header)
    grid = dashboard_grid(_board())
    assert grid.header[0] == "Key figures"
    assert grid.rows[schema.dashboard_block("Worst SPI").first - schema.HEADER_ROW - 1][0] == (
        "P-103"
    )


def test_a_long_list_is_cut_to_its_block_and_says_how_many_more():
    many = tuple(
        RaidItem(RaidType.RISK, f"R-{i:02d}", "P-101", f"Risk {i}", probability=3, impact=3)
        for i in range(12)
    )
    canvas = dashboard_canvas(_board(raid=many))
    block = schema.dashboard_block("Open risks by score")
    assert canvas[(block.row, 1)] == "Open risks by score (first 10; 2 more)"
    assert (block.last + 1, 1) not in canvas


def test_live_cells_are_formulas_that_carry_the_engine_value():
    board = _board()
    key = schema.dashboard_block("Key figures")
    canvas = dashboard_canvas(board)
    figures = {canvas[(r, 1)]: canvas[(r, 2)] for r in range(key.first, key.last + 1)}
    overdue = figures["Overdue actions"]
    assert isinstance(overdue, Formula) and overdue.value == board.key.overdue_actions == 1
    assert isinstance(figures["Projects in flight"], int)  # the engine's: gates count
    as_of = figures["As of"]
    assert (
        isinstance(as_of, Formula) and as_of.value == (date(2027, 3, 31) - date(1899, 12, 30)).days
    )
    latest = latest_status_grid(board.latest, {"P-101": "ERP"})
    first = dict(zip(latest.header, latest.rows[0], strict=True))
    assert first["ID"] == "P-101" and first["Name"].value == "ERP"
    assert first["SPI"].value == board.latest[0].spi and first["SPI"].startswith("=IFERROR(")
