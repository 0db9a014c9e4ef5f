"""Recalculate .xlsx/.xlsm workbooks headlessly with LibreOffice.

Files written by openpyxl or XlsxWriter carry no (or stale) cached values for their
formulas, so anything reading them with `data_only=True`, pandas or calamine sees nothing
useful. A `Recalculator` keeps one LibreOffice running and, for each workbook, has it load
the file (macros never run), recalculate everything and export the results; the results are
then copied into the formula cells of the original file, leaving every other part of it
(VBA project, buttons, ribbon, styles) byte-identical. See `workbook.headless.cached_values`.

    with Recalculator() as calc:
        outcome = calc.recalc("PMO_Portfolio.xlsm")          # in place
        outcome = calc.recalc("in.xlsx", "out/in.xlsx")      # input untouched

LibreOffice and a Python with `uno` are found automatically (`find_libreoffice`).
"""

from __future__ import annotations

import contextlib
import functools
import glob
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TypedDict

from engine.errors import FileError, PmoError
from workbook.files.atomic import FileStamp, check_writable
from workbook.files.guard import check_archive
from workbook.headless.cached_values import copy_cached_values, workbook_sheets
from workbook.headless.processes import pump, reap, start_line_child, tail

INSTALL_HINT = "apt-get install -y --no-install-recommends libreoffice-calc-nogui python3-uno"
SUFFIXES = (".xlsx", ".xlsm")
_WORKER = Path(__file__).with_name("uno_worker.py")
_SOFFICE_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice*/program/soffice",
    "/usr/local/bin/soffice",
)
_ENV_DROP = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")

# Written into the fresh profile before soffice first starts: no macros at all, do not even
# load VBA (the original file keeps it), and no recalculation on load because
# calculateAll() follows anyway.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Filter/Import/VBA"><prop oor:name="Load" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Filter/Import/VBA"><prop oor:name="Executable" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""  # noqa: E501


class LibreOfficeError(PmoError):
    """LibreOffice is missing, would not start, or stopped talking."""


@dataclass(frozen=True)
class LibreOffice:
    """Where LibreOffice is: the soffice launcher and a Python that can `import uno`."""

    soffice: Path
    python: Path


@dataclass(frozen=True)
class RecalcOutcome:
    """What happened to one workbook.

    `formulas` counts formula cells LibreOffice saw, `refreshed` the cached values written.
    `unsupported` names cells ("Sheet!A1") LibreOffice answered with #NAME? (a function it
    does not know, e.g. XLOOKUP on 7.4 or an xlwings UDF); they keep their previous value.
    `missing` names formula cells LibreOffice gave no value for; they are left unchanged.
    """

    path: Path
    out: Path
    ok: bool
    seconds: float
    formulas: int = 0
    refreshed: int = 0
    unsupported: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    error: str = ""

    def __str__(self) -> str:
        if not self.ok:
            return f"{self.path.name}: FAILED: {self.error}"
        text = f"{self.path.name}: {self.refreshed} formula values refreshed in {self.seconds:.2f}s"
        if self.unsupported:
            shown = ", ".join(self.unsupported[:5])
            more = f" and {len(self.unsupported) - 5} more" if len(self.unsupported) > 5 else ""
            text += f"; not computed by LibreOffice (kept old value): {shown}{more}"
        return text


def find_soffice() -> Path | None:
    """The LibreOffice launcher: `soffice` on PATH, then the usual install folders."""
    on_path = shutil.which("soffice") or shutil.which("libreoffice")
    candidates = [on_path] if on_path else []
    for pattern in _SOFFICE_CANDIDATES:
        candidates.extend(sorted(glob.glob(pattern), reverse=True))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def _python_has_uno(python: Path) -> bool:
    try:
        done = subprocess.run(
            [str(python), "-c", "import uno"],
            capture_output=True,
            timeout=30,
            env=_clean_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def find_uno_python(soffice: Path | None = None) -> Path | None:
    """A Python that can `import uno`: LibreOffice's bundled one, else the system python3."""
    candidates: list[Path] = []
    if soffice is not None:
        program = Path(os.path.realpath(soffice)).parent
        candidates += [program / "python", program / "python.bin"]
    candidates += [Path("/usr/bin/python3"), Path("/usr/local/bin/python3")]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK) and _python_has_uno(candidate):
            return candidate
    return None


def find_libreoffice() -> LibreOffice | None:
    """Both halves LibreOffice recalculation needs, or None when either is missing."""
    soffice = find_soffice()
    if soffice is None:
        return None
    python = find_uno_python(soffice)
    return LibreOffice(soffice, python) if python else None


def libreoffice_version(soffice: Path) -> str | None:
    """`soffice --version` as text, e.g. "LibreOffice 7.4.7.2 40(Build:2)"."""
    profile = tempfile.mkdtemp(prefix="pmo-lo-version-")
    try:
        done = subprocess.run(
            [str(soffice), f"-env:UserInstallation={Path(profile).as_uri()}", "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            env=_clean_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return lines[-1].strip() if lines else None


def _clean_env() -> dict[str, str]:
    # The project's interpreter (pyenv, venv) must not leak into the system Python or soffice.
    return {k: v for k, v in os.environ.items() if k not in _ENV_DROP}


def _check_input(path: Path) -> None:
    """Reject what LibreOffice should never see: missing files, non-zips, zip bombs."""
    if not path.is_file():
        raise FileError(f"{path}: no such file.")
    if path.suffix.lower() not in SUFFIXES:
        raise FileError(f"{path.name}: only .xlsx and .xlsm workbooks can be recalculated.")
    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(archive, path.name)
            if not workbook_sheets(archive, path.name):
                raise FileError(f"{path.name}: the workbook has no worksheets.")
    except zipfile.BadZipFile as exc:
        raise FileError(
            f"{path.name}: not a valid .xlsx/.xlsm file (not a zip archive: {exc}). "
            "Open it in Excel and save it again."
        ) from exc
    except FileError:
        raise
    except Exception as exc:  # broken XML in the package parts
        raise FileError(f"{path.name}: the workbook's structure is broken ({exc}).") from exc


class _Reply(TypedDict, total=False):
    """One answer line from `uno_worker.py` (its docstring has the protocol)."""

    ready: bool
    ok: bool
    error: str
    restart: bool
    seconds: float
    formulas: int
    numbers: dict[str, list[list[float]]]


@dataclass
class _Running:
    soffice: subprocess.Popen[bytes]
    worker: subprocess.Popen[str]
    replies: queue.Queue[str | None] = field(default_factory=queue.Queue)


class Recalculator:
    """One long-lived headless LibreOffice that recalculates workbook after workbook.

    Use as a context manager (or call `close()`): it terminates LibreOffice and removes its
    temporary profile, also when an exception escapes. LibreOffice starts on first use and
    restarts by itself if it dies or hangs; a workbook that takes longer than `timeout`
    seconds is reported as failed and the next one goes on. Not thread-safe.
    """

    def __init__(
        self,
        *,
        timeout: float = 120.0,
        start_timeout: float = 60.0,
        office: LibreOffice | None = None,
    ) -> None:
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._office = office
        self._home: Path | None = None
        self._running: _Running | None = None
        self.starts = 0  # how many times soffice was started (restarts show here)

    def __enter__(self) -> Recalculator:
        try:
            self.start()
        except BaseException:
            self.close()  # __exit__ does not run when __enter__ fails
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def office(self) -> LibreOffice:
        """The LibreOffice in use; raises `LibreOfficeError` with the fix when missing."""
        if self._office is None:
            self._office = find_libreoffice()
            if self._office is None:
                raise LibreOfficeError(
                    "LibreOffice (soffice) and a Python with the uno module are needed to "
                    f"recalculate workbooks. Install them with: {INSTALL_HINT}"
                )
        return self._office

    def start(self) -> None:
        """Start LibreOffice and the worker now, unless they are already running."""
        if self._running is not None:
            if self._running.soffice.poll() is None and self._running.worker.poll() is None:
                return
            self._stop(kill=True)
        office = self.office
        if self._home is None:
            self._home = Path(tempfile.mkdtemp(prefix="pmo-recalc-"))
        profile = self._home / f"profile-{self.starts}"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS)
        connection = f"pipe,name=pmo_recalc_{os.getpid()}_{uuid.uuid4().hex[:12]};urp"
        env = _clean_env()
        with open(self._home / "soffice.log", "ab") as log:
            soffice = subprocess.Popen(
                [
                    str(office.soffice),
                    "--headless",
                    "--invisible",
                    "--nologo",
                    "--norestore",
                    "--nodefault",
                    "--nolockcheck",
                    f"-env:UserInstallation={profile.as_uri()}",
                    f"--accept={connection};StarOffice.ComponentContext",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                start_new_session=True,  # its own process group, so a hang can be killed whole
            )
        self.starts += 1
        with open(self._home / "worker.log", "ab") as log:
            worker = start_line_child(
                [
                    str(office.python),
                    str(_WORKER),
                    "--connect",
                    connection,
                    "--start-timeout",
                    str(self.start_timeout),
                ],
                log=log,
                env=env,
            )
        self._running = _Running(soffice, worker)
        threading.Thread(target=pump, args=(worker, self._running.replies), daemon=True).start()
        reply = self._await_ready(soffice)
        if not reply or not reply.get("ready"):
            detail = (reply or {}).get("error") or "no answer"
            home = self._home
            logs = tail(home / "soffice.log", 600) + " " + tail(home / "worker.log", 600)
            self._stop(kill=True)
            raise LibreOfficeError(f"LibreOffice did not start ({detail}). {logs}".strip())

    def _await_ready(self, soffice: subprocess.Popen[bytes]) -> _Reply | None:
        # Poll so that a soffice that dies at once fails fast instead of after the timeout.
        deadline = time.monotonic() + self.start_timeout + 5
        while time.monotonic() < deadline:
            reply = self._read(0.25)
            if reply is not None:
                return reply
            if soffice.poll() is not None:
                return {"ready": False, "error": f"soffice exited with code {soffice.returncode}"}
        return None

    def recalc(
        self, path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
    ) -> RecalcOutcome:
        """Recalculate `path` and write it to `out` (default: replace `path` atomically).

        Never raises for a bad workbook: the outcome says ok=False and why. Raises
        `LibreOfficeError` only when LibreOffice cannot be started at all.
        """
        source = Path(path).resolve()
        dest = Path(out).resolve() if out is not None else source
        began = time.monotonic()

        def failed(message: str) -> RecalcOutcome:
            return RecalcOutcome(source, dest, False, time.monotonic() - began, error=message)

        try:
            _check_input(source)
            if dest.suffix.lower() != source.suffix.lower():
                raise FileError(f"{dest.name}: the output must keep the {source.suffix} suffix.")
            dest.parent.mkdir(parents=True, exist_ok=True)
        except (FileError, OSError) as exc:
            return failed(str(exc))
        # in place, the file must still be the one LibreOffice computed when it is replaced
        unchanged = None
        if dest == source:
            stamp = FileStamp.of(source)
            unchanged = functools.partial(check_writable, source, stamp)
        self.start()
        assert self._home is not None
        scratch = self._home / f"computed-{uuid.uuid4().hex[:8]}.xlsx"
        try:
            reply = self._ask({"path": str(source), "out": str(scratch)})
            if not reply.get("ok"):
                return failed(f"{source.name}: {reply.get('error', 'unknown LibreOffice error')}")
            try:
                stats = copy_cached_values(
                    source, scratch, reply.get("numbers", {}), dest, before_commit=unchanged
                )
            except (FileError, OSError) as exc:
                return failed(str(exc))
        finally:
            scratch.unlink(missing_ok=True)
        return RecalcOutcome(
            source,
            dest,
            True,
            time.monotonic() - began,
            formulas=int(reply.get("formulas", 0)),
            refreshed=stats.refreshed,
            unsupported=tuple(stats.unsupported),
            missing=tuple(stats.missing),
        )

    def _ask(self, request: dict[str, object]) -> _Reply:
        """Send one request; on timeout or a dead LibreOffice, kill it and report failure."""
        running = self._running
        assert running is not None
        try:
            assert running.worker.stdin is not None
            running.worker.stdin.write(json.dumps(request) + "\n")
            running.worker.stdin.flush()
        except OSError:
            self._stop(kill=True)
            return {"ok": False, "error": "LibreOffice had stopped; it will be restarted."}
        reply = self._read(self.timeout)
        if reply is None:
            self._stop(kill=True)
            return {
                "ok": False,
                "error": f"LibreOffice did not finish within {self.timeout:g} s (or crashed); "
                "it was restarted for the next workbook.",
            }
        if reply.get("restart"):
            self._stop(kill=True)  # soffice went away mid-file; the next workbook restarts it
        return reply

    def _read(self, timeout: float) -> _Reply | None:
        assert self._running is not None
        try:
            line = self._running.replies.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is None:
            return None
        try:
            reply: _Reply = json.loads(line)
        except ValueError:
            return {"ok": False, "error": f"garbled answer from the worker: {line[:200]!r}"}
        return reply

    def _stop(self, *, kill: bool) -> None:
        running, self._running = self._running, None
        if running is None:
            return
        if not kill and running.worker.poll() is None:
            with contextlib.suppress(OSError):
                assert running.worker.stdin is not None
                running.worker.stdin.write(json.dumps({"quit": True}) + "\n")
                running.worker.stdin.flush()
            with contextlib.suppress(subprocess.TimeoutExpired):
                running.worker.wait(timeout=10)
            with contextlib.suppress(subprocess.TimeoutExpired):
                running.soffice.wait(timeout=10)
        for process in (running.worker, running.soffice):
            reap(process, kill=kill)

    def close(self) -> None:
        """Terminate LibreOffice and delete the temporary profile. Safe to call twice."""
        try:
            self._stop(kill=False)
        finally:
            if self._home is not None:
                shutil.rmtree(self._home, ignore_errors=True)
                self._home = None


def recalc(
    paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    timeout: float = 120.0,
) -> list[RecalcOutcome]:
    """Recalculate each workbook with one LibreOffice; in place, or into `out_dir`."""
    outcomes = []
    with Recalculator(timeout=timeout) as calc:
        for path in paths:
            out = Path(out_dir) / Path(path).name if out_dir is not None else None
            outcomes.append(calc.recalc(path, out))
    return outcomes
