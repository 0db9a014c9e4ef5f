"""The workbook's shape, declared once: sheets, Excel Tables and columns.

The template builder, the reader, the writer and `docs/workbook.md` all read this module,
so a header renamed here is renamed everywhere. `python -m workbook.book.schema` rewrites the
documentation page.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from engine.managers import EVALUATION_CRITERIA, EVALUATION_SCALE
from engine.model import (
    GRADES,
    DependencyType,
    Direction,
    Force,
    ManagerMode,
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
    DATE = "date"  # a real date or YYYY-MM-DD text, read as YYYY-MM-DD


YES_NO = ("Yes", "No")
YES_WORDS = frozenset({"y", "yes", "true", "1", "1.0"})
NO_WORDS = frozenset({"n", "no", "false", "0", "0.0"})

FMT_MONTH = "yyyy-mm"
FMT_DATE = "yyyy-mm-dd"
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
    LESSONS,
    PEOPLE,
    PM_EVALUATION,
    ENTERPRISE,
    ENTERPRISE_LOAD,
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
    "PMO_Managers": "=tblPeople[Name]",
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
