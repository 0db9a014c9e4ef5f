"""kill -9 at random moments of an in-place `pmo optimise`: the book survives every one.

Each round starts `pmo optimise BOOK` (in place, so the previous version is copied to
`BOOK.bak.xlsm` first) and sends SIGKILL at a moment drawn for one of the phases: Python
starting, reading, solving, writing, the temporary book being saved, the backup being
copied, the final rename. Then it checks:

- the book is the version before the run, or the complete new one (it reads back, its Run
  log has one more row, and its backup is the version before the run);
- the backup is a whole earlier version of the book (byte-identical to one);
- after the next, uninterrupted run (which must succeed) no temporary file is left.

    PYTHONPATH=. .venv/bin/python -m bench.killtest --rounds 60 --seed 1

Figures: docs/reliability.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMP_PREFIX = ".pmo-"
PHASES = ("startup", "read", "solve", "write", "save", "backup", "rename")
TIME_LIMIT = "1"


@dataclass
class Kill:
    """One interrupted run and what it left."""

    round: int
    phase: str  # where the kill was aimed
    delay_s: float  # after the phase's signal (line, file or start)
    seen: str  # what was on disk at the kill: "book temp", "backup temp", "none"
    book: str  # "as before" or "new"
    failure: str = ""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _run_log_rows(book: Path) -> int:
    import openpyxl

    sheet = openpyxl.load_workbook(book, read_only=True)["Run log"]
    sheet.reset_dimensions()
    rows = sum(1 for row in sheet.iter_rows(min_row=4, values_only=True) if row and row[0])
    sheet.parent.close()
    return rows


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


def _start(book: Path) -> tuple[subprocess.Popen, queue.Queue]:
    child = subprocess.Popen(
        [sys.executable, "-m", "workbook.cli", "optimise", str(book), "--time-limit", TIME_LIMIT],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return child, lines


def _wait_for_line(lines: queue.Queue, opening: str, child: subprocess.Popen) -> bool:
    while True:
        try:
            line = lines.get(timeout=60)
        except queue.Empty:
            return False
        if line is None:
            return False
        if line.startswith(opening):
            return True


def _wait_for_file(folder: Path, start: str, child: subprocess.Popen, book: Path) -> bool:
    """Spin until a temporary file whose name starts with `start` exists (or the run ends)."""
    while child.poll() is None:
        with os.scandir(folder) as entries:
            if any(e.name.startswith(start) for e in entries):
                return True
    return False


def _aim(rng: random.Random, phase: str, child, lines, folder: Path, book: Path) -> float:
    """Wait for the phase to begin, then a random delay within it; the delay."""
    stem = book.stem
    if phase == "startup":
        delay = rng.uniform(0.0, 0.8)
    elif phase in ("read", "solve", "write"):
        opening = {"read": "Reading ", "solve": "Optimising (", "write": "Writing the"}[phase]
        if not _wait_for_line(lines, opening, child):
            return -1.0
        delay = rng.uniform(0.0, {"read": 0.3, "solve": float(TIME_LIMIT), "write": 0.6}[phase])
    elif phase == "save":
        if not _wait_for_file(folder, f"{TEMP_PREFIX}{stem}.", child, book):
            return -1.0
        delay = rng.uniform(0.0, 0.3)
    elif phase == "backup":
        if not _wait_for_file(folder, f"{TEMP_PREFIX}{stem}.bak.", child, book):
            return -1.0
        delay = 0.0
    else:  # rename: the backup is done; the book's temporary file is renamed next
        if not _wait_for_file(folder, f"{TEMP_PREFIX}{stem}.bak.", child, book):
            return -1.0
        backup_temp = f"{TEMP_PREFIX}{stem}.bak."
        while child.poll() is None and any(n.startswith(backup_temp) for n in os.listdir(folder)):
            pass
        delay = 0.0
    if delay:
        time.sleep(delay)  # a random moment, not a synchronisation: any moment must be safe
    return delay


def kill_rounds(rounds: int, seed: int, folder: Path) -> list[Kill]:
    """`rounds` killed runs on one book in `folder`, each followed by a complete run.

    A run that ends before its kill lands (a phase shorter than the delay drawn) does not
    count: the round is drawn again (`missed` counts them).
    """
    from workbook.files.template import build_workbook

    rng = random.Random(seed)
    book = build_workbook(folder / "Book.xlsm")  # the sample portfolio
    backup = folder / "Book.bak.xlsm"
    versions = {_sha(book)}
    first = _complete(book, folder, versions)  # from now on every run first copies the backup
    if first:
        raise RuntimeError(first)
    kills: list[Kill] = []
    while len(kills) < rounds:
        number = len(kills)
        phase = PHASES[number % len(PHASES)] if number < len(PHASES) else rng.choice(PHASES)
        kill = _one_kill(rng, number, phase, book, backup, folder, versions)
        if kill is None:
            global missed
            missed += 1
            continue
        kills.append(kill)
    return kills


missed = 0  # runs that ended before their kill landed


def _one_kill(rng, number, phase, book: Path, backup: Path, folder: Path, versions) -> Kill | None:
    before, rows = _sha(book), _run_log_rows(book)
    child, lines = _start(book)
    delay = _aim(rng, phase, child, lines, folder, book)
    seen = _temps(folder)
    if child.poll() is None:
        os.kill(child.pid, signal.SIGKILL)
    code = child.wait()
    if code != -signal.SIGKILL:  # it finished first: a complete run, which must be sound
        failure = _check_new(book, backup, before, rows) if code == 0 else f"exit {code}"
        versions.add(_sha(book))
        if failure:
            return Kill(number, phase, round(delay, 4), "none", "new", failure)
        return None
    kill = Kill(
        number,
        phase,
        round(delay, 4),
        "backup temp" if any(".bak." in n for n in seen) else ("book temp" if seen else "none"),
        "as before" if _sha(book) == before else "new",
    )
    if _sha(book) != before:
        kill.failure = _check_new(book, backup, before, rows)
    if not kill.failure and _sha(backup) not in versions:
        kill.failure = "the backup is not a whole earlier version"
    versions.add(_sha(book))
    if not kill.failure:
        kill.failure = _complete(book, folder, versions)
    return kill


def _check_new(book: Path, backup: Path, before: str, rows: int) -> str:
    from workbook.files.reader import read_workbook

    try:
        read_workbook(book)
        grown = _run_log_rows(book)
    except Exception as error:
        return f"the new book does not read back: {error}"
    if grown != rows + 1:
        return f"the new book's Run log has {grown} rows, not {rows + 1}"
    if _sha(backup) != before:
        return "the new book's backup is not the version before the run"
    return ""


def _complete(book: Path, folder: Path, versions: set[str]) -> str:
    """An uninterrupted run: it must succeed, keep the previous version, leave no temp file."""
    before = _sha(book)
    done = subprocess.run(
        [sys.executable, "-m", "workbook.cli", "optimise", str(book), "--time-limit", TIME_LIMIT],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    versions.add(_sha(book))
    if done.returncode != 0:
        return f"the next run failed (exit {done.returncode}): {done.stderr[-300:]}"
    if _sha(folder / "Book.bak.xlsm") != before:
        return "the next run's backup is not the version it replaced"
    left = _temps(folder)
    return f"temporary files left after the next run: {left}" if left else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pmo-kill-") as folder:
        kills = kill_rounds(args.rounds, args.seed, Path(folder))
    summary = {
        "rounds": len(kills),
        "seed": args.seed,
        "failures": sum(bool(k.failure) for k in kills),
        "by_phase": dict(Counter(k.phase for k in kills)),
        "on_disk_at_kill": dict(Counter(k.seen for k in kills)),
        "book_after_kill": dict(Counter(k.book for k in kills)),
        "missed": missed,
        "wall_s": round(time.perf_counter() - began, 1),
        "kills": [asdict(k) for k in kills],
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
