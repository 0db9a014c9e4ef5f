"""The schema is the one source of truth: exact input contract, unique names, docs in sync."""

from __future__ import annotations

import dataclasses

from engine.model import Project
from workbook.book import schema


def test_input_contract_headers_are_exact():
    def headers(item):
        return [c.header for c in item.columns if not c.optional]

    assert headers(schema.INTAKE) == [
        "ID",
        "Name",
        "Status",
        "Mandatory",
        "Force",
        "Earliest start",
        "Latest start",
        "Fixed start",
        "Duration (months)",
        "Cost",
        "Exclusive group",
    ]
    assert [c.header for c in schema.INTAKE.columns if c.optional and not c.computed] == [
        "Sponsor",
        "Department",
        "Programme",
        "Strategic objective",
        "Project manager",
        "PM grade",
        "PM skills",
        "Can stop",
        "Remaining cost",
        "Remaining value",
    ]
    assert headers(schema.DEMAND) == ["ID", "Role", "FTE", "From month", "To month"]
    assert headers(schema.CAPACITY) == ["Role"] and schema.CAPACITY.dynamic == "months"
    assert headers(schema.DEPENDENCIES) == ["Predecessor", "Successor", "Type", "Lag (months)"]
    assert headers(schema.CRITERIA) == [
        "Criterion",
        "Perspective",
        "Weight",
        "Direction",
        "Min",
        "Max",
    ]
    assert headers(schema.SCORING)[0] == "ID" and schema.SCORING.dynamic == "criteria"
    assert headers(schema.BUDGET) == ["Year", "Budget"]
    assert headers(schema.SETTINGS_SHEET) == ["Setting", "Value"]
    assert [s.name for s in schema.SETTINGS] == [
        "Plan start",
        "Horizon (months)",
        "Objective",
        "Time limit (s)",
        "Random seed",
        "Status date",
        "RAG green from",
        "RAG amber from",
        "Health green from",
        "Health amber from",
        "Project managers",
        "Department",
        "Weights from",
        "Stability",
        "Reasons time (s)",
        "Reproducible",
    ]
    assert schema.column_choices("Type") == ("FS", "Requires", "Excludes", "With")
    # the centre of excellence (issue 16): column names other tools rely on
    assert [c.header for c in schema.LESSONS.columns] == [
        "ID",
        "Project",
        "Date",
        "Phase",
        "Category",
        "Tags",
        "What happened",
        "Root cause",
        "Recommendation",
        "Owner",
        "Status",
    ]
    assert headers(schema.PEOPLE) == [
        "Name",
        "Grade",
        "Skills",
        "Certifications",
        "Max concurrent projects",
        "Available from",
        "Available to",
    ]
    assert headers(schema.PM_EVALUATION)[:2] == ["Manager", "Project"]
    assert schema.setting("Project managers").allowed == ("Check", "Assign")


def test_delivery_headers_are_exact():
    """The delivery sheets' columns, as issue 15 names them (other tools rely on them)."""

    def headers(item):
        return [c.header for c in item.columns if not c.optional]

    assert headers(schema.STATUS) == [
        "ID",
        "Period",
        "% complete",
        "Actual cost",
        "Planned value",
        "Earned value",
        "SPI",
        "CPI",
        "EAC",
        "VAC",
        "Schedule RAG",
        "Cost RAG",
        "Overall RAG",
        "Commentary",
        "Next steps",
    ]
    assert headers(schema.RAID) == [
        "Type",
        "ID",
        "Project",
        "Title",
        "Owner",
        "Raised",
        "Due",
        "Probability",
        "Impact",
        "Score",
        "Response",
        "Status",
    ]
    assert schema.RAID.column("Type").allowed == (
        "Risk",
        "Assumption",
        "Issue",
        "Dependency",
        "Action",
        "Decision",
    )
    assert schema.RAID.column("Status").allowed == ("Open", "Closed")
    gates = headers(schema.GATES_SHEET)
    assert gates[:4] == ["ID", "Gate", "Date", "Reviewer"]
    assert gates[-2:] == ["Decision", "Notes"]
    assert schema.GATES_SHEET.column("Decision").allowed == ("Go", "Hold", "Stop", "Recycle")
    assert headers(schema.HEALTH) == [
        "ID",
        "Date",
        "Reviewer",
        "Schedule",
        "Cost",
        "Scope",
        "Quality",
        "Risk",
        "Resources",
        "Stakeholders",
        "Benefits",
        "Health index",
        "Health RAG",
        "Notes",
    ]
    assert headers(schema.BENEFITS) == [
        "ID",
        "Benefit",
        "Measure",
        "Owner",
        "Baseline",
        "Target",
        "Period",
        "Planned",
        "Realised",
        "Variance",
    ]


def test_sheets_in_order_with_roles():
    assert [s.name for s in schema.SHEETS] == [
        "Start",
        "Settings",
        "Criteria",
        "Intake",
        "Scoring",
        "Demand",
        "Capacity",
        "Dependencies",
        "Budget",
        "Portfolio",
        "Schedule",
        "Utilisation",
        "Messages",
        "Run log",
        "Status",
        "Latest status",
        "RAID",
        "Gates",
        "Health",
        "Benefits",
        "Reviews",
        "Dashboard",
        "Lessons",
        "People",
        "PM evaluation",
        "Enterprise",
        "Enterprise load",
        "Frontier",
        "Hiring",
        "Hiring plan",
        "Shortfall",
        "Balance",
        "Balance view",
        "Scenarios",
        "Compare",
        "PMO scenarios",
        "Pairwise",
        "Scorecard",
        "Changes",
        "xlwings.conf",  # kept last: sheets of later issues go before it
    ]
    assert {s.name for s in schema.OUTPUT_SHEETS} == {
        "Portfolio",
        "Schedule",
        "Utilisation",
        "Messages",
        "Run log",
        "Latest status",
        "Dashboard",
        "Enterprise",
        "Enterprise load",
        "Frontier",
        "Hiring plan",
        "Shortfall",
        "Balance view",
        "Scenarios",
        "Compare",
        "PMO scenarios",
        "Scorecard",
        "Changes",
    }


def test_names_are_unique():
    tables = [s.table for s in schema.SHEETS if s.table]
    assert len(tables) == len(set(tables)) and all(t.startswith("tbl") for t in tables)
    for item in schema.SHEETS:
        headers = [c.header for c in item.columns]
        assert len(headers) == len(set(headers)), item.name


def test_every_project_field_is_read_from_intake():
    # scores come from Scoring; tags are the Intake columns without a field (Department...);
    # gate from Gates
    fields = {f.name for f in dataclasses.fields(Project)} - {"scores", "tags", "gate"}
    assert fields == {c.field for c in schema.INTAKE.columns if c.field}


def test_choice_columns_list_their_values():
    for item in schema.SHEETS:
        for column in item.columns:
            if column.type in (schema.ColType.CHOICE, schema.ColType.YESNO):
                assert column.allowed, f"{item.name}.{column.header}"


def test_docs_are_generated_from_the_schema():
    text = schema.render_markdown()
    for item in schema.SHEETS:
        assert f"| {item.name} |" in text
    assert schema.DOC_PATH.read_text(encoding="utf-8") == text, (
        "docs/workbook.md is stale: run python -m workbook.book.schema"
    )


def test_header_rows_and_defined_names_match_the_template():
    """The schema is the one source of the header rows and defined names (issue 10)."""
    import openpyxl
    from openpyxl.utils.cell import range_boundaries

    from workbook.files.template import TEMPLATE_PATH

    book = openpyxl.load_workbook(TEMPLATE_PATH, keep_vba=True)
    for item in schema.SHEETS:
        if item.table is None:
            continue
        table = book[item.name].tables[item.table]
        assert range_boundaries(table.ref)[1] == item.header_row, item.name
    names = {name: book.defined_names[name].attr_text for name in book.defined_names}
    for name, ref in schema.defined_names().items():
        assert names[name] == ref.lstrip("=")
    settings = book[schema.SETTINGS_SHEET.name]
    for name, field_name in schema.SETTING_NAMES.items():
        address = schema.setting_cell(field_name).split("!")[1].replace("$", "")
        label = settings[address].offset(column=-1).value
        assert label == next(s.name for s in schema.SETTINGS if s.field == field_name), name
