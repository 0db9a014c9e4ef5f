"""Where results go is checked before the solve; what fails later is a message, exit 3.

Regressions for issue 13, defects 3 and 9: `--out`/`--json` into a missing folder or onto a
folder, a read-only folder, an unreadable input, a full disk or a file-size limit and
`pmo batch --report` onto a folder printed tracebacks (some only after the whole solve or
batch); in place through a symlink replaced the link; a read-only workbook was replaced;
`--out x.xlsx` silently dropped the macros.
"""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import engine.optimiser
from tests.workbook._books import copy_book, sha
from workbook import cli
from workbook.cli import main
from workbook.files.atomic import TEMP_PREFIX


@pytest.fixture
def no_solve(monkeypatch):
    """Any solve fails the test: these runs must stop before it."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the run reached the solver")

    monkeypatch.setattr(engine.optimiser, "solve", refuse)


def _error_lines(capsys) -> list[str]:
    captured = capsys.readouterr()
    return [line for line in (captured.out + captured.err).splitlines() if line.strip()]


def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


CHECKED_BEFORE_THE_SOLVE = [
    (
        "out into a missing folder",
        ["--out", "{tmp}/missing/Copy.xlsm"],
        "File error: {tmp}/missing/Copy.xlsm: the folder {tmp}/missing does not exist; create "
        "it first or choose another",
    ),
    (
        "out onto a folder",
        ["--out", "{tmp}/folder"],
        "File error: {tmp}/folder is a folder; give a file name inside it, e.g. {tmp}/folder/x",
    ),
    (
        "out as .xlsx",
        ["--out", "{tmp}/Copy.xlsx"],
        "File error: Copy.xlsx: a copy of Book.xlsm must end in .xlsm too (an .xlsx file cannot "
        "hold the macros, the buttons and the PMO ribbon); name it Copy.xlsm",
    ),
    (
        "json into a missing folder",
        ["--json", "{tmp}/missing/r.json"],
        "File error: {tmp}/missing/r.json: the folder {tmp}/missing does not exist; create it "
        "first or choose another",
    ),
    (
        "json onto a folder",
        ["--json", "{tmp}/folder"],
        "File error: {tmp}/folder is a folder; give a file name inside it, e.g. {tmp}/folder/x",
    ),
    (
        "csv onto a file",
        ["--csv", "{tmp}/note.txt"],
        "File error: {tmp}/note.txt is a file, not a folder; name a folder for the files",
    ),
]


@pytest.mark.parametrize(
    ("args", "expected"),
    [c[1:] for c in CHECKED_BEFORE_THE_SOLVE],
    ids=[c[0] for c in CHECKED_BEFORE_THE_SOLVE],
)
def test_targets_are_checked_before_the_solve(tmp_path, capsys, no_solve, args, expected):
    book = copy_book(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "note.txt").write_text("notes")
    before = sha(book)
    argv = ["optimise", str(book), *[a.format(tmp=tmp_path) for a in args]]
    assert main(argv) == 3
    assert expected.format(tmp=tmp_path) in _error_lines(capsys)
    assert sha(book) == before
    assert _only(tmp_path) == ["Book.xlsm", "folder", "note.txt"]
    assert _only(tmp_path / "folder") == []


def test_a_read_only_workbook_is_not_replaced_in_place(tmp_path, capsys, no_solve):
    book = copy_book(tmp_path)
    book.chmod(0o444)
    before = sha(book)
    assert main(["optimise", str(book)]) == 3
    assert (
        "File error: Book.xlsm is read-only; make it writable (or write a copy with --out) and "
        "run again"
    ) in _error_lines(capsys)
    assert sha(book) == before and _only(tmp_path) == ["Book.xlsm"]


def test_a_read_only_workbook_can_still_be_optimised_into_a_copy(tmp_path, capsys):
    book = copy_book(tmp_path)
    book.chmod(0o444)
    before = sha(book)
    copy = tmp_path / "Copy.xlsm"
    assert main(["optimise", str(book), "--out", str(copy), "--time-limit", "2"]) == 0
    assert sha(book) == before
    assert _only(tmp_path) == ["Book.xlsm", "Copy.xlsm"]


def test_in_place_through_a_symlink_updates_the_real_workbook(tmp_path, capsys):
    real_folder = tmp_path / "real"
    real_folder.mkdir()
    real = copy_book(real_folder)
    before = sha(real)
    link = tmp_path / "Link.xlsm"
    link.symlink_to(real)
    assert main(["optimise", str(link), "--time-limit", "2"]) == 0
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert sha(real) != before  # the results went into the real workbook
    assert sha(real_folder / "Book.bak.xlsm") == before  # kept beside it
    assert _only(tmp_path) == ["Link.xlsm", "real"]
    assert _only(real_folder) == ["Book.bak.xlsm", "Book.xlsm"]


def test_out_naming_the_book_itself_is_in_place_with_a_backup(tmp_path, capsys):
    book = copy_book(tmp_path)
    before = sha(book)
    same = tmp_path / "." / "Book.xlsm"
    assert main(["optimise", str(book), "--out", str(same.absolute()), "--time-limit", "2"]) == 0
    assert sha(tmp_path / "Book.bak.xlsm") == before


def test_a_named_pipe_is_not_called_a_folder(tmp_path, capsys):
    pipe = tmp_path / "Book.xlsm"
    os.mkfifo(pipe)
    assert main(["validate", str(pipe)]) == 3
    assert (
        f"File error: {pipe}: is not a regular file (a pipe or a device), not a workbook"
        in _error_lines(capsys)
    )


def test_batch_report_onto_a_folder_is_refused_before_the_batch(tmp_path, capsys):
    book = copy_book(tmp_path)
    (tmp_path / "reports").mkdir()
    argv = ["batch", str(book), "--out-dir", str(tmp_path / "out"), "--report"]
    assert main([*argv, str(tmp_path / "reports")]) == 3
    assert (
        f"File error: {tmp_path}/reports is a folder; give a file name inside it, e.g. "
        f"{tmp_path}/reports/x"
    ) in _error_lines(capsys)
    assert not (tmp_path / "out").exists()  # no workbook was run


def test_new_into_a_missing_folder(tmp_path, capsys):
    target = tmp_path / "missing" / "New.xlsm"
    assert main(["new", str(target)]) == 3
    assert (
        f"File error: {target}: the folder {tmp_path}/missing does not exist; create it first "
        "or choose another"
    ) in _error_lines(capsys)


# --- Real operating-system refusals, in a child process ------------------------------------

_NOBODY = 65534


def _pmo(args: list[str], *, as_nobody: bool = False, file_size: int | None = None):
    """Run `pmo` in a child; as root, `as_nobody` drops to uid 65534 first (root ignores file
    permissions, so this is how a permission error is real). Python's own files are private
    to root here, so the child reads a workbook once before it drops (loading every module
    a run needs), with its output discarded."""
    drop = ""
    if as_nobody and os.geteuid() == 0:
        warm = ["validate", str(Path(__file__).parents[2] / "workbook" / "PMO_Portfolio.xlsm")]
        drop = (
            "import contextlib, io; import engine.optimiser\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    workbook.cli.main({warm!r})\n"
            f"os.setgid({_NOBODY}); os.setuid({_NOBODY})\n"
        )
    code = f"import os, sys, workbook.cli\n{drop}sys.exit(workbook.cli.main({args!r}))\n"

    def limit() -> None:
        if file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
        cwd=Path(__file__).parents[2],
    )


@pytest.fixture
def shared_folder():
    """A folder another user can enter (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="pmo-os-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for path in sorted(folder.rglob("*"), reverse=True):
        path.chmod(0o755) if path.is_dir() else path.unlink()
        if path.is_dir():
            path.rmdir()
    folder.rmdir()


def test_an_unreadable_workbook_is_a_message(shared_folder):
    book = copy_book(shared_folder)
    book.chmod(0o000)
    done = _pmo(["validate", str(book)], as_nobody=True)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert f"File error: {book}: cannot be read: permission denied" in done.stderr


def test_a_read_only_folder_is_refused_before_the_solve(shared_folder):
    book = copy_book(shared_folder)
    book.chmod(0o666)
    before = sha(book)
    if os.geteuid() != 0:
        shared_folder.chmod(0o555)
    done = _pmo(["optimise", str(book)], as_nobody=True)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert (
        f"File error: {book}: no permission to write into the folder {shared_folder}; choose "
        "another folder"
    ) in done.stderr
    assert "Optimisation" not in done.stdout  # refused before the solve
    assert sha(book) == before


def test_a_file_size_limit_is_a_message_and_the_book_stays(shared_folder):
    # the same path as a full disk: the temporary file cannot be written whole
    book = copy_book(shared_folder)
    before = sha(book)
    done = _pmo(["optimise", str(book), "--time-limit", "2"], file_size=book.stat().st_size // 2)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert (
        "File error: Book.xlsm could not be written: the file is larger than this process may "
        "write (a file-size limit); Book.xlsm was left as it was"
    ) in done.stderr
    assert sha(book) == before
    assert not [p for p in shared_folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_a_json_that_fails_late_is_reported_and_the_workbook_still_written(
    tmp_path, capsys, monkeypatch
):
    # the disk fills up after the checks: the JSON fails, the workbook is written all the same
    def disk_full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli, "result_json", disk_full)
    book = copy_book(tmp_path)
    before = sha(book)
    json_path = tmp_path / "r.json"
    assert main(["optimise", str(book), "--time-limit", "2", "--json", str(json_path)]) == 3
    lines = _error_lines(capsys)
    assert f"File error: {json_path}: could not be written: the disk is full" in lines
    assert any(line.startswith("Wrote the results into") for line in lines)
    assert sha(tmp_path / "Book.bak.xlsm") == before
    assert not json_path.exists()
