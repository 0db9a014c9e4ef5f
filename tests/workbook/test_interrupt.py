"""Ctrl-C at every phase of `pmo optimise`: stop, write nothing, exit 130 (README, Ctrl-C).

Regression for issue 13, defect 4: during the solve OR-Tools swallowed the signal and the
partial plan was written in place with exit 0; after the solve SIGINT killed the process
with no clean-up; during reading it printed a traceback. Each test runs a real `pmo` child,
waits for the line that opens a phase, sends SIGINT, and checks what was left.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bench.generate import generate_portfolio
from tests.workbook._books import copy_book, sha
from workbook.cli import main
from workbook.files import atomic
from workbook.files.atomic import TEMP_PREFIX, backup_path
from workbook.files.reader import read_workbook
from workbook.files.template import build_workbook

ROOT = Path(__file__).parents[2]


@functools.cache
def _big_book() -> Path:
    """1,500 projects: each phase lasts long enough to be caught in, on any machine."""
    folder = Path(tempfile.mkdtemp(prefix="pmo-interrupt-"))
    return build_workbook(folder / "Big.xlsm", generate_portfolio(1500, seed=7))


def _interrupt_at(book: Path, opening: str, *args: str) -> subprocess.CompletedProcess:
    """Run `pmo optimise BOOK`, send SIGINT as soon as a line starts with `opening`."""
    command = [sys.executable, "-m", "workbook.cli", "optimise", str(book), *args]
    child = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    seen = []
    assert child.stdout is not None
    for line in child.stdout:
        seen.append(line)
        if line.startswith(opening):
            child.send_signal(signal.SIGINT)
            break
    else:
        child.wait()
        pytest.fail(f"no line starting {opening!r}: {''.join(seen)}{child.stderr.read()}")
    out, err = child.communicate(timeout=300)
    return subprocess.CompletedProcess(command, child.returncode, "".join(seen) + out, err)


def _ours(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("opening", "phase", "limit"),
    [
        ("Reading ", "reading", "60"),
        ("Optimising (time limit", "optimising", "60"),
        ("Writing the results", "writing", "2"),  # after the solve: SIGINT used to kill outright
    ],
)
def test_ctrl_c_in_each_phase_writes_nothing_and_exits_130(tmp_path, opening, phase, limit):
    book = tmp_path / "Book.xlsm"
    book.write_bytes(_big_book().read_bytes())
    before = sha(book)
    done = _interrupt_at(book, opening, "--time-limit", limit, "--json", str(tmp_path / "r.json"))
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode == 130, done.stderr
    if phase == "writing" and "after saving" in done.stderr:
        pytest.fail("the write ended before the signal arrived; the book is too small")
    assert (
        f"Interrupted while {phase}: nothing was written; Book.xlsm is as it was."
        in done.stderr.splitlines()
    )
    assert sha(book) == before
    assert _ours(tmp_path) == ["Book.xlsm"]  # no backup, JSON or temporary file


def test_ctrl_c_while_saving_is_held_until_the_book_is_whole(tmp_path, capsys, monkeypatch):
    # the backup copy and the final rename are one step: a Ctrl-C in it takes effect after
    book = copy_book(tmp_path)
    before = sha(book)
    copy_backup = atomic.keep_backup

    def interrupted_backup(path: Path) -> Path:
        os.kill(os.getpid(), signal.SIGINT)  # a real signal, delivered now
        return copy_backup(path)

    monkeypatch.setattr(atomic, "keep_backup", interrupted_backup)
    json_path = tmp_path / "r.json"
    assert main(["optimise", str(book), "--time-limit", "2", "--json", str(json_path)]) == 130
    err = capsys.readouterr().err
    assert (
        f"Interrupted after saving: the results are in {book}; nothing else was written."
        in err.splitlines()
    )
    assert sha(backup_path(book)) == before  # the backup is the whole previous version
    read = read_workbook(book)  # and the book the whole new one
    assert read.errors == [] and sha(book) != before
    assert _ours(tmp_path) == ["Book.bak.xlsm", "Book.xlsm"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_held_interrupt_outside_a_commit_is_not_swallowed():
    with pytest.raises(atomic.SavedThenInterrupted), atomic.interrupts_held(Path("x")):
        os.kill(os.getpid(), signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # the handler runs between bytecodes
            pass


def test_stale_temporary_files_are_removed_and_live_ones_kept(tmp_path, capsys):
    # issue 13, defect 5: kill -9 left hidden temporary files beside the book
    book = copy_book(tmp_path)
    stale = tmp_path / f"{TEMP_PREFIX}Book.k1ll3d.xlsm"
    stale.write_bytes(b"PK\x03\x04 half a workbook")
    stale_backup = tmp_path / f"{TEMP_PREFIX}Book.bak.k1ll3d.xlsm"
    stale_backup.write_bytes(b"PK\x03\x04 half a backup")
    live = tmp_path / f"{TEMP_PREFIX}Other.wr1t1ng.xlsm"
    live.write_bytes(b"being written by another run")
    with live.open("rb") as writer:
        if atomic.fcntl is not None:
            atomic.fcntl.flock(writer.fileno(), atomic.fcntl.LOCK_EX)
        assert main(["optimise", str(book), "--time-limit", "2"]) == 0
        assert live.exists()  # its writer holds the lock: not ours to remove
    assert not stale.exists() and not stale_backup.exists()
    assert _ours(tmp_path) == sorted(["Book.bak.xlsm", "Book.xlsm", live.name])
    assert atomic.clean_stale_temps(tmp_path) == [live]  # once its writer is gone


def test_a_temporary_file_keeps_its_lock_when_it_is_itself_replaced(tmp_path):
    # the writer replaces its own temporary file (the ribbon fix): the lock must follow
    target = tmp_path / "Book.xlsm"
    with atomic.replacing(target) as outer:
        outer.write_bytes(b"first")
        with atomic.replacing(outer) as inner:
            inner.write_bytes(b"second")
        assert atomic.clean_stale_temps(tmp_path) == []
        assert outer.read_bytes() == b"second"
    assert target.read_bytes() == b"second"
    assert _ours(tmp_path) == ["Book.xlsm"]


@pytest.mark.libreoffice
def test_ctrl_c_stops_a_batch_and_every_book_is_whole(tmp_path, libreoffice):
    books = [copy_book(tmp_path, f"{name}.xlsm") for name in "ABC"]
    before = sha(books[0])
    command = [
        sys.executable, "-m", "workbook.cli", "batch", str(tmp_path / "*.xlsm"),
        "--in-place", "--jobs", "1", "--time-limit", "2",
    ]  # fmt: skip
    child = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("ok "):  # A is done, B under way
            child.send_signal(signal.SIGINT)
            break
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 130, err
    assert "Traceback" not in err
    assert (
        "Interrupted while running the batch: the workbooks that finished before it are "
        "written, the others are as they were; no report was written."
    ) in err.splitlines()
    for book in books:  # each the original, or the complete result with the original kept
        if sha(book) != before:
            assert read_workbook(book).errors == []
            assert sha(backup_path(book)) == before
    assert sha(books[0]) != before
    # a worker stopped mid-write leaves at most a temporary file, gone after the next run
    # (by work done, not the clock: a plan within 1 s must not depend on the machine's load)
    assert main(["optimise", str(books[1]), "--time-limit", "1", "--reproducible"]) == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]
