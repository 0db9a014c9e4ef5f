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
        "Stability",
        "Reasons time (s)",
    ]
    assert schema.column_choices("Type") == ("FS", "Requires", "Excludes", "With")


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
        "xlwings.conf",
        "Changes",
    ]
    assert {s.name for s in schema.OUTPUT_SHEETS} == {
        "Portfolio",
        "Schedule",
        "Utilisation",
        "Messages",
        "Run log",
        "Changes",
    }


def test_names_are_unique():
    tables = [s.table for s in schema.SHEETS if s.table]
    assert len(tables) == len(set(tables)) and all(t.startswith("tbl") for t in tables)
    for item in schema.SHEETS:
        headers = [c.header for c in item.columns]
        assert len(headers) == len(set(headers)), item.name


def test_every_project_field_is_read_from_intake():
    fields = {f.name for f in dataclasses.fields(Project)} - {"scores"}
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
