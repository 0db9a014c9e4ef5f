"""Child processes for the headless room: start them, read their lines, kill them whole.

`workbook.headless.recalc` runs a UNO worker beside LibreOffice and `workbook.headless.batch`
runs one batch worker per runner; both talk to their child in JSON lines and must be able to
stop it, and everything it started, at any moment. These are the helpers they share:

    child = start_line_child(command, log=log, env=env)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=pump, args=(child, lines), daemon=True).start()
    ...
    reap(child, kill=True)
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any


def start_line_child(
    command: Sequence[str],
    *,
    log: IO[Any] | int,
    env: Mapping[str, str],
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.Popen[str]:
    """A child speaking JSON lines on stdin/stdout, stderr to `log`, leading its own process
    group so that a kill reaches whatever it forks."""
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        encoding="utf-8",
        bufsize=1,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )


def reap(process: subprocess.Popen[Any], *, kill: bool) -> None:
    """Kill the process's group if asked or still running, wait for it, close its pipes.

    Each child we start leads its own process group (soffice forks soffice.bin).
    """
    if kill or process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def pump(child: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    """Move the child's output lines into a queue, so waiting for them can time out.

    Meant as a daemon thread's target; None follows the last line once the child's stdout
    closes (the child exited or was killed).
    """
    assert child.stdout is not None
    with contextlib.suppress(OSError, ValueError):
        for line in child.stdout:
            lines.put(line)
    lines.put(None)


def tail(path: Path, limit: int, *, lines: int | None = None) -> str:
    """The end of a log file for an error message: at most `limit` characters, "" if unreadable.

    With `lines`, only the last that many non-blank lines, joined by " | " to fit on one
    report line; without, the whole text, stripped, newlines kept.
    """
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    if lines is None:
        return text.strip()[-limit:]
    kept = [line for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:])[-limit:]
