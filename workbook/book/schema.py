"""The workbook's shape, declared once: sheets, Excel Tables and columns.

The template builder, the reader, the writer and `docs/workbook.md` all read this module,
so a header renamed here is renamed everywhere. `python -m workbook.book.schema` rewrites the
documentation page.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from engine.model import (
    DependencyType,
    Direction,
    Force,
    Measure,
    Objective,
    Perspective,
    ProjectStatus,
)


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
    dynamic: str | None = None  # "months", "criteria" or "scenarios": one column per each
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
        "play and finish as early as possible.",
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
        "Weights from",
        "weights_from",
        ColType.CHOICE,
        "Criteria",
        "Criteria: the Weight column of the Criteria sheet. Pairwise: the weights of the "
        "Pairwise sheet's judgements (AHP).",
        allowed=("Criteria", "Pairwise"),
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
        Column(
            "Can stop",
            "can_stop",
            ColType.YESNO,
            allowed=YES_NO,
            width=9,
            optional=True,
            default=False,
            help="In flight: Yes lets the optimiser stop it when its capacity and budget buy "
            "more value elsewhere. Blank: No.",
        ),
        Column(
            "Remaining cost",
            "remaining_cost",
            ColType.FLOAT,
            width=13,
            number_format=FMT_MONEY,
            optional=True,
            help="In flight: what is left to spend from the plan start (blank: the cost pro "
            "rata); stopping saves it.",
        ),
        Column(
            "Remaining value",
            "remaining_value",
            ColType.FLOAT,
            width=10,
            number_format=FMT_SCORE,
            optional=True,
            help="In flight and Can stop: the score finishing it still brings, on the Score "
            "scale (blank: its full score).",
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

FRONTIER_CHART_HEIGHT = 21  # rows between the description and the table, where the chart sits
FRONTIER = Sheet(
    "Frontier",
    Role.OUTPUT,
    "The efficient frontier: the best value the portfolio buys at each budget level "
    "(the Budget sheet scaled), with its proven bound, and the projects each level adds.",
    table="tblFrontier",
    columns=(
        Column(
            "Budget scale",
            None,
            ColType.FLOAT,
            width=10,
            number_format=FMT_PERCENT,
            computed=True,
            help="Every year of the Budget sheet multiplied by this.",
        ),
        Column(
            "Budget",
            None,
            ColType.FLOAT,
            width=14,
            number_format=FMT_MONEY,
            computed=True,
            help="The scaled budget, all years together.",
        ),
        Column(
            "Value",
            None,
            ColType.FLOAT,
            width=10,
            number_format=FMT_SCORE,
            computed=True,
            help="Total weighted score of the best plan found at this budget.",
        ),
        Column(
            "Bound",
            None,
            ColType.FLOAT,
            width=10,
            number_format=FMT_SCORE,
            computed=True,
            help="No plan at this budget is worth more (proven by the solver).",
        ),
        Column(
            "Gap",
            None,
            ColType.FLOAT,
            width=8,
            number_format="0.0%",
            computed=True,
            help="(bound - value) / bound; 0 when the value is proven optimal.",
        ),
        Column("Status", None, ColType.TEXT, width=12, computed=True),
        Column(
            "Proven value",
            None,
            ColType.FLOAT,
            width=10,
            number_format=FMT_SCORE,
            computed=True,
            help="The value when it is proven optimal (the chart marks these points).",
        ),
        Column("Selected", None, ColType.INT, width=9, computed=True),
        Column(
            "Entered",
            None,
            ColType.TEXT,
            width=70,
            computed=True,
            help="Projects in the plan at this budget and not at the next lower one.",
        ),
        Column(
            "Note",
            None,
            ColType.TEXT,
            width=60,
            computed=True,
            help="Why a level has no plan (the first input error or rule in conflict).",
        ),
    ),
    header_row=HEADER_ROW + FRONTIER_CHART_HEIGHT,
)

HIRING = Sheet(
    "Hiring",
    Role.INPUT,
    "Ways to add capacity (hire, contract, overtime), in whole units; the optimiser decides "
    "how many units of each, in which months, paid from the Budget. Optional: no rows, no "
    "hiring.",
    table="tblHiring",
    columns=(
        Column(
            "Role",
            "role",
            ColType.TEXT,
            required=True,
            width=22,
            help="A role from the Capacity sheet.",
        ),
        Column(
            "Option",
            "option",
            ColType.TEXT,
            required=True,
            width=16,
            help="How the capacity comes: Hire, Contractor, Overtime...",
        ),
        Column(
            "FTE per unit",
            "fte",
            ColType.FLOAT,
            required=True,
            width=12,
            number_format=FMT_FTE,
            help="FTE one unit adds to the role each month it stays.",
        ),
        Column(
            "Cost per month per unit",
            "monthly_cost",
            ColType.FLOAT,
            required=True,
            width=22,
            number_format=FMT_MONEY,
            help="What one unit costs each month, paid from that year's budget.",
        ),
        Column(
            "Earliest month",
            "earliest",
            ColType.MONTH,
            width=14,
            number_format=FMT_MONTH,
            help="First month a unit can start (YYYY-MM); blank: the plan start.",
        ),
        Column(
            "Max units",
            "max_units",
            ColType.INT,
            width=10,
            default=1,
            help="Most units at the same time.",
        ),
        Column(
            "Minimum months",
            "min_months",
            ColType.INT,
            width=15,
            unit="months",
            default=1,
            help="Once a unit starts it stays at least this many months (or to the horizon's end).",
        ),
    ),
)

HIRING_PLAN = Sheet(
    "Hiring plan",
    Role.OUTPUT,
    "The capacity the plan adds: units of each hiring option, from when to when, and what "
    "they cost.",
    table="tblHiringPlan",
    columns=(
        Column("Role", None, ColType.TEXT, width=22, computed=True),
        Column("Option", None, ColType.TEXT, width=16, computed=True),
        Column("From", None, ColType.MONTH, width=9, computed=True),
        Column("To", None, ColType.MONTH, width=9, computed=True),
        Column("Units", None, ColType.INT, width=7, computed=True),
        Column(
            "FTE",
            None,
            ColType.FLOAT,
            width=7,
            number_format=FMT_FTE,
            computed=True,
            help="FTE the units add each month.",
        ),
        Column("Cost", None, ColType.FLOAT, width=13, number_format=FMT_MONEY, computed=True),
    ),
)

SHORTFALL = Sheet(
    "Shortfall",
    Role.OUTPUT,
    "By role and month, the FTE the deferred projects would need beyond the plan, and the "
    "score they would bring: where more people would buy the most.",
    table="tblShortfall",
    columns=(
        Column("Role", None, ColType.TEXT, width=22, computed=True),
        Column("Month", None, ColType.MONTH, width=9, computed=True),
        Column(
            "FTE short",
            None,
            ColType.FLOAT,
            width=9,
            number_format=FMT_FTE,
            computed=True,
            help="FTE missing for the deferred projects short of this role this month.",
        ),
        Column(
            "Score",
            None,
            ColType.FLOAT,
            width=8,
            number_format=FMT_SCORE,
            computed=True,
            help="The total score of those projects.",
        ),
        Column("Projects", None, ColType.TEXT, width=60, computed=True),
    ),
)

MEASURES = _choices(Measure)
BALANCE_DIMENSIONS = ("Perspective", "Department", "Programme", "Strategic objective")

BALANCE = Sheet(
    "Balance",
    Role.INPUT,
    "Shares the selection must keep: each group's part of the selected projects' cost, FTE, "
    "count or score, at least Min share and at most Max share. Optional: no rows, no rule.",
    table="tblBalance",
    columns=(
        Column(
            "Dimension",
            "dimension",
            ColType.TEXT,
            required=True,
            width=20,
            help="Perspective (of the criteria that score the project most), Department, "
            "Programme, Strategic objective, or the header of any Intake column.",
        ),
        Column(
            "Value",
            "value",
            ColType.TEXT,
            required=True,
            width=24,
            help="The group: the value of that column (e.g. IT), as on the Intake sheet.",
        ),
        Column(
            "Measure",
            "measure",
            ColType.CHOICE,
            allowed=MEASURES,
            width=10,
            default=Measure.COST.value,
            help="What is shared: cost, FTE (FTE-months), count (projects) or score.",
        ),
        Column(
            "Min share",
            "min_share",
            ColType.FLOAT,
            width=10,
            number_format=FMT_PERCENT,
            help="The group takes at least this share (e.g. 10%); blank: no floor.",
        ),
        Column(
            "Max share",
            "max_share",
            ColType.FLOAT,
            width=10,
            number_format=FMT_PERCENT,
            help="The group takes at most this share (e.g. 40%); blank: no cap.",
        ),
    ),
)

BALANCE_CHART_HEIGHT = 19  # rows between the description and the table, where the chart sits
BALANCE_CHART_ROWS = 10  # the chart plots this many rules
BALANCE_VIEW = Sheet(
    "Balance view",
    Role.OUTPUT,
    "Each balance rule's share in the plan against its minimum and maximum.",
    table="tblBalanceView",
    columns=(
        Column("Rule", None, ColType.TEXT, width=34, computed=True, help="Dimension: value."),
        Column("Measure", None, ColType.TEXT, width=9, computed=True),
        Column(
            "Min share", None, ColType.FLOAT, width=10, number_format=FMT_PERCENT, computed=True
        ),
        Column(
            "Actual share",
            None,
            ColType.FLOAT,
            width=11,
            number_format="0.0%",
            computed=True,
            help="The group's share of the selected projects' measure.",
        ),
        Column(
            "Max share", None, ColType.FLOAT, width=10, number_format=FMT_PERCENT, computed=True
        ),
        Column(
            "Status",
            None,
            ColType.TEXT,
            width=12,
            computed=True,
            help="Within, At the limit (the rule binds), or None selected.",
        ),
    ),
    header_row=HEADER_ROW + BALANCE_CHART_HEIGHT,
)

SCENARIOS = Sheet(
    "Scenarios",
    Role.OUTPUT,
    "Saved scenarios: each keeps its inputs and results inside this workbook (pmo scenario "
    "save, or the Save scenario button); compare them with pmo scenario compare or the "
    "Compare scenarios button.",
    table="tblScenarios",
    columns=(
        Column("Name", None, ColType.TEXT, width=22, computed=True),
        Column("Saved", None, ColType.TEXT, width=20, computed=True),
        Column("Objective", None, ColType.TEXT, width=10, computed=True),
        Column("Value", None, ColType.FLOAT, width=10, number_format=FMT_SCORE, computed=True),
        Column("Gap", None, ColType.FLOAT, width=8, number_format="0.0%", computed=True),
        Column("Selected", None, ColType.INT, width=9, computed=True),
        Column(
            "Cost per year",
            None,
            ColType.FLOAT,
            width=14,
            number_format=FMT_MONEY,
            computed=True,
            help="The plan's spend (projects and hires) over the horizon, per year.",
        ),
        Column("Note", None, ColType.TEXT, width=60, computed=True),
    ),
)

COMPARE = Sheet(
    "Compare",
    Role.OUTPUT,
    "Scenarios side by side: value, spend per year against budget, FTE-months per role, "
    "projects in only some of them, projects moved, and the input cells that differ.",
    columns=(
        Column("Section", None, ColType.TEXT, width=14, computed=True),
        Column("Item", None, ColType.TEXT, width=44, computed=True),
    ),
    dynamic="scenarios",
)

SCENARIO_STORE = Sheet(
    "PMO scenarios",
    Role.OUTPUT,
    "The saved scenarios as JSON (very hidden; written by Save scenario, read by Compare "
    "and restore).",
    columns=(
        Column("Name", None, ColType.TEXT, width=20, computed=True),
        Column("Part", None, ColType.INT, width=6, computed=True),
        Column("JSON", None, ColType.TEXT, width=80, computed=True),
    ),
)

PAIRWISE = Sheet(
    "Pairwise",
    Role.INPUT,
    "Criteria compared in pairs on Saaty's 1-9 scale (row against column: 3 = moderately "
    "more important, 1/3 = moderately less); type the upper triangle, the lower one is its "
    "reciprocal by formula. The weights and consistency ratio are live (PMO_AHP_WEIGHTS, "
    "PMO_AHP_CR); Settings 'Weights from: Pairwise' uses them.",
    table="tblPairwise",
    columns=(
        Column(
            "Criterion",
            None,
            ColType.TEXT,
            required=True,
            width=24,
            help="The criterion of this row, as on the Criteria sheet.",
        ),
        Column(
            "AHP weight",
            None,
            ColType.FLOAT,
            width=11,
            number_format="0.0%",
            computed=True,
            optional=True,
            help="The row's weight from the judgements: PMO_AHP_WEIGHTS (principal "
            "eigenvector) where the PMO add-in runs, else the geometric-mean weight.",
        ),
        Column(
            "Geometric mean",
            None,
            ColType.FLOAT,
            width=11,
            number_format="0.000",
            computed=True,
            optional=True,
            help="The row's judgements' geometric mean (the weight without the add-in).",
        ),
        Column(
            "Weighted sum",
            None,
            ColType.FLOAT,
            width=11,
            number_format="0.000",
            computed=True,
            optional=True,
            help="The row times the weights; its ratio to the weight estimates the "
            "consistency without the add-in.",
        ),
    ),
    dynamic="criteria",
)

SCORECARD = Sheet(
    "Scorecard",
    Role.OUTPUT,
    "The balanced scorecard of the plan: score, cost and FTE-months by perspective, for the "
    "selected and the deferred projects.",
    table="tblScorecard",
    columns=(
        Column("Perspective", None, ColType.TEXT, width=20, computed=True),
        Column(
            "Decision",
            None,
            ColType.TEXT,
            width=11,
            computed=True,
            help="Selected or Deferred (projects in play only).",
        ),
        Column(
            "Score",
            None,
            ColType.FLOAT,
            width=9,
            number_format=FMT_SCORE,
            computed=True,
            help="The weighted score the perspective's criteria give these projects.",
        ),
        Column(
            "Projects",
            None,
            ColType.INT,
            width=9,
            computed=True,
            help="Projects whose score comes most from this perspective.",
        ),
        Column(
            "Cost",
            None,
            ColType.FLOAT,
            width=13,
            number_format=FMT_MONEY,
            computed=True,
            help="Their cost (each project counted under its main perspective).",
        ),
        Column(
            "FTE-months",
            None,
            ColType.FLOAT,
            width=11,
            number_format="0.0",
            computed=True,
            help="Their demand, every role, in FTE-months.",
        ),
    ),
)

FRONTIER_CHART_ROWS = 25  # the chart plots this many rows of tblFrontier (points beyond: none)

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
    FRONTIER,
    HIRING,
    HIRING_PLAN,
    SHORTFALL,
    BALANCE,
    BALANCE_VIEW,
    SCENARIOS,
    COMPARE,
    SCENARIO_STORE,
    PAIRWISE,
    SCORECARD,
)

# Input sheets a workbook may lack (older workbooks): a missing one reads as no rows.
OPTIONAL_SHEETS = (HIRING, BALANCE, PAIRWISE)
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
    (
        "PMO_SaveScenario",
        "Save scenario",
        "Solve and keep the inputs and the plan as scenario 'Scenario n' inside the workbook "
        "(Scenarios sheet).",
    ),
    (
        "PMO_Frontier",
        "Efficient frontier",
        "Solve the portfolio at budgets from 60% to 140% and chart value against budget "
        "on the Frontier sheet.",
    ),
    (
        "PMO_CompareScenarios",
        "Compare scenarios",
        "Set the last two saved scenarios side by side on the Compare sheet.",
    ),
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
        elif item.dynamic == "scenarios":
            lines.append(
                "| *one column per scenario compared, headed with its name* | | | | "
                "The scenario's value for the item. |"
            )
        elif item.dynamic == "criteria" and item.name == "Pairwise":
            lines.append(
                "| *one column per criterion, headed with its name* | float | yes | | "
                "How much more important the row's criterion is than the column's: 1/9..9; "
                "the upper triangle is typed, the lower one is =1/mirror. |"
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
                lines.append(
                    f"| {entry.name} | {entry.type.value} | {default} | {_cell_text(entry.help)} |"
                )
    lines += ["", "## Buttons", "", "| Macro | Caption | What it does |", "|---|---|---|"]
    lines += [f"| {name} | {caption} | {what} |" for name, caption, what in MACROS]
    lines += ["", "## Defined names", "", "| Name | Refers to |", "|---|---|"]
    lines += [f"| {name} | `{ref}` |" for name, ref in DEFINED_NAMES.items()]
    return "\n".join(lines) + "\n"


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
