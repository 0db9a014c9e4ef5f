"""The sample portfolio shipped in the template: a mid-sized organisation's 2027-2028 book.

45 projects over 9 roles and 24 months. Four are in flight (two started in 2026), three
are mandatory or forced in, two are on hold or closed. Dependencies include finish-to-start
links with lags, a Requires, an Excludes pair and a With pair; two CRM options form an
exclusive group. Demand is about 1.4 times capacity, so the plan has to defer real projects
and say why.

Delivery is reported as of 2027-03-31: months of status for the four projects in flight (one
Red, one Green, two slipping), fourteen RAID entries (two overdue), gate history (one project
stopped at G2, one held at G1, two gate decisions pending), health checks, benefits and the
post-project review of the closed project.
The centre of excellence has its sheets filled too: nine project managers on People (one of
them, Priya Raman, named on two projects that overlap: the check warns about it), a dozen
lessons from earlier projects, and evaluations of managers on projects already closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.delivery.records import (
    Benefit,
    Delivery,
    DeliverySettings,
    HealthCheck,
    RaidItem,
    RaidStatus,
    RaidType,
    Review,
    StatusReport,
)
from engine.gates import GATE_CRITERIA, GateDecision, GateReview
from engine.lessons import Lesson
from engine.managers import Evaluation
from engine.model import (
    BalanceRule,
    Criterion,
    Demand,
    Dependency,
    DependencyType,
    Direction,
    Force,
    HiringOption,
    Manager,
    Measure,
    Perspective,
    Portfolio,
    Project,
    ProjectStatus,
    Settings,
)
from engine.months import month, parse_month

PLAN_START = month(2027, 1)
HORIZON = 24

ROLES = (
    "Project manager",
    "Business analyst",
    "Solution architect",
    "Software developer",
    "Data engineer",
    "Infrastructure engineer",
    "Test analyst",
    "Change manager",
    "Security specialist",
)

# Base FTE per role; July, August and December lose some to holidays, and
# data engineers are hired in 2028.
_BASE_CAPACITY = {
    "Project manager": 5.5,
    "Business analyst": 5.0,
    "Solution architect": 2.5,
    "Software developer": 11.0,
    "Data engineer": 3.5,
    "Infrastructure engineer": 4.0,
    "Test analyst": 6.0,
    "Change manager": 1.5,
    "Security specialist": 2.0,
}

CRITERIA = (
    Criterion("Financial return", 30, Direction.HIGHER, 0, 10, Perspective.FINANCIAL),
    Criterion("Customer impact", 25, Direction.HIGHER, 0, 10, Perspective.CUSTOMER),
    Criterion("Strategic alignment", 20, Direction.HIGHER, 0, 10, Perspective.INTERNAL_PROCESS),
    Criterion("Capability building", 10, Direction.HIGHER, 0, 10, Perspective.LEARNING_AND_GROWTH),
    Criterion("Delivery risk", 15, Direction.LOWER, 1, 5, Perspective.INTERNAL_PROCESS),
)

BUDGET = {2027: 9_500_000.0, 2028: 9_000_000.0}

# The board's pairwise judgements of the criteria (row against column, upper triangle, in
# the order of CRITERIA), close to the weights above: switch Settings "Weights from" to
# Pairwise to use them.
PAIRWISE: tuple[tuple[float, ...], ...] = (
    (1, 2, 3, 2),
    (1, 3, 2),
    (2, 1),
    (1 / 2,),
)

# Shares the board asked for: IT may not take the whole budget, the customer programme not
# every person, and compliance work must keep a tenth of the projects.
BALANCE_RULES = (
    BalanceRule("Department", "IT", Measure.COST, None, 0.22),
    BalanceRule("Programme", "Digital customer", Measure.FTE, None, 0.12),
    BalanceRule("Strategic objective", "Stay compliant", Measure.COUNT, 0.10, None),
)

# Work in flight the PMO may stop: (remaining cost, remaining value). The lakehouse's
# business case has eroded since it started: finishing it now brings little.
STOPPABLE = {"P-102": (1_250_000.0, 1.2)}

# Ways to add capacity the PMO has agreed with HR and procurement (the Hiring sheet).
HIRING = (
    HiringOption("Data engineer", "Contractor", 1.0, 16_000.0, month(2027, 3), 2, 3),
    HiringOption("Data engineer", "Permanent hire", 1.0, 9_500.0, month(2027, 6), 2, 12),
    HiringOption("Security specialist", "Contractor", 1.0, 18_000.0, month(2027, 2), 1, 3),
    HiringOption("Software developer", "Overtime", 0.5, 6_000.0, None, 4, 1),
)

# Role mixes (FTE at scale 1.0) and the share of the project's life each role works:
# (role, fte, first fraction, last fraction) of the duration.
_MIXES: dict[str, tuple[tuple[str, float, float, float], ...]] = {
    "app": (
        ("Project manager", 0.5, 0, 1),
        ("Business analyst", 1.0, 0, 0.4),
        ("Solution architect", 0.5, 0, 0.3),
        ("Software developer", 3.0, 0.2, 0.9),
        ("Test analyst", 1.5, 0.6, 1),
        ("Change manager", 0.5, 0.75, 1),
    ),
    "data": (
        ("Project manager", 0.5, 0, 1),
        ("Business analyst", 1.0, 0, 0.4),
        ("Solution architect", 0.5, 0, 0.3),
        ("Data engineer", 2.0, 0.2, 1),
        ("Test analyst", 0.5, 0.7, 1),
    ),
    "infra": (
        ("Project manager", 0.5, 0, 1),
        ("Solution architect", 0.5, 0, 0.3),
        ("Infrastructure engineer", 2.5, 0.1, 1),
        ("Security specialist", 0.5, 0.3, 1),
        ("Test analyst", 0.5, 0.7, 1),
    ),
    "business": (
        ("Project manager", 0.5, 0, 1),
        ("Business analyst", 1.5, 0, 0.7),
        ("Software developer", 1.0, 0.3, 0.8),
        ("Test analyst", 0.5, 0.6, 1),
        ("Change manager", 1.0, 0.5, 1),
    ),
    "security": (
        ("Project manager", 0.5, 0, 1),
        ("Solution architect", 0.5, 0, 0.4),
        ("Security specialist", 1.0, 0, 1),
        ("Infrastructure engineer", 1.0, 0.2, 1),
        ("Test analyst", 0.5, 0.7, 1),
    ),
}


@dataclass(frozen=True, slots=True)
class _Row:
    id: str
    name: str
    department: str
    sponsor: str
    programme: str
    objective: str
    mix: str
    scale: float
    duration: int
    cost: float
    scores: tuple[float, float, float, float, float]  # in CRITERIA order
    status: ProjectStatus = ProjectStatus.PROPOSED
    mandatory: bool = False
    force: Force = Force.NONE
    earliest: str | None = None
    latest: str | None = None
    fixed: str | None = None
    group: str | None = None
    manager: str = ""


_P = ProjectStatus
_ROWS = (
    _Row(
        "P-101",
        "ERP upgrade to S/4HANA",
        "Finance",
        "Chief Financial Officer",
        "Finance transformation",
        "Modernise core systems",
        "app",
        1.6,
        16,
        3_200_000,
        (6, 4, 9, 6, 4),
        _P.IN_FLIGHT,
        fixed="2026-10",
        manager="Priya Raman",
    ),
    _Row(
        "P-102",
        "Data platform (lakehouse)",
        "Data & Analytics",
        "Chief Data Officer",
        "Data foundation",
        "Become data-driven",
        "data",
        1.5,
        12,
        1_500_000,
        (5, 5, 9, 9, 3),
        _P.IN_FLIGHT,
        fixed="2026-11",
        manager="Tom Becker",
    ),
    _Row(
        "P-103",
        "Customer portal redesign",
        "Customer Service",
        "Chief Customer Officer",
        "Digital customer",
        "Delight customers",
        "app",
        1.0,
        9,
        900_000,
        (6, 9, 8, 5, 2),
        _P.IN_FLIGHT,
        fixed="2027-01",
        manager="Ana Silva",
    ),
    _Row(
        "P-104",
        "Network refresh phase 2",
        "IT",
        "Chief Information Officer",
        "Infrastructure renewal",
        "Modernise core systems",
        "infra",
        1.0,
        8,
        700_000,
        (3, 3, 6, 4, 2),
        _P.IN_FLIGHT,
        fixed="2026-08",
        manager="Sam Okafor",
    ),
    _Row(
        "P-105",
        "Records retention (GDPR)",
        "Legal & Compliance",
        "General Counsel",
        "Regulatory",
        "Stay compliant",
        "business",
        0.8,
        6,
        400_000,
        (2, 3, 7, 3, 2),
        mandatory=True,
        earliest="2027-01",
        latest="2027-06",
        manager="Lena Fischer",
    ),
    _Row(
        "P-106",
        "E-invoicing mandate",
        "Finance",
        "Chief Financial Officer",
        "Regulatory",
        "Stay compliant",
        "app",
        0.8,
        8,
        650_000,
        (4, 3, 7, 3, 3),
        mandatory=True,
        earliest="2027-03",
        latest="2027-09",
        manager="Priya Raman",
    ),
    _Row(
        "P-107",
        "Security operations centre uplift",
        "IT",
        "Chief Information Security Officer",
        "Cyber resilience",
        "Stay compliant",
        "security",
        1.0,
        10,
        1_100_000,
        (3, 4, 8, 6, 3),
        force=Force.IN,
        manager="Noor Haddad",
    ),
    _Row(
        "P-108",
        "Master data management",
        "Data & Analytics",
        "Chief Data Officer",
        "Data foundation",
        "Become data-driven",
        "data",
        1.0,
        9,
        800_000,
        (5, 4, 8, 7, 3),
        manager="Tom Becker",
    ),
    _Row(
        "P-109",
        "Customer 360 analytics",
        "Marketing",
        "Chief Marketing Officer",
        "Data foundation",
        "Grow revenue",
        "data",
        1.0,
        8,
        750_000,
        (8, 7, 8, 7, 3),
    ),
    _Row(
        "P-110",
        "Sales forecasting with machine learning",
        "Sales",
        "Sales Director",
        "Data foundation",
        "Grow revenue",
        "data",
        0.8,
        6,
        500_000,
        (7, 5, 7, 8, 4),
    ),
    _Row(
        "P-111",
        "CRM consolidation on Salesforce",
        "Sales",
        "Sales Director",
        "Digital customer",
        "Grow revenue",
        "app",
        1.5,
        12,
        1_800_000,
        (8, 8, 8, 5, 3),
        group="CRM platform",
    ),
    _Row(
        "P-112",
        "CRM consolidation on Dynamics 365",
        "Sales",
        "Sales Director",
        "Digital customer",
        "Grow revenue",
        "app",
        1.3,
        10,
        1_400_000,
        (7, 7, 8, 5, 3),
        group="CRM platform",
    ),
    _Row(
        "P-113",
        "Warehouse management system",
        "Supply Chain",
        "Chief Operating Officer",
        "Supply chain excellence",
        "Run efficiently",
        "app",
        1.4,
        12,
        1_600_000,
        (8, 5, 7, 5, 4),
    ),
    _Row(
        "P-114",
        "HR self-service portal",
        "HR",
        "Chief People Officer",
        "People experience",
        "Great place to work",
        "business",
        0.8,
        6,
        350_000,
        (3, 2, 5, 6, 2),
    ),
    _Row(
        "P-115",
        "Data quality programme",
        "Data & Analytics",
        "Chief Data Officer",
        "Data foundation",
        "Become data-driven",
        "data",
        0.6,
        8,
        400_000,
        (4, 3, 7, 7, 2),
    ),
    _Row(
        "P-116",
        "Mobile field-service app",
        "Operations",
        "Chief Operating Officer",
        "Digital operations",
        "Run efficiently",
        "app",
        1.0,
        8,
        850_000,
        (7, 7, 6, 5, 3),
    ),
    _Row(
        "P-117",
        "Customer service chatbot (in-house)",
        "Customer Service",
        "Chief Customer Officer",
        "Digital customer",
        "Delight customers",
        "app",
        0.8,
        6,
        550_000,
        (6, 7, 6, 8, 4),
    ),
    _Row(
        "P-118",
        "Contact centre AI (vendor)",
        "Customer Service",
        "Chief Customer Officer",
        "Digital customer",
        "Delight customers",
        "business",
        0.8,
        5,
        700_000,
        (6, 7, 6, 4, 2),
    ),
    _Row(
        "P-119",
        "Contract lifecycle management",
        "Legal & Compliance",
        "General Counsel",
        "Regulatory",
        "Run efficiently",
        "business",
        0.7,
        6,
        400_000,
        (5, 2, 6, 4, 2),
    ),
    _Row(
        "P-120",
        "Identity and access management upgrade",
        "IT",
        "Chief Information Security Officer",
        "Cyber resilience",
        "Stay compliant",
        "security",
        1.0,
        8,
        900_000,
        (4, 4, 8, 6, 3),
    ),
    _Row(
        "P-121",
        "Zero-trust network",
        "IT",
        "Chief Information Security Officer",
        "Cyber resilience",
        "Stay compliant",
        "security",
        1.2,
        10,
        1_200_000,
        (4, 3, 8, 7, 4),
    ),
    _Row(
        "P-122",
        "Cloud migration wave 1",
        "IT",
        "Chief Information Officer",
        "Infrastructure renewal",
        "Modernise core systems",
        "infra",
        1.2,
        8,
        1_000_000,
        (7, 3, 8, 7, 3),
    ),
    _Row(
        "P-123",
        "Cloud migration wave 2",
        "IT",
        "Chief Information Officer",
        "Infrastructure renewal",
        "Modernise core systems",
        "infra",
        1.2,
        8,
        1_000_000,
        (7, 3, 8, 7, 3),
    ),
    _Row(
        "P-124",
        "Data centre exit",
        "IT",
        "Chief Information Officer",
        "Infrastructure renewal",
        "Run efficiently",
        "infra",
        1.0,
        6,
        800_000,
        (9, 2, 7, 4, 4),
    ),
    _Row(
        "P-125",
        "Procure-to-pay automation",
        "Finance",
        "Chief Financial Officer",
        "Finance transformation",
        "Run efficiently",
        "business",
        0.8,
        7,
        500_000,
        (7, 2, 6, 5, 2),
    ),
    _Row(
        "P-126",
        "Treasury management system",
        "Finance",
        "Chief Financial Officer",
        "Finance transformation",
        "Run efficiently",
        "app",
        0.6,
        6,
        450_000,
        (5, 1, 5, 4, 2),
    ),
    _Row(
        "P-127",
        "Budgeting and planning tool",
        "Finance",
        "Chief Financial Officer",
        "Finance transformation",
        "Run efficiently",
        "business",
        0.8,
        6,
        500_000,
        (5, 2, 6, 5, 2),
    ),
    _Row(
        "P-128",
        "Learning management system",
        "HR",
        "Chief People Officer",
        "People experience",
        "Great place to work",
        "business",
        0.6,
        5,
        300_000,
        (2, 2, 5, 9, 1),
    ),
    _Row(
        "P-129",
        "Employee onboarding portal",
        "HR",
        "Chief People Officer",
        "People experience",
        "Great place to work",
        "app",
        0.5,
        4,
        200_000,
        (2, 3, 4, 6, 1),
    ),
    _Row(
        "P-130",
        "E-commerce replatform",
        "Sales",
        "Chief Digital Officer",
        "Digital customer",
        "Grow revenue",
        "app",
        1.8,
        12,
        2_200_000,
        (9, 9, 9, 6, 4),
    ),
    _Row(
        "P-131",
        "Product information management",
        "Marketing",
        "Chief Digital Officer",
        "Digital customer",
        "Grow revenue",
        "data",
        0.6,
        6,
        450_000,
        (5, 6, 7, 5, 2),
    ),
    _Row(
        "P-132",
        "Marketing automation",
        "Marketing",
        "Chief Marketing Officer",
        "Digital customer",
        "Grow revenue",
        "business",
        0.6,
        5,
        350_000,
        (6, 6, 5, 4, 2),
    ),
    _Row(
        "P-133",
        "Dynamic pricing engine",
        "Sales",
        "Sales Director",
        "Digital customer",
        "Grow revenue",
        "data",
        0.8,
        7,
        650_000,
        (9, 4, 7, 7, 4),
    ),
    _Row(
        "P-134",
        "Document management migration",
        "Operations",
        "Chief Operating Officer",
        "Digital operations",
        "Run efficiently",
        "business",
        0.6,
        6,
        300_000,
        (3, 1, 4, 3, 2),
    ),
    _Row(
        "P-135",
        "Intranet refresh",
        "HR",
        "Chief People Officer",
        "People experience",
        "Great place to work",
        "app",
        0.5,
        5,
        250_000,
        (1, 2, 3, 4, 1),
    ),
    _Row(
        "P-136",
        "Backup and disaster recovery modernisation",
        "IT",
        "Chief Information Officer",
        "Cyber resilience",
        "Stay compliant",
        "infra",
        0.8,
        6,
        600_000,
        (3, 3, 7, 4, 2),
    ),
    _Row(
        "P-137",
        "ESG reporting",
        "Finance",
        "Chief Financial Officer",
        "Regulatory",
        "Stay compliant",
        "data",
        0.6,
        6,
        400_000,
        (3, 4, 8, 5, 2),
        earliest="2027-07",
    ),
    _Row(
        "P-138",
        "Fleet telematics",
        "Operations",
        "Chief Operating Officer",
        "Digital operations",
        "Run efficiently",
        "infra",
        0.6,
        6,
        550_000,
        (6, 3, 5, 4, 3),
    ),
    _Row(
        "P-139",
        "Supplier portal",
        "Supply Chain",
        "Chief Operating Officer",
        "Supply chain excellence",
        "Run efficiently",
        "app",
        0.8,
        7,
        600_000,
        (5, 4, 6, 4, 2),
    ),
    _Row(
        "P-140",
        "Self-service BI roll-out",
        "Data & Analytics",
        "Chief Data Officer",
        "Data foundation",
        "Become data-driven",
        "data",
        0.5,
        5,
        250_000,
        (4, 3, 7, 8, 1),
    ),
    _Row(
        "P-141",
        "API gateway",
        "IT",
        "Chief Information Officer",
        "Infrastructure renewal",
        "Modernise core systems",
        "app",
        0.6,
        5,
        350_000,
        (4, 4, 7, 7, 2),
    ),
    _Row(
        "P-142",
        "Test automation framework",
        "IT",
        "Chief Information Officer",
        "Engineering excellence",
        "Modernise core systems",
        "app",
        0.5,
        6,
        300_000,
        (3, 2, 6, 9, 2),
    ),
    _Row(
        "P-143",
        "Web accessibility remediation",
        "Marketing",
        "Chief Digital Officer",
        "Digital customer",
        "Delight customers",
        "app",
        0.5,
        4,
        200_000,
        (2, 6, 6, 4, 1),
        latest="2027-12",
    ),
    _Row(
        "P-144",
        "Office move Manchester",
        "Operations",
        "Chief Operating Officer",
        "Workplace",
        "Run efficiently",
        "infra",
        0.6,
        4,
        900_000,
        (3, 1, 3, 2, 3),
        _P.ON_HOLD,
    ),
    _Row(
        "P-145",
        "Legacy fax decommission",
        "IT",
        "Chief Information Officer",
        "Infrastructure renewal",
        "Run efficiently",
        "infra",
        0.2,
        2,
        50_000,
        (2, 1, 4, 1, 1),
        _P.CLOSED,
        manager="Sam Okafor",
    ),
)

DEPENDENCIES = (
    Dependency("P-102", "P-108", DependencyType.FS, 0),  # MDM lands on the data platform
    Dependency("P-108", "P-109", DependencyType.FS, 1),  # Customer 360 needs mastered data
    Dependency("P-102", "P-110", DependencyType.FS, 2),
    Dependency("P-122", "P-123", DependencyType.FS, 2),  # cloud waves in order
    Dependency("P-123", "P-124", DependencyType.FS, 1),  # exit only after wave 2
    Dependency("P-120", "P-121", DependencyType.FS, 0),  # zero trust builds on IAM
    Dependency("P-101", "P-125", DependencyType.REQUIRES, 0),
    Dependency("P-117", "P-118", DependencyType.EXCLUDES, 0),  # two answers to one need
    Dependency("P-130", "P-131", DependencyType.WITH, 0),  # replatform only with product data
)
DEPENDENCY_NOTES = (
    "Master data management runs on the data platform",
    "Customer 360 needs mastered customer data",
    "Forecasting models read from the data platform",
    "Wave 2 reuses the landing zone of wave 1",
    "The data centre can close only after wave 2",
    "Zero trust relies on the new identity platform",
    "Procure-to-pay automation targets the new ERP",
    "Chatbot and vendor contact-centre AI are alternatives",
    "The new shop needs the product catalogue from PIM",
)


# What some proposals want of their project manager: (PM grade, PM skills).
PM_WANTED = {
    "P-106": ("Manager", ("regulatory", "finance")),
    "P-108": ("Senior", ("data",)),
    "P-111": ("Senior", ("CRM", "sales")),
    "P-112": ("Senior", ("CRM",)),
    "P-113": ("Senior", ("supply chain",)),
    "P-120": ("Manager", ("security", "identity")),
    "P-121": ("Senior", ("security",)),
    "P-122": ("Manager", ("cloud",)),
    "P-123": ("Manager", ("cloud",)),
    "P-125": ("Manager", ("ERP", "finance")),
    "P-130": ("Principal", ("digital", "agile")),
}

MANAGERS = (
    Manager(
        "Priya Raman",
        "Senior",
        ("ERP", "finance", "data migration"),
        ("PRINCE2 Practitioner", "SAP Activate"),
        1,
    ),
    Manager("Tom Becker", "Senior", ("data", "analytics", "cloud"), ("PMP",), 1),
    Manager("Ana Silva", "Manager", ("digital", "customer", "agile"), ("PSM I",), 2),
    Manager(
        "Sam Okafor", "Manager", ("infrastructure", "network", "cloud"), ("PRINCE2 Foundation",), 2
    ),
    Manager(
        "Lena Fischer", "Manager", ("regulatory", "GDPR", "legal"), ("PRINCE2 Practitioner",), 2
    ),
    Manager(
        "Noor Haddad", "Senior", ("security", "identity", "infrastructure"), ("CISSP", "MSP"), 2
    ),
    Manager(
        "Marta Kowalski",
        "Principal",
        ("programme", "ERP", "supply chain", "change"),
        ("MSP", "PMP"),
        3,
        available_from=month(2027, 4),  # joins in April 2027
    ),
    Manager("James O'Neill", "Associate", ("agile", "digital", "HR"), ("PSM I",), 1),
    Manager(
        "Ravi Patel",
        "Manager",
        ("data", "CRM", "sales", "agile"),
        ("PMP",),
        2,
        available_to=month(2028, 6),  # the secondment ends in June 2028
    ),
)

# Lessons from earlier projects (most now archived: their IDs are not on Intake any more).
LESSONS = (
    Lesson(
        "L-01",
        "P-087",
        "2025-09-18",
        "Delivery",
        "Technology",
        ("data migration", "cut-over", "payroll"),
        "The payroll data migration failed two dress rehearsals: legacy employee records "
        "carried duplicate IDs nobody had profiled.",
        "Source data was profiled only after the build had started.",
        "Profile and cleanse the source data during Planning, and run two full migration "
        "rehearsals before any cut-over date is fixed.",
        "Priya Raman",
        "Actioned",
    ),
    Lesson(
        "L-02",
        "P-090",
        "2026-05-22",
        "Closure",
        "Scope",
        ("ERP", "customisation", "finance"),
        "Heavy customisation of the finance ERP made the vendor's upgrade path a project of "
        "its own.",
        "Each team asked for its old reports and screens; nobody owned fit-to-standard.",
        "Adopt the ERP's standard processes (fit-to-standard workshops) and have the design "
        "authority approve every customisation.",
        "Priya Raman",
        "Actioned",
    ),
    Lesson(
        "L-03",
        "P-094",
        "2025-12-10",
        "Handover",
        "Stakeholders",
        ("CRM", "adoption", "sales", "change management"),
        "Three months after go-live only 30% of the sales team used the CRM; customer records "
        "stayed in spreadsheets.",
        "Sales was not in the design team and adoption was never measured.",
        "Put sales super-users in the CRM design team, and track adoption as a benefit with a "
        "target and an owner.",
        "Ana Silva",
        "Open",
    ),
    Lesson(
        "L-04",
        "P-096",
        "2026-03-05",
        "Delivery",
        "Resources",
        ("data engineering", "capacity", "business as usual"),
        "The data warehouse slipped four months: its data engineers were pulled back to "
        "business-as-usual incidents week after week.",
        "Capacity was promised by name but never agreed with the functional manager.",
        "Agree data-engineer capacity with the functional manager before the start, and "
        "ring-fence it in the capacity plan.",
        "Tom Becker",
        "Actioned",
    ),
    Lesson(
        "L-05",
        "P-099",
        "2026-06-30",
        "Planning",
        "Supplier",
        ("network", "hardware", "lead time", "procurement"),
        "Switches for the network refresh arrived 20 weeks after order and the roll-out "
        "slipped a quarter.",
        "Hardware was ordered only once the detailed design was signed off.",
        "Order long-lead hardware as soon as the project is approved, on a framework "
        "agreement, before the design is final.",
        "Sam Okafor",
        "Actioned",
    ),
    Lesson(
        "L-06",
        "P-145",
        "2026-11-20",
        "Closure",
        "Stakeholders",
        ("decommission", "legacy", "usage census"),
        "When the fax service was switched off, two departments turned out to depend on it "
        "for legal notices.",
        "No one checked who still used the service.",
        "Run a usage census (logs and a survey) before decommissioning any legacy service, "
        "and agree the switch-off with each user group.",
        "Sam Okafor",
        "Closed",
    ),
    Lesson(
        "L-07",
        "P-100",
        "2026-02-14",
        "Delivery",
        "Governance",
        ("GDPR", "records retention", "compliance", "regulatory"),
        "Legal and IT read the retention rules differently; the archive was built twice.",
        "There was no single retention schedule signed off before the build.",
        "Have the data protection officer sign off one retention schedule before any "
        "regulatory build starts.",
        "Lena Fischer",
        "Actioned",
    ),
    Lesson(
        "L-08",
        "P-097",
        "2026-08-12",
        "Delivery",
        "Cost",
        ("cloud", "migration", "FinOps", "cost"),
        "Cloud costs ran 40% over the estimate during the migration pilot: test environments "
        "ran day and night.",
        "Nobody owned cloud spend and no resource was tagged.",
        "Tag every cloud resource, switch non-production environments off at night, and "
        "review cloud spend monthly (FinOps).",
        "Marta Kowalski",
        "Open",
    ),
    Lesson(
        "L-09",
        "P-086",
        "2025-06-03",
        "Handover",
        "Risk",
        ("identity", "access", "single sign-on", "security", "cut-over"),
        "At the single sign-on cut-over a thousand users were locked out and the helpdesk "
        "was overwhelmed for two days.",
        "The whole company was switched in one night with no rollback.",
        "Roll identity and access changes out department by department, with a tested "
        "rollback and extra helpdesk staff on the day.",
        "Noor Haddad",
        "Actioned",
    ),
    Lesson(
        "L-10",
        "P-091",
        "2026-01-28",
        "Delivery",
        "Supplier",
        ("e-invoicing", "suppliers", "onboarding", "regulatory"),
        "Only one supplier in five sent e-invoices by the pilot's end; the rest kept "
        "posting paper.",
        "Supplier onboarding started after the invoicing platform was built.",
        "Start supplier onboarding in Planning, give suppliers a test environment, and "
        "track onboarding weekly.",
        "Priya Raman",
        "Open",
    ),
    Lesson(
        "L-11",
        "P-098",
        "2026-04-16",
        "Closure",
        "Governance",
        ("master data", "data quality", "data owner"),
        "The master data pilot found 12,000 bad customer records, and nobody fixed them.",
        "No business owner was named for customer or product data.",
        "Name a data owner per data domain before building master data management, and "
        "give them the data-quality dashboard.",
        "Tom Becker",
        "Open",
    ),
    Lesson(
        "L-12",
        "P-088",
        "2025-11-30",
        "Handover",
        "Schedule",
        ("warehouse", "go-live", "peak season", "supply chain"),
        "The warehouse scanner roll-out went live in November; picking errors doubled during "
        "the peak.",
        "The go-live date followed the budget year, not the business calendar.",
        "Never go live in the supply chain's peak season; plan four weeks of hypercare after "
        "any warehouse go-live.",
        "Marta Kowalski",
        "Actioned",
    ),
)

# Managers evaluated after their projects closed: Delivery, Stakeholders, Team leadership,
# Governance (1-5).
EVALUATIONS = (
    Evaluation(
        "Priya Raman",
        "P-090",
        month(2026, 5),
        "Chief Financial Officer",
        {"Delivery": 3, "Stakeholders": 4, "Team leadership": 4, "Governance": 5},
        "Kept the steering group well informed; the customisation backlog cost the schedule.",
    ),
    Evaluation(
        "Tom Becker",
        "P-096",
        month(2026, 3),
        "Chief Data Officer",
        {"Delivery": 2, "Stakeholders": 3, "Team leadership": 4, "Governance": 3},
        "Escalated the loss of data engineers late.",
    ),
    Evaluation(
        "Ana Silva",
        "P-094",
        month(2025, 12),
        "Sales Director",
        {"Delivery": 4, "Stakeholders": 2, "Team leadership": 4, "Governance": 4},
        "Delivered on time; sales was not brought along.",
    ),
    Evaluation(
        "Sam Okafor",
        "P-099",
        month(2026, 6),
        "Chief Information Officer",
        {"Delivery": 3, "Stakeholders": 4, "Team leadership": 5, "Governance": 4},
        "Recovered well from the hardware delay.",
    ),
    Evaluation(
        "Sam Okafor",
        "P-145",
        month(2026, 11),
        "Chief Information Officer",
        {"Delivery": 4, "Stakeholders": 3, "Team leadership": 4, "Governance": 4},
        "Small decommission, closed cleanly once the fax users were found.",
    ),
    Evaluation(
        "Lena Fischer",
        "P-100",
        month(2026, 2),
        "General Counsel",
        {"Delivery": 4, "Stakeholders": 5, "Team leadership": 4, "Governance": 5},
        "Exemplary governance; the rework was not of her making.",
    ),
    Evaluation(
        "Marta Kowalski",
        "P-097",
        month(2026, 8),
        "Chief Information Officer",
        {"Delivery": 4, "Stakeholders": 4, "Team leadership": 5, "Governance": 3},
        "Strong delivery; cloud spend was not tracked.",
    ),
)


def _capacity_row(role: str) -> tuple[float, ...]:
    values = []
    for offset in range(HORIZON):
        calendar = PLAN_START + offset
        year, month_index = divmod(calendar, 12)
        fte = _BASE_CAPACITY[role]
        if role == "Data engineer" and year >= 2028:
            fte += 1.5
        if month_index in (6, 7):  # July, August
            fte *= 0.85
        elif month_index == 11:  # December
            fte *= 0.9
        values.append(round(fte * 2) / 2)
    return tuple(values)


def _demands(row: _Row) -> list[Demand]:
    demands = []
    for role, fte, first, last in _MIXES[row.mix]:
        from_month = 1 + int(first * row.duration)
        to_month = max(from_month, round(last * row.duration))
        demands.append(
            Demand(
                row.id,
                role,
                round(fte * row.scale * 2) / 2 or 0.5,
                None if from_month == 1 else from_month,
                None if to_month == row.duration else to_month,
            )
        )
    return demands


def _month(text: str | None) -> int | None:
    return None if text is None else parse_month(text)


def sample_portfolio() -> Portfolio:
    """The sample portfolio as engine data."""
    details = sample_details()
    projects = tuple(
        Project(
            id=row.id,
            name=row.name,
            status=row.status,
            mandatory=row.mandatory,
            force=row.force,
            earliest_start=_month(row.earliest),
            latest_start=_month(row.latest),
            fixed_start=_month(row.fixed),
            duration=row.duration,
            cost=float(row.cost),
            exclusive_group=row.group,
            scores={c.name: float(s) for c, s in zip(CRITERIA, row.scores, strict=True)},
            tags=details[row.id],
            can_stop=row.id in STOPPABLE,
            remaining_cost=STOPPABLE[row.id][0] if row.id in STOPPABLE else None,
            remaining_value=STOPPABLE[row.id][1] if row.id in STOPPABLE else None,
            manager=row.manager or None,
            pm_grade=PM_WANTED.get(row.id, (None, ()))[0],
            pm_skills=PM_WANTED.get(row.id, (None, ()))[1],
        )
        for row in _ROWS
    )
    demands = tuple(d for row in _ROWS for d in _demands(row))
    return Portfolio(
        settings=Settings(plan_start=PLAN_START, horizon=HORIZON, time_limit=20.0),
        projects=projects,
        demands=demands,
        capacity={role: _capacity_row(role) for role in ROLES},
        dependencies=DEPENDENCIES,
        criteria=CRITERIA,
        budget=BUDGET,
        hiring=HIRING,
        balance=BALANCE_RULES,
        gates=GATE_REVIEWS,
        managers=MANAGERS,
    )


def sample_details() -> dict[str, dict[str, str]]:
    """The optional Intake columns (sponsor, department, ...) of each sample project."""
    details = {}
    for row in _ROWS:
        values = {
            "Sponsor": row.sponsor,
            "Department": row.department,
            "Programme": row.programme,
            "Strategic objective": row.objective,
        }
        details[row.id] = {k: v for k, v in values.items() if v}
    return details


# --- Delivery ---------------------------------------------------------------------------------

STATUS_DATE = date(2027, 3, 31)
_GO, _HOLD, _STOP, _RECYCLE = (
    GateDecision.GO,
    GateDecision.HOLD,
    GateDecision.STOP,
    GateDecision.RECYCLE,
)


def _gate(pid, gate, day, decision, reviewer, scores, notes=""):
    given: list[float | None] = [float(s) for s in scores]
    given += [None] * (len(GATE_CRITERIA) - len(given))  # a pending review is not scored yet
    return GateReview(pid, gate, day, decision, reviewer, tuple(given), notes)


GATE_REVIEWS = (
    _gate("P-101", "G1 Business case", date(2026, 5, 20), _GO, "Investment board", (4, 4, 3, 4)),
    _gate("P-101", "G2 Plan", date(2026, 9, 15), _GO, "Investment board", (4, 4, 3, 3)),
    _gate(
        "P-101",
        "G3 Build",
        date(2027, 2, 10),
        _GO,
        "Investment board",
        (4, 3, 2, 3),
        "Go, on condition that data migration is re-planned by March",
    ),
    _gate("P-102", "G2 Plan", date(2026, 10, 20), _GO, "Data board", (5, 4, 4, 4)),
    _gate("P-102", "G3 Build", date(2027, 1, 25), _GO, "Data board", (5, 4, 4, 5)),
    _gate("P-103", "G2 Plan", date(2026, 12, 5), _GO, "Digital board", (4, 4, 3, 4)),
    _gate("P-103", "G3 Build", date(2027, 4, 20), None, "Digital board", (), "Booked"),
    _gate("P-104", "G3 Build", date(2026, 7, 20), _GO, "IT board", (4, 4, 4, 4)),
    _gate("P-104", "G4 Handover", date(2027, 4, 15), None, "IT board", (), "Booked"),
    _gate(
        "P-119",
        "G1 Business case",
        date(2027, 1, 28),
        _RECYCLE,
        "Investment board",
        (3, 2, 3, 3),
        "Rework the business case with procurement",
    ),
    _gate("P-126", "G1 Business case", date(2026, 11, 18), _GO, "Investment board", (3, 3, 3, 3)),
    _gate(
        "P-126",
        "G2 Plan",
        date(2027, 3, 14),
        _STOP,
        "Investment board",
        (2, 2, 2, 3),
        "No vendor passed the security review; the benefits do not justify a custom build",
    ),
    _gate(
        "P-138",
        "G1 Business case",
        date(2027, 2, 10),
        _HOLD,
        "Operations board",
        (3, 3, 3, 2),
        "Wait for the outcome of the vehicle leasing tender",
    ),
    _gate("P-130", "G1 Business case", date(2027, 2, 24), _GO, "Investment board", (5, 4, 3, 4)),
)


def _status(pid, start, rows):
    return tuple(
        StatusReport(pid, parse_month(start) + k, pct, ac, pv, comment, nxt)
        for k, (pct, ac, pv, comment, nxt) in enumerate(rows)
    )


_STATUS = (
    *_status(
        "P-101",
        "2026-10",
        (
            (0.05, 190_000.0, None, "Mobilised; design workshops running", "Sign off the design"),
            (0.11, 390_000.0, None, "Design signed off two weeks late", "Start the build sprints"),
            (0.16, 600_000.0, None, "First mock data load failed", "Add a migration team"),
            (0.21, 790_000.0, None, "Migration team onboarded", "Second mock load"),
            (0.27, 990_000.0, None, "Gate G3 passed with conditions", "Re-plan migration waves"),
            (
                0.31,
                1_180_000.0,
                None,
                "Migration still behind; consultants over budget",
                "Recovery plan to the board in April",
            ),
        ),
    ),
    *_status(
        "P-102",
        "2026-11",
        (
            (0.09, 120_000.0, 120_000.0, "Landing zone built; PV from the business case", ""),
            (0.17, 240_000.0, None, "Ingestion framework in place", "Onboard finance data"),
            (0.26, 370_000.0, None, "Finance data live", "Onboard sales data"),
            (0.34, 495_000.0, None, "Sales data live", "Self-service pilot"),
            (0.43, 610_000.0, None, "Self-service pilot with 26 reports", "Roll out to HR"),
        ),
    ),
    *_status(
        "P-103",
        "2027-01",
        (
            (0.10, 95_000.0, None, "Discovery done", "Prototype the account pages"),
            (0.19, 180_000.0, None, "Prototype tested with customers", "Build sprint 1"),
            (
                0.27,
                250_000.0,
                None,
                "Accessibility rework slows sprint 2",
                "Book the external accessibility audit",
            ),
        ),
    ),
    *_status(
        "P-104",
        "2026-12",
        (
            (0.62, 480_000.0, None, "Core switches replaced", "Branch roll-out"),
            (0.74, 575_000.0, None, "Half the branches done", "Remaining branches"),
            (0.86, 665_000.0, None, "Two sites lack fibre", "Temporary 5G links"),
            (0.96, 760_000.0, None, "All but two sites live", "Handover at G4 in April"),
        ),
    ),
)

_RAID = (
    RaidItem(
        RaidType.RISK,
        "R-01",
        "P-101",
        "Data migration from the legacy ERP slips",
        "Priya Raman",
        date(2026, 11, 2),
        date(2027, 4, 30),
        4,
        5,
        "Extra migration team; weekly mock loads",
    ),
    RaidItem(
        RaidType.RISK,
        "R-02",
        "P-101",
        "The lead SAP architect leaves",
        "Priya Raman",
        date(2026, 12, 1),
        date(2027, 6, 30),
        2,
        4,
        "Retention bonus; shadow architect",
    ),
    RaidItem(
        RaidType.RISK,
        "R-03",
        "P-102",
        "Cloud running costs above the estimate",
        "Tom Becker",
        date(2027, 1, 10),
        date(2027, 5, 31),
        3,
        3,
        "Monthly cost review; reserved capacity",
    ),
    RaidItem(
        RaidType.RISK,
        "R-04",
        "P-103",
        "The accessibility audit finds blockers late",
        "Ana Silva",
        date(2027, 2, 15),
        date(2027, 5, 15),
        3,
        4,
        "Audit early, in sprint 3",
    ),
    RaidItem(
        RaidType.RISK,
        "R-05",
        "P-104",
        "Switch deliveries delayed by the supplier",
        "Sam Okafor",
        date(2026, 8, 20),
        date(2026, 12, 31),
        2,
        3,
        "Second supplier on standby",
        RaidStatus.CLOSED,
    ),
    RaidItem(
        RaidType.RISK,
        "R-06",
        "",
        "Data engineers over-allocated in 2027",
        "Head of PMO",
        date(2027, 1, 5),
        date(2027, 6, 30),
        4,
        4,
        "Hire in 2028; sequence data projects",
    ),
    RaidItem(
        RaidType.ISSUE,
        "I-01",
        "P-101",
        "Month-end close test failed in the sandbox",
        "Priya Raman",
        date(2027, 3, 3),
        date(2027, 3, 20),
        None,
        4,
        "Fix the posting rules; repeat the test",
    ),
    RaidItem(
        RaidType.ISSUE,
        "I-02",
        "P-104",
        "Two branch sites have no fibre",
        "Sam Okafor",
        date(2027, 2, 12),
        date(2027, 4, 10),
        None,
        3,
        "Temporary 5G links until fibre arrives",
    ),
    RaidItem(
        RaidType.ASSUMPTION,
        "AS-01",
        "P-102",
        "Source systems expose change data capture",
        "Tom Becker",
        date(2026, 11, 15),
        None,
        None,
        None,
        "Confirmed for finance and sales",
    ),
    RaidItem(
        RaidType.DEPENDENCY,
        "DP-01",
        "P-109",
        "Customer 360 needs mastered customer data from P-108",
        "Head of PMO",
        date(2027, 1, 5),
        None,
        None,
        None,
        "Linked on Dependencies (FS + 1 month)",
    ),
    RaidItem(
        RaidType.ACTION,
        "AC-01",
        "P-101",
        "Re-plan the data migration waves",
        "Priya Raman",
        date(2027, 2, 10),
        date(2027, 3, 15),
        None,
        None,
        "Condition of gate G3",
    ),
    RaidItem(
        RaidType.ACTION,
        "AC-02",
        "P-103",
        "Book the external accessibility audit",
        "Ana Silva",
        date(2027, 3, 20),
        date(2027, 4, 15),
    ),
    RaidItem(
        RaidType.ACTION,
        "AC-03",
        "P-104",
        "Order replacement switches",
        "Sam Okafor",
        date(2026, 12, 10),
        date(2027, 1, 31),
        status=RaidStatus.CLOSED,
    ),
    RaidItem(
        RaidType.DECISION,
        "DC-01",
        "P-130",
        "Replatform the shop only together with PIM (P-131)",
        "Investment board",
        date(2027, 2, 24),
        status=RaidStatus.CLOSED,
    ),
)


def _health(pid, day, reviewer, scores, notes=""):
    return HealthCheck(pid, day, reviewer, tuple(map(float, scores)), notes)


_HEALTH = (
    _health("P-101", date(2027, 1, 25), "PMO assurance", (3, 3, 4, 4, 3, 3, 4, 4)),
    _health(
        "P-101",
        date(2027, 3, 25),
        "PMO assurance",
        (2, 2, 4, 3, 2, 3, 3, 4),
        "Migration recovery plan needed",
    ),
    _health("P-102", date(2027, 3, 25), "PMO assurance", (4, 4, 4, 4, 3, 4, 5, 4)),
    _health("P-103", date(2027, 3, 25), "PMO assurance", (3, 4, 4, 4, 3, 3, 4, 4)),
    _health("P-104", date(2027, 3, 25), "PMO assurance", (4, 3, 4, 5, 4, 4, 4, 3)),
)

_BENEFITS = (
    Benefit(
        "P-145",
        "Fax line rental saved",
        "GBP per quarter",
        "Finance",
        4000,
        0,
        parse_month("2026-06"),
        4000,
        4000,
    ),
    Benefit(
        "P-145",
        "Fax line rental saved",
        "GBP per quarter",
        "Finance",
        4000,
        0,
        parse_month("2026-09"),
        4000,
        3600,
    ),
    Benefit(
        "P-145",
        "Maintenance contract ended",
        "GBP per quarter",
        "IT",
        2500,
        0,
        parse_month("2026-06"),
        2500,
        2500,
    ),
    Benefit(
        "P-145",
        "Maintenance contract ended",
        "GBP per quarter",
        "IT",
        2500,
        0,
        parse_month("2026-09"),
        2500,
        2500,
    ),
    Benefit(
        "P-104",
        "Network outage hours avoided",
        "hours per month",
        "Sam Okafor",
        12,
        2,
        parse_month("2027-02"),
        4,
        5,
    ),
    Benefit(
        "P-104",
        "Network outage hours avoided",
        "hours per month",
        "Sam Okafor",
        12,
        2,
        parse_month("2027-03"),
        6,
        5,
    ),
    Benefit(
        "P-102",
        "Reports moved to self-service",
        "reports",
        "Tom Becker",
        0,
        120,
        parse_month("2027-03"),
        20,
        26,
    ),
    Benefit(
        "P-101",
        "Days to close the books",
        "working days",
        "Priya Raman",
        10,
        5,
        parse_month("2028-01"),
        3,
        None,
    ),
)

_REVIEWS = (
    Review(
        "P-145",
        date(2026, 12, 10),
        "Head of PMO",
        "Decommissioned two months early, without one service complaint",
        "Check every inbound fax number with suppliers before switching off; keep a "
        "one-month e-fax fallback",
    ),
)


def sample_delivery() -> Delivery:
    """The sample's delivery records, reported as of 2027-03-31."""
    return Delivery(
        settings=DeliverySettings(status_date=STATUS_DATE),
        status=_STATUS,
        raid=_RAID,
        health=_HEALTH,
        benefits=tuple(
            Benefit(
                b.project_id,
                b.benefit,
                b.measure,
                b.owner,
                _float(b.baseline),
                _float(b.target),
                b.period,
                _float(b.planned),
                _float(b.realised),
            )
            for b in _BENEFITS
        ),
        reviews=_REVIEWS,
    )


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def sample_lessons() -> tuple[Lesson, ...]:
    """The sample's Lessons sheet."""
    return LESSONS


def sample_evaluations() -> tuple[Evaluation, ...]:
    """The sample's PM evaluation sheet."""
    return EVALUATIONS
