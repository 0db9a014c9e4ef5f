"""The workbook's shape, declared once: sheets, Excel Tables and columns.

The template builder, the reader, the writer and `docs/workbook.md` all read this module,
so a header renamed here is renamed everywhere. `python -m workbook.book.schema` rewrites the
documentation page.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from engine.delivery.records import HEALTH_DIMENSIONS, RaidStatus, RaidType
from engine.gates import GATE_CRITERIA, GATES, SCORE_SCALE, GateDecision
from engine.managers import EVALUATION_CRITERIA, EVALUATION_SCALE
from engine.model import (
    GRADES,
    DependencyType,
    Direction,
    Force,
    ManagerMode,
    Measure,
    Objective,
    Perspective,
    ProjectStatus,
)
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
    DATE = "date"  # a day: a real date or YYYY-MM-DD text, read as YYYY-MM-DD


YES_NO = ("Yes", "No")
YES_WORDS = frozenset({"y", "yes", "true", "1", "1.0"})
NO_WORDS = frozenset({"n", "no", "false", "0", "0.0"})

FMT_MONTH = "yyyy-mm"
FMT_DATE = "yyyy-mm-dd"
FMT_MONEY = "#,##0"
FMT_FTE = "0.0#"
FMT_SCORE = "0.00"
FMT_PERCENT = "0%"
FMT_DATE = "yyyy-mm-dd"
FMT_RATIO = "0.00"


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
    low: float | None = None  # the template's validation: the lowest value allowed
    high: float | None = None  # ... and the highest


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
MANAGER_MODES = _choices(ManagerMode)
LESSON_PHASES = ("Initiation", "Planning", "Delivery", "Handover", "Closure")
LESSON_CATEGORIES = (
    "Scope",
    "Schedule",
    "Cost",
    "Quality",
    "Risk",
    "Resources",
    "Stakeholders",
    "Supplier",
    "Technology",
    "Governance",
)
LESSON_STATUSES = ("Open", "Actioned", "Closed")
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
        "Seed of the search. Reproducible = No: the searches stop on the clock, so a run "
        "the time limit cuts short may give another plan with the same seed (on a slower or "
        "busier machine, or on the same one); only a run that ends proven optimal before "
        "the limit repeats its value. Reproducible = Yes: the same workbook and seed give the "
        "same plan on any machine and load (same version of this tool), unless a search hits "
        "its safety stop at ten times its time, which Messages then says.",
    ),
    Setting(
        "Status date",
        "status_date",
        ColType.DATE,
        None,
        "The day delivery is reported at (overdue actions, the dashboard), as YYYY-MM-DD; "
        "blank: today.",
    ),
    Setting(
        "RAG green from",
        "rag_green",
        ColType.FLOAT,
        0.95,
        "SPI and CPI from this value up are Green.",
    ),
    Setting(
        "RAG amber from",
        "rag_amber",
        ColType.FLOAT,
        0.85,
        "SPI and CPI from this value up (below Green) are Amber; below it they are Red.",
    ),
    Setting(
        "Health green from",
        "health_green",
        ColType.FLOAT,
        4.0,
        "Health indexes (1-5) from this value up are Green.",
    ),
    Setting(
        "Health amber from",
        "health_amber",
        ColType.FLOAT,
        3.0,
        "Health indexes from this value up (below Green) are Amber; below it they are Red.",
    ),
    Setting(
        "Project managers",
        "project_managers",
        ColType.CHOICE,
        ManagerMode.CHECK.value,
        "Check: the managers named on Intake are checked against People (limits, "
        "availability) and warned about. Assign: the optimiser assigns managers from People "
        "to the selected projects within their limits; grade and skills are preferences.",
        allowed=MANAGER_MODES,
    ),
    Setting(
        "Department",
        "department",
        ColType.TEXT,
        None,
        "The department this book belongs to, for the enterprise roll-up (pmo rollup); "
        "blank: the file name.",
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
        "Seconds for solved reasons, kept within the time limit: for each deferred project, "
        "what it would displace and the least extra capacity that lets it in. Blank: a tenth "
        "of the time limit; 0: none. Reasons that do not fit say so.",
    ),
    Setting(
        "Reproducible",
        "reproducible",
        ColType.YESNO,
        "No",
        "Yes: the same workbook and seed give the same plan and the same solved reasons on "
        "any machine and load: the time limit and Reasons time count the solver's work done "
        "(CP-SAT's deterministic time, a unit per second) instead of the clock, so a "
        "run may end before or after its limit, and it finds somewhat less value in the "
        "same limit (docs/benchmarks.md). No: the searches stop on the clock.",
        allowed=YES_NO,
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
            "manager",
            ColType.TEXT,
            width=18,
            optional=True,
            help="Project manager, as named on People (under Assign: the one proposed).",
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
            "PM grade",
            "pm_grade",
            ColType.CHOICE,
            allowed=GRADES,
            width=11,
            optional=True,
            help="Lowest grade of project manager wanted (Assign prefers one at least this "
            "grade); blank: any.",
        ),
        Column(
            "PM skills",
            "pm_skills",
            ColType.TEXT,
            width=20,
            optional=True,
            help="Skills wanted of its manager, comma-separated (Assign prefers a manager "
            "with them).",
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
        Column(
            "Project manager",
            None,
            ColType.TEXT,
            width=18,
            computed=True,
            help="Assign: the manager the optimiser gave it; Check: the one Intake names.",
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

# --- Delivery: status, RAID, gates, health, benefits, reviews, and their views -----------------


def row_ref(table: str, header: str) -> str:
    """`tblStatus[[#This Row],[% complete]]`: a structured reference to this row's cell."""
    return f"{table}[[#This Row],[{escape_header(header)}]]"


def escape_header(header: str) -> str:
    """A header as a structured reference spells it: [ ] # ' escaped with an apostrophe."""
    return "".join("'" + ch if ch in "[]#'" else ch for ch in header)


def month_number(ref: str) -> str:
    """A formula for the month number (year x 12 + month) of a date or of `YYYY-MM` text."""
    text = f"VALUE(LEFT({ref},4))*12+VALUE(MID({ref},6,2))"
    return f"IF(ISNUMBER({ref}),YEAR({ref})*12+MONTH({ref}),{text})"


def rag_formula(ref: str, green: str, amber: str) -> str:
    """Green from `green` up, Amber from `amber` up, else Red; blank for a blank value."""
    return f'=IF({ref}="","",IF({ref}>={green},"Green",IF({ref}>={amber},"Amber","Red")))'


def _status_formulas() -> dict[str, str]:
    t = "tblStatus"
    pid, period = row_ref(t, "ID"), row_ref(t, "Period")
    pct, ac, pv = row_ref(t, "% complete"), row_ref(t, "Actual cost"), row_ref(t, "Planned value")
    ev, spi, cpi = row_ref(t, "Earned value"), row_ref(t, "SPI"), row_ref(t, "CPI")
    eac = row_ref(t, "EAC")
    at = f"MATCH({pid},tblIntake[ID],0)"
    bac = f"INDEX(tblIntake[Cost],{at})"
    fixed = f"INDEX(tblIntake[Fixed start],{at})"
    planned = f"INDEX(tblPortfolio[Start],MATCH({pid},tblPortfolio[ID],0))"
    start = f'IF({fixed}<>"",{month_number(fixed)},{month_number(planned)})'
    duration = f"INDEX(tblIntake[Duration (months)],{at})"
    share = f"({month_number(period)}-{start}+1)/MAX(1,{duration})"
    s_rag, c_rag = row_ref(t, "Schedule RAG"), row_ref(t, "Cost RAG")
    return {
        "Planned value": f'=IFERROR(IF(OR({pid}="",{period}=""),"",'
        f'{bac}*MIN(1,MAX(0,{share}))),"")',
        "Earned value": f'=IFERROR(IF({pct}="","",{pct}*{bac}),"")',
        "SPI": f'=IF(OR({ev}="",{pv}="",{pv}=0),"",{ev}/{pv})',
        "CPI": f'=IF(OR({ev}="",{ac}="",{ac}=0),"",{ev}/{ac})',
        "EAC": f'=IFERROR(IF({ac}="","",IF({ac}=0,{bac},'
        f'IF(OR({cpi}="",{cpi}=0),"",{bac}/{cpi}))),"")',
        "VAC": f'=IFERROR(IF({eac}="","",{bac}-{eac}),"")',
        "Schedule RAG": rag_formula(spi, "PMO_RAGGreen", "PMO_RAGAmber"),
        "Cost RAG": rag_formula(cpi, "PMO_RAGGreen", "PMO_RAGAmber"),
        "Overall RAG": f'=IF(AND({s_rag}="",{c_rag}=""),"",IF(OR({s_rag}="Red",{c_rag}="Red"),'
        f'"Red",IF(OR({s_rag}="Amber",{c_rag}="Amber"),"Amber","Green")))',
    }


STATUS_FORMULAS = _status_formulas()
RAG_COLOURS = ("Green", "Amber", "Red")
SCALE_HELP = f"{SCORE_SCALE[0]} (poor) to {SCORE_SCALE[1]} (good)"

STATUS = Sheet(
    "Status",
    Role.INPUT,
    "One row per project and reporting month: progress and spend, with earned value and RAG.",
    table="tblStatus",
    columns=(
        Column(
            "ID", "project_id", ColType.ID, required=True, width=9, help="Project ID from Intake."
        ),
        Column(
            "Period",
            "period",
            ColType.MONTH,
            required=True,
            width=9,
            number_format=FMT_MONTH,
            help="The reporting month, as a date (type 2027-03; Excel makes it a date).",
        ),
        Column(
            "% complete",
            "percent_complete",
            ColType.FLOAT,
            width=11,
            number_format=FMT_PERCENT,
            low=0,
            high=1,
            help="How much of the work is done, 0% to 100%.",
        ),
        Column(
            "Actual cost",
            "actual_cost",
            ColType.FLOAT,
            width=13,
            number_format=FMT_MONEY,
            help="Money spent on the project to date (AC).",
        ),
        Column(
            "Planned value",
            "planned_value",
            ColType.FLOAT,
            width=13,
            number_format=FMT_MONEY,
            formula=STATUS_FORMULAS["Planned value"],
            help="PV: the cost planned to be spent by the end of the period (the Intake cost "
            "spread evenly over the scheduled months: Fixed start, else the last plan). Type "
            "over it to use your own.",
        ),
        Column(
            "Earned value",
            None,
            ColType.FLOAT,
            width=13,
            number_format=FMT_MONEY,
            computed=True,
            formula=STATUS_FORMULAS["Earned value"],
            help="EV = % complete x budget at completion (the Intake cost).",
        ),
        Column(
            "SPI",
            None,
            ColType.FLOAT,
            width=7,
            number_format=FMT_RATIO,
            computed=True,
            formula=STATUS_FORMULAS["SPI"],
            help="Schedule performance index, EV / PV (below 1: behind plan).",
        ),
        Column(
            "CPI",
            None,
            ColType.FLOAT,
            width=7,
            number_format=FMT_RATIO,
            computed=True,
            formula=STATUS_FORMULAS["CPI"],
            help="Cost performance index, EV / AC (below 1: over cost).",
        ),
        Column(
            "EAC",
            None,
            ColType.FLOAT,
            width=13,
            number_format=FMT_MONEY,
            computed=True,
            formula=STATUS_FORMULAS["EAC"],
            help="Estimate at completion, BAC / CPI (the budget while nothing is spent).",
        ),
        Column(
            "VAC",
            None,
            ColType.FLOAT,
            width=13,
            number_format=FMT_MONEY,
            computed=True,
            formula=STATUS_FORMULAS["VAC"],
            help="Variance at completion, BAC - EAC (negative: an overrun is forecast).",
        ),
        Column(
            "Schedule RAG",
            None,
            ColType.TEXT,
            width=12,
            computed=True,
            formula=STATUS_FORMULAS["Schedule RAG"],
            help="SPI against the RAG thresholds on Settings.",
        ),
        Column(
            "Cost RAG",
            None,
            ColType.TEXT,
            width=12,
            computed=True,
            formula=STATUS_FORMULAS["Cost RAG"],
            help="CPI against the RAG thresholds on Settings.",
        ),
        Column(
            "Overall RAG",
            None,
            ColType.TEXT,
            width=12,
            computed=True,
            formula=STATUS_FORMULAS["Overall RAG"],
            help="The worse of Schedule RAG and Cost RAG.",
        ),
        Column(
            "Commentary", "commentary", ColType.TEXT, width=50, help="What happened this month."
        ),
        Column("Next steps", "next_steps", ColType.TEXT, width=40, help="What comes next."),
    ),
)

# The view's columns: each looks up the project's latest status row (latest period; of equal
# periods, the later row) with LOOKUP(2, 1/(...)), which Excel and LibreOffice both evaluate
# without array entry.
LATEST_FROM_STATUS = (
    "% complete",
    "Planned value",
    "Earned value",
    "Actual cost",
    "SPI",
    "CPI",
    "EAC",
    "VAC",
    "Schedule RAG",
    "Cost RAG",
    "Overall RAG",
    "Commentary",
    "Next steps",
)


def _latest_formula(header: str) -> str:
    t = "tblLatestStatus"
    pid, period = row_ref(t, "ID"), row_ref(t, "Period")
    found = (
        f"LOOKUP(2,1/((tblStatus[ID]={pid})*(tblStatus[Period]={period})),"
        f"tblStatus[{escape_header(header)}])"
    )
    return f'=IFERROR(IF({period}="","",IF({found}="","",{found})),"")'


def _latest_columns() -> tuple[Column, ...]:
    t = "tblLatestStatus"
    pid = row_ref(t, "ID")
    columns = [
        Column("ID", None, ColType.ID, width=9, computed=True, help="A project with status rows."),
        Column(
            "Name",
            None,
            ColType.TEXT,
            width=30,
            computed=True,
            formula=f'=IFERROR(INDEX(tblIntake[Name],MATCH({pid},tblIntake[ID],0)),"")',
        ),
        Column(
            "Period",
            None,
            ColType.MONTH,
            width=9,
            number_format=FMT_MONTH,
            computed=True,
            formula=f'=IF(COUNTIF(tblStatus[ID],{pid})=0,"",'
            f"SUMPRODUCT(MAX((tblStatus[ID]={pid})*tblStatus[Period])))",
            help="The project's latest reporting month on Status.",
        ),
    ]
    for header in LATEST_FROM_STATUS:
        source = STATUS.column(header)
        columns.append(
            Column(
                header,
                None,
                source.type,
                width=source.width,
                number_format=source.number_format,
                computed=True,
                formula=_latest_formula(header),
                help=f"{header} of the latest status row.",
            )
        )
    return tuple(columns)


LATEST_STATUS = Sheet(
    "Latest status",
    Role.OUTPUT,
    "One row per project: its latest status row, looked up live from Status; the rows are "
    "rewritten by Refresh dashboard and Re-optimise.",
    table="tblLatestStatus",
    columns=_latest_columns(),
)

RAID_TYPES = _choices(RaidType)
RAID_STATUSES = _choices(RaidStatus)
_RAID = "tblRAID"
RAID = Sheet(
    "RAID",
    Role.INPUT,
    "The RAID log: risks, assumptions, issues, dependencies, actions and decisions; open risks "
    "are counted on the heat map beside it.",
    table=_RAID,
    columns=(
        Column(
            "Type",
            "type",
            ColType.CHOICE,
            required=True,
            allowed=RAID_TYPES,
            width=12,
            help="Risk, Assumption, Issue, Dependency, Action or Decision.",
        ),
        Column(
            "ID", "id", ColType.TEXT, required=True, width=8, help="The entry's own ID, e.g. R-01."
        ),
        Column(
            "Project",
            "project_id",
            ColType.ID,
            width=9,
            help="Project ID from Intake; blank for the whole portfolio.",
        ),
        Column("Title", "title", ColType.TEXT, width=36, help="What it is, in a line."),
        Column("Owner", "owner", ColType.TEXT, width=16, help="Who acts on it."),
        Column(
            "Raised",
            "raised",
            ColType.DATE,
            width=11,
            number_format=FMT_DATE,
            help="The day it was raised.",
        ),
        Column(
            "Due",
            "due",
            ColType.DATE,
            width=11,
            number_format=FMT_DATE,
            help="When it must be acted on; open entries past it are overdue.",
        ),
        Column(
            "Probability",
            "probability",
            ColType.INT,
            width=11,
            low=SCORE_SCALE[0],
            high=SCORE_SCALE[1],
            help="1 (rare) to 5 (almost certain).",
        ),
        Column(
            "Impact",
            "impact",
            ColType.INT,
            width=8,
            low=SCORE_SCALE[0],
            high=SCORE_SCALE[1],
            help="1 (minor) to 5 (severe).",
        ),
        Column(
            "Score",
            None,
            ColType.INT,
            width=7,
            computed=True,
            formula=f'=IF(OR({row_ref(_RAID, "Probability")}="",{row_ref(_RAID, "Impact")}=""),"",'
            f"{row_ref(_RAID, 'Probability')}*{row_ref(_RAID, 'Impact')})",
            help="Probability x impact, 1 to 25.",
        ),
        Column("Response", "response", ColType.TEXT, width=36, help="What is done about it."),
        Column(
            "Status",
            "status",
            ColType.CHOICE,
            allowed=RAID_STATUSES,
            width=9,
            default=RaidStatus.OPEN.value,
            help="Open or Closed; blank counts as Open.",
        ),
        Column(
            "Overdue",
            None,
            ColType.TEXT,
            width=9,
            computed=True,
            optional=True,
            formula=f'=IF(AND({row_ref(_RAID, "Status")}<>"Closed",{row_ref(_RAID, "Due")}<>"",'
            f'{row_ref(_RAID, "Due")}<PMO_AsOf),"Overdue","")',
            help="Open and past its due date (Settings: Status date).",
        ),
    ),
)


def heat_map_formula(probability: int, impact: int) -> str:
    """The count of open risks with this probability and impact."""
    return (
        f'=COUNTIFS({_RAID}[Type],"Risk",{_RAID}[Status],"<>Closed",'
        f"{_RAID}[Probability],{probability},{_RAID}[Impact],{impact})"
    )


GATE_DECISIONS = _choices(GateDecision)
_GATES = "tblGates"
_FIRST_CRITERION, _LAST_CRITERION = GATE_CRITERIA[0], GATE_CRITERIA[-1]
GATE_SCORES = (
    f"{_GATES}[[#This Row],[{escape_header(_FIRST_CRITERION)}]:[{escape_header(_LAST_CRITERION)}]]"
)
GATES_SHEET = Sheet(
    "Gates",
    Role.INPUT,
    "Stage-gate reviews: gate, date, reviewer, criteria scores and decision. The latest "
    "decision counts: Stop takes a project out of the plan, Hold keeps it from starting.",
    table=_GATES,
    columns=(
        Column(
            "ID", "project_id", ColType.ID, required=True, width=9, help="Project ID from Intake."
        ),
        Column(
            "Gate",
            "gate",
            ColType.TEXT,
            required=True,
            width=18,
            help="The gate reviewed, from the list beside the table (names editable there).",
        ),
        Column(
            "Date",
            "date",
            ColType.DATE,
            width=11,
            number_format=FMT_DATE,
            help="The day of the review; a decision needs it.",
        ),
        Column("Reviewer", "reviewer", ColType.TEXT, width=18, help="Who chaired the review."),
        *(
            Column(
                name,
                f"score:{name}",
                ColType.INT,
                width=10,
                low=SCORE_SCALE[0],
                high=SCORE_SCALE[1],
                help=f"{name}, scored {SCALE_HELP}.",
            )
            for name in GATE_CRITERIA
        ),
        Column(
            "Gate score",
            None,
            ColType.FLOAT,
            width=8,
            number_format=FMT_RATIO,
            computed=True,
            formula=f'=IF(COUNT({GATE_SCORES})=0,"",AVERAGE({GATE_SCORES}))',
            help="The mean of the criteria scores given.",
        ),
        Column(
            "Decision",
            "decision",
            ColType.CHOICE,
            allowed=GATE_DECISIONS,
            width=10,
            help="Go, Hold, Stop or Recycle; blank while the decision is pending.",
        ),
        Column("Notes", "notes", ColType.TEXT, width=40, help="Conditions, reasons."),
    ),
)
GATE_LIST_COLUMN = len(GATES_SHEET.columns) + 2  # 1-based: one empty column after the table
GATE_LIST_HEADER = "Gates (names editable)"

_HEALTH = "tblHealth"
HEALTH_SCORES = (
    f"{_HEALTH}[[#This Row],[{escape_header(HEALTH_DIMENSIONS[0])}]:"
    f"[{escape_header(HEALTH_DIMENSIONS[-1])}]]"
)
HEALTH = Sheet(
    "Health",
    Role.INPUT,
    "Health checks: each project scored 1-5 on schedule, cost, scope, quality, risk, "
    "resources, stakeholders and benefits; the index and its RAG are formulas.",
    table=_HEALTH,
    columns=(
        Column(
            "ID", "project_id", ColType.ID, required=True, width=9, help="Project ID from Intake."
        ),
        Column(
            "Date",
            "date",
            ColType.DATE,
            required=True,
            width=11,
            number_format=FMT_DATE,
            help="The day of the check.",
        ),
        Column("Reviewer", "reviewer", ColType.TEXT, width=16, help="Who made the check."),
        *(
            Column(
                name,
                f"score:{name}",
                ColType.INT,
                width=10,
                low=SCORE_SCALE[0],
                high=SCORE_SCALE[1],
                help=f"{name}, scored {SCALE_HELP}.",
            )
            for name in HEALTH_DIMENSIONS
        ),
        Column(
            "Health index",
            None,
            ColType.FLOAT,
            width=9,
            number_format=FMT_RATIO,
            computed=True,
            formula=f'=IF(COUNT({HEALTH_SCORES})=0,"",AVERAGE({HEALTH_SCORES}))',
            help="The mean of the scores given, 1 to 5.",
        ),
        Column(
            "Health RAG",
            None,
            ColType.TEXT,
            width=9,
            computed=True,
            formula=rag_formula(
                row_ref(_HEALTH, "Health index"), "PMO_HealthGreen", "PMO_HealthAmber"
            ),
            help="The index against the health thresholds on Settings.",
        ),
        Column("Notes", "notes", ColType.TEXT, width=40, help="Findings and actions."),
    ),
)

_BENEFITS = "tblBenefits"
FMT_AMOUNT = "#,##0.00"


def _variance_formula() -> str:
    realised, planned = row_ref(_BENEFITS, "Realised"), row_ref(_BENEFITS, "Planned")
    return f'=IF(OR({realised}="",{planned}=""),"",{realised}-{planned})'


BENEFITS = Sheet(
    "Benefits",
    Role.INPUT,
    "The benefits each project should bring, measured per period: planned against realised.",
    table=_BENEFITS,
    columns=(
        Column(
            "ID", "project_id", ColType.ID, required=True, width=9, help="Project ID from Intake."
        ),
        Column("Benefit", "benefit", ColType.TEXT, required=True, width=30, help="The benefit."),
        Column("Measure", "measure", ColType.TEXT, width=22, help="How it is measured (unit)."),
        Column("Owner", "owner", ColType.TEXT, width=16, help="Who answers for it."),
        Column(
            "Baseline",
            "baseline",
            ColType.FLOAT,
            width=11,
            number_format=FMT_AMOUNT,
            help="The measure before the project.",
        ),
        Column(
            "Target",
            "target",
            ColType.FLOAT,
            width=11,
            number_format=FMT_AMOUNT,
            help="The measure the project aims at.",
        ),
        Column(
            "Period",
            "period",
            ColType.MONTH,
            width=9,
            number_format=FMT_MONTH,
            help="The month measured.",
        ),
        Column(
            "Planned",
            "planned",
            ColType.FLOAT,
            width=11,
            number_format=FMT_AMOUNT,
            help="The benefit planned for the period.",
        ),
        Column(
            "Realised",
            "realised",
            ColType.FLOAT,
            width=11,
            number_format=FMT_AMOUNT,
            help="The benefit realised in the period.",
        ),
        Column(
            "Variance",
            None,
            ColType.FLOAT,
            width=11,
            number_format=FMT_AMOUNT,
            computed=True,
            formula=_variance_formula(),
            help="Realised - planned (negative: short of plan).",
        ),
    ),
)

_REVIEWS = "tblReviews"
REVIEWS = Sheet(
    "Reviews",
    Role.INPUT,
    "Post-project reviews of closed projects: benefits realised against planned (summed from "
    "Benefits), what went well and the lessons learned.",
    table=_REVIEWS,
    columns=(
        Column(
            "ID", "project_id", ColType.ID, required=True, width=9, help="A closed project's ID."
        ),
        Column(
            "Date",
            "date",
            ColType.DATE,
            width=11,
            number_format=FMT_DATE,
            help="The day of the review.",
        ),
        Column("Reviewer", "reviewer", ColType.TEXT, width=16, help="Who led the review."),
        Column(
            "Planned benefits",
            None,
            ColType.FLOAT,
            width=13,
            number_format=FMT_AMOUNT,
            computed=True,
            formula=f"=SUMIF({_BENEFITS}[ID],{row_ref(_REVIEWS, 'ID')},{_BENEFITS}[Planned])",
            help="The project's planned benefits on Benefits, summed.",
        ),
        Column(
            "Realised benefits",
            None,
            ColType.FLOAT,
            width=13,
            number_format=FMT_AMOUNT,
            computed=True,
            formula=f"=SUMIF({_BENEFITS}[ID],{row_ref(_REVIEWS, 'ID')},{_BENEFITS}[Realised])",
            help="The project's realised benefits on Benefits, summed.",
        ),
        Column(
            "Realised %",
            None,
            ColType.FLOAT,
            width=10,
            number_format=FMT_PERCENT,
            computed=True,
            formula=f'=IF({row_ref(_REVIEWS, "Planned benefits")}=0,"",'
            f"{row_ref(_REVIEWS, 'Realised benefits')}/{row_ref(_REVIEWS, 'Planned benefits')})",
            help="Realised / planned benefits.",
        ),
        Column("What went well", "went_well", ColType.TEXT, width=40, help="To repeat."),
        Column(
            "Lessons",
            "lessons",
            ColType.TEXT,
            width=50,
            help="Lessons learned, for the next projects.",
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Block:
    """A block of the Dashboard: a title row, a header row and `rows` rows below it."""

    title: str
    row: int  # 1-based row of the title
    header: tuple[str, ...]
    rows: int  # data rows (the last block, Value against cost, grows as needed)
    help: str
    number_format: str | None = None  # of the data cells after the first column

    @property
    def first(self) -> int:
        """1-based row of the first data row."""
        return self.row + 2

    @property
    def last(self) -> int:
        """1-based row of the last data row."""
        return self.first + self.rows - 1


def _blocks(*specs: tuple[str, tuple[str, ...], int, str, str | None]) -> tuple[Block, ...]:
    """The blocks one below the other, from the header row, a blank row between two."""
    blocks, row = [], HEADER_ROW
    for title, header, rows, help_text, number_format in specs:
        blocks.append(Block(title, row, header, rows, help_text, number_format))
        row += rows + 3
    return tuple(blocks)


DASHBOARD_BLOCKS = _blocks(
    (
        "Key figures",
        ("Figure", "Value"),
        12,
        "As-of date, projects in flight and in the plan, overdue actions and RAID entries, "
        "pending gate decisions, open risks and issues (live formulas), and the latest "
        "status's budget, estimate and variance at completion.",
        None,
    ),
    (
        "RAG of the latest status",
        ("RAG", "Schedule", "Cost", "Overall"),
        3,
        "Projects by colour (live counts over Latest status).",
        "0",
    ),
    (
        "Worst SPI",
        ("ID", "Name", "SPI", "CPI", "Overall RAG"),
        5,
        "The five projects furthest behind plan.",
        FMT_RATIO,
    ),
    (
        "Worst CPI",
        ("ID", "Name", "SPI", "CPI", "Overall RAG"),
        5,
        "The five projects furthest over cost.",
        FMT_RATIO,
    ),
    (
        "Open risks by score",
        ("Risk", "Project", "Score", "Owner"),
        10,
        "The ten highest-scored open risks.",
        "0",
    ),
    (
        "Heat map of open risks",
        ("Probability \\ Impact", "1", "2", "3", "4", "5"),
        5,
        "Open risks counted by probability (rows) and impact (columns), live.",
        '0;-0;"";@',
    ),
    (
        "Pending gate decisions",
        ("ID", "Gate", "Date", "Reviewer"),
        5,
        "Gate reviews that have a date and no decision yet.",
        FMT_DATE,
    ),
    (
        "Overdue RAID entries",
        ("ID", "Type", "Project", "Title", "Due"),
        5,
        "Open entries past their due date.",
        FMT_DATE,
    ),
    (
        "Spend per year against budget",
        ("Year", "Budget", "Planned spend"),
        8,
        "The plan's cost per calendar year (each project spread evenly over its months).",
        FMT_MONEY,
    ),
    (
        "Load by role",
        ("Role", "Average load", "Peak load"),
        16,
        "Planned demand against capacity over the horizon: on average and in the busiest month.",
        FMT_PERCENT,
    ),
    (
        "Portfolio by perspective",
        ("Perspective", "Selected", "Deferred"),
        5,
        "Weighted-score points of the projects in play, by balanced-scorecard perspective.",
        FMT_RATIO,
    ),
    (
        "Portfolio by department",
        ("Department", "Selected", "Deferred"),
        16,
        "Cost of the projects in play, by department.",
        FMT_MONEY,
    ),
    (
        "Value against cost",
        ("ID", "Name", "Cost", "Score (selected)", "Score (deferred)"),
        0,
        "Every project in play: its cost and weighted score, selected or deferred (before any "
        "run, the projects not in flight count as deferred).",
        None,
    ),
)


def dashboard_block(title: str) -> Block:
    """The Dashboard block with this title (KeyError if none)."""
    for block in DASHBOARD_BLOCKS:
        if block.title == title:
            return block
    raise KeyError(title)


DASHBOARD = Sheet(
    "Dashboard",
    Role.OUTPUT,
    "Key figures and charts of delivery and of the plan, rewritten by Refresh dashboard, "
    "Re-optimise and pmo optimise; counts marked live follow the sheets at once.",
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

LESSONS = Sheet(
    "Lessons",
    Role.INPUT,
    "Lessons learned: what happened, why, and what to do next time; searched by relevance "
    "(PMO_LESSONS, pmo lessons) and offered at intake.",
    table="tblLessons",
    columns=(
        Column("ID", "id", ColType.TEXT, required=True, width=8, help="Unique lesson ID."),
        Column(
            "Project",
            "project",
            ColType.ID,
            width=10,
            help="The project it was learned on (an Intake ID, or a project already archived).",
        ),
        Column(
            "Date",
            "date",
            ColType.DATE,
            width=11,
            number_format=FMT_DATE,
            help="When it was recorded (a date, or YYYY-MM-DD).",
        ),
        Column(
            "Phase",
            "phase",
            ColType.CHOICE,
            allowed=LESSON_PHASES,
            width=11,
            help="Where in the project's life it happened.",
        ),
        Column(
            "Category",
            "category",
            ColType.CHOICE,
            allowed=LESSON_CATEGORIES,
            width=13,
            help="What kind of lesson it is.",
        ),
        Column(
            "Tags",
            "tags",
            ColType.TEXT,
            width=22,
            help="Keywords, comma-separated (ERP, data migration, vendor); searches can filter "
            "on them.",
        ),
        Column(
            "What happened",
            "what_happened",
            ColType.TEXT,
            required=True,
            width=50,
            help="What happened, in a sentence or two.",
        ),
        Column("Root cause", "root_cause", ColType.TEXT, width=40, help="Why it happened."),
        Column(
            "Recommendation",
            "recommendation",
            ColType.TEXT,
            required=True,
            width=50,
            help="What the next project should do.",
        ),
        Column("Owner", "owner", ColType.TEXT, width=16, help="Who keeps the lesson alive."),
        Column(
            "Status",
            "status",
            ColType.CHOICE,
            allowed=LESSON_STATUSES,
            width=10,
            default="Open",
            help="Open: not yet acted on. Actioned: the standard or template was changed. "
            "Closed: no longer relevant.",
        ),
    ),
)

PEOPLE = Sheet(
    "People",
    Role.INPUT,
    "Project managers: grade, skills, how many projects each may run at once and when they "
    "are available; their evaluations summed up (live).",
    table="tblPeople",
    columns=(
        Column("Name", "name", ColType.TEXT, required=True, width=20, help="Full name."),
        Column(
            "Grade",
            "grade",
            ColType.CHOICE,
            allowed=GRADES,
            width=11,
            help=f"Grade, lowest first: {', '.join(GRADES)}.",
        ),
        Column(
            "Skills",
            "skills",
            ColType.TEXT,
            width=26,
            help="Skills, comma-separated (ERP, data, agile, regulatory...).",
        ),
        Column(
            "Certifications",
            "certifications",
            ColType.TEXT,
            width=28,
            help="Certifications, comma-separated (PRINCE2, PMP, MSP...).",
        ),
        Column(
            "Max concurrent projects",
            "max_projects",
            ColType.INT,
            required=True,
            width=22,
            unit="projects",
            help="Most projects this person runs at once (0: none now).",
        ),
        Column(
            "Available from",
            "available_from",
            ColType.MONTH,
            width=14,
            number_format=FMT_MONTH,
            help="First month they can run a project (YYYY-MM); blank: now.",
        ),
        Column(
            "Available to",
            "available_to",
            ColType.MONTH,
            width=13,
            number_format=FMT_MONTH,
            help="Last month they can run a project (YYYY-MM); blank: open-ended.",
        ),
        Column(
            "In flight now",
            None,
            ColType.INT,
            width=13,
            computed=True,
            optional=True,
            formula="=COUNTIFS(tblIntake[Project manager],tblPeople[[#This Row],[Name]],"
            'tblIntake[Status],"In flight")',
            help="Projects in flight on Intake that name them.",
        ),
        Column(
            "Evaluations",
            None,
            ColType.INT,
            width=12,
            computed=True,
            optional=True,
            formula="=COUNTIF(tblPMEvaluation[Manager],tblPeople[[#This Row],[Name]])",
            help="Rows about them on PM evaluation.",
        ),
        Column(
            "Average rating",
            None,
            ColType.FLOAT,
            width=14,
            number_format=FMT_SCORE,
            computed=True,
            optional=True,
            formula="=IFERROR(AVERAGEIF(tblPMEvaluation[Manager],tblPeople[[#This Row],[Name]],"
            'tblPMEvaluation[Overall]),"")',
            help="The mean Overall of their evaluations (1-5).",
        ),
    ),
)

_LOW, _HIGH = EVALUATION_SCALE
PM_EVALUATION = Sheet(
    "PM evaluation",
    Role.INPUT,
    "After a project closes: its manager scored 1-5 on each criterion, with comments; People "
    "sums them up per manager.",
    table="tblPMEvaluation",
    columns=(
        Column(
            "Manager",
            "manager",
            ColType.TEXT,
            required=True,
            width=20,
            help="The project manager, as named on People.",
        ),
        Column("Project", "project", ColType.ID, required=True, width=10, help="Project ID."),
        Column(
            "Closed",
            "closed",
            ColType.MONTH,
            width=10,
            number_format=FMT_MONTH,
            help="Month the project closed (YYYY-MM).",
        ),
        Column("Evaluator", "evaluator", ColType.TEXT, width=18, help="Who evaluated."),
        *(
            Column(
                name,
                f"score:{name}",
                ColType.FLOAT,
                width=15,
                number_format="0.0",
                help=f"{_LOW:g} (poor) to {_HIGH:g} (excellent).",
            )
            for name in EVALUATION_CRITERIA
        ),
        Column(
            "Overall",
            None,
            ColType.FLOAT,
            width=9,
            number_format=FMT_SCORE,
            computed=True,
            optional=True,
            formula=f"=IF(COUNT(tblPMEvaluation[[#This Row],[{EVALUATION_CRITERIA[0]}]:"
            f'[{EVALUATION_CRITERIA[-1]}]])=0,"",AVERAGE(tblPMEvaluation[[#This Row],'
            f"[{EVALUATION_CRITERIA[0]}]:[{EVALUATION_CRITERIA[-1]}]]))",
            help="The mean of the scores given.",
        ),
        Column("Comments", "comments", ColType.TEXT, width=50, help="What went well, and not."),
    ),
)

ENTERPRISE = Sheet(
    "Enterprise",
    Role.OUTPUT,
    "The enterprise roll-up (pmo rollup) by department: projects selected and deferred, "
    "value, spend, planned load and the share of each full role.",
    table="tblEnterprise",
    columns=(
        Column("Department", None, ColType.TEXT, width=18, computed=True),
        Column("Projects", None, ColType.INT, width=9, computed=True),
        Column("Selected", None, ColType.INT, width=9, computed=True),
        Column("Deferred", None, ColType.INT, width=9, computed=True),
        Column("Not in play", None, ColType.INT, width=11, computed=True),
        Column(
            "Score selected",
            None,
            ColType.FLOAT,
            width=14,
            number_format=FMT_SCORE,
            computed=True,
            help="Sum of the selected projects' scores (enterprise weights).",
        ),
        Column(
            "Cost selected",
            None,
            ColType.FLOAT,
            width=14,
            number_format=FMT_MONEY,
            computed=True,
        ),
        Column(
            "Spend by year",
            None,
            ColType.TEXT,
            width=30,
            computed=True,
            help="Cost of the selected projects falling in each budget year.",
        ),
        Column(
            "FTE-months",
            None,
            ColType.FLOAT,
            width=11,
            number_format="#,##0.0",
            computed=True,
            help="Planned FTE-months of all roles within the horizon.",
        ),
        Column(
            "Share of load",
            None,
            ColType.FLOAT,
            width=13,
            number_format=FMT_PERCENT,
            computed=True,
            help="Its share of all planned FTE-months.",
        ),
        Column(
            "Full roles",
            None,
            ColType.TEXT,
            width=60,
            computed=True,
            help="Roles loaded to capacity in some months, and its share of them then.",
        ),
    ),
)

ENTERPRISE_LOAD = Sheet(
    "Enterprise load",
    Role.OUTPUT,
    "The enterprise roll-up's planned load: FTE of each role per month, by department.",
    columns=(
        Column("Department", None, ColType.TEXT, width=18, computed=True),
        Column("Role", None, ColType.TEXT, width=22, computed=True),
    ),
    dynamic="months",
)

# --- What-if: frontier, hiring, balance, scenarios, pairwise weights ------------------------

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
    STATUS,
    LATEST_STATUS,
    RAID,
    GATES_SHEET,
    HEALTH,
    BENEFITS,
    REVIEWS,
    DASHBOARD,
    LESSONS,
    PEOPLE,
    PM_EVALUATION,
    ENTERPRISE,
    ENTERPRISE_LOAD,
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
    CHANGES,
    XLWINGS_CONF,
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
    (
        "PMO_RefreshDashboard",
        "Refresh dashboard",
        "Rewrite Latest status and Dashboard from the sheets as they are now.",
    ),
)

# Workbook-level defined names (validation lists and key settings for UDFs).
DEFINED_NAMES = {
    "PMO_ProjectIDs": "=tblIntake[ID]",
    "PMO_Roles": "=tblCapacity[Role]",
    "PMO_Criteria": "=tblCriteria[Criterion]",
    "PMO_Managers": "=tblPeople[Name]",
}


# Defined names that point at a setting's Value cell (for UDFs and formulas).
SETTING_NAMES = {
    "PMO_PlanStart": "plan_start",
    "PMO_Horizon": "horizon",
    "PMO_StatusDate": "status_date",
    "PMO_RAGGreen": "rag_green",
    "PMO_RAGAmber": "rag_amber",
    "PMO_HealthGreen": "health_green",
    "PMO_HealthAmber": "health_amber",
}


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
    status_date = setting_cell("status_date")
    names["PMO_AsOf"] = f'=IF({status_date}="",TODAY(),{status_date})'
    column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[GATE_LIST_COLUMN - 1]
    first = GATES_SHEET.header_row + 1
    names["PMO_Gates"] = f"={GATES_SHEET.name}!${column}${first}:${column}${first + len(GATES) - 1}"
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
        if item is DASHBOARD:
            lines += _dashboard_markdown()
            continue
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
                if default is None:
                    default = "blank"
                lines.append(
                    f"| {entry.name} | {entry.type.value} | {default} | {_cell_text(entry.help)} |"
                )
        lines += _picture(item)
    lines += DELIVERY_NOTES
    lines += _reasons_section() + _baseline_section()
    lines += ["", "## Buttons", "", "| Macro | Caption | What it does |", "|---|---|---|"]
    lines += [f"| {name} | {caption} | {what} |" for name, caption, what in MACROS]
    lines += ["", "## Defined names", "", "| Name | Refers to |", "|---|---|"]
    lines += [f"| {name} | `{_cell_text(ref)}` |" for name, ref in defined_names().items()]
    return "\n".join(lines) + "\n"


def _picture(item: Sheet) -> list[str]:
    """A picture of the sheet as LibreOffice renders it, when docs/images holds one."""
    name = item.name.lower().replace(" ", "-")
    if not (DOC_PATH.parent / "images" / f"{name}.png").is_file():
        return []
    return ["", f"![The {item.name} sheet of the sample](images/{name}.png)"]


def _dashboard_markdown() -> list[str]:
    lines = ["", f"## {DASHBOARD.name}", "", DASHBOARD.description, ""]
    lines += [
        "Blocks of figures one below the other in columns A-F (each at a fixed place, so the "
        "native charts beside them, from column H, always point at the right cells): RAG of "
        "the latest status, open risks by score, spend per year against budget, load by role, "
        "value against cost, and the portfolio by perspective and by department.",
        "",
        "| Block | Columns | Rows | What it shows |",
        "|---|---|---|---|",
    ]
    for block in DASHBOARD_BLOCKS:
        rows = str(block.rows) if block.rows else "as many as needed"
        header = ", ".join(block.header)
        lines.append(
            f"| {block.title} | {_cell_text(header)} | {rows} | {_cell_text(block.help)} |"
        )
    return lines + _picture(DASHBOARD)


DELIVERY_NOTES = [
    "",
    "## Delivery: how the figures are worked out",
    "",
    "- **Planned value** (PV) defaults to the Intake cost spread evenly over the project's "
    "scheduled months (its Fixed start, else the start of the last plan on Portfolio), counted "
    "up to and including the Period; type a number over the formula to use your own. **Earned "
    "value** EV = % complete x budget at completion (the Intake cost). **SPI** = EV / PV, "
    "**CPI** = EV / AC, **EAC** = BAC / CPI (the budget while nothing is spent), **VAC** = "
    "BAC - EAC. A figure whose inputs are missing, or whose divisor is 0, is blank.",
    "- **RAG**: SPI (Schedule RAG) and CPI (Cost RAG) are Green from `RAG green from` up, Amber "
    "from `RAG amber from` up, else Red (Settings; a value on a threshold takes the better "
    "colour); Overall RAG is the worse of the two. Health indexes (the mean of the 1-5 scores "
    "given) use `Health green from` and `Health amber from`.",
    "- **Latest status**: a project's row with the latest Period (of equal periods, the lower "
    "row). **Overdue**: an open RAID entry (blank status counts as open) whose Due date is "
    "before the `Status date` (blank: today). **Risk score** = probability x impact; the heat "
    "maps count open risks.",
    "- **Gates**: the latest dated decision on a project counts (of two on one day, the lower "
    "row). Stop takes the project out of the next plan, even in flight (reason: `Stopped at gate "
    "G2 on 2027-03-14`); Hold keeps it out while held, until a later decision; Go and Recycle "
    "leave the optimiser free; a review with a date and no decision is pending. A mandatory or "
    "forced-in project cannot be stopped or held (an error names the review). What the gates "
    "did is noted on Messages at every run, at the review's Decision cell.",
    "- Delivery problems (a value that is not a number, an unknown project ID, a score off its "
    "scale) are warnings at their cell: the row or value is left out and the run goes on. "
    "Problems in a gate review's ID, gate, date or decision are errors, since the plan obeys "
    "them.",
]


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
