"""The workbook's shape, declared once: sheets, Excel Tables and columns.

The template builder, the reader, the writer and `docs/workbook.md` all read this module,
so a header renamed here is renamed everywhere. `python -m workbook.book.schema` rewrites the
documentation page.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from engine.model import DependencyType, Direction, Force, Objective, Perspective, ProjectStatus
from engine.reasons import KIND_HELP, ReasonKind


class Role(StrEnum):
    """What a sheet is for: people type into inputs; the engine writes outputs."""

    INPUT = "input"
    OUTPUT = "output"
    CONFIG = "config"


class ColType(StrEnum):
    """How a cell is read and checked."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    MONTH = "month"  # YYYY-MM text or a real date
    YESNO = "yesno"  # Y/N/Yes/No/TRUE/FALSE/1/0
    CHOICE = "choice"  # one of `allowed`, case-insensitive
    ID = "id"  # a project ID: text, numbers read as their digits


YES_NO = ("Yes", "No")
YES_WORDS = frozenset({"y", "yes", "true", "1", "1.0"})
NO_WORDS = frozenset({"n", "no", "false", "0", "0.0"})

FMT_MONTH = "yyyy-mm"
FMT_MONEY = "#,##0"
FMT_FTE = "0.0#"
FMT_SCORE = "0.00"
FMT_PERCENT = "0%"


CellValue = str | int | float | bool | None  # one cell's typed value; None = blank

HEADER_ROW = 3  # 1-based header row of every table: rows 1 and 2 hold the title and description


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: its exact header, engine field, type and rules."""

    header: str
    field: str | None
    type: ColType = ColType.TEXT
    required: bool = False  # every row needs a value
    allowed: tuple[str, ...] = ()
    help: str = ""
    width: float = 14
    number_format: str | None = None
    unit: str = ""  # for messages: "a whole number of months"
    optional: bool = False  # the column itself may be left out of the sheet
    computed: bool = False  # a formula or engine output, never typed by people
    formula: str | None = None  # live formula of a computed column (structured references)
    default: CellValue = None  # value used when the cell is blank


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the Settings table."""

    name: str
    field: str
    type: ColType
    default: CellValue
    help: str
    allowed: tuple[str, ...] = ()
    required: bool = False
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Sheet:
    """A worksheet, its role and (for most) its Excel Table."""

    name: str
    role: Role
    description: str
    table: str | None = None
    columns: tuple[Column, ...] = ()
    dynamic: str | None = None  # "months" or "criteria": one extra column per month / criterion
    header_row: int = HEADER_ROW  # 1-based row of the table header in the template
    first_column: int = 1  # 1-based column of the table's first column in the template

    def column(self, header: str) -> Column:
        """The column with this header (KeyError if none)."""
        for column in self.columns:
            if column.header == header:
                return column
        raise KeyError(header)

    def field_column(self, field_name: str) -> Column | None:
        """The column that feeds an engine field, if any."""
        return next((c for c in self.columns if c.field == field_name), None)

    @property
    def inputs(self) -> tuple[Column, ...]:
        """The columns people type into."""
        return tuple(c for c in self.columns if not c.computed)


def _choices(enum) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


STATUSES = _choices(ProjectStatus)
FORCES = _choices(Force)
DEPENDENCY_TYPES = _choices(DependencyType)
DIRECTIONS = _choices(Direction)
PERSPECTIVES = _choices(Perspective)
OBJECTIVES = _choices(Objective)
STABILITY_LEVELS = ("Off", "Low", "Normal", "High")

SETTINGS = (
    Setting(
        "Plan start",
        "plan_start",
        ColType.MONTH,
        None,
        "First month of the plan, as YYYY-MM.",
        required=True,
    ),
    Setting(
        "Horizon (months)",
        "horizon",
        ColType.INT,
        24,
        "How many months the plan covers; Capacity needs one column per month.",
        unit="months",
    ),
    Setting(
        "Objective",
        "objective",
        ColType.CHOICE,
        "value",
        "value: pick the most valuable set of projects. finish: schedule every project in "
        "play and finish as early as possible; of alternatives (exclusive group, Excludes) "
        "the one that must run, else the higher-scored, is kept; if the horizon cannot hold "
        "them all, the most valuable set that fits.",
        allowed=OBJECTIVES,
    ),
    Setting(
        "Time limit (s)",
        "time_limit",
        ColType.FLOAT,
        30.0,
        "Longest the optimiser may search, in seconds; the gap to the best possible plan "
        "is reported either way.",
    ),
    Setting(
        "Random seed",
        "random_seed",
        ColType.INT,
        0,
        "Seed of the search; the same seed gives the same plan.",
    ),
    Setting(
        "Stability",
        "stability",
        ColType.TEXT,
        "Normal",
        "How steady re-planning keeps the plan last written on Portfolio (the baseline): every "
        "baseline project moved or dropped costs points. Off: plan afresh. Low, Normal, High: "
        "1/20, 1/6 or 1/2 of an average project's score per change. Or type the points per "
        "change. Approved projects of the baseline stay unless the rules leave no choice.",
        allowed=STABILITY_LEVELS,
    ),
    Setting(
        "Reasons time (s)",
        "explain_time",
        ColType.FLOAT,
        None,
        "Seconds for solved reasons after the plan: for each deferred project, what it would "
        "displace and the least extra capacity that lets it in. Blank: a tenth of the time "
        "limit; 0: none.",
    ),
)

START = Sheet(
    "Start",
    Role.INPUT,
    "What this workbook does and what to do, in order; the buttons run the optimiser.",
)

SETTINGS_SHEET = Sheet(
    "Settings",
    Role.INPUT,
    "Plan start, horizon, objective and solver limits.",
    table="tblSettings",
    columns=(
        Column(
            "Setting",
            None,
            ColType.TEXT,
            required=True,
            width=22,
            help="The setting's name; keep these names as they are.",
        ),
        Column("Value", None, ColType.TEXT, width=14, help="The value; months as YYYY-MM."),
        Column(
            "Help",
            None,
            ColType.TEXT,
            width=80,
            computed=True,
            optional=True,
            help="What the setting means.",
        ),
    ),
)

CRITERIA = Sheet(
    "Criteria",
    Role.INPUT,
    "Scoring criteria (balanced scorecard): weight, direction and scale of each.",
    table="tblCriteria",
    columns=(
        Column(
            "Criterion",
            "name",
            ColType.TEXT,
            required=True,
            width=26,
            help="Name of the criterion; the Scoring sheet has one column with this name.",
        ),
        Column(
            "Perspective",
            "perspective",
            ColType.CHOICE,
            allowed=PERSPECTIVES,
            width=20,
            help="Balanced-scorecard perspective.",
        ),
        Column(
            "Weight",
            "weight",
            ColType.FLOAT,
            required=True,
            width=10,
            number_format="0.0#",
            help="Relative importance, 0 or more; weights need not add up to 100.",
        ),
        Column(
            "Direction",
            "direction",
            ColType.CHOICE,
            allowed=DIRECTIONS,
            width=18,
            default=Direction.HIGHER.value,
            help="Higher is better, or Lower is better (risk, cost).",
        ),
        Column(
            "Min",
            "min",
            ColType.FLOAT,
            required=True,
            width=8,
            help="Lowest score on this criterion's scale.",
        ),
        Column(
            "Max",
            "max",
            ColType.FLOAT,
            required=True,
            width=8,
            help="Highest score on this criterion's scale.",
        ),
        Column(
            "Weight share",
            None,
            ColType.FLOAT,
            width=13,
            number_format=FMT_PERCENT,
            computed=True,
            optional=True,
            formula="=IF(SUM(tblCriteria[Weight])=0,0,"
            "tblCriteria[[#This Row],[Weight]]/SUM(tblCriteria[Weight]))",
            help="This criterion's share of the total weight.",
        ),
    ),
)

INTAKE = Sheet(
    "Intake",
    Role.INPUT,
    "Every proposed and running project: status, flags, time window, duration and cost.",
    table="tblIntake",
    columns=(
        Column(
            "ID",
            "id",
            ColType.ID,
            required=True,
            width=9,
            help="Unique project ID, used on every other sheet.",
        ),
        Column("Name", "name", ColType.TEXT, required=True, width=34, help="Short project name."),
        Column(
            "Status",
            "status",
            ColType.CHOICE,
            allowed=STATUSES,
            width=11,
            default=ProjectStatus.PROPOSED.value,
            help="Proposed or Approved: the optimiser decides. In flight: kept, at its fixed "
            "start. On hold or Closed: left out.",
        ),
        Column(
            "Mandatory",
            "mandatory",
            ColType.YESNO,
            allowed=YES_NO,
            width=11,
            default=False,
            help="Yes if the project must run (regulation, contract).",
        ),
        Column(
            "Force",
            "force",
            ColType.CHOICE,
            allowed=FORCES,
            width=8,
            default=Force.NONE.value,
            help="In: the plan must include it. Out: never. None: the optimiser decides.",
        ),
        Column(
            "Earliest start",
            "earliest_start",
            ColType.MONTH,
            width=10,
            number_format=FMT_MONTH,
            help="First month it may start (YYYY-MM); blank: any.",
        ),
        Column(
            "Latest start",
            "latest_start",
            ColType.MONTH,
            width=10,
            number_format=FMT_MONTH,
            help="Last month it may start (YYYY-MM); blank: any.",
        ),
        Column(
            "Fixed start",
            "fixed_start",
            ColType.MONTH,
            width=10,
            number_format=FMT_MONTH,
            help="Start month that must not move; required for projects in flight.",
        ),
        Column(
            "Duration (months)",
            "duration",
            ColType.INT,
            required=True,
            width=11,
            unit="months",
            help="Length in whole months (0 for a milestone).",
        ),
        Column(
            "Cost",
            "cost",
            ColType.FLOAT,
            width=13,
            number_format=FMT_MONEY,
            default=0.0,
            help="Total cost, spread evenly over the project's months against the budget.",
        ),
        Column(
            "Exclusive group",
            "exclusive_group",
            ColType.TEXT,
            width=16,
            help="At most one project of a group is selected (alternatives).",
        ),
        Column("Sponsor", None, ColType.TEXT, width=20, optional=True, help="Executive sponsor."),
        Column(
            "Department", None, ColType.TEXT, width=16, optional=True, help="Owning department."
        ),
        Column(
            "Programme",
            None,
            ColType.TEXT,
            width=18,
            optional=True,
            help="Programme the project belongs to.",
        ),
        Column(
            "Strategic objective",
            None,
            ColType.TEXT,
            width=26,
            optional=True,
            help="The strategic objective it serves.",
        ),
        Column(
            "Project manager",
            None,
            ColType.TEXT,
            width=18,
            optional=True,
            help="Assigned project manager.",
        ),
        Column(
            "Score",
            None,
            ColType.FLOAT,
            width=8,
            number_format=FMT_SCORE,
            computed=True,
            optional=True,
            formula="=IFERROR(INDEX(tblScoring[Weighted score],"
            'MATCH(tblIntake[[#This Row],[ID]],tblScoring[ID],0)),"")',
            help="Weighted score from the Scoring sheet (live).",
        ),
    ),
)

# The Scoring table starts below a block of four rows that look up each criterion's weight,
# direction and scale by the column's header, so the score formula needs no array entry.
SCORING_HELPER_ROWS = ("Weight", "Direction", "Min", "Max")
# Scoring's lookup block (one row per helper) sits between the title and the table.
SCORING_HEADER_ROW = HEADER_ROW + len(SCORING_HELPER_ROWS) + 1
SCORING = Sheet(
    "Scoring",
    Role.INPUT,
    "One row per project, one column per criterion (headers equal the Criteria names); "
    "the weighted score is a live formula.",
    table="tblScoring",
    columns=(
        Column("ID", "id", ColType.ID, required=True, width=9, help="Project ID from Intake."),
        Column(
            "Name",
            None,
            ColType.TEXT,
            width=30,
            computed=True,
            optional=True,
            formula="=IFERROR(INDEX(tblIntake[Name],"
            'MATCH(tblScoring[[#This Row],[ID]],tblIntake[ID],0)),"")',
            help="Project name (looked up from Intake).",
        ),
        Column(
            "Weighted score",
            None,
            ColType.FLOAT,
            width=10,
            number_format=FMT_SCORE,
            computed=True,
            optional=True,
            help="sum(weight x score') / sum(weight); score' = Min + Max - score when lower "
            "is better.",
        ),
        Column(
            "Rank",
            None,
            ColType.INT,
            width=7,
            computed=True,
            optional=True,
            formula='=IF(tblScoring[[#This Row],[Weighted score]]="","",'
            '1+COUNTIF(tblScoring[Weighted score],">"&'
            "tblScoring[[#This Row],[Weighted score]]))",
            help="1 = highest weighted score.",
        ),
    ),
    dynamic="criteria",
    header_row=SCORING_HEADER_ROW,
)

DEMAND = Sheet(
    "Demand",
    Role.INPUT,
    "What each project needs: FTE of a role over months of the project's own life.",
    table="tblDemand",
    columns=(
        Column(
            "ID", "project_id", ColType.ID, required=True, width=9, help="Project ID from Intake."
        ),
        Column(
            "Role",
            "role",
            ColType.TEXT,
            required=True,
            width=22,
            help="A role from the Capacity sheet.",
        ),
        Column(
            "FTE",
            "fte",
            ColType.FLOAT,
            required=True,
            width=8,
            number_format=FMT_FTE,
            help="Full-time equivalents needed each month of the range.",
        ),
        Column(
            "From month",
            "from_month",
            ColType.INT,
            width=11,
            unit="months",
            help="Month of the project's life it starts in (1 = first); blank: 1.",
        ),
        Column(
            "To month",
            "to_month",
            ColType.INT,
            width=11,
            unit="months",
            help="Last month of the project's life it runs to; blank: the project's end.",
        ),
    ),
)

CAPACITY = Sheet(
    "Capacity",
    Role.INPUT,
    "Available FTE per role (rows) and month (columns headed YYYY-MM).",
    table="tblCapacity",
    columns=(
        Column("Role", "role", ColType.TEXT, required=True, width=22, help="Role or skill pool."),
    ),
    dynamic="months",
)

DEPENDENCIES = Sheet(
    "Dependencies",
    Role.INPUT,
    "Links between projects: FS (finish-to-start with lag), Requires, Excludes, With.",
    table="tblDependencies",
    columns=(
        Column(
            "Predecessor",
            "predecessor",
            ColType.ID,
            required=True,
            width=12,
            help="Project ID that comes first (or the first of the pair).",
        ),
        Column(
            "Successor",
            "successor",
            ColType.ID,
            required=True,
            width=12,
            help="Project ID that depends on it (or the second of the pair).",
        ),
        Column(
            "Type",
            "type",
            ColType.CHOICE,
            allowed=DEPENDENCY_TYPES,
            width=10,
            default=DependencyType.FS.value,
            help="FS: successor starts after the predecessor finishes (+ lag). Requires: "
            "successor needs the predecessor selected. Excludes: not both. With: both "
            "or neither.",
        ),
        Column(
            "Lag (months)",
            "lag",
            ColType.INT,
            width=12,
            unit="months",
            default=0,
            help="Months between the predecessor's finish and the successor's start (FS).",
        ),
        Column("Note", None, ColType.TEXT, width=40, optional=True, help="Why the link exists."),
    ),
)

BUDGET = Sheet(
    "Budget",
    Role.INPUT,
    "Money available per calendar year for the projects in the plan.",
    table="tblBudget",
    columns=(
        Column("Year", "year", ColType.INT, required=True, width=8, help="Calendar year."),
        Column(
            "Budget",
            "budget",
            ColType.FLOAT,
            required=True,
            width=14,
            number_format=FMT_MONEY,
            help="Money available that year.",
        ),
    ),
)

PORTFOLIO = Sheet(
    "Portfolio",
    Role.OUTPUT,
    "The decision on every project: selected or not, start, finish, score, rank and why.",
    table="tblPortfolio",
    columns=(
        Column(
            "Rank", None, ColType.INT, width=7, computed=True, help="1 = highest weighted score."
        ),
        Column("ID", None, ColType.ID, width=9, computed=True),
        Column("Name", None, ColType.TEXT, width=34, computed=True),
        Column("Department", None, ColType.TEXT, width=16, computed=True),
        Column(
            "Decision",
            None,
            ColType.TEXT,
            width=11,
            computed=True,
            help="Selected, Deferred, or Not in play (closed, on hold, forced out).",
        ),
        Column("Start", None, ColType.MONTH, width=9, computed=True),
        Column(
            "Finish",
            None,
            ColType.MONTH,
            width=9,
            computed=True,
            help="Last month the project runs.",
        ),
        Column("Duration (months)", None, ColType.INT, width=11, computed=True),
        Column("Cost", None, ColType.FLOAT, width=13, number_format=FMT_MONEY, computed=True),
        Column("Score", None, ColType.FLOAT, width=8, number_format=FMT_SCORE, computed=True),
        Column(
            "Reason",
            None,
            ColType.TEXT,
            width=90,
            computed=True,
            help="Why it is in (mandatory, in flight) or, when deferred, what blocks it.",
        ),
    ),
)

SCHEDULE = Sheet(
    "Schedule",
    Role.OUTPUT,
    "A Gantt chart of the plan: one row per project, one column per month.",
    columns=(
        Column("ID", None, ColType.ID, width=9, computed=True),
        Column("Name", None, ColType.TEXT, width=30, computed=True),
        Column("Decision", None, ColType.TEXT, width=11, computed=True),
        Column("Start", None, ColType.MONTH, width=9, computed=True),
        Column("Finish", None, ColType.MONTH, width=9, computed=True),
    ),
    dynamic="months",
)

UTILISATION = Sheet(
    "Utilisation",
    Role.OUTPUT,
    "Planned load of each role per month against capacity, as a heat map.",
    columns=(
        Column("Role", None, ColType.TEXT, width=22, computed=True),
        Column(
            "Measure",
            None,
            ColType.TEXT,
            width=14,
            computed=True,
            help="Demand (FTE), Capacity (FTE) and Load (demand / capacity).",
        ),
    ),
    dynamic="months",
)

MESSAGES = Sheet(
    "Messages",
    Role.OUTPUT,
    "Problems found in the inputs and notes from the last run, each with its sheet and cell.",
    table="tblMessages",
    columns=(
        Column("Severity", None, ColType.TEXT, width=10, computed=True),
        Column("Sheet", None, ColType.TEXT, width=14, computed=True),
        Column("Cell", None, ColType.TEXT, width=8, computed=True),
        Column("Message", None, ColType.TEXT, width=110, computed=True),
    ),
)

RUN_LOG = Sheet(
    "Run log",
    Role.OUTPUT,
    "One row per run: status, objective, proven bound, gap, time, settings and input checksum.",
    table="tblRunLog",
    columns=(
        Column("Run at", None, ColType.TEXT, width=20, computed=True),
        Column("Status", None, ColType.TEXT, width=12, computed=True),
        Column("Strategy", None, ColType.TEXT, width=10, computed=True),
        Column("Objective", None, ColType.FLOAT, width=11, number_format="0.00", computed=True),
        Column("Bound", None, ColType.FLOAT, width=11, number_format="0.00", computed=True),
        Column("Gap", None, ColType.FLOAT, width=8, number_format="0.0%", computed=True),
        Column("Time (s)", None, ColType.FLOAT, width=9, number_format="0.0", computed=True),
        Column("Selected", None, ColType.INT, width=9, computed=True),
        Column("Settings", None, ColType.TEXT, width=60, computed=True),
        Column("Input checksum", None, ColType.TEXT, width=20, computed=True),
    ),
)

CHANGES = Sheet(
    "Changes",
    Role.OUTPUT,
    "What changed since the plan last written (the baseline): projects in, out, or moved, "
    "each with the input change behind it where one can be named.",
    table="tblChanges",
    columns=(
        Column(
            "Change",
            None,
            ColType.TEXT,
            width=9,
            computed=True,
            help="In (now selected), Out (no longer selected) or Moved (a new start).",
        ),
        Column("ID", None, ColType.ID, width=9, computed=True),
        Column("Name", None, ColType.TEXT, width=30, computed=True),
        Column("Was", None, ColType.MONTH, width=9, computed=True, help="Baseline start."),
        Column("Now", None, ColType.MONTH, width=9, computed=True, help="New start."),
        Column(
            "Cause",
            None,
            ColType.TEXT,
            width=80,
            computed=True,
            help="The input change behind it: a capacity cell, a score, a window, a new "
            "project; or the change elsewhere it follows from.",
        ),
        Column(
            "Where",
            None,
            ColType.TEXT,
            width=16,
            computed=True,
            help="The cell(s) of that input.",
        ),
    ),
)

XLWINGS_CONF = Sheet(
    "xlwings.conf",
    Role.CONFIG,
    "Settings for xlwings (key in column A, value in column B, from A1, no blank rows); "
    "a key left out = your own xlwings config.",
)

# xlwings reads this sheet from A1 down; keys as xlwings' own quickstart writes them. Only keys
# with a value: a row with a blank value still beats the user's own xlwings config (a blank
# Interpreter_Mac makes the buttons run `python`), so the interpreter, PYTHONPATH and conda
# settings are left to the user's config file (`xlwings config create`; docs/excel.md).
XLWINGS_SETTINGS = (
    ("UDF Modules", "udfs.functions"),
    ("Debug UDFs", False),
    ("Use UDF Server", False),
    ("Show Console", False),
)

SHEETS: tuple[Sheet, ...] = (
    START,
    SETTINGS_SHEET,
    CRITERIA,
    INTAKE,
    SCORING,
    DEMAND,
    CAPACITY,
    DEPENDENCIES,
    BUDGET,
    PORTFOLIO,
    SCHEDULE,
    UTILISATION,
    MESSAGES,
    RUN_LOG,
    XLWINGS_CONF,
    CHANGES,
)
INPUT_SHEETS = tuple(s for s in SHEETS if s.role is Role.INPUT)
OUTPUT_SHEETS = tuple(s for s in SHEETS if s.role is Role.OUTPUT)

# Macros behind the buttons on Start and the ribbon (implemented in workbook/vba/).
MACROS = (
    ("PMO_Validate", "Check inputs", "Check every input sheet and list problems on Messages."),
    ("PMO_Reoptimise", "Re-optimise", "Select and schedule projects; write the output sheets."),
    (
        "PMO_ExplainSelected",
        "Explain selected project",
        "Why the project in the selected row is in or out of the plan.",
    ),
    ("PMO_SaveScenario", "Save scenario", "Copy the current plan into a new sheet 'Scenario n'."),
)

# Workbook-level defined names (validation lists and key settings for UDFs).
DEFINED_NAMES = {
    "PMO_ProjectIDs": "=tblIntake[ID]",
    "PMO_Roles": "=tblCapacity[Role]",
    "PMO_Criteria": "=tblCriteria[Criterion]",
}


# Defined names that point at a setting's Value cell (for UDFs and formulas).
SETTING_NAMES = {"PMO_PlanStart": "plan_start", "PMO_Horizon": "horizon"}


def setting_cell(field_name: str) -> str:
    """`Settings!$B$4`: the absolute address of a setting's Value cell in the template."""
    fields = [entry.field for entry in SETTINGS]
    row = SETTINGS_SHEET.header_row + 1 + fields.index(field_name)
    value_column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[SETTINGS_SHEET.first_column]
    return f"{SETTINGS_SHEET.name}!${value_column}${row}"


def defined_names() -> dict[str, str]:
    """Every workbook-level defined name of the template and what it refers to."""
    names = dict(DEFINED_NAMES)
    for name, field_name in SETTING_NAMES.items():
        names[name] = f"={setting_cell(field_name)}"
    return names


def sheet(name: str) -> Sheet:
    """The sheet declared under this name (KeyError if none)."""
    for item in SHEETS:
        if item.name == name:
            return item
    raise KeyError(name)


def column_choices(header: str) -> tuple[str, ...]:
    """The allowed values of the first input column with this header."""
    for item in SHEETS:
        for column in item.columns:
            if column.header == header and column.allowed:
                return column.allowed
    raise KeyError(header)


def setting(name: str) -> Setting:
    """The setting declared under this name (KeyError if none)."""
    for item in SETTINGS:
        if item.name == name:
            return item
    raise KeyError(name)


def render_markdown() -> str:
    """The reference page for the workbook, generated from this schema."""
    lines = [
        "# The PMO_Portfolio workbook",
        "",
        "Generated from `workbook/book/schema.py` by `python -m workbook.book.schema`; "
        "do not edit by hand.",
        "",
        "Input sheets are typed by people (pale yellow cells); output sheets are written by "
        "`pmo optimise` or the Re-optimise button (grey cells). Months are `YYYY-MM` text or "
        "real dates; yes/no cells accept Y/N/Yes/No/TRUE/FALSE/1/0. Each table is found by its "
        "Excel Table name or, failing that, by its header row anywhere on the sheet.",
        "",
        "| Sheet | Role | Table | What it holds |",
        "|---|---|---|---|",
    ]
    for item in SHEETS:
        lines.append(
            f"| {item.name} | {item.role.value} | {item.table or ''} | {item.description} |"
        )
    for item in SHEETS:
        if not item.columns and item is not SETTINGS_SHEET:
            continue
        lines += ["", f"## {item.name}", "", item.description, ""]
        if item.table:
            lines += [f"Excel Table `{item.table}`.", ""]
        lines += ["| Column | Type | Required | Allowed values | Help |", "|---|---|---|---|---|"]
        for column in item.columns:
            kind = "computed" if column.computed else column.type.value
            need = "yes" if column.required else ("optional column" if column.optional else "")
            allowed = ", ".join(column.allowed)
            lines.append(
                f"| {column.header} | {kind} | {need} | {allowed} | {_cell_text(column.help)} |"
            )
        if item.dynamic == "months":
            lines.append(
                "| *one column per month, headed YYYY-MM* | float | | | "
                "Covers Plan start for Horizon months. |"
            )
        elif item.dynamic == "criteria":
            lines.append(
                "| *one column per criterion, headed with its name* | float | yes | | "
                "Score on the criterion's scale (Min..Max on Criteria). |"
            )
        if item is SETTINGS_SHEET:
            lines += ["", "| Setting | Type | Default | Help |", "|---|---|---|---|"]
            for entry in SETTINGS:
                default = "required" if entry.required else entry.default
                if default is None:
                    default = "blank"
                lines.append(
                    f"| {entry.name} | {entry.type.value} | {default} | {_cell_text(entry.help)} |"
                )
    lines += _reasons_section() + _baseline_section()
    lines += ["", "## Buttons", "", "| Macro | Caption | What it does |", "|---|---|---|"]
    lines += [f"| {name} | {caption} | {what} |" for name, caption, what in MACROS]
    lines += ["", "## Defined names", "", "| Name | Refers to |", "|---|---|"]
    lines += [f"| {name} | `{ref}` |" for name, ref in DEFINED_NAMES.items()]
    return "\n".join(lines) + "\n"


def _reasons_section() -> list[str]:
    lines = [
        "",
        "## Reasons",
        "",
        "Every project gets a reason on Portfolio (column Reason) and in `pmo optimise --json` "
        "(`projects[].reason`, the sentence, and `projects[].why`, the record: kind, the rule "
        "that binds, the projects it blames, the group it goes in with, roles, months and FTE "
        "short with the binding ones first, money short per year, the timing chain). A deferred "
        "project is explained with its group: what it can only go in together with (the "
        "predecessors it needs through FS and Requires, its With partners); what blocks the "
        "group blocks each member, so partners never blame each other. A reason blames only "
        "projects in the plan or projects no plan can hold, so no two reasons point at each "
        "other. Every reason is checked against the rules by `engine.checker.check_reasons`, "
        "written without the optimiser's code.",
        "",
        "When Settings leave time for it (Reasons time), deferred projects, highest score first, "
        "also get two solved counterfactuals: the best plan found with the project forced in "
        "(who would leave or move, and the total score), and the least extra FTE per role and "
        "month (or money per year) that lets it in with nobody dropped or moved. When the time "
        'runs out first the reason says "not computed in the time allowed".',
        "",
        "| Kind | What it says |",
        "|---|---|",
    ]
    lines += [f"| {kind.value} | {_cell_text(KIND_HELP[kind])} |" for kind in ReasonKind]
    return lines


def _baseline_section() -> list[str]:
    return [
        "",
        "## Baseline and stability",
        "",
        "The plan last written to Portfolio is the baseline of the next run (with the capacity "
        "it was made with, from Utilisation): no separate accept step, so re-optimising after "
        "an edit compares with what the sheets show. Setting Stability (Off, Low, Normal, High, "
        "or points per change) makes the objective give up that many points for every baseline "
        "project moved or dropped, so a small edit changes the plan only where the gain is "
        "worth it; Off plans afresh. Approved projects of the baseline are kept unless the "
        "rules leave no choice, and then their reason says so. The Changes sheet lists each "
        "project in, out or moved since the baseline, with the input change behind it where "
        "one can be named (a capacity cell, a score, a duration, a cost, a window, a new "
        "project) and the cell it is in; a change with no input of its own is a knock-on of "
        "the others. Save a copy of the workbook (or Save scenario) to keep an older plan.",
    ]


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|")


DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "workbook.md"


def write_docs(path: Path = DOC_PATH) -> Path:
    """Write the generated reference page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_docs())
