"""Lessons learned: a knowledge base searched by relevance with SQLite FTS5 and its BM25.

The ranking is SQLite's own (the standard library's `sqlite3`, FTS5 full-text index, `bm25()`
with a weight per column: tags and category count more than the narrative), over words
stemmed by the Porter tokenizer, so "migrating" finds "migration". A query is the words of
the text typed, any of which may match (`"data" OR "migration"`); common words ("the",
"project") are dropped first, and nothing a user types reaches FTS5's query syntax except as
quoted words. Tags filter: a lesson must carry every tag asked for.

`resembling` serves intake: a proposed project resembles a past lesson when what the lesson is
about (its category, tags and what happened) shares at least two distinct words (after
stemming) with the project's name and programme; the best three by BM25 are the lessons to
read first.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.errors import InputError
from engine.model import Portfolio, ProjectStatus
from engine.validation import Problem, Severity
from engine.wording import project_label

# bm25 column weights, in the order of COLUMNS: a hit in the tags weighs three words of story
COLUMNS = ("project", "phase", "category", "tags", "what", "cause", "recommendation")
WEIGHTS = (0.5, 0.5, 2.0, 3.0, 1.0, 1.0, 1.5)
TOKENIZER = "porter unicode61 remove_diacritics 2"
RESEMBLE_WORDS = 2  # distinct shared words for a proposal to resemble a lesson ...
ABOUT = ("category", "tags", "what")  # ... in what the lesson is about (not its advice)
READ_FIRST = 3  # lessons listed per resembling proposal
# Words too common to tell lessons apart: English function words, then words found in
# most project names.
# fmt: off
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "been", "being", "both", "but", "by", "can",
    "do", "does", "did", "each", "for", "from", "has", "have", "he", "her", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "just", "me", "more", "most", "my", "no", "not",
    "now", "of", "off", "on", "only", "or", "other", "our", "out", "over", "own", "same",
    "she", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then",
    "these", "they", "this", "those", "to", "too", "up", "very", "was", "we", "were", "what",
    "when", "where", "which", "who", "why", "will", "with", "without", "you", "your",
    "project", "projects", "programme", "phase", "new", "system", "systems", "tool", "tools",
    "management",
))
# fmt: on
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Lesson:
    """One row of the Lessons sheet (and, across books, the book it came from)."""

    id: str
    project: str = ""
    date: str | None = None  # ISO date, YYYY-MM-DD
    phase: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    what_happened: str = ""
    root_cause: str = ""
    recommendation: str = ""
    owner: str = ""
    status: str = ""
    source: str = ""  # the workbook it was read from

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", tuple(self.tags))

    def has_tags(self, wanted: Iterable[str]) -> bool:
        """Whether the lesson carries every tag in `wanted` (case and spacing ignored)."""
        mine = {_tag(t) for t in self.tags}
        return all(_tag(t) in mine for t in wanted)

    def summary(self, width: int = 60) -> str:
        """`L-04 (Data, Delivery): Cut-over rehearsal skipped...`, shortened to `width`."""
        text = " ".join(self.what_happened.split()) or " ".join(self.recommendation.split())
        if len(text) > width:
            text = text[: width - 3].rstrip() + "..."
        kind = ", ".join(x for x in (self.category, self.phase) if x)
        return f"{self.id} ({kind}): {text}" if kind else f"{self.id}: {text}"


@dataclass(frozen=True, slots=True)
class Hit:
    """A lesson found, and how relevant: -bm25 (higher is better; 0 when only tags matched)."""

    lesson: Lesson
    relevance: float


def _tag(text: str) -> str:
    return " ".join(text.split()).casefold()


def query_words(text: str) -> list[str]:
    """The words of a query or proposal that count: lower-cased, no stopwords, no repeats."""
    words = [w.casefold() for w in _WORD.findall(text or "")]
    return list(dict.fromkeys(w for w in words if w not in STOPWORDS and len(w) > 1))


def _match(words: Sequence[str]) -> str:
    """An FTS5 query that matches any of the words, each quoted (no query syntax gets in)."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


class LessonIndex:
    """An in-memory FTS5 index of lessons; use it as a context manager, or `close` it."""

    def __init__(self, lessons: Iterable[Lesson]) -> None:
        self.lessons = list(lessons)
        self._db = sqlite3.connect(":memory:")
        try:
            self._db.execute(
                f"CREATE VIRTUAL TABLE lessons USING fts5({', '.join(COLUMNS)}, "
                f"tokenize='{TOKENIZER}')"
            )
        except sqlite3.OperationalError as error:  # a Python built without FTS5
            self._db.close()
            raise InputError(
                "lesson search needs SQLite with FTS5, which this Python's sqlite3 lacks "
                f"({error}); use a python.org, Debian or conda build of Python"
            ) from error
        self._db.executemany(
            f"INSERT INTO lessons(rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    row,
                    lesson.project,
                    lesson.phase,
                    lesson.category,
                    " ; ".join(lesson.tags),
                    lesson.what_happened,
                    lesson.root_cause,
                    lesson.recommendation,
                )
                for row, lesson in enumerate(self.lessons)
            ],
        )

    def close(self) -> None:
        """Free the index."""
        self._db.close()

    def __enter__(self) -> LessonIndex:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _ranked(self, words: Sequence[str], columns: Sequence[str] = ()) -> list[tuple[int, float]]:
        """(row, bm25) of every lesson matching any word (in `columns`, if given), best
        first (bm25: lower is better)."""
        weights = ", ".join(str(w) for w in WEIGHTS)
        query = _match(words)
        if columns:
            query = f"{{{' '.join(columns)}}} : ({query})"
        return [
            (int(row), float(score))
            for row, score in self._db.execute(
                f"SELECT rowid, bm25(lessons, {weights}) AS score FROM lessons "
                "WHERE lessons MATCH ? ORDER BY score, rowid",
                (query,),
            )
        ]

    def search(self, query: str, tags: Iterable[str] = (), limit: int | None = None) -> list[Hit]:
        """Lessons matching the query (any of its words) and carrying every tag, best first.

        With no words to search for, the lessons with the tags, newest first.
        """
        wanted = [t for t in tags if t.strip()]
        words = query_words(query)
        if not words and not wanted:
            raise InputError("give words to search for, or a tag")
        if words:
            hits = [
                Hit(self.lessons[row], -score)
                for row, score in self._ranked(words)
                if self.lessons[row].has_tags(wanted)
            ]
        else:
            tagged = [lesson for lesson in self.lessons if lesson.has_tags(wanted)]
            tagged.sort(key=lambda lesson: lesson.id)
            tagged.sort(key=lambda lesson: lesson.date or "", reverse=True)
            hits = [Hit(lesson, 0.0) for lesson in tagged]
        return hits if limit is None else hits[:limit]

    def resembling(
        self, text: str, *, limit: int = READ_FIRST, min_words: int = RESEMBLE_WORDS
    ) -> list[Hit]:
        """The lessons sharing at least `min_words` distinct words with `text`, best first."""
        words = query_words(text)
        if len(words) < min_words:
            return []
        shared: Counter[int] = Counter()
        for word in words:  # FTS5 stems each word as it stems the lessons
            shared.update({row for row, _ in self._ranked([word], ABOUT)})
        hits = [
            Hit(self.lessons[row], -score)
            for row, score in self._ranked(words)
            if shared[row] >= min_words
        ]
        return hits[:limit]


def search_lessons(
    lessons: Iterable[Lesson], query: str, tags: Iterable[str] = (), limit: int | None = None
) -> list[Hit]:
    """`LessonIndex.search` over these lessons, in one call."""
    with LessonIndex(lessons) as index:
        return index.search(query, tags, limit)


def read_first(
    portfolio: Portfolio, lessons: Sequence[Lesson], texts: Mapping[str, str] | None = None
) -> list[Problem]:
    """Info for each proposed or approved project that resembles past lessons: the (at most)
    three lessons to read first. `texts` adds words per project ID (its programme, say) to
    its name."""
    if not lessons:
        return []
    texts = texts or {}
    found = []
    with LessonIndex(lessons) as index:
        for i, project in enumerate(portfolio.projects):
            if project.status not in _INTAKE or project.out_of_play:
                continue
            hits = index.resembling(f"{project.name} {texts.get(project.id, '')}")
            if not hits:
                continue
            listed = "; ".join(hit.lesson.summary() for hit in hits)
            found.append(
                Problem(
                    "project",
                    i,
                    "id",
                    f"{project_label(project)} resembles past work; read these lessons "
                    f"first (Lessons sheet): {listed}",
                    Severity.INFO,
                )
            )
    return found


_INTAKE = (ProjectStatus.PROPOSED, ProjectStatus.APPROVED)
