"""The headless room's child-process helpers: line children, pumps, reaping, log tails."""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from pathlib import Path

from workbook.headless.processes import pump, reap, start_line_child, tail

# Echoes each line upper-cased; on "fork" starts a grandchild that sleeps, and prints its pid.
ECHO = """
import subprocess, sys
for line in sys.stdin:
    if line.strip() == "fork":
        grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print(grandchild.pid, flush=True)
    else:
        print(line.strip().upper(), flush=True)
"""


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_line_child_leads_its_group_and_reap_kills_what_it_forked(tmp_path: Path) -> None:
    with open(tmp_path / "child.log", "ab") as log:
        child = start_line_child([sys.executable, "-c", ECHO], log=log, env=dict(os.environ))
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=pump, args=(child, lines), daemon=True).start()
    assert child.stdin is not None
    child.stdin.write("hello\nfork\n")
    child.stdin.flush()
    assert lines.get(timeout=30) == "HELLO\n"
    grandchild = int(lines.get(timeout=30) or 0)
    assert os.getpgid(child.pid) == child.pid != os.getpgrp()
    assert os.getpgid(grandchild) == child.pid and alive(grandchild)

    reap(child, kill=True)

    assert child.returncode is not None
    assert lines.get(timeout=30) is None  # the pump ends with None at EOF
    deadline = time.monotonic() + 10
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild), "the kill did not reach the grandchild"
    assert child.stdin.closed


def test_reap_without_kill_waits_for_a_child_that_ends(tmp_path: Path) -> None:
    with open(tmp_path / "child.log", "ab") as log:
        child = start_line_child(
            [sys.executable, "-c", "import sys; print('bye', file=sys.stderr)"],
            log=log,
            env=dict(os.environ),
            cwd=tmp_path,
        )
    child.wait(timeout=30)
    reap(child, kill=False)
    assert child.returncode == 0
    assert (tmp_path / "child.log").read_text() == "bye\n"


def test_tail_whole_text_or_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "some.log"
    log.write_text("\n  first\n\nsecond\nthird  \n\n   \nfourth\n\n")
    assert tail(log, 600) == "first\n\nsecond\nthird  \n\n   \nfourth"
    assert tail(log, 8) == " \nfourth"
    assert tail(log, 300, lines=3) == "second | third   | fourth"
    assert tail(log, 10, lines=3) == "  | fourth"
    assert tail(tmp_path / "missing.log", 600) == ""
    assert tail(tmp_path / "missing.log", 300, lines=3) == ""
