"""Build `PMO_Portfolio.xlsm` from the schema: tables, validations, formats, buttons, VBA, ribbon.

`python -m workbook.files.template` rewrites the committed `workbook/PMO_Portfolio.xlsm` (and the
generated `docs/workbook.md`); `pmo new PATH` writes a copy anywhere.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from engine.delivery.benefits import review_figures, variance
from engine.delivery.dashboard import Dashboard, commitments, dashboard
from engine.delivery.health import health_figures
from engine.delivery.raid import heat_map, is_overdue, risk_score
from engine.delivery.records import HEALTH_DIMENSIONS, Delivery, DeliverySettings
from engine.delivery.status import status_rows
from engine.evm import Rag
from engine.gates import GATE_CRITERIA, GATES, gate_score
from engine.lessons import Lesson
from engine.managers import EVALUATION_CRITERIA, Evaluation
from engine.model import Portfolio
from engine.months import month_text
from engine.scoring import RANDOM_INDEX
from engine.validation import Severity
from workbook.book import schema
from workbook.book.grids import Formula
from workbook.book.schema import SCORING_HELPER_ROWS, ColType, Column, Role, Sheet
from workbook.book.views import dashboard_canvas, departments, latest_status_grid
from workbook.files.atomic import replacing

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "PMO_Portfolio.xlsm"
TITLE_ROW = 0  # 0-based rows as XlsxWriter counts
HEADER_ROW = schema.HEADER_ROW - 1  # every table's header row (Scoring: below its lookup block)
SCORING_HEADER_ROW = schema.SCORING_HEADER_ROW - 1
SPARE_ROWS = 500  # validations reach this far below the data, ready for new rows
OUTPUT_GRID_ROWS = 1000  # conditional formats of the output grids cover this many rows
OUTPUT_MONTHS = 120  # and this many month columns
WRAP_WIDTH = 40  # text columns this wide wrap on the Lessons and PM evaluation sheets
CHARS_PER_WIDTH = 1.15  # characters of text per unit of column width (a width counts "0"s)
LINE_HEIGHT = 15  # points per line of wrapped text, as Excel's default row

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

    def cell(self, column: Column | None, *, computed: bool = False, wrap: bool = False) -> object:
        """The format of data cells of a column: input look or computed look (`wrap`: long
        text wraps inside the cell)."""
        is_computed = computed or (column is not None and column.computed)
        number_format = column.number_format if column is not None else None
        key = (is_computed, number_format, wrap)
        if key not in self._cache:
            spec: dict[str, object] = (
                {"bg_color": COMPUTED_FILL, "font_color": COMPUTED_FONT}
                if is_computed
                else {"bg_color": INPUT_FILL, "font_color": INPUT_FONT}
            )
            if number_format:
                spec["num_format"] = number_format
            if wrap:
                spec.update({"text_wrap": True, "valign": "top"})
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
    delivery: Delivery | None = None,
    lessons: tuple[Lesson, ...] | None = None,
    evaluations: tuple[Evaluation, ...] | None = None,
    department: str | None = None,
) -> Path:
    """Write the template workbook to `path` (an .xlsm), filled with `portfolio`.

    Without a portfolio the sample is used (with its delivery records, lessons and
    evaluations); `empty=True` keeps settings, criteria, roles and budget but no projects,
    people, delivery records, lessons or evaluations. `department` fills Settings
    "Department". The file is written next to its target first, then moved into place, so a
    failure leaves no half-written workbook.
    """
    from workbook.book import sample

    target = Path(path)
    if portfolio is None:
        portfolio = sample.sample_portfolio()
        details = sample.sample_details()
        delivery = delivery or sample.sample_delivery()
        lessons = sample.sample_lessons() if lessons is None else lessons
        evaluations = sample.sample_evaluations() if evaluations is None else evaluations
    if empty:
        portfolio = Portfolio(
            settings=portfolio.settings,
            capacity=portfolio.capacity,
            criteria=portfolio.criteria,
            budget=portfolio.budget,
        )
        delivery = None
        lessons, evaluations = (), ()
    book = _Content(
        portfolio,
        details or {},
        delivery or Delivery(),
        lessons or (),
        evaluations or (),
        department,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with replacing(target) as temp:
        _write(temp, book)
        _add_ribbon(temp)
    return target


class _Content:
    """What goes into the input sheets: the portfolio, the delivery records and the
    centre-of-excellence rows."""

    def __init__(
        self,
        portfolio: Portfolio,
        details: dict[str, dict[str, str]],
        delivery: Delivery,
        lessons: tuple[Lesson, ...],
        evaluations: tuple[Evaluation, ...],
        department: str | None,
    ) -> None:
        self.portfolio = portfolio
        self.details = details
        self.delivery = delivery
        self.lessons = lessons
        self.evaluations = evaluations
        self.department = department


def _write(path: Path, content: _Content) -> None:
    portfolio, details, delivery = content.portfolio, content.details, content.delivery
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
        "Settings": lambda ws: _settings(ws, fmt, portfolio, delivery.settings, content.department),
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
        **_delivery_builders(fmt, portfolio, details, delivery),
        "xlwings.conf": lambda ws: _xlwings_conf(ws, fmt),
        "Lessons": lambda ws: _lessons(ws, fmt, content.lessons),
        "People": lambda ws: _people(ws, fmt, portfolio),
        "PM evaluation": lambda ws: _evaluations(ws, fmt, content.evaluations),
        "Enterprise": lambda ws: _output_table(ws, fmt, schema.ENTERPRISE),
        "Enterprise load": lambda ws: _grid_header(ws, fmt, schema.ENTERPRISE_LOAD, months),
        "Frontier": lambda ws: _frontier(book, ws, fmt),
        "Hiring": lambda ws: _hiring(ws, fmt, portfolio),
        "Hiring plan": lambda ws: _output_table(ws, fmt, schema.HIRING_PLAN),
        "Shortfall": lambda ws: _output_table(ws, fmt, schema.SHORTFALL),
        "Balance": lambda ws: _balance(ws, fmt, portfolio),
        "Balance view": lambda ws: _balance_view(book, ws, fmt),
        "Scenarios": lambda ws: _output_table(ws, fmt, schema.SCENARIOS),
        "Compare": lambda ws: _compare(ws, fmt),
        "PMO scenarios": lambda ws: _scenario_store(ws, fmt),
        "Pairwise": lambda ws: _pairwise(ws, fmt, criteria),
        "Scorecard": lambda ws: _output_table(ws, fmt, schema.SCORECARD),
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
    wrap_from: float | None = None,
) -> None:
    """An Excel Table with the sheet's columns, widths, formats, validations and help
    (`wrap_from`: text in columns at least this wide wraps)."""
    formulas = formulas or {}
    data = rows or [[None] * len(columns)]
    last_row = first_row + len(data)
    spec_columns: list[dict[str, object]] = []
    for index, column in enumerate(columns):
        wrap = wrap_from is not None and column.width >= wrap_from
        spec: dict[str, object] = {"header": column.header, "format": fmt.cell(column, wrap=wrap)}
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
    _formula_cells(ws, fmt, columns, rows, first_row + 1, formulas)
    if wrap_from is not None:  # rows tall enough for their wrapped text (no autofit on load)
        for offset, row in enumerate(rows, start=1):
            lines = max(
                (
                    math.ceil(len(str(v)) / (c.width * CHARS_PER_WIDTH))
                    for c, v in zip(columns, row, strict=True)
                    if v is not None and c.width >= wrap_from
                ),
                default=1,
            )
            if lines > 1:
                ws.set_row(first_row + offset, LINE_HEIGHT * lines)
    if not rows:
        # XlsxWriter leaves the one empty row unformatted, and puts the column formulas in
        # it: an empty table shows a blank row (Excel fills the formulas into rows people add)
        for index, column in enumerate(columns):
            ws.write_blank(first_row + 1, index, None, fmt.cell(column))
    ws.freeze_panes(first_row + 1, 1 if item is not schema.SETTINGS_SHEET else 0)
    if item.role is Role.INPUT:
        _validations(ws, item, columns, first_row + 1, max(last_row, first_row + SPARE_ROWS))


def _formula_cells(
    ws, fmt: _Formats, columns: list[Column], rows: list[list], first: int, formulas: dict
) -> None:
    """Rewrite a table's formula cells with their results, and cells typed over a column's
    formula with the typed value (XlsxWriter writes every column formula over the data)."""
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            column = columns[j]
            has_formula = bool(formulas.get(column.header) or column.formula)
            if isinstance(value, Formula):
                result = "" if value.value is None else value.value
                ws.write_formula(first + i, j, str(value), fmt.cell(column), result)
            elif has_formula and value is not None:
                ws.write(first + i, j, value, fmt.cell(column))


def _cell(value):
    if isinstance(value, Formula):
        return None  # written by _formula_cells, with its result
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
    if column.field == "manager":  # Intake's and PM evaluation's manager: a name on People
        return {
            "validate": "list",
            "source": "=PMO_Managers",
            **error,
            "error_message": "Choose a project manager from the People sheet.",
            "error_type": "warning",
        }
    if item is schema.PAIRWISE and column.type is ColType.FLOAT:
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": 1 / 9,
            "maximum": 9,
            **error,
            "error_message": "A judgement runs from 1/9 to 9: 1 equal, 3 moderately, 5 "
            "strongly, 7 very strongly, 9 extremely more important (1/3 etc. for less).",
        }
    if item in (schema.DEMAND, schema.HIRING) and column.field == "role":
        return {
            "validate": "list",
            "source": "=PMO_Roles",
            **error,
            "error_message": "Choose a role from the Capacity sheet.",
        }
    if item is schema.GATES_SHEET and column.field == "gate":
        return {
            "validate": "list",
            "source": "=PMO_Gates",
            **error,
            "error_message": "Choose a gate from the list beside the table (or rename it there).",
            "error_type": "warning",
        }
    if column.type is ColType.DATE:
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": date(2000, 1, 1),
            "maximum": date(2100, 12, 31),
            **error,
            "error_message": f"{column.header}: a date (YYYY-MM-DD).",
        }
    if column.low is not None and column.high is not None:
        whole = column.type is ColType.INT
        shown = (
            f"{column.low:.0%} to {column.high:.0%}"
            if column.number_format == schema.FMT_PERCENT
            else f"{column.low:g} to {column.high:g}"
        )
        return {
            "validate": "integer" if whole else "decimal",
            "criteria": "between",
            "minimum": column.low,
            "maximum": column.high,
            **error,
            "error_message": f"{column.header}: {'a whole number' if whole else 'a number'}"
            f" from {shown}.",
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
    ("Status", "Every month: % complete and actual cost of each running project."),
    ("RAID", "Keep risks, issues, actions and decisions; score the risks 1-5."),
    ("Gates", "Record gate reviews: a Stop or Hold takes effect at the next Re-optimise."),
    (
        "Refresh dashboard",
        "Press the button (or run `pmo status`): Latest status and Dashboard are rewritten.",
    ),
    (
        "People",
        "List the project managers: grade, skills, projects at once, availability. Check "
        "inputs warns when one runs too many; Settings Project managers = Assign staffs the plan.",
    ),
    (
        "Lessons",
        'Log lessons as phases end; =PMO_LESSONS("words") finds them, and Messages names '
        "the lessons to read for each proposal that resembles past work.",
    ),
    ("PM evaluation", "When a project closes, score its manager; People sums it up."),
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
    listed = [s for s in schema.SHEETS if s not in (schema.START, schema.SCENARIO_STORE)]
    for offset, item in enumerate(listed):
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


def _settings(
    ws,
    fmt: _Formats,
    portfolio: Portfolio,
    delivery: DeliverySettings | None = None,
    department: str | None = None,
) -> None:
    item = schema.SETTINGS_SHEET
    _title(ws, fmt, item)
    s = portfolio.settings
    d = delivery or DeliverySettings()
    values = {
        "plan_start": month_text(s.plan_start),
        "horizon": s.horizon,
        "objective": s.objective.value,
        "time_limit": s.time_limit,
        "random_seed": s.random_seed,
        "status_date": None,
        "rag_green": d.rag_green,
        "rag_amber": d.rag_amber,
        "health_green": d.health_green,
        "health_amber": d.health_amber,
        "project_managers": s.project_managers.value,
        "department": department,
        "weights_from": schema.setting("Weights from").default,
        "stability": s.stability,
        "explain_time": s.explain_time,
        "reproducible": "Yes" if s.reproducible else "No",
    }
    rows = [[entry.name, values[entry.field], entry.help] for entry in schema.SETTINGS]
    _table(ws, fmt, item, list(item.columns), rows)
    fields = [entry.field for entry in schema.SETTINGS]
    # the status date is a real date, so the delivery formulas can compare with it
    status_row = HEADER_ROW + 1 + fields.index("status_date")
    date_format = fmt.number(schema.FMT_DATE)
    if d.status_date is not None:
        ws.write_datetime(status_row, 1, datetime.combine(d.status_date, time()), date_format)
    else:
        ws.write_blank(status_row, 1, None, date_format)
    # Value cells hold mixed types; the choice rows get their own dropdowns.
    for entry in schema.SETTINGS:
        if entry.type not in (ColType.CHOICE, ColType.YESNO):
            continue
        row = HEADER_ROW + 1 + fields.index(entry.field)
        ws.data_validation(
            row,
            1,
            row,
            1,
            {
                "validate": "list",
                "source": list(entry.allowed),
                "input_title": entry.name[:32],
                "input_message": entry.help[:255],
            },
        )
    # Stability: a level from the list, or a number typed in (so only an information alert)
    stability_row = HEADER_ROW + 1 + fields.index("stability")
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
            "can_stop": project.can_stop,
            "remaining_cost": project.remaining_cost,
            "remaining_value": project.remaining_value,
            "manager": project.manager,
            "pm_grade": project.pm_grade,
            "pm_skills": ", ".join(project.pm_skills) or None,
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


def _hiring(ws, fmt: _Formats, portfolio: Portfolio) -> None:
    item = schema.HIRING
    _title(ws, fmt, item)
    rows = [
        [
            o.role,
            o.option,
            o.fte,
            o.monthly_cost,
            _month_cell(o.earliest),
            o.max_units,
            o.min_months,
        ]
        for o in portfolio.hiring
    ]
    _table(ws, fmt, item, list(item.columns), rows)


def _balance(ws, fmt: _Formats, portfolio: Portfolio) -> None:
    item = schema.BALANCE
    _title(ws, fmt, item)
    rows = [
        [r.dimension, r.value, r.measure.value, r.min_share, r.max_share] for r in portfolio.balance
    ]
    _table(ws, fmt, item, list(item.columns), rows)


def _pairwise(ws, fmt: _Formats, criteria: list[str]) -> None:
    """The judgements: typed above the diagonal, 1 on it, reciprocals by formula below; the
    live AHP weight per row and the consistency ratio beside the table."""
    from workbook.book.sample import PAIRWISE

    item = schema.PAIRWISE
    _title(ws, fmt, item)
    n = len(criteria)
    judged = [[1.0] * n for _ in range(n)]
    if len(PAIRWISE) == n - 1 and all(len(r) == n - 1 - i for i, r in enumerate(PAIRWISE)):
        for i, upper in enumerate(PAIRWISE):
            for k, value in enumerate(upper):
                judged[i][i + 1 + k] = float(value)
    first_col = 1  # column B holds the first criterion
    top = HEADER_ROW + 1  # 0-based row of the first criterion
    columns = [
        item.column("Criterion"),
        *(Column(name, None, ColType.FLOAT, width=17, number_format="0.00") for name in criteria),
        item.column("AHP weight"),
        item.column("Geometric mean"),
        item.column("Weighted sum"),
    ]
    matrix = _absolute(f"{xl_rowcol_to_cell(top, first_col)}:{xl_rowcol_to_cell(top + n - 1, n)}")
    row_cells = (
        f"tblPairwise[[#This Row],[{_escape(criteria[0])}]:[{_escape(criteria[-1])}]]"
        if criteria
        else ""
    )
    # The add-in's eigenvector where it runs (Excel with xlwings); a native estimate elsewhere
    # (LibreOffice, Excel without the add-in), so the sheet always shows numbers.
    formulas = {
        "AHP weight": f"=IFERROR(INDEX(PMO_AHP_WEIGHTS({matrix}),ROW()-ROW(tblPairwise[#Headers])),"
        "tblPairwise[[#This Row],[Geometric mean]]/SUM(tblPairwise[Geometric mean]))",
        "Geometric mean": f"=GEOMEAN({row_cells})",
        "Weighted sum": f"=MMULT({row_cells},tblPairwise[AHP weight])",
    }
    rows = [[name, *judged[i], None, None, None] for i, name in enumerate(criteria)]
    _table(ws, fmt, item, columns, rows, formulas=formulas)
    for i in range(n):
        for j in range(n):
            at_row, at_col = top + i, first_col + j
            if i == j:
                ws.write_number(at_row, at_col, 1, fmt.cell(None, computed=True))
            elif j < i:
                mirror = xl_rowcol_to_cell(top + j, first_col + i)
                ws.write_formula(
                    at_row,
                    at_col,
                    f"=1/{mirror}",
                    fmt.number("0.00", computed=True),
                    1 / judged[j][i],
                )
    label_col = n + 5
    ws.set_column(label_col, label_col, 20)
    ws.write_string(HEADER_ROW, label_col, "Consistency ratio", fmt.bold)
    random_index = RANDOM_INDEX[min(n, len(RANDOM_INDEX) - 1)]
    native = (
        "0"
        if n < 3
        else f"(SUMPRODUCT(tblPairwise[Weighted sum]/tblPairwise[AHP weight])/{n}-{n})"
        f"/({n}-1)/{random_index:g}"
    )
    ws.write_formula(
        HEADER_ROW + 1,
        label_col,
        f"=IFERROR(PMO_AHP_CR({matrix}),{native})",
        fmt.number("0.00", computed=True),
    )
    ws.write_string(
        HEADER_ROW + 2,
        label_col,
        "Above 0.10: revisit the judgements (Messages names the one to change).",
        fmt.button_note,
    )


def _absolute(ref: str) -> str:
    first, last = ref.split(":")
    return f"{_dollar(first)}:{_dollar(last)}"


def _dollar(cell: str) -> str:
    letters = cell.rstrip("0123456789")
    return f"${letters}${cell[len(letters) :]}"


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


def _frontier(book, ws, fmt: _Formats) -> None:
    """The Frontier table and its chart: value against budget, proven points marked."""
    item = schema.FRONTIER
    header = item.header_row - 1
    _title(ws, fmt, item)
    _table(ws, fmt, item, list(item.columns), [], first_row=header)
    headers = [c.header for c in item.columns]
    first, last = header + 1, header + schema.FRONTIER_CHART_ROWS

    def cells(header: str) -> list:
        column = headers.index(header)
        return [item.name, first, column, last, column]

    chart = book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    chart.add_series(
        {
            "name": "Best value found",
            "categories": cells("Budget"),
            "values": cells("Value"),
            "marker": {"type": "circle", "size": 6},
            "line": {"color": "#5B9BD5", "width": 2},
            "smooth": False,
        }
    )
    chart.add_series(
        {
            "name": "Proven optimal",
            "categories": cells("Budget"),
            "values": cells("Proven value"),
            "marker": {
                "type": "diamond",
                "size": 10,
                "fill": {"color": "#1F4E79"},
                "border": {"color": "#1F4E79"},
            },
            "line": {"none": True},
        }
    )
    chart.add_series(
        {
            "name": "Bound",
            "categories": cells("Budget"),
            "values": cells("Bound"),
            "marker": {"type": "none"},
            "line": {"color": "#A5A5A5", "dash_type": "dash", "width": 1.25},
            "smooth": False,
        }
    )
    chart.set_title({"name": "Value against budget"})
    chart.set_x_axis({"name": "Budget (all years)", "num_format": "#,##0"})
    chart.set_y_axis({"name": "Total weighted score"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 20 * (schema.FRONTIER_CHART_HEIGHT - 1)})
    ws.insert_chart(HEADER_ROW, 0, chart, {"x_offset": 4, "y_offset": 4})


def _balance_view(book, ws, fmt: _Formats) -> None:
    """The Balance view table and its chart: each rule's actual share between its limits."""
    item = schema.BALANCE_VIEW
    header = item.header_row - 1
    _title(ws, fmt, item)
    _table(ws, fmt, item, list(item.columns), [], first_row=header)
    headers = [c.header for c in item.columns]
    first, last = header + 1, header + schema.BALANCE_CHART_ROWS

    def cells(name: str) -> list:
        column = headers.index(name)
        return [item.name, first, column, last, column]

    chart = book.add_chart({"type": "column"})
    for name, colour in (
        ("Min share", "#A9D18E"),
        ("Actual share", "#5B9BD5"),
        ("Max share", "#F4B183"),
    ):
        chart.add_series(
            {
                "name": name,
                "categories": cells("Rule"),
                "values": cells(name),
                "fill": {"color": colour},
                "border": {"color": colour},
            }
        )
    chart.set_title({"name": "Share in the plan against the limits"})
    chart.set_y_axis({"num_format": "0%", "min": 0})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 20 * (schema.BALANCE_CHART_HEIGHT - 1)})
    ws.insert_chart(HEADER_ROW, 0, chart, {"x_offset": 4, "y_offset": 4})


def _compare(ws, fmt: _Formats) -> None:
    _grid_header(ws, fmt, schema.COMPARE, [])
    ws.set_column(len(schema.COMPARE.columns), len(schema.COMPARE.columns) + 9, 18)


def _scenario_store(ws, fmt: _Formats) -> None:
    """The scenario store: very hidden, so that nobody edits a scenario's JSON by hand."""
    item = schema.SCENARIO_STORE
    _title(ws, fmt, item)
    for index, column in enumerate(item.columns):
        ws.write_string(HEADER_ROW, index, column.header, fmt.grid_header)
        ws.set_column(index, index, column.width)
    ws.very_hidden()


# --- Centre of excellence -------------------------------------------------------------------


def _lessons(ws, fmt: _Formats, lessons: tuple[Lesson, ...]) -> None:
    item = schema.LESSONS
    _title(ws, fmt, item)
    rows = []
    for lesson in lessons:
        values = {
            "id": lesson.id,
            "project": lesson.project or None,
            "date": date.fromisoformat(lesson.date) if lesson.date else None,
            "phase": lesson.phase or None,
            "category": lesson.category or None,
            "tags": ", ".join(lesson.tags) or None,
            "what_happened": lesson.what_happened,
            "root_cause": lesson.root_cause or None,
            "recommendation": lesson.recommendation,
            "owner": lesson.owner or None,
            "status": lesson.status or None,
        }
        rows.append([values[c.field] for c in item.columns if c.field])
    _table(ws, fmt, item, list(item.columns), rows, wrap_from=WRAP_WIDTH)


def _people(ws, fmt: _Formats, portfolio: Portfolio) -> None:
    item = schema.PEOPLE
    _title(ws, fmt, item)
    rows = [
        [
            m.name,
            m.grade,
            ", ".join(m.skills) or None,
            ", ".join(m.certifications) or None,
            m.max_projects,
            _month_cell(m.available_from),
            _month_cell(m.available_to),
            None,
            None,
            None,
        ]
        for m in portfolio.managers
    ]
    _table(ws, fmt, item, list(item.columns), rows)


def _evaluations(ws, fmt: _Formats, evaluations: tuple[Evaluation, ...]) -> None:
    item = schema.PM_EVALUATION
    _title(ws, fmt, item)
    rows = [
        [
            e.manager,
            e.project,
            _month_cell(e.closed),
            e.evaluator or None,
            *(e.scores.get(name) for name in EVALUATION_CRITERIA),
            None,
            e.comments or None,
        ]
        for e in evaluations
    ]
    _table(ws, fmt, item, list(item.columns), rows, wrap_from=WRAP_WIDTH)


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


# --- Delivery ---------------------------------------------------------------------------------

RAG_FILLS = {
    "Green": ("#C6EFCE", "#006100"),
    "Amber": ("#FFEB9C", "#9C5700"),
    "Red": ("#FFC7CE", "#9C0006"),
}
RAG_CHART = {"Green": "#70AD47", "Amber": "#FFC000", "Red": "#C00000"}
CHART_SIZE = {"x_scale": 1.15, "y_scale": 1.0}
CHART_ROWS = 16  # rows a chart takes on the Dashboard
TALL_CHARTS = (3, 6)  # load by role and portfolio by department, in the order drawn
VALUE_ROWS = 1000  # rows of the open-ended Value against cost block that are formatted


def _delivery_builders(
    fmt: _Formats, portfolio: Portfolio, details: dict[str, dict[str, str]], delivery: Delivery
) -> dict[str, Callable[[object], None]]:
    """The builders of the delivery sheets, from one dashboard of the sample (before any run,
    the projects in flight stand in for the plan)."""
    plan = commitments(portfolio)
    names = {p.id: p.name for p in portfolio.projects}
    board = dashboard(portfolio, delivery, plan, departments(details))
    return {
        "Status": lambda ws: _status(ws, fmt, portfolio, delivery, plan),
        "Latest status": lambda ws: _latest_status(ws, fmt, board, names),
        "RAID": lambda ws: _raid(ws, fmt, delivery),
        "Gates": lambda ws: _gates(ws, fmt, portfolio),
        "Health": lambda ws: _health(ws, fmt, delivery),
        "Benefits": lambda ws: _benefits(ws, fmt, delivery),
        "Reviews": lambda ws: _reviews(ws, fmt, delivery),
        "Dashboard": lambda ws: _dashboard(ws, fmt, board, names),
    }


def _text_or_none(text: str) -> str | None:
    return text or None


def _day_cell(value: date | None) -> datetime | None:
    return None if value is None else datetime.combine(value, time())


def _rag_colours(ws, fmt: _Formats, item: Sheet, columns: list[Column], headers) -> None:
    """Green, amber and red fills on the RAG columns, over the spare rows too."""
    last = sheet_header_row(item) + SPARE_ROWS
    for header in headers:
        index = [c.header for c in columns].index(header)
        for text, (fill, font) in RAG_FILLS.items():
            ws.conditional_format(
                sheet_header_row(item) + 1,
                index,
                last,
                index,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{text}"',
                    "format": fmt.fill(fill, font),
                },
            )


def _computed(column: Column, value: object) -> Formula:
    return Formula(column.formula or "", _result(value))


def _result(value: object):
    if value is None:
        return None
    if isinstance(value, Rag):
        return value.value
    return value


def _status(
    ws, fmt: _Formats, portfolio: Portfolio, delivery: Delivery, plan: dict[str, int]
) -> None:
    item = schema.STATUS
    _title(ws, fmt, item)
    columns = list(item.columns)
    rows = []
    for f in status_rows(portfolio, delivery, plan):
        report = f.report
        typed = {
            "ID": report.project_id,
            "Period": _month_cell(report.period),
            "% complete": report.percent_complete,
            "Actual cost": report.actual_cost,
            "Commentary": _text_or_none(report.commentary),
            "Next steps": _text_or_none(report.next_steps),
        }
        results = {
            "Planned value": f.pv,
            "Earned value": f.ev,
            "SPI": f.spi,
            "CPI": f.cpi,
            "EAC": f.eac,
            "VAC": f.vac,
            "Schedule RAG": f.schedule_rag,
            "Cost RAG": f.cost_rag,
            "Overall RAG": f.overall_rag,
        }
        row: list[object] = []
        for column in columns:
            if column.header == "Planned value" and report.planned_value is not None:
                row.append(report.planned_value)  # typed over the default formula
            elif column.header in results:
                row.append(_computed(column, results[column.header]))
            else:
                row.append(typed[column.header])
        rows.append(row)
    _table(ws, fmt, item, columns, rows)
    _rag_colours(ws, fmt, item, columns, ("Schedule RAG", "Cost RAG", "Overall RAG"))


def _latest_status(ws, fmt: _Formats, board: Dashboard, names: dict[str, str]) -> None:
    item = schema.LATEST_STATUS
    _title(ws, fmt, item)
    grid = latest_status_grid(board.latest, names)
    columns = list(item.columns)
    _table(ws, fmt, item, columns, [list(row) for row in grid.rows])
    _rag_colours(ws, fmt, item, columns, ("Schedule RAG", "Cost RAG", "Overall RAG"))


def _raid(ws, fmt: _Formats, delivery: Delivery) -> None:
    item = schema.RAID
    _title(ws, fmt, item)
    columns = list(item.columns)
    as_of = delivery.settings.as_of()
    rows = []
    for entry in delivery.raid:
        values = {
            "Type": entry.type.value,
            "ID": entry.id,
            "Project": _text_or_none(entry.project_id),
            "Title": _text_or_none(entry.title),
            "Owner": _text_or_none(entry.owner),
            "Raised": _day_cell(entry.raised),
            "Due": _day_cell(entry.due),
            "Probability": entry.probability,
            "Impact": entry.impact,
            "Response": _text_or_none(entry.response),
            "Status": entry.status.value,
        }
        results = {
            "Score": risk_score(entry),
            "Overdue": "Overdue" if is_overdue(entry, as_of) else None,
        }
        rows.append(
            [
                _computed(c, results[c.header]) if c.header in results else values[c.header]
                for c in columns
            ]
        )
    _table(ws, fmt, item, columns, rows)
    top, last = HEADER_ROW + 1, HEADER_ROW + SPARE_ROWS
    index = {c.header: i for i, c in enumerate(columns)}
    overdue = index["Overdue"]
    ws.conditional_format(
        top,
        overdue,
        last,
        overdue,
        {
            "type": "cell",
            "criteria": "==",
            "value": '"Overdue"',
            "format": fmt.fill("#FFC7CE", "#9C0006", True),
        },
    )
    status = xl_col_to_name(index["Status"])
    ws.conditional_format(
        top,
        0,
        last,
        len(columns) - 1,
        {
            "type": "formula",
            "criteria": f'=${status}{top + 1}="Closed"',
            "format": fmt.fill("#F2F2F2", "#7F7F7F"),
        },
    )
    score = index["Score"]
    for low, (fill, font) in ((15, RAG_FILLS["Red"]), (8, RAG_FILLS["Amber"])):
        ws.conditional_format(
            top,
            score,
            last,
            score,
            {
                "type": "cell",
                "criteria": ">=",
                "value": low,
                "format": fmt.fill(fill, font),
                "stop_if_true": True,
            },
        )
    _heat_map(ws, fmt, len(columns) + 1, HEADER_ROW, delivery)


def _heat_map(ws, fmt: _Formats, column: int, header_row: int, delivery: Delivery) -> None:
    """A 5x5 count of open risks by probability (rows, 5 on top) and impact (columns), live,
    coloured by zone: red from a score of 15, amber from 8, else green."""
    counts = heat_map(delivery.raid)
    ws.write_string(header_row - 1, column, "Open risks: probability x impact", fmt.bold)
    ws.write_string(header_row, column, "Probability \\ Impact", fmt.grid_header)
    ws.set_column(column, column, 20)
    ws.set_column(column + 1, column + 5, 6)
    cell = fmt.number('0;-0;"";@')
    for offset in range(5):
        ws.write_number(header_row, column + 1 + offset, offset + 1, fmt.grid_header)
        probability = 5 - offset
        ws.write_number(header_row + 1 + offset, column, probability, fmt.grid_header)
        for impact in range(1, 6):
            ws.write_formula(
                header_row + 1 + offset,
                column + impact,
                schema.heat_map_formula(probability, impact),
                cell,
                counts[offset][impact - 1],
            )
    _heat_colours(ws, fmt, header_row + 1, column + 1)


def _heat_colours(ws, fmt: _Formats, top: int, left: int) -> None:
    """Zone colours of a 5x5 heat map whose labels sit left of and above it."""
    probability = f"${xl_col_to_name(left - 1)}{top + 1}"
    impact = f"{xl_col_to_name(left)}${top}"
    for test, (fill, font) in (
        (">=15", RAG_FILLS["Red"]),
        (">=8", RAG_FILLS["Amber"]),
        (">=1", RAG_FILLS["Green"]),
    ):
        ws.conditional_format(
            top,
            left,
            top + 4,
            left + 4,
            {
                "type": "formula",
                "criteria": f"={probability}*{impact}{test}",
                "format": fmt.fill(fill, font, True),
                "stop_if_true": True,
            },
        )


def _gates(ws, fmt: _Formats, portfolio: Portfolio) -> None:
    item = schema.GATES_SHEET
    _title(ws, fmt, item)
    columns = list(item.columns)
    rows = []
    for review in portfolio.gates:
        scores = dict(zip(GATE_CRITERIA, review.scores, strict=False))
        values = {
            "ID": review.project_id,
            "Gate": review.gate,
            "Date": _day_cell(review.date),
            "Reviewer": _text_or_none(review.reviewer),
            "Decision": review.decision.value if review.decision else None,
            "Notes": _text_or_none(review.notes),
            **scores,
        }
        rows.append(
            [
                _computed(c, gate_score(review)) if c.computed else values.get(c.header)
                for c in columns
            ]
        )
    _table(ws, fmt, item, columns, rows)
    top, last = HEADER_ROW + 1, HEADER_ROW + SPARE_ROWS
    index = {c.header: xl_col_to_name(i) for i, c in enumerate(columns)}
    decision, day = index["Decision"], index["Date"]
    for test, (fill, font) in (
        (f'${decision}{top + 1}="Stop"', RAG_FILLS["Red"]),
        (f'${decision}{top + 1}="Hold"', RAG_FILLS["Amber"]),
        (f'AND(${decision}{top + 1}="",${day}{top + 1}<>"")', ("#DDEBF7", "#1F3864")),
    ):
        ws.conditional_format(
            top,
            0,
            last,
            len(columns) - 1,
            {"type": "formula", "criteria": f"={test}", "format": fmt.fill(fill, font)},
        )
    # the gate names people may edit; the Gate column's dropdown lists them (PMO_Gates)
    column = schema.GATE_LIST_COLUMN - 1
    ws.write_string(HEADER_ROW, column, schema.GATE_LIST_HEADER, fmt.grid_header)
    for offset, name in enumerate(GATES):
        ws.write_string(HEADER_ROW + 1 + offset, column, name, fmt.cell(None))
    ws.set_column(column, column, 24)


def _health(ws, fmt: _Formats, delivery: Delivery) -> None:
    item = schema.HEALTH
    _title(ws, fmt, item)
    columns = list(item.columns)
    rows = []
    for check in delivery.health:
        figures = health_figures(check, delivery.settings)
        values = {
            "ID": check.project_id,
            "Date": _day_cell(check.date),
            "Reviewer": _text_or_none(check.reviewer),
            "Notes": _text_or_none(check.notes),
            **dict(zip(HEALTH_DIMENSIONS, check.scores, strict=False)),
        }
        results = {"Health index": figures.index, "Health RAG": figures.rag}
        rows.append(
            [
                _computed(c, results[c.header]) if c.header in results else values.get(c.header)
                for c in columns
            ]
        )
    _table(ws, fmt, item, columns, rows)
    first = [c.header for c in columns].index(HEALTH_DIMENSIONS[0])
    top, last = HEADER_ROW + 1, HEADER_ROW + SPARE_ROWS
    for criteria, value, (fill, font) in (
        ("<=", 2, RAG_FILLS["Red"]),
        ("==", 3, RAG_FILLS["Amber"]),
        (">=", 4, RAG_FILLS["Green"]),
    ):
        ws.conditional_format(
            top,
            first,
            last,
            first + len(HEALTH_DIMENSIONS) - 1,
            {"type": "cell", "criteria": criteria, "value": value, "format": fmt.fill(fill, font)},
        )
    _rag_colours(ws, fmt, item, columns, ("Health RAG",))


def _benefits(ws, fmt: _Formats, delivery: Delivery) -> None:
    item = schema.BENEFITS
    _title(ws, fmt, item)
    columns = list(item.columns)
    rows = []
    for b in delivery.benefits:
        values = {
            "ID": b.project_id,
            "Benefit": b.benefit,
            "Measure": _text_or_none(b.measure),
            "Owner": _text_or_none(b.owner),
            "Baseline": b.baseline,
            "Target": b.target,
            "Period": _month_cell(b.period),
            "Planned": b.planned,
            "Realised": b.realised,
        }
        rows.append(
            [_computed(c, variance(b)) if c.computed else values[c.header] for c in columns]
        )
    _table(ws, fmt, item, columns, rows)
    index = [c.header for c in columns].index("Variance")
    ws.conditional_format(
        HEADER_ROW + 1,
        index,
        HEADER_ROW + SPARE_ROWS,
        index,
        {"type": "cell", "criteria": "<", "value": 0, "format": fmt.fill("#FFC7CE", "#9C0006")},
    )


def _reviews(ws, fmt: _Formats, delivery: Delivery) -> None:
    item = schema.REVIEWS
    _title(ws, fmt, item)
    columns = list(item.columns)
    rows = []
    for review in delivery.reviews:
        figures = review_figures(review, delivery.benefits)
        values = {
            "ID": review.project_id,
            "Date": _day_cell(review.date),
            "Reviewer": _text_or_none(review.reviewer),
            "What went well": _text_or_none(review.went_well),
            "Lessons": _text_or_none(review.lessons),
        }
        results = {
            "Planned benefits": figures.planned,
            "Realised benefits": figures.realised,
            "Realised %": figures.realised_share,
        }
        rows.append(
            [
                _computed(c, results[c.header]) if c.header in results else values[c.header]
                for c in columns
            ]
        )
    _table(ws, fmt, item, columns, rows)


# The Dashboard: blocks of figures on the left (schema.DASHBOARD_BLOCKS), charts on the right.

KEY_FORMATS = {
    "As of": schema.FMT_DATE,
    "Budget at completion": schema.FMT_MONEY,
    "Estimate at completion": schema.FMT_MONEY,
    "Variance at completion": schema.FMT_MONEY,
}
BLOCK_WIDTH = 6  # columns A..F hold the figures
CHART_COLUMN = BLOCK_WIDTH + 1  # charts from column H


def _dashboard(ws, fmt: _Formats, board: Dashboard, names: dict[str, str]) -> None:
    item = schema.DASHBOARD
    _title(ws, fmt, item)
    canvas = dashboard_canvas(board, names)
    title = fmt.book.add_format({"bold": True, "font_size": 12, "font_color": TITLE_FONT})
    ws.set_column(0, 0, 38)
    ws.set_column(1, 1, 30)
    ws.set_column(2, BLOCK_WIDTH - 1, 17)
    ws.set_column(BLOCK_WIDTH, BLOCK_WIDTH, 3)
    for block in schema.DASHBOARD_BLOCKS:
        rows = block.rows or VALUE_ROWS
        for c in range(BLOCK_WIDTH):
            cell_format = title if c == 0 else None
            _dashboard_cell(ws, canvas, block.row, c, cell_format)
        for c in range(len(block.header)):
            _dashboard_cell(ws, canvas, block.row + 1, c, fmt.grid_header)
        for r in range(block.first, block.first + rows):
            label = canvas.get((r, 1))
            for c in range(len(block.header)):
                number_format = _block_format(block, c, label)
                cell_format = (
                    fmt.number(number_format, computed=True)
                    if number_format
                    else fmt.cell(None, computed=True)
                )
                _dashboard_cell(ws, canvas, r, c, cell_format)
    _dashboard_colours(ws, fmt)
    _dashboard_charts(ws, fmt.book)
    ws.freeze_panes(HEADER_ROW, 0)


def _block_format(block: schema.Block, column: int, label: object) -> str | None:
    if block.title == "Key figures":
        return KEY_FORMATS.get(str(label), "#,##0") if column == 1 else None
    if block.title == "Value against cost":
        return {2: schema.FMT_MONEY, 3: schema.FMT_RATIO, 4: schema.FMT_RATIO}.get(column)
    if block.title == "Heat map of open risks" and column == 0:
        return "0"
    return block.number_format if column > 0 else None


def _dashboard_cell(ws, canvas, row: int, column: int, cell_format) -> None:
    """Write one Dashboard cell (1-based row, 0-based column) with its format."""
    value = canvas.get((row, column + 1))
    if isinstance(value, Formula):
        result = "" if value.value is None else value.value
        ws.write_formula(row - 1, column, str(value), cell_format, result)
    elif value is None:
        ws.write_blank(row - 1, column, None, cell_format)
    else:
        ws.write(row - 1, column, value, cell_format)


def _dashboard_colours(ws, fmt: _Formats) -> None:
    for title in ("Worst SPI", "Worst CPI"):
        block = schema.dashboard_block(title)
        _colour_words(ws, fmt, block.first - 1, block.last - 1, 4)
    rag = schema.dashboard_block("RAG of the latest status")
    _colour_words(ws, fmt, rag.first - 1, rag.last - 1, 0)
    heat = schema.dashboard_block("Heat map of open risks")
    _heat_colours(ws, fmt, heat.first - 1, 1)


def _colour_words(ws, fmt: _Formats, first: int, last: int, column: int) -> None:
    for text, (fill, font) in RAG_FILLS.items():
        ws.conditional_format(
            first,
            column,
            last,
            column,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{text}"',
                "format": fmt.fill(fill, font),
            },
        )


def _series_range(block: schema.Block, column: int, rows: int | None = None) -> list:
    """A block's data cells in one column, as XlsxWriter's [sheet, row, col, row, col]."""
    last = block.first - 1 + (rows or block.rows) - 1
    return [schema.DASHBOARD.name, block.first - 1, column, last, column]


def _dashboard_charts(ws, book) -> None:
    """Native charts over the blocks; each keeps pointing at its block's cells."""
    name = schema.DASHBOARD.name
    charts = []

    rag = schema.dashboard_block("RAG of the latest status")
    chart = book.add_chart({"type": "column"})
    for offset, colour in enumerate(RAG_CHART):
        row = rag.first - 1 + offset
        chart.add_series(
            {
                "name": [name, row, 0],
                "categories": [name, rag.row, 1, rag.row, 3],
                "values": [name, row, 1, row, 3],
                "fill": {"color": RAG_CHART[colour]},
                "border": {"none": True},
            }
        )
    chart.set_title({"name": "RAG of the latest status"})
    chart.set_y_axis({"name": "Projects", "major_unit": 1, "min": 0})
    charts.append(chart)

    risks = schema.dashboard_block("Open risks by score")
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": "Score",
            "categories": _series_range(risks, 0),
            "values": _series_range(risks, 2),
            "fill": {"color": RAG_CHART["Red"]},
        }
    )
    chart.set_title({"name": "Open risks by score"})
    chart.set_x_axis({"min": 0, "max": 25, "major_unit": 5})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    charts.append(chart)

    spend = schema.dashboard_block("Spend per year against budget")
    chart = book.add_chart({"type": "column"})
    for column, colour in ((1, "#A5A5A5"), (2, "#4472C4")):
        chart.add_series(
            {
                "name": [name, spend.row, column],
                "categories": _series_range(spend, 0),
                "values": _series_range(spend, column),
                "fill": {"color": colour},
            }
        )
    chart.set_title({"name": "Spend per year against budget"})
    chart.set_y_axis({"num_format": '#,##0.0,,"M"', "min": 0})
    charts.append(chart)

    load = schema.dashboard_block("Load by role")
    chart = book.add_chart({"type": "bar"})
    for column, colour in ((1, "#5B9BD5"), (2, "#ED7D31")):
        chart.add_series(
            {
                "name": [name, load.row, column],
                "categories": _series_range(load, 0),
                "values": _series_range(load, column),
                "fill": {"color": colour},
            }
        )
    chart.set_title({"name": "Load by role"})
    chart.set_x_axis({"num_format": "0%", "min": 0})
    chart.set_y_axis({"reverse": True})
    charts.append(chart)

    value = schema.dashboard_block("Value against cost")
    chart = book.add_chart({"type": "scatter"})
    for column, colour in ((3, "#70AD47"), (4, "#A5A5A5")):
        chart.add_series(
            {
                "name": [name, value.row, column],
                "categories": _series_range(value, 2, VALUE_ROWS),
                "values": _series_range(value, column, VALUE_ROWS),
                "marker": {
                    "type": "circle",
                    "size": 6,
                    "fill": {"color": colour},
                    "border": {"color": colour},
                },
            }
        )
    chart.set_title({"name": "Value against cost"})
    chart.set_x_axis({"name": "Cost", "num_format": '#,##0,"k"', "min": 0})
    chart.set_y_axis({"name": "Weighted score", "min": 0})
    charts.append(chart)

    for title, kind in (("Portfolio by perspective", "column"), ("Portfolio by department", "bar")):
        block = schema.dashboard_block(title)
        chart = book.add_chart({"type": kind, "subtype": "stacked"})
        for column, colour in ((1, "#4472C4"), (2, "#D9D9D9")):
            chart.add_series(
                {
                    "name": [name, block.row, column],
                    "categories": _series_range(block, 0),
                    "values": _series_range(block, column),
                    "fill": {"color": colour},
                }
            )
        chart.set_title({"name": title})
        if kind == "bar":
            chart.set_y_axis({"reverse": True})
            chart.set_x_axis({"num_format": '#,##0,"k"'})
        charts.append(chart)

    row = HEADER_ROW - 1
    for index, chart in enumerate(charts):
        tall = index in TALL_CHARTS  # one bar per role or department: room for every label
        chart.set_size({**CHART_SIZE, "y_scale": 1.5 if tall else 1.0})
        ws.insert_chart(row, CHART_COLUMN, chart)
        row += CHART_ROWS * (3 if tall else 2) // 2


def main() -> None:
    """Rewrite the committed template and the generated documentation."""
    print(build_workbook(TEMPLATE_PATH))
    print(schema.write_docs())


if __name__ == "__main__":
    main()
