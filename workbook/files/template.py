"""Build `PMO_Portfolio.xlsm` from the schema: tables, validations, formats, buttons, VBA, ribbon.

`python -m workbook.files.template` rewrites the committed `workbook/PMO_Portfolio.xlsm` (and the
generated `docs/workbook.md`); `pmo new PATH` writes a copy anywhere.
"""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from engine.model import Portfolio
from engine.months import month_text
from engine.validation import Severity
from workbook.book import schema
from workbook.book.schema import SCORING_HELPER_ROWS, ColType, Column, Role, Sheet
from workbook.files.atomic import replacing

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "PMO_Portfolio.xlsm"
TITLE_ROW = 0  # 0-based rows as XlsxWriter counts
HEADER_ROW = schema.HEADER_ROW - 1  # every table's header row (Scoring: below its lookup block)
SCORING_HEADER_ROW = schema.SCORING_HEADER_ROW - 1
SPARE_ROWS = 500  # validations reach this far below the data, ready for new rows
OUTPUT_GRID_ROWS = 1000  # conditional formats of the output grids cover this many rows
OUTPUT_MONTHS = 120  # and this many month columns

INPUT_FILL = "#FFF8DC"
INPUT_FONT = "#1F3864"
COMPUTED_FILL = "#EDEDED"
COMPUTED_FONT = "#404040"
TITLE_FONT = "#1F3864"


def sheet_header_row(item: Sheet) -> int:
    """0-based row of a sheet's header in the template."""
    return item.header_row - 1


def score_formula(criteria: list[str]) -> str:
    """The Scoring sheet's weighted-score formula over the criterion columns.

    sum(weight * s') / sum(weight) with s' = min + max - s when lower is better, using
    SUMPRODUCT only (no array entry), the lookup block above the table supplying each
    column's weight, direction, min and max.
    """
    first = 2  # columns A (ID) and B (Name) come first
    last = first + len(criteria) - 1
    helper = {name: HEADER_ROW + i for i, name in enumerate(SCORING_HELPER_ROWS)}

    def band(name: str) -> str:
        row = helper[name]
        return (
            f"{xl_rowcol_to_cell(row, first, True, True)}:"
            f"{xl_rowcol_to_cell(row, last, True, True)}"
        )

    this_row = f"tblScoring[[#This Row],[{_escape(criteria[0])}]:[{_escape(criteria[-1])}]]"
    weights, directions, mins, maxs = (band(n) for n in SCORING_HELPER_ROWS)
    return (
        f'=IF(COUNT({this_row})=0,"",SUMPRODUCT({weights},{this_row}+'
        f'({directions}="Lower is better")*({mins}+{maxs}-2*{this_row}))/SUM({weights}))'
    )


def _escape(header: str) -> str:
    # structured references escape these characters with an apostrophe
    return "".join("'" + ch if ch in "[]#'" else ch for ch in header)


class _Formats:
    """The workbook's cell formats, created once."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self._cache: dict[tuple, object] = {}
        self.title = book.add_format({"bold": True, "font_size": 16, "font_color": TITLE_FONT})
        self.subtitle = book.add_format({"italic": True, "font_color": "#595959"})
        self.bold = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.helper_label = book.add_format(
            {"bold": True, "bg_color": COMPUTED_FILL, "font_color": COMPUTED_FONT}
        )
        self.button_note = book.add_format({"font_color": "#595959", "italic": True})
        self.grid_header = book.add_format({"bold": True, "bg_color": "#D9E1F2", "bottom": 1})

    def cell(self, column: Column | None, *, computed: bool = False) -> object:
        """The format of data cells of a column: input look or computed look."""
        is_computed = computed or (column is not None and column.computed)
        number_format = column.number_format if column is not None else None
        key = (is_computed, number_format)
        if key not in self._cache:
            spec: dict[str, object] = (
                {"bg_color": COMPUTED_FILL, "font_color": COMPUTED_FONT}
                if is_computed
                else {"bg_color": INPUT_FILL, "font_color": INPUT_FONT}
            )
            if number_format:
                spec["num_format"] = number_format
            self._cache[key] = self.book.add_format(spec)
        return self._cache[key]

    def number(self, number_format: str, *, computed: bool = False) -> object:
        """A computed or input format with a number format."""
        return self.cell(Column("", None, number_format=number_format), computed=computed)

    def fill(self, colour: str, font: str | None = None, bold: bool = False) -> object:
        """A conditional-format style."""
        key = ("fill", colour, font, bold)
        if key not in self._cache:
            spec: dict[str, object] = {"bg_color": colour}
            if font:
                spec["font_color"] = font
            if bold:
                spec["bold"] = True
            self._cache[key] = self.book.add_format(spec)
        return self._cache[key]


def build_workbook(
    path: str | os.PathLike[str],
    portfolio: Portfolio | None = None,
    details: dict[str, dict[str, str]] | None = None,
    *,
    empty: bool = False,
) -> Path:
    """Write the template workbook to `path` (an .xlsm), filled with `portfolio`.

    Without a portfolio the sample is used; `empty=True` keeps settings, criteria, roles
    and budget but no projects. The file is written next to its target first, then moved
    into place, so a failure leaves no half-written workbook.
    """
    from workbook.book import sample

    target = Path(path)
    if portfolio is None:
        portfolio = sample.sample_portfolio()
        details = sample.sample_details()
    if empty:
        portfolio = Portfolio(
            settings=portfolio.settings,
            capacity=portfolio.capacity,
            criteria=portfolio.criteria,
            budget=portfolio.budget,
        )
    details = details or {}
    target.parent.mkdir(parents=True, exist_ok=True)
    with replacing(target) as temp:
        _write(temp, portfolio, details)
        _add_ribbon(temp)
    return target


def _write(path: Path, portfolio: Portfolio, details: dict[str, dict[str, str]]) -> None:
    book = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,  # user text such as "=1+1" stays text
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    # Fixed document properties so that two builds differ only where the content does.
    book.set_properties({"title": "PMO Portfolio", "subject": "Project portfolio office"})
    book.set_calc_mode("auto")
    fmt = _Formats(book)
    vba = _vba_project()
    if vba is not None:
        book.add_vba_project(io.BytesIO(vba), is_stream=True)
        book.set_vba_name("ThisWorkbook")
    criteria = [c.name for c in portfolio.criteria]
    months = [month_text(m) for m in portfolio.months]
    builders = {
        "Start": lambda ws: _start(ws, fmt, vba is not None),
        "Settings": lambda ws: _settings(ws, fmt, portfolio),
        "Criteria": lambda ws: _criteria(ws, fmt, portfolio),
        "Intake": lambda ws: _intake(ws, fmt, portfolio, details),
        "Scoring": lambda ws: _scoring(ws, fmt, portfolio, criteria),
        "Demand": lambda ws: _demand(ws, fmt, portfolio),
        "Capacity": lambda ws: _capacity(ws, fmt, portfolio, months),
        "Dependencies": lambda ws: _dependencies(ws, fmt, portfolio),
        "Budget": lambda ws: _budget(ws, fmt, portfolio),
        "Portfolio": lambda ws: _output_table(ws, fmt, schema.PORTFOLIO),
        "Schedule": lambda ws: _schedule(ws, fmt, months),
        "Utilisation": lambda ws: _utilisation(ws, fmt, months),
        "Messages": lambda ws: _messages(ws, fmt),
        "Run log": lambda ws: _output_table(ws, fmt, schema.RUN_LOG),
        "xlwings.conf": lambda ws: _xlwings_conf(ws, fmt),
        "Changes": lambda ws: _changes(ws, fmt),
    }
    for item in schema.SHEETS:
        worksheet = book.add_worksheet(item.name)
        builders[item.name](worksheet)
    for name, ref in schema.defined_names().items():
        book.define_name(name, ref)
    book.close()


def _vba_project() -> bytes | None:
    try:
        from workbook.files.macros.vbaproject import default_project
    except ImportError:  # the VBA writer is optional: the book then has buttons but no macros
        return None
    return default_project()


def _add_ribbon(path: Path) -> None:
    try:
        from workbook.files.macros.ribbon import add_ribbon
    except ImportError:
        return
    add_ribbon(path)


# --- Shared pieces -----------------------------------------------------------------------


def _title(ws, fmt: _Formats, item: Sheet) -> None:
    ws.write_string(TITLE_ROW, 0, item.name, fmt.title)
    ws.write_string(TITLE_ROW + 1, 0, item.description, fmt.subtitle)
    ws.set_row(TITLE_ROW, 24)


def _columns(item: Sheet, dynamic: list[Column]) -> list[Column]:
    """The sheet's columns with the dynamic ones (months, criteria) in their place."""
    fixed = list(item.columns)
    if item is schema.SCORING:
        return fixed[:2] + dynamic + fixed[2:]
    return fixed + dynamic


def _table(
    ws,
    fmt: _Formats,
    item: Sheet,
    columns: list[Column],
    rows: list[list],
    first_row: int = HEADER_ROW,
    formulas: dict[str, str] | None = None,
) -> None:
    """An Excel Table with the sheet's columns, widths, formats, validations and help."""
    formulas = formulas or {}
    data = rows or [[None] * len(columns)]
    last_row = first_row + len(data)
    spec_columns: list[dict[str, object]] = []
    for index, column in enumerate(columns):
        spec: dict[str, object] = {"header": column.header, "format": fmt.cell(column)}
        formula = formulas.get(column.header, column.formula)
        if formula:
            spec["formula"] = formula
        spec_columns.append(spec)
        ws.set_column(index, index, column.width)
    options: dict[str, object] = {
        "name": item.table,
        "columns": spec_columns,
        "style": "Table Style Light 9" if item.role is Role.INPUT else "Table Style Light 1",
    }
    if rows:
        options["data"] = [[_cell(v) for v in row] for row in data]
    ws.add_table(first_row, 0, last_row, len(columns) - 1, options)
    if not rows:  # XlsxWriter leaves the one empty row unformatted
        for index, column in enumerate(columns):
            if not (formulas.get(column.header) or column.formula):
                ws.write_blank(first_row + 1, index, None, fmt.cell(column))
    ws.freeze_panes(first_row + 1, 1 if item is not schema.SETTINGS_SHEET else 0)
    if item.role is Role.INPUT:
        _validations(ws, item, columns, first_row + 1, max(last_row, first_row + SPARE_ROWS))


def _cell(value):
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def _validations(ws, item: Sheet, columns: list[Column], first: int, last: int) -> None:
    """Dropdowns and number checks per column, each with the column's help as input message."""
    for index, column in enumerate(columns):
        if column.computed:
            continue
        spec = _validation(item, column)
        if column.help:
            spec["input_title"] = column.header[:32]
            spec["input_message"] = column.help[:255]
        ws.data_validation(first, index, last, index, spec)


def _validation(item: Sheet, column: Column) -> dict:
    error = {"error_title": f'"{column.header}"'[:32]}
    if column.allowed:
        return {
            "validate": "list",
            "source": list(column.allowed),
            **error,
            "error_message": f"Choose one of: {', '.join(column.allowed)}"[:255],
        }
    if item is schema.DEMAND and column.field == "role":
        return {
            "validate": "list",
            "source": "=PMO_Roles",
            **error,
            "error_message": "Choose a role from the Capacity sheet.",
        }
    if column.type is ColType.ID and item is not schema.INTAKE:
        return {
            "validate": "list",
            "source": "=PMO_ProjectIDs",
            **error,
            "error_message": "Choose a project ID from the Intake sheet.",
            "error_type": "warning",
        }
    if column.type is ColType.INT:
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            **error,
            "error_message": f"{column.header}: a whole number, 0 or more.",
        }
    if column.type is ColType.FLOAT:
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            **error,
            "error_message": f"{column.header}: a number, 0 or more.",
        }
    return {"validate": "any"}


def _month_cell(value: int | None):
    if value is None:
        return None
    year, index = divmod(value, 12)
    return date(year, index + 1, 1)


# --- Guide -------------------------------------------------------------------------------

STEPS = (
    ("Settings", "Set the plan start, horizon, objective and time limit."),
    ("Criteria", "Agree the scoring criteria and their weights (balanced scorecard)."),
    ("Intake", "List every project: status, mandatory, force, time window, duration, cost."),
    ("Scoring", "Score each project on each criterion; the weighted score updates live."),
    ("Demand", "Say which roles each project needs, how many FTE, in which of its months."),
    ("Capacity", "Enter the FTE each role has per month."),
    ("Dependencies", "Link projects: FS (with lag), Requires, Excludes, With."),
    ("Budget", "Enter the money available per year."),
    ("Check inputs", "Press the button (or run `pmo validate`); fix what Messages lists."),
    (
        "Re-optimise",
        "Press the button (or run `pmo optimise`): Portfolio, Schedule, "
        "Utilisation, Messages, Run log and Changes are rewritten; inputs are never touched. "
        "The plan on Portfolio is the next run's baseline, kept steady (Settings: Stability).",
    ),
)


def _start(ws, fmt: _Formats, has_macros: bool) -> None:
    ws.write_string(0, 0, "PMO Portfolio", fmt.title)
    ws.write_string(
        1,
        0,
        "Which projects do we start, when, with which people and money, and why not the others?",
        fmt.subtitle,
    )
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 90)
    ws.write_string(3, 1, "What to do, in order", fmt.bold)
    for number, (where, what) in enumerate(STEPS, start=1):
        row = 3 + number
        ws.write_number(row, 0, number)
        if where in {s.name for s in schema.SHEETS}:
            ws.write_url(row, 1, f"internal:'{where}'!A1", string=where)
        else:
            ws.write_string(row, 1, where, fmt.bold)
        ws.write_string(row, 2, what)
    row = 4 + len(STEPS) + 1
    ws.write_string(row, 1, "Colours", fmt.bold)
    ws.write_string(row + 1, 1, "Input", fmt.cell(None))
    ws.write_string(row + 1, 2, "Cells you type into.")
    ws.write_string(row + 2, 1, "Computed", fmt.cell(None, computed=True))
    ws.write_string(row + 2, 2, "Formulas and results; they are recalculated or rewritten.")
    row += 4
    ws.write_string(row, 1, "Sheets", fmt.bold)
    for offset, item in enumerate(s for s in schema.SHEETS if s is not schema.START):
        ws.write_url(row + 1 + offset, 1, f"internal:'{item.name}'!A1", string=item.name)
        ws.write_string(row + 1 + offset, 2, f"({item.role.value}) {item.description}")
    for index, (macro, caption, _what) in enumerate(schema.MACROS):
        ws.insert_button(
            3 + 2 * index, 4, {"macro": macro, "caption": caption, "width": 170, "height": 30}
        )
    ws.set_column(4, 4, 26)
    note = (
        "Buttons need macros enabled and Python with xlwings (see xlwings.conf). Without "
        "them, run `pmo optimise` on this file."
    )
    if not has_macros:
        note = "This copy was built without its VBA project: run `pmo optimise` on this file."
    ws.write_string(3 + 2 * len(schema.MACROS), 4, note, fmt.button_note)
    ws.activate()


# --- Inputs -------------------------------------------------------------------------------


def _settings(ws, fmt: _Formats, portfolio: Portfolio) -> None:
    item = schema.SETTINGS_SHEET
    _title(ws, fmt, item)
    s = portfolio.settings
    values = {
        "plan_start": month_text(s.plan_start),
        "horizon": s.horizon,
        "objective": s.objective.value,
        "time_limit": s.time_limit,
        "random_seed": s.random_seed,
        "stability": s.stability,
        "explain_time": s.explain_time,
    }
    rows = [[entry.name, values[entry.field], entry.help] for entry in schema.SETTINGS]
    _table(ws, fmt, item, list(item.columns), rows)
    # Value cells hold mixed types; the Objective row gets its own dropdown.
    objective_row = HEADER_ROW + 1 + [e.field for e in schema.SETTINGS].index("objective")
    ws.data_validation(
        objective_row,
        1,
        objective_row,
        1,
        {
            "validate": "list",
            "source": list(schema.OBJECTIVES),
            "input_title": "Objective",
            "input_message": schema.setting("Objective").help[:255],
        },
    )
    # Stability: a level from the list, or a number typed in (so only an information alert)
    stability_row = HEADER_ROW + 1 + [e.field for e in schema.SETTINGS].index("stability")
    ws.data_validation(
        stability_row,
        1,
        stability_row,
        1,
        {
            "validate": "list",
            "source": list(schema.STABILITY_LEVELS),
            "error_type": "information",
            "error_title": "Stability",
            "error_message": "Off, Low, Normal, High, or the points per change as a number.",
            "input_title": "Stability",
            "input_message": schema.setting("Stability").help[:255],
        },
    )


def _criteria(ws, fmt: _Formats, portfolio: Portfolio) -> None:
    item = schema.CRITERIA
    _title(ws, fmt, item)
    rows = [
        [
            c.name,
            c.perspective.value if c.perspective else None,
            c.weight,
            c.direction.value,
            c.min,
            c.max,
            None,
        ]
        for c in portfolio.criteria
    ]
    _table(ws, fmt, item, list(item.columns), rows)


def _intake(ws, fmt: _Formats, portfolio: Portfolio, details: dict[str, dict[str, str]]) -> None:
    item = schema.INTAKE
    _title(ws, fmt, item)
    columns = list(item.columns)
    rows = []
    for project in portfolio.projects:
        extra = details.get(project.id, {})
        values = {
            "id": project.id,
            "name": project.name,
            "status": project.status.value,
            "mandatory": project.mandatory,
            "force": project.force.value,
            "earliest_start": _month_cell(project.earliest_start),
            "latest_start": _month_cell(project.latest_start),
            "fixed_start": _month_cell(project.fixed_start),
            "duration": project.duration,
            "cost": project.cost,
            "exclusive_group": project.exclusive_group,
        }
        rows.append([values[c.field] if c.field else extra.get(c.header) for c in columns])
    _table(ws, fmt, item, columns, rows)
    last = HEADER_ROW + SPARE_ROWS
    status_col = xl_col_to_name(columns.index(item.column("Status")))
    for text, colour, font in (
        ("In flight", "#C6EFCE", "#006100"),
        ("On hold", "#F2F2F2", "#7F7F7F"),
        ("Closed", "#F2F2F2", "#7F7F7F"),
    ):
        ws.conditional_format(
            HEADER_ROW + 1,
            0,
            last,
            len(columns) - 1,
            {
                "type": "formula",
                "criteria": f'=${status_col}{HEADER_ROW + 2}="{text}"',
                "format": fmt.fill(colour, font),
            },
        )


def _scoring(ws, fmt: _Formats, portfolio: Portfolio, criteria: list[str]) -> None:
    item = schema.SCORING
    _title(ws, fmt, item)
    by_name = {c.name: c for c in portfolio.criteria}
    dynamic = [
        Column(
            name,
            f"score:{name}",
            ColType.FLOAT,
            required=True,
            width=13,
            number_format="0.0#",
            help=f"Score on {by_name[name].min:g}..{by_name[name].max:g}; "
            f"{by_name[name].direction.value.lower()}.",
        )
        for name in criteria
    ]
    columns = _columns(item, dynamic)
    header = SCORING_HEADER_ROW
    lookups = {"Weight": "Weight", "Direction": "Direction", "Min": "Min", "Max": "Max"}
    for offset, label in enumerate(SCORING_HELPER_ROWS):
        row = HEADER_ROW + offset
        ws.write_string(row, 1, f"{label} (from Criteria)", fmt.helper_label)
        for index in range(2, 2 + len(criteria)):
            head = xl_rowcol_to_cell(header, index, row_abs=True)
            lookup = f"INDEX(tblCriteria[{lookups[label]}],MATCH({head},tblCriteria[Criterion],0))"
            blank = '""' if label == "Direction" else "0"
            ws.write_formula(
                row,
                index,
                f"=IFERROR({lookup},{blank})",
                fmt.number("0.0#", computed=True)
                if label != "Direction"
                else fmt.cell(None, computed=True),
            )
    rows: list[list[object]] = []
    for project in portfolio.projects:
        scores = [project.scores.get(name) for name in criteria]
        rows.append([project.id, None, *scores, None, None])
    formulas = {"Weighted score": score_formula(criteria)} if criteria else {}
    _table(ws, fmt, item, columns, rows, first_row=header, formulas=formulas)
    ws.freeze_panes(header + 1, 2)
    # Out-of-scale scores turn red; helper rows hold each column's Min and Max.
    if criteria:
        first, last_col = 2, 1 + len(criteria)
        top = xl_rowcol_to_cell(header + 1, first)
        min_cell = xl_rowcol_to_cell(HEADER_ROW + 2, first, row_abs=True)
        max_cell = xl_rowcol_to_cell(HEADER_ROW + 3, first, row_abs=True)
        ws.conditional_format(
            header + 1,
            first,
            header + SPARE_ROWS,
            last_col,
            {
                "type": "formula",
                "criteria": f'=AND({top}<>"",OR({top}<{min_cell},{top}>{max_cell}))',
                "format": fmt.fill("#FFC7CE", "#9C0006"),
            },
        )


def _demand(ws, fmt: _Formats, portfolio: Portfolio) -> None:
    item = schema.DEMAND
    _title(ws, fmt, item)
    rows = [[d.project_id, d.role, d.fte, d.from_month, d.to_month] for d in portfolio.demands]
    _table(ws, fmt, item, list(item.columns), rows)


def _capacity(ws, fmt: _Formats, portfolio: Portfolio, months: list[str]) -> None:
    item = schema.CAPACITY
    _title(ws, fmt, item)
    dynamic = [
        Column(
            m,
            m,
            ColType.FLOAT,
            width=8,
            number_format=schema.FMT_FTE,
            help=f"FTE available in {m}.",
        )
        for m in months
    ]
    rows = [[role, *values] for role, values in portfolio.capacity.items()]
    _table(ws, fmt, item, _columns(item, dynamic), rows)


def _dependencies(ws, fmt: _Formats, portfolio: Portfolio) -> None:
    from workbook.book.sample import DEPENDENCIES, DEPENDENCY_NOTES

    item = schema.DEPENDENCIES
    _title(ws, fmt, item)
    notes = dict(zip(DEPENDENCIES, DEPENDENCY_NOTES, strict=True))
    rows = [
        [d.predecessor, d.successor, d.type.value, d.lag, notes.get(d)]
        for d in portfolio.dependencies
    ]
    _table(ws, fmt, item, list(item.columns), rows)


def _budget(ws, fmt: _Formats, portfolio: Portfolio) -> None:
    item = schema.BUDGET
    _title(ws, fmt, item)
    rows = [[year, amount] for year, amount in sorted(portfolio.budget.items())]
    _table(ws, fmt, item, list(item.columns), rows)


# --- Outputs ------------------------------------------------------------------------------


def _output_table(ws, fmt: _Formats, item: Sheet) -> None:
    _title(ws, fmt, item)
    _table(ws, fmt, item, list(item.columns), [])
    if item is schema.PORTFOLIO:
        decision = xl_col_to_name(list(item.columns).index(item.column("Decision")))
        for text, colour, font in (
            ("Selected", "#C6EFCE", "#006100"),
            ("Deferred", "#FFEB9C", "#9C5700"),
            ("Not in play", "#F2F2F2", "#7F7F7F"),
        ):
            ws.conditional_format(
                HEADER_ROW + 1,
                0,
                HEADER_ROW + OUTPUT_GRID_ROWS,
                len(item.columns) - 1,
                {
                    "type": "formula",
                    "criteria": f'=${decision}{HEADER_ROW + 2}="{text}"',
                    "format": fmt.fill(colour, font),
                },
            )


def _grid_header(ws, fmt: _Formats, item: Sheet, months: list[str]) -> None:
    _title(ws, fmt, item)
    header_format = fmt.grid_header
    fixed = list(item.columns)
    for index, column in enumerate(fixed):
        ws.write_string(HEADER_ROW, index, column.header, header_format)
        ws.set_column(index, index, column.width)
    for offset, text in enumerate(months):
        ws.write_string(HEADER_ROW, len(fixed) + offset, text, header_format)
    ws.set_column(len(fixed), len(fixed) + OUTPUT_MONTHS - 1, 8)
    ws.freeze_panes(HEADER_ROW + 1, len(fixed))


def _schedule(ws, fmt: _Formats, months: list[str]) -> None:
    item = schema.SCHEDULE
    _grid_header(ws, fmt, item, months)
    first_col = len(item.columns)
    ws.set_column(first_col, first_col + OUTPUT_MONTHS - 1, 4)
    # Gantt bars: 1 = planned month, 2 = month of a project that must run.
    for value, colour in ((2, "#1F4E79"), (1, "#5B9BD5")):
        ws.conditional_format(
            HEADER_ROW + 1,
            first_col,
            HEADER_ROW + OUTPUT_GRID_ROWS,
            first_col + OUTPUT_MONTHS - 1,
            {"type": "cell", "criteria": "==", "value": value, "format": fmt.fill(colour, colour)},
        )


def _utilisation(ws, fmt: _Formats, months: list[str]) -> None:
    item = schema.UTILISATION
    _grid_header(ws, fmt, item, months)
    first_col = len(item.columns)
    top = xl_rowcol_to_cell(HEADER_ROW + 1, first_col)
    measure = f"$B{HEADER_ROW + 2}"
    for test, colour, font in (
        (f"{top}>1", "#F8696B", "#000000"),
        (f"{top}>=0.9", "#FFEB84", "#000000"),
        (f"{top}>=0.5", "#C6EFCE", "#000000"),
        (f"{top}>0", "#E2F0D9", "#000000"),
    ):
        ws.conditional_format(
            HEADER_ROW + 1,
            first_col,
            HEADER_ROW + OUTPUT_GRID_ROWS,
            first_col + OUTPUT_MONTHS - 1,
            {
                "type": "formula",
                "criteria": f'=AND({measure}="Load",{test})',
                "format": fmt.fill(colour, font),
                "stop_if_true": True,
            },
        )


def _messages(ws, fmt: _Formats) -> None:
    item = schema.MESSAGES
    _output_table(ws, fmt, item)
    ws.write_string(HEADER_ROW + 1, 0, Severity.INFO.value, fmt.cell(None, computed=True))
    ws.write_string(
        HEADER_ROW + 1,
        3,
        "No run yet: press Re-optimise on Start, or run `pmo optimise` on this file.",
        fmt.cell(None, computed=True),
    )
    for text, colour, font in (("Error", "#FFC7CE", "#9C0006"), ("Warning", "#FFEB9C", "#9C5700")):
        ws.conditional_format(
            HEADER_ROW + 1,
            0,
            HEADER_ROW + OUTPUT_GRID_ROWS,
            3,
            {
                "type": "formula",
                "criteria": f'=$A{HEADER_ROW + 2}="{text}"',
                "format": fmt.fill(colour, font),
            },
        )


def _changes(ws, fmt: _Formats) -> None:
    item = schema.CHANGES
    _output_table(ws, fmt, item)
    ws.write_string(
        HEADER_ROW + 1,
        5,
        "No run yet: the first plan written is the baseline the next run keeps steady.",
        fmt.cell(None, computed=True),
    )
    for text, colour, font in (
        ("In", "#C6EFCE", "#006100"),
        ("Out", "#FFC7CE", "#9C0006"),
        ("Moved", "#FFEB9C", "#9C5700"),
    ):
        ws.conditional_format(
            HEADER_ROW + 1,
            0,
            HEADER_ROW + OUTPUT_GRID_ROWS,
            len(item.columns) - 1,
            {
                "type": "formula",
                "criteria": f'=$A{HEADER_ROW + 2}="{text}"',
                "format": fmt.fill(colour, font),
            },
        )


def _xlwings_conf(ws, fmt: _Formats) -> None:
    # xlwings reads key/value pairs from A1 down to the first blank cell of column A, without a
    # header row. A key with a blank value is never written: xlwings would take the blank.
    rows = [(k, v) for k, v in schema.XLWINGS_SETTINGS if isinstance(v, bool) or str(v).strip()]
    for row, (key, value) in enumerate(rows):
        ws.write_string(row, 0, key)
        if isinstance(value, bool):
            ws.write_boolean(row, 1, value)
        else:
            ws.write_string(row, 1, str(value))
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 22)
    ws.write_string(0, 3, schema.XLWINGS_CONF.description, fmt.subtitle)
    notes = (
        "Only keys with a value: a row whose value is blank still overrides your own xlwings "
        "config (a blank Interpreter_Mac makes the buttons run `python`).",
        "Python, PYTHONPATH and conda come from your xlwings config file: run `xlwings config "
        "create` once with the Python that has this package (docs/excel.md).",
        "For this workbook only: add the key and its value in the first empty row of columns "
        r"A:B, no blank row above it (e.g. Interpreter_Win | C:\Users\me\venv\Scripts\python.exe).",
    )
    for row, note in enumerate(notes, start=1):
        ws.write_string(row, 3, note, fmt.button_note)


def main() -> None:
    """Rewrite the committed template and the generated documentation."""
    print(build_workbook(TEMPLATE_PATH))
    print(schema.write_docs())


if __name__ == "__main__":
    main()
