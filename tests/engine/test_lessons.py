"""Lessons learned (issue 16): SQLite FTS5's BM25 ranks them; intake offers the ones to read."""

from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.lessons import Lesson, LessonIndex, read_first, search_lessons
from engine.model import Portfolio, Project, ProjectStatus, Settings
from engine.months import month
from engine.validation import Severity

LESSONS = (
    Lesson(
        "L-1",
        category="Supplier",
        tags=("network", "hardware", "lead time"),
        what_happened="Switches arrived 20 weeks after the order; the roll-out slipped.",
        recommendation="Order long-lead hardware as soon as the project is approved.",
    ),
    Lesson(
        "L-2",
        category="Technology",
        tags=("data migration", "cut-over"),
        what_happened="The payroll data migration failed two dress rehearsals.",
        root_cause="Source data was never profiled.",
        recommendation="Profile the source data and rehearse the migration twice.",
    ),
    Lesson(
        "L-3",
        category="Cost",
        tags=("cloud", "FinOps"),
        what_happened="Cloud costs ran 40% over during the migration pilot.",
        recommendation="Tag every resource and review cloud spend monthly.",
    ),
    Lesson(
        "L-4",
        category="Stakeholders",
        tags=("CRM", "adoption", "sales"),
        what_happened="Only 30% of the sales team used the new CRM after go-live.",
        recommendation="Put sales super-users in the design team.",
    ),
    Lesson(
        "L-5",
        category="Governance",
        tags=("GDPR", "retention"),
        what_happened="Legal and IT read the retention rules differently.",
        recommendation="Agree one retention schedule before the build.",
    ),
    Lesson(
        "L-6",
        date="2026-05-01",
        category="Schedule",
        tags=("warehouse", "go-live"),
        what_happened="The warehouse went live in the peak season.",
        recommendation="Never go live in the peak; plan hypercare.",
    ),
    Lesson(
        "L-7",
        date="2026-07-01",
        category="Schedule",
        tags=("go-live", "hypercare"),
        what_happened="Nobody staffed the helpdesk on go-live day.",
        recommendation="Plan hypercare staffing before any go-live.",
    ),
)


def _ids(hits) -> list[str]:
    return [hit.lesson.id for hit in hits]


def test_a_query_ranks_the_obviously_relevant_lesson_first():
    assert _ids(search_lessons(LESSONS, "data migration rehearsal"))[0] == "L-2"
    assert _ids(search_lessons(LESSONS, "switch hardware delivery lead times"))[0] == "L-1"
    assert _ids(search_lessons(LESSONS, "CRM adoption by sales"))[0] == "L-4"
    hits = search_lessons(LESSONS, "cloud migration costs")
    assert _ids(hits)[:2] == ["L-3", "L-2"]  # both migrations, only one about cloud costs
    assert hits[0].relevance > hits[1].relevance


def test_words_are_stemmed_and_tags_filter():
    assert _ids(search_lessons(LESSONS, "migrating"))[:2] == ["L-2", "L-3"]
    assert _ids(search_lessons(LESSONS, "migration", tags=["FinOps"])) == ["L-3"]
    assert _ids(search_lessons(LESSONS, "migration", tags=["finops", "nothing"])) == []
    # tags alone: every lesson with them, newest first
    assert _ids(search_lessons(LESSONS, "", tags=[" Go-Live "])) == ["L-7", "L-6"]


def test_what_people_type_never_reaches_the_query_syntax():
    for query in (
        '"unclosed',
        "cloud AND OR NOT",
        "NEAR(a b)",
        "data*",
        "col: x",
        "((( yes",
        "'; DROP",
    ):
        search_lessons(LESSONS, query)  # no sqlite3 error, whatever the text
    assert _ids(search_lessons(LESSONS, 'cloud" OR "crm'))[0] == "L-3"  # quotes are words
    with pytest.raises(InputError, match="give words to search for, or a tag"):
        search_lessons(LESSONS, "the and of")  # only common words: nothing to look for


def test_a_limit_and_no_match():
    assert len(search_lessons(LESSONS, "go-live", limit=1)) == 1
    assert search_lessons(LESSONS, "blockchain") == []


def test_proposals_that_resemble_past_work_get_the_lessons_to_read_first():
    portfolio = Portfolio(
        Settings(month(2027, 1), 12),
        (
            Project("P1", "Cloud migration wave 1"),
            Project("P2", "Office plants"),
            Project("P3", "Payroll data migration", status=ProjectStatus.IN_FLIGHT),
            Project("P4", "CRM for sales", status=ProjectStatus.APPROVED),
        ),
    )
    advice = read_first(portfolio, LESSONS, {"P1": "Infrastructure renewal"})
    assert [(p.index, p.severity) for p in advice] == [(0, Severity.INFO), (3, Severity.INFO)]
    cloud, crm = advice
    assert cloud.message.startswith('P1 "Cloud migration wave 1" resembles past work')
    assert "L-3 (Cost): Cloud costs ran 40% over" in cloud.message
    assert "L-2" not in cloud.message  # it shares one word only ("migration")
    assert "L-4" in crm.message  # in flight (P3) is past intake: no advice


def test_at_most_three_lessons_to_read_first():
    many = [
        Lesson(f"L-{i}", tags=("go-live", "hypercare"), what_happened="go-live hypercare")
        for i in range(6)
    ]
    with LessonIndex(many) as index:
        assert len(index.resembling("Hypercare after go-live")) == 3
