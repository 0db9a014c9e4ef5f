"""The template: the committed workbook matches the builder, and the sample makes sense."""

from __future__ import annotations

import re
import zipfile
from collections import Counter

import openpyxl
import pytest

from engine.checker import check_plan
from engine.model import DependencyType, ProjectStatus
from engine.optimiser import solve
from engine.scoring import weighted_score
from engine.validation import Severity, validate
from tests.workbook._books import copy_book, template
from workbook.book import schema
from workbook.book.sample import sample_portfolio
from workbook.files import template as builder
from workbook.files.macros.ribbon import has_ribbon
from workbook.files.reader import read_workbook

# Functions Excel 2007+ and LibreOffice 7.4 both know (no XLOOKUP, LET or LAMBDA).
ALLOWED_FUNCTIONS = {"SUMPRODUCT", "INDEX", "MATCH", "IF", "IFERROR", "SUM", "COUNT", "COUNTIF"} | {
    "AVERAGEIF",
    "AND",
    "OR",
    "AVERAGE",
    "COUNTIFS",
    "SUMIF",
    "ISNUMBER",
    "LEFT",
    "MID",
    "VALUE",
    "YEAR",
    "MONTH",
    "MIN",
    "MAX",
    "LOOKUP",
    "TODAY",
    *("ROW", "GEOMEAN", "MMULT"),  # the Pairwise sheet
}


def meaning(path):
    """What a workbook says, independent of how the bytes are laid out."""
    book = openpyxl.load_workbook(path)
    found = {"sheets": book.sheetnames, "names": {}}
    for name, defined in book.defined_names.items():
        found["names"][name] = defined.attr_text
    for ws in book.worksheets:
        found[ws.title] = {
            "cells": {
                c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None
            },
            "tables": {
                t.displayName: (
                    t.ref,
                    [c.name for c in t.tableColumns],
                    [
                        c.calculatedColumnFormula.attr_text if c.calculatedColumnFormula else None
                        for c in t.tableColumns
                    ],
                )
                for t in ws.tables.values()
            },
            "validations": sorted(
                (str(v.sqref), v.type, v.formula1, v.operator)
                for v in ws.data_validations.dataValidation
            ),
            "conditional": sorted(
                (str(rng.sqref), r.type, tuple(r.formula or ()))
                for rng in ws.conditional_formatting
                for r in rng.rules
            ),
            "freeze": ws.freeze_panes,
        }
    return found


def test_committed_template_matches_the_builder(tmp_path):
    committed = meaning(builder.TEMPLATE_PATH)
    fresh = meaning(template())
    assert committed == fresh, "run python -m workbook.files.template to rebuild the committed file"


def test_template_has_macros_buttons_ribbon_and_xlwings_conf():
    path = template()
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        assert "xl/vbaProject.bin" in names
        vml = "".join(package.read(n).decode() for n in names if n.endswith(".vml"))
    for macro, _caption, _what in schema.MACROS:
        assert macro in vml
    assert has_ribbon(path)
    book = openpyxl.load_workbook(path, keep_vba=True)
    conf = {
        row[0]: row[1]
        for row in book["xlwings.conf"].iter_rows(max_col=2, values_only=True)
        if row[0]
    }
    assert conf["UDF Modules"] == "udfs.functions"
    # The interpreter comes from the user's own xlwings config (a blank row would override it).
    assert not {"Interpreter_Win", "Interpreter_Mac", "Conda Path", "Conda Env"} & set(conf)


def test_xlwings_conf_has_no_key_with_a_blank_value():
    """xlwings takes a row of the sheet even when its value is blank, over the user's config:
    every key the sheet holds must carry a value, in one block from A1 (xlwings stops at the
    first blank cell of column A)."""
    book = openpyxl.load_workbook(template(), keep_vba=True)
    rows = list(book["xlwings.conf"].iter_rows(max_col=2, values_only=True))
    keys = [row[0] for row in rows]
    filled = keys[: keys.index(None)] if None in keys else keys
    assert filled and not any(keys[len(filled) :]), "a key below a blank row is never read"
    for key, value in rows[: len(filled)]:
        assert value is not None and str(value).strip() != "", f"{key} has a blank value"
    assert [k for k, _ in schema.XLWINGS_SETTINGS] == filled
    assert all(isinstance(v, bool) or str(v).strip() for _, v in schema.XLWINGS_SETTINGS)


def test_tables_validations_and_names():
    book = openpyxl.load_workbook(template())
    for item in schema.SHEETS:
        if item.table:
            table = book[item.name].tables[item.table]
            headers = [c.name for c in table.tableColumns]
            fixed = [c.header for c in item.columns]
            assert set(fixed) <= set(headers), item.name
    intake = book["Intake"]
    lists = {v.formula1 for v in intake.data_validations.dataValidation if v.type == "list"}
    assert '"Proposed,Approved,In flight,On hold,Closed"' in lists
    assert '"Yes,No"' in lists and '"None,In,Out"' in lists
    demand_lists = {v.formula1 for v in book["Demand"].data_validations.dataValidation}
    assert {"PMO_Roles", "PMO_ProjectIDs"} <= demand_lists
    deps = {v.formula1 for v in book["Dependencies"].data_validations.dataValidation}
    assert '"FS,Requires,Excludes,With"' in deps
    assert set(schema.DEFINED_NAMES) <= set(book.defined_names)
    assert intake.freeze_panes == "B4"


OWN_FUNCTIONS = {"PMO_AHP_WEIGHTS", "PMO_AHP_CR"}  # udfs/functions.py, through xlwings


def test_formulas_use_only_functions_excel_2016_and_libreoffice_share():
    book = openpyxl.load_workbook(template())
    used = Counter()
    for ws in book.worksheets:
        for table in ws.tables.values():
            for column in table.tableColumns:
                if column.calculatedColumnFormula:
                    used.update(
                        re.findall(
                            r"([A-Z][A-Z0-9._]*)\(", column.calculatedColumnFormula.attr_text
                        )
                    )
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    used.update(re.findall(r"([A-Z][A-Z0-9._]*)\(", cell.value))
                    for udf in OWN_FUNCTIONS:
                        # the add-in's own functions only as the first choice of an IFERROR
                        # whose fallback both spreadsheets compute
                        if udf in cell.value:
                            assert cell.value.startswith(
                                f"=IFERROR({udf}("
                            ) or cell.value.startswith(f"=IFERROR(INDEX({udf}("), cell.value
    assert used, "the template should hold live formulas"
    own = set(used) & OWN_FUNCTIONS
    assert set(used) - own <= ALLOWED_FUNCTIONS, set(used) - own - ALLOWED_FUNCTIONS
    assert used["SUMPRODUCT"] > 40  # one weighted score per project


def test_score_formula_reverses_lower_is_better():
    formula = builder.score_formula(["A", "B"])
    assert "SUMPRODUCT(" in formula and '="Lower is better"' in formula
    assert "tblScoring[[#This Row],[A]:[B]]" in formula


@pytest.mark.libreoffice
def test_libreoffice_computes_the_engine_scores(libreoffice, tmp_path):
    from workbook.headless.recalc import recalc

    book = copy_book(tmp_path)
    [outcome] = recalc([book], tmp_path / "out")
    assert outcome.ok, outcome.error
    values = openpyxl.load_workbook(outcome.out, data_only=True)
    portfolio = read_workbook(book).portfolio
    scoring = values["Scoring"]
    header = [c.value for c in scoring[builder.SCORING_HEADER_ROW + 1]]
    score_col, rank_col = header.index("Weighted score"), header.index("Rank")
    computed = {}
    for row in scoring.iter_rows(min_row=builder.SCORING_HEADER_ROW + 2, values_only=True):
        if row[0]:
            computed[row[0]] = (row[score_col], row[rank_col], row[1])
    assert len(computed) == len(portfolio.projects)
    engine = {p.id: weighted_score(p.scores, portfolio.criteria) for p in portfolio.projects}
    for project in portfolio.projects:
        score, rank, name = computed[project.id]
        assert score == pytest.approx(engine[project.id], abs=1e-9), project.id
        assert rank == 1 + sum(v > engine[project.id] + 1e-9 for v in engine.values())
        assert name == project.name
    intake = values["Intake"]
    score_column = [c.value for c in intake[builder.HEADER_ROW + 1]].index("Score")
    first = next(intake.iter_rows(min_row=builder.HEADER_ROW + 2, values_only=True))
    assert first[score_column] == pytest.approx(engine[first[0]])


def test_sample_portfolio_is_rich_valid_and_feasible():
    portfolio = sample_portfolio()
    projects = portfolio.projects
    assert len(projects) >= 40 and len(portfolio.capacity) >= 8
    assert portfolio.settings.horizon == 24 and portfolio.settings.plan_start == 2027 * 12
    types = {d.type for d in portfolio.dependencies}
    assert types == set(DependencyType)
    assert any(d.type is DependencyType.FS and d.lag > 0 for d in portfolio.dependencies)
    groups = Counter(p.exclusive_group for p in projects if p.exclusive_group)
    assert any(n >= 2 for n in groups.values())
    assert 2 <= sum(p.mandatory for p in projects) <= 3
    in_flight = [p for p in projects if p.status is ProjectStatus.IN_FLIGHT]
    assert 3 <= len(in_flight) <= 4 and all(p.fixed_start is not None for p in in_flight)
    assert any(p.fixed_start < portfolio.settings.plan_start for p in in_flight)
    statuses = {p.status for p in projects}
    assert {ProjectStatus.ON_HOLD, ProjectStatus.CLOSED} <= statuses
    assert portfolio.budget
    assert [p for p in validate(portfolio) if p.severity is Severity.ERROR] == []
    result = solve(portfolio, time_limit=3, tie_break=False)
    assert result.status.has_plan
    assert check_plan(portfolio, result) == []
    deferred = [
        o
        for o in result.projects
        if not o.selected and not portfolio.project(o.project_id).out_of_play
    ]
    assert len(deferred) >= 5, "the sample should be over-subscribed"
    assert any("Not enough" in o.reason for o in deferred)


def test_empty_template_reads_without_projects(tmp_path):
    path = builder.build_workbook(tmp_path / "Empty.xlsm", empty=True)
    read = read_workbook(path)
    assert read.portfolio.projects == () and read.portfolio.capacity
    assert [str(m) for m in read.messages()] == []
