"""The promises at volume, in small: a few hundred fuzzed workbooks, kill -9 in every phase.

The full runs are bench commands (30,000 workbooks: `python -m bench.fuzz`; 60 kills:
`python -m bench.killtest`), their figures in docs/reliability.md. These run the same code on
fewer cases, so the suite keeps the promises on every change.
"""

from __future__ import annotations

import pytest

from bench import fuzz, killtest

SEED = 20261201


def test_three_hundred_mutated_workbooks_each_end_in_a_message(tmp_path):
    outcomes = fuzz.run_cases(SEED, range(300), jobs=2, scratch=tmp_path)
    failed = [
        f"case {o.index} ({o.what}; {o.command}): {o.failure} "
        f"[again: python -m bench.fuzz --seed {SEED} --case {o.index}]"
        for o in outcomes
        if o.failure
    ]
    assert failed == [], "\n".join(failed)
    assert len(outcomes) == 300
    # every kind of mutation and every command was exercised, and every exit code but 2
    assert {o.kind for o in outcomes} == {
        "cells",
        "rows",
        "table",
        "sheets",
        "bytes",
        "zip",
        "file",
    }
    assert {o.command for o in outcomes} == {"validate", "optimise", "optimise in place"}
    assert {0, 1, 3} <= {o.code for o in outcomes}


def test_a_fuzz_case_is_the_same_file_every_time(tmp_path):
    bases = fuzz.build_bases(tmp_path)
    first, second = tmp_path / "a.xlsm", tmp_path / "b.xlsm"
    for index in (3, 17, 250):
        case_a = fuzz.make_case(SEED, index, bases, first)
        case_b = fuzz.make_case(SEED, index, bases, second)
        assert case_a == case_b and first.read_bytes() == second.read_bytes()


def test_kill_9_in_every_phase_leaves_a_whole_book_and_backup(tmp_path):
    kills = killtest.kill_rounds(len(killtest.PHASES), seed=SEED, folder=tmp_path)
    failed = [f"{k.phase} after {k.delay_s} s: {k.failure}" for k in kills if k.failure]
    assert failed == [], "\n".join(failed)
    assert [k.phase for k in kills] == list(killtest.PHASES)


@pytest.mark.parametrize("index", [0, 1])
def test_the_harness_catches_a_changed_input(tmp_path, index):
    # the fuzz verdict can fail: a command that changes the book is caught
    bases = fuzz.build_bases(tmp_path)
    book = tmp_path / "Book.xlsm"
    case = fuzz.make_case(SEED, index, bases, book)
    case.command = ["new", "{book}", "--force"]  # overwrites the input with a new workbook
    outcome = fuzz.run_case(case, tmp_path, book)
    assert outcome.code == 0 and outcome.failure == "the input was changed"
