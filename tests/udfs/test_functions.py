"""The worksheet functions, called as Excel calls them: with cells, rows and 2-D ranges."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import sys
import types
from datetime import datetime

import pandas as pd
import pytest
import xlwings as xw

from engine.scoring import ahp, score_rows
from udfs import functions as f

CAPACITY = [
    ["Role", "2027-01", "2027-02", "2027-03", "2027-04"],
    ["Developer", 2, 2, 1.5, 2],
    ["Tester", 1, 1, 1, None],
]


TABLES = {"PMO_RANKING", "PMO_FIT_TABLE", "PMO_LESSONS"}  # functions that return a DataFrame


def is_error(value) -> bool:
    return isinstance(value, str) and value.startswith("#PMO! ")


# --- what Excel sees of each function ------------------------------------------------------


@pytest.mark.parametrize("function", f.FUNCTIONS, ids=lambda fn: fn.__name__)
def test_wizard_text_and_signature(function):
    assert function.__name__.startswith("PMO_")
    doc = function.__doc__
    assert 40 < len(doc) <= 255, "Excel's function wizard shows at most 255 characters"
    assert "\n" not in doc
    params = inspect.signature(function).parameters.values()
    # xlwings refuses keyword-only arguments and *args with defaults
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params)


# --- PMO_SCORE -----------------------------------------------------------------------------


def test_score_matches_the_engine():
    scores = [[8, 2, 5], [5, 5, 5], [10, 0, 1]]
    weights = [30, 20, 50]
    directions = ["Higher is better", "Lower is better", "Higher is better"]
    got = f.PMO_SCORE(scores, [weights], directions, 0, 10)  # a row range, one scale for all
    assert [row[0] for row in got] == pytest.approx(score_rows(scores, weights, directions))
    assert got[0][0] == pytest.approx((30 * 8 + 20 * 8 + 50 * 5) / 100)


def test_score_takes_columns_and_blank_rows():
    got = f.PMO_SCORE([[4, 6], [None, None], [10, 10]], [[1], [1]])  # weights as a column
    assert got == [[5.0], [""], [10.0]]


def test_score_blank_cell_counts_as_the_worst_of_its_scale():
    got = f.PMO_SCORE([[None, 10]], [1, 1], ["higher", "lower"], [1, 1], [5, 10])
    # higher is better: worst 1; lower is better: 10 is its worst -> oriented 1
    assert got == [[1.0]]


@pytest.mark.parametrize(
    "args, words",
    [
        (([[1, 2, 3]], [1, 1]), "weights and scores differ in length"),
        (([[1, "high"]], [1, 1]), 'scores row 1 column 2 must be a number; found "high"'),
        (([[1, 2]], [1, -1]), "weights must be 0 or more"),
        (([[1, 2]], [1, 1], ["up", "sideways"]), "direction must be"),
        (([[1, 2]], [1, 1], None, [0, 0, 0]), "mins has 3 values for 2 weights"),
        (([[1, 2]], [1, 1], None, 5, 5), "min 5 must be below max 5"),
        (([[1, 2]], [[1, 2], [3, 4]]), "weights must be one row or one column"),
        (([[1]], []), "weights is empty"),
    ],
)
def test_score_bad_arguments_give_readable_text(args, words):
    got = f.PMO_SCORE(*args)
    assert is_error(got) and words in got, got


# --- AHP -------------------------------------------------------------------------------------

SAATY = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]


def test_ahp_weights_spill_a_column_matching_the_engine():
    got = f.PMO_AHP_WEIGHTS(SAATY)
    assert len(got) == 3 and all(len(row) == 1 for row in got)
    assert [row[0] for row in got] == pytest.approx(ahp(SAATY).weights)
    assert sum(row[0] for row in got) == pytest.approx(1)
    assert f.PMO_AHP_CR(SAATY) == pytest.approx(ahp(SAATY).consistency_ratio)


def test_ahp_upper_triangle_and_fraction_text_are_enough():
    upper = [[1, 3, "5"], [None, None, "3/1"], [None, None, None]]
    flat = [row[0] for row in f.PMO_AHP_WEIGHTS(upper)]
    assert flat == pytest.approx([row[0] for row in f.PMO_AHP_WEIGHTS(SAATY)])
    assert f.PMO_AHP_CR([[1, "1/3"], [None, 1]]) == pytest.approx(0)


def test_inconsistent_matrix_has_a_high_ratio():
    assert f.PMO_AHP_CR([[1, 9, 1 / 9], [None, 1, 9], [None, None, 1]]) > 0.1


@pytest.mark.parametrize(
    "matrix, words",
    [
        ([[1, 2, 3], [0.5, 1, 2]], "must be square"),
        ([[1, None], [None, 1]], "both blank"),
        ([[1, 2], [3, 1]], "reciprocal"),
        ([[1, -2], [None, 1]], "positive"),
        ([[1, "a lot"], [None, 1]], "must be a number"),
    ],
)
def test_ahp_bad_matrix(matrix, words):
    for function in (f.PMO_AHP_WEIGHTS, f.PMO_AHP_CR):
        got = function(matrix)
        assert is_error(got) and words in got, got


# --- EVM and RAG ---------------------------------------------------------------------------


def test_evm_one_row():
    spi, cpi, eac, vac = f.PMO_EVM(100, 90, 120, 1000)[0]
    assert (spi, cpi) == (pytest.approx(0.9), pytest.approx(0.75))
    assert eac == pytest.approx(1000 / 0.75) and vac == pytest.approx(1000 - 1000 / 0.75)


def test_evm_columns_and_undefined_values():
    got = f.PMO_EVM([[100], [0], [None]], [[90], [0], [None]], [[120], [0], [None]], 1000)
    assert len(got) == 3
    assert got[1] == ["", "", 1000.0, 0.0]  # not started: no indices, budget stands
    assert got[2] == ["", "", "", ""]  # no PV, EV, AC: a row not reported yet stays blank


@pytest.mark.parametrize(
    "args, words",
    [
        ((100, -5, 1, 1), "EV (earned value) must be 0 or more"),
        ((100, "ninety", 1, 1), 'EV must be a number; found "ninety"'),
        (([1, 2], [1, 2, 3], 1, 1), "pv has 2 values but another argument has 3"),
    ],
)
def test_evm_bad_arguments(args, words):
    got = f.PMO_EVM(*args)
    assert is_error(got) and words in got, got


def test_rag_both_directions_and_columns():
    assert f.PMO_RAG(0.92, 0.95, 0.90) == "Amber"
    assert f.PMO_RAG(0.85, 0.95, 0.90) == "Red"
    assert f.PMO_RAG(0.12, 0.05, 0.10) == "Red"
    assert f.PMO_RAG([[1.0], [0.91], [None], [0.5]], 0.95, 0.9) == [
        ["Green"],
        ["Amber"],
        [""],
        ["Red"],
    ]


def test_rag_bad_arguments():
    assert "thresholds are equal" in f.PMO_RAG(1, 0.9, 0.9)
    assert "amber must be a number" in f.PMO_RAG(1, "high", 0.9)


# --- PMO_UTILISATION -------------------------------------------------------------------------


def test_utilisation_cell_by_cell():
    got = f.PMO_UTILISATION([[1, 3], [None, 2], [0, None]], [[2, 2], [4, 0], [0, None]])
    assert got == [[0.5, 1.5], [0.0, f.NO_CAPACITY], ["", ""]]


def test_utilisation_shapes_must_match():
    got = f.PMO_UTILISATION([[1, 2]], [[1], [2]])
    assert is_error(got) and "demand is 1x2 but capacity is 2x1" in got
    assert "must be a number" in f.PMO_UTILISATION([["Dev"]], [[1]])


# --- PMO_FITS --------------------------------------------------------------------------------


def test_fits_when_every_month_has_room():
    demand = [["Developer", 1, None, None], ["Tester", 0.5, 2, 3]]
    assert f.PMO_FITS(demand, CAPACITY, "2027-01", 3) == "Fits"


def test_blocked_names_role_month_and_shortfall():
    got = f.PMO_FITS([["Developer", 2, None, None]], CAPACITY, "2027-02", 2)
    assert got == "Blocked: Developer 2027-03 (short up to 0.5 FTE)"


def test_start_as_date_serial_or_column_number():
    demand = [["Developer", 2, 1, 1]]
    blocked = "Blocked: Developer 2027-03 (short up to 0.5 FTE)"
    assert f.PMO_FITS(demand, CAPACITY, datetime(2027, 3, 1)) == blocked
    assert f.PMO_FITS(demand, CAPACITY, 46447) == blocked  # 2027-03-01 as an Excel serial
    assert f.PMO_FITS(demand, CAPACITY, 3) == blocked
    assert f.PMO_FITS(demand, CAPACITY, 4) == "Fits"


def test_demand_rows_straight_from_the_demand_table():
    rows = [["P-1", "Tester", 1, 1, 4], ["P-1", "Developer", 1, None, None]]
    assert f.PMO_FITS(rows, CAPACITY, "2027-01", 4) == "Blocked: Tester 2027-04 (short up to 1 FTE)"


def test_missing_role_and_running_past_the_horizon_block():
    got = f.PMO_FITS([["Designer", 1, 1, 2]], CAPACITY, "2027-04")
    assert got.startswith("Blocked: ")
    assert 'no capacity row for role "Designer"' in got
    assert "runs to 2027-05, past 2027-04" in got


@pytest.mark.parametrize(
    "args, words",
    [
        (([["Developer", 1, None, None]], CAPACITY, "2027-01"), "give the duration"),
        (([["Developer", 1, 1, 2]], CAPACITY, "2026-12"), "outside the capacity months"),
        (([["Developer", 1, 1, 2]], CAPACITY, 9), "nor a column number 1..4"),
        (([["Developer", 1, 1, 2]], CAPACITY, None), "start is blank"),
        (
            ([["Developer", 1, 1, 2]], [["Role", "Jan"], ["Developer", 1]], 1),
            "must hold the months",
        ),
        (
            ([["Developer", 1, 1, 2]], [["Role", "2027-01", "2027-03"], ["Developer", 1, 1]], 1),
            "without gaps",
        ),
        (([["Developer", -1, 1, 2]], CAPACITY, 1), "FTE must be 0 or more"),
        (([["Developer", 1, 0.5, 2]], CAPACITY, 1), "from month must be a whole month"),
        (([["Developer"]], CAPACITY, 1), "2 to 5 columns"),
        (([[None, 1, 1, 2]], CAPACITY, 1), "has no role"),
        (([["Developer", 1, 1, 2]], CAPACITY, 1, 2.5), "duration must be a whole number"),
        (([], CAPACITY, 1), "demand is empty"),
    ],
)
def test_fits_bad_arguments(args, words):
    got = f.PMO_FITS(*args)
    assert is_error(got) and words in got, got


# --- PMO_FIT_TABLE ---------------------------------------------------------------------------


def test_fit_table_lists_each_role_and_month_the_project_needs():
    demand = [["Developer", 2, None, None], ["Tester", 0.5, 2, 3]]
    got = f.PMO_FIT_TABLE(demand, CAPACITY, "2027-02", 3)

    assert isinstance(got, pd.DataFrame)
    assert list(got.columns) == list(f.FIT_TABLE_HEADER)
    rows = [tuple(row) for row in got.itertuples(index=False)]
    assert rows == [
        ("Developer", "2027-02", 2.0, 2.0, 0.0, 1.0),
        ("Developer", "2027-03", 2.0, 1.5, -0.5, pytest.approx(2 / 1.5)),
        ("Developer", "2027-04", 2.0, 2.0, 0.0, 1.0),
        ("Tester", "2027-03", 0.5, 1.0, 0.5, 0.5),
        ("Tester", "2027-04", 0.5, 0.0, -0.5, f.NO_CAPACITY),
    ]


def test_fit_table_agrees_with_fits():
    demand = [["Developer", 2, None, None]]
    fits = f.PMO_FITS(demand, CAPACITY, "2027-02", 2)
    table = f.PMO_FIT_TABLE(demand, CAPACITY, "2027-02", 2)

    short = table[table["Left (FTE)"] < 0]
    assert fits == "Blocked: Developer 2027-03 (short up to 0.5 FTE)"
    assert short[["Role", "Month"]].values.tolist() == [["Developer", "2027-03"]]
    assert -short["Left (FTE)"].max() == pytest.approx(0.5)
    roomy = f.PMO_FIT_TABLE(demand, CAPACITY, "2027-01", 2)
    assert f.PMO_FITS(demand, CAPACITY, "2027-01", 2) == f.FITS
    assert (roomy["Left (FTE)"] >= 0).all() and len(roomy) == 2


def test_fit_table_shows_missing_roles_and_months_past_the_capacity():
    got = f.PMO_FIT_TABLE([["Designer", 1, 1, 2], ["Developer", 1, 1, 1]], CAPACITY, "2027-04", 2)

    assert got[["Role", "Month", "Load"]].values.tolist() == [
        ["Developer", "2027-04", 0.5],
        ["Designer", "2027-04", f.NO_CAPACITY],
        ["Designer", "2027-05", f.NO_CAPACITY],
    ]


def test_fit_table_bad_arguments_give_readable_text():
    got = f.PMO_FIT_TABLE([["Developer", 1, None, None]], CAPACITY, "2027-01")
    assert is_error(got) and "give the duration" in got


# --- PMO_RANKING -----------------------------------------------------------------------------


def test_ranking_is_a_league_table_of_the_scores():
    scores = [[8, 2, 5], [5, 5, 5], [None, None, None], [10, 0, 1], [5, 5, 5]]
    weights = [30, 20, 50]
    directions = ["Higher is better", "Lower is better", "Higher is better"]
    ids = [["P-1"], ["P-2"], ["P-3"], ["P-4"], ["P-5"]]

    got = f.PMO_RANKING(ids, scores, weights, directions)

    assert list(got.columns) == list(f.RANKING_HEADER)
    by_id = dict(zip(got["ID"], got["Score"], strict=True))
    assert set(by_id) == {"P-1", "P-2", "P-4", "P-5"}  # the blank row is left out
    assert got["Score"].is_monotonic_decreasing
    assert got["Rank"].tolist() == [1, 2, 3, 3]  # P-2 and P-5 tie
    assert got["ID"].tolist()[2:] == ["P-2", "P-5"]  # ties keep their input order
    spilled = [row[0] for row in f.PMO_SCORE(scores, weights, directions)]
    for pid, score in zip(["P-1", "P-2", "P-3", "P-4", "P-5"], spilled, strict=True):
        assert by_id.get(pid, "") == pytest.approx(score)  # the same score as PMO_SCORE


def test_ranking_skips_rows_without_an_id_and_reads_numeric_ids():
    got = f.PMO_RANKING([["A"], [None]], [[4, 6], [9, 9]], [1, 1])
    assert got.values.tolist() == [["A", 5.0, 1]]
    numeric = f.PMO_RANKING([[101.0], [102.5]], [[4, 6], [9, 9]], [1, 1])
    assert numeric["ID"].tolist() == ["102.5", "101"]


@pytest.mark.parametrize(
    "args, words",
    [
        (([["A"]], [[1, 2], [3, 4]], [1, 1]), "ids has 1 values for 2 rows of scores"),
        (([["A"]], [[1, 2]], [1, -1]), "weights must be 0 or more"),
        (([["A", "B"], ["C", "D"]], [[1]], [1]), "ids must be one row or one column"),
    ],
)
def test_ranking_bad_arguments(args, words):
    got = f.PMO_RANKING(*args)
    assert is_error(got) and words in got, got


def _as_excel_gets_it(value, options):
    """The cells xlwings makes of a returned value: the converter its router picks by type."""
    from xlwings import conversion

    converter = conversion.accessors[None].router(value, None, options)
    assert converter is conversion.accessors[pd.DataFrame]
    return converter.write_value(value, dict(options))


def test_tables_reach_excel_as_a_header_row_and_values():
    """What xlwings' DataFrame converter (index=False) makes of the returned tables."""
    options = {"index": False}
    table = f.PMO_RANKING([["A"], ["B"]], [[4, 6], [9, 9]], [1, 1])
    assert _as_excel_gets_it(table, options) == [
        ["ID", "Score", "Rank"],
        ["B", 9.0, 1],
        ["A", 5.0, 2],
    ]
    fit = f.PMO_FIT_TABLE([["Tester", 1, 1, 1]], CAPACITY, "2027-04", 1)
    assert _as_excel_gets_it(fit, options) == [
        list(f.FIT_TABLE_HEADER),
        ["Tester", "2027-04", 1.0, 0.0, -1.0, "no capacity"],
    ]
    empty = f.PMO_FIT_TABLE([["Tester", 0, None, None]], CAPACITY, "2027-01", 2)
    assert _as_excel_gets_it(empty, options) == [list(f.FIT_TABLE_HEADER)]


def test_an_unexpected_error_is_still_text(monkeypatch):
    def broken(*args):
        raise RuntimeError("engine fell over")

    monkeypatch.setattr(f, "ahp", broken)
    got = f.PMO_AHP_CR(SAATY)
    assert got == "#PMO! unexpected RuntimeError: engine fell over"


# --- the Windows side of xlwings, as far as it runs without Excel ----------------------------


@pytest.fixture
def windows_xlwings(monkeypatch):
    """xlwings' Windows UDF decorators and VBA generator (`xlwings.udfs`), with the pywin32
    modules it imports replaced by empty ones: registration and code generation call no COM.
    Yields (xlwings.udfs, a fresh copy of udfs.functions decorated by it)."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["win32com.client"].Dispatch = lambda *args: None
    sys.modules.pop("xlwings.udfs", None)
    windows = importlib.import_module("xlwings.udfs")
    monkeypatch.setattr(xw, "func", windows.xlfunc)
    monkeypatch.setattr(xw, "arg", windows.xlarg)
    monkeypatch.setattr(xw, "ret", windows.xlret)
    spec = importlib.util.spec_from_file_location("pmo_functions_windows", f.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        yield windows, module
    finally:
        sys.modules.pop("xlwings.udfs", None)
        if hasattr(xw, "udfs"):
            delattr(xw, "udfs")


class _Workbook:
    Name = "PMO_Portfolio.xlsm"


def test_windows_registration_and_generated_vba(windows_xlwings):
    windows, module = windows_xlwings
    names = {fn.__name__ for fn in f.FUNCTIONS}
    registered = {name for name in dir(module) if hasattr(getattr(module, name), "__xlfunc__")}
    assert registered == names
    for name in names:
        info = getattr(module, name).__xlfunc__
        assert info["category"] == f.CATEGORY
        assert len(info["ret"]["doc"]) <= 255
        # tables spill with their header row and without the DataFrame's index
        assert info["ret"]["options"] == ({"index": False} if name in TABLES else {}), name
        for arg in info["args"]:
            if arg["name"] == "caller":  # xlwings passes the calling cell: no argument in Excel
                continue
            assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])
            # ranges arrive as lists of rows whatever their shape; start and duration are cells
            expected = {} if arg["name"] in ("start", "duration") else {"ndim": 2}
            assert arg["options"] == expected, (name, arg["name"])
    vba = io.StringIO()
    windows.generate_vba_wrapper("udfs.functions", module, vba, _Workbook())
    code = vba.getvalue()
    assert (
        "Function PMO_SCORE(scores, weights, Optional directions, Optional mins, "
        "Optional maxs)" in code
    )
    assert "Function PMO_FITS(demand, capacity, start, Optional duration)" in code
    assert "Function PMO_FIT_TABLE(demand, capacity, start, Optional duration)" in code
    assert (
        "Function PMO_RANKING(ids, scores, weights, Optional directions, Optional mins, "
        "Optional maxs)" in code
    )
    assert "Function PMO_LESSONS(query, Optional tags, Optional lessons)" in code
    assert code.count('XLPy.CallUDF("udfs.functions"') == 2 * len(names)


def test_score_over_the_sample_sheets_equals_the_optimisers_scores():
    """=PMO_SCORE(tblScoring[[first]:[last criterion]], tblCriteria[Weight], ...Direction,
    ...Min, ...Max) on the sample workbook gives the score the optimiser uses."""
    import openpyxl

    from engine.scoring import weighted_score
    from tests.udfs.remote import SAMPLE
    from workbook.files.reader import read_workbook

    book = openpyxl.load_workbook(SAMPLE, data_only=True)
    criteria = [list(r) for r in book["Criteria"].iter_rows(min_row=4, values_only=True) if r[0]]
    names = [r[0] for r in criteria]
    scoring = book["Scoring"]
    header = [c.value for c in scoring[8]]
    first, last = header.index(names[0]), header.index(names[-1])
    ids, scores = [], []
    for row in scoring.iter_rows(min_row=9, values_only=True):
        if row[0]:
            ids.append(row[0])
            scores.append(list(row[first : last + 1]))
    column = [[r[2]] for r in criteria]
    got = f.PMO_SCORE(
        scores,
        column,
        [[r[3]] for r in criteria],
        [[r[4]] for r in criteria],
        [[r[5]] for r in criteria],
    )
    portfolio = read_workbook(SAMPLE).portfolio
    expected = [weighted_score(portfolio.project(i).scores, portfolio.criteria) for i in ids]
    assert [row[0] for row in got] == pytest.approx(expected)


# --- PMO_LESSONS -----------------------------------------------------------------------------

LESSON_TABLE = [
    ["ID", "Project", "Date", "Phase", "Category", "Tags", "What happened", "Root cause",
     "Recommendation", "Owner", "Status"],
    ["L-1", "P-9", datetime(2026, 3, 1), "Delivery", "Supplier", "network, lead time",
     "Switches arrived 20 weeks late", "Ordered after design", "Order long-lead hardware early",
     "Sam", "Open"],
    ["L-2", 101.0, None, "Delivery", "Technology", "data migration, cut-over",
     "The data migration failed its rehearsal", "No profiling",
     "Profile source data and rehearse the migration twice", "Priya", "Actioned"],
    ["L-3", "P-7", None, "Closure", "Cost", "cloud, cost",
     "Cloud costs ran over during the migration pilot", "No tagging",
     "Tag resources and review spend monthly", "Marta", "Open"],
    [None] * 11,
]  # fmt: skip


def test_lessons_rank_the_most_relevant_first_with_headers():
    got = f.PMO_LESSONS("data migration rehearsal", None, LESSON_TABLE)
    assert list(got.columns) == list(f.LESSONS_HEADER)
    # L-2 is about a data migration's rehearsal; L-3 only mentions a migration once
    assert list(got["ID"]) == ["L-2", "L-3"]
    # BM25 gives ~0 to a word in most rows ("migration" is in two of three)
    assert got["Relevance"].iloc[0] > got["Relevance"].iloc[1] >= 0
    assert got["Project"].iloc[0] == "101"  # a numeric project ID reads as its digits


def test_lessons_tags_filter_and_stemming():
    got = f.PMO_LESSONS([["migrating"]], [["cloud"]], LESSON_TABLE)  # "migrating" ~ migration
    assert list(got["ID"]) == ["L-3"]
    tagged_only = f.PMO_LESSONS("", "lead time, network", LESSON_TABLE)
    assert list(tagged_only["ID"]) == ["L-1"]
    nothing = f.PMO_LESSONS("payroll", None, LESSON_TABLE)
    assert nothing.empty and list(nothing.columns) == list(f.LESSONS_HEADER)


@pytest.mark.parametrize(
    "args, words",
    [
        (("", None, LESSON_TABLE), "give words to search for, or a tag"),
        (("data", None, [["Name", "Owner"], ["x", "y"]]), "tblLessons[#All]"),
        (("data", None, None), "give the Lessons table as the third argument"),
    ],
)
def test_lessons_bad_arguments(args, words):
    got = f.PMO_LESSONS(*args)
    assert is_error(got) and words in got, got


def test_lessons_read_the_calling_workbook_without_a_table(monkeypatch):
    """In Excel, =PMO_LESSONS("cloud migration") reads its own book's Lessons sheet: xlwings
    hands the calling cell over as `caller` (here a cell of xlwings' remote Book)."""
    from tests.udfs.remote import SAMPLE, open_book, payload_from_file, use_remote_engine

    use_remote_engine(monkeypatch)
    book = open_book(payload_from_file(SAMPLE))
    got = f.PMO_LESSONS("cloud migration costs", None, None, book.sheets["Start"]["A1"])
    assert not isinstance(got, str), got
    assert got["ID"].iloc[0] == "L-08"  # the sample's lesson on cloud migration costs
    with_tag = f.PMO_LESSONS("migration", "payroll", None, book.sheets["Start"]["A1"])
    assert list(with_tag["ID"]) == ["L-01"]
