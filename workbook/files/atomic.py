"""Replacing files all-or-nothing, and noticing when someone else holds or changed one.

Every file this project writes (a workbook after write-back, its backup, a recalculated copy,
a new template, a package with the ribbon added) goes through `replacing()`: the content is
written to a hidden temporary file in the target's folder, flushed to disk, given the
permissions of the file it replaces, and only then renamed over the target. A failure at any
point leaves the target as it was and removes the temporary file.

Permissions follow one rule: those of the file being replaced; for a new file, those of the
file it was made from (`mode_from`); otherwise the usual mode for a new file (0666 less the
umask).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import signal
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.errors import FileError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

TEMP_PREFIX = ".pmo-"  # hidden, and recognisable as ours when a killed run leaves one
STALE_AFTER_S = 60.0  # without file locks (Windows): a temporary file this old is stale


@dataclass(frozen=True, slots=True)
class FileStamp:
    """Size, modification time and content hash of a file, to notice changes."""

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> FileStamp:
        """The stamp of the file as it is now."""
        path = Path(path)
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        stat = path.stat()
        return cls(stat.st_size, stat.st_mtime_ns, digest.hexdigest())


def owner_files(path: Path) -> list[Path]:
    """Excel's lock files for `path` that exist now (`~$` + name, or with its first chars cut)."""
    name = path.name
    candidates = {f"~${name}", f"~${name[1:]}", f"~${name[2:]}"}
    return sorted(path.parent / c for c in candidates if (path.parent / c).exists())


def check_writable(path: Path, stamp: FileStamp | None) -> None:
    """Refuse when Excel has the file open or it changed since it was read (`stamp`)."""
    locks = owner_files(path)
    if locks:
        raise FileError(
            f"{path.name} is open in Excel (lock file {locks[0].name} found); close "
            "it in Excel and run again"
        )
    if stamp is not None and path.exists():
        now = FileStamp.of(path)
        if now != stamp:
            raise FileError(
                f"{path.name} changed since it was read (someone saved it); nothing "
                "was written, run again to use the new version"
            )


def check_target(path: Path, *, make_folder: bool = False) -> None:
    """Raise FileError now if a file could not be written at `path` later.

    Catches before a long run what would otherwise fail at its end: a folder where the file
    should go, a folder that does not exist (with `make_folder`, the nearest one that does
    must take new folders), a folder or file without write permission.
    """
    path = Path(path)
    if path.is_dir():
        raise FileError(f"{path} is a folder; give a file name inside it, e.g. {path / 'x'}")
    if path.exists() and not path.is_file():
        raise FileError(f"{path} is not a regular file (a pipe or a device); choose a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if make_folder:
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    if not folder.exists():
        raise FileError(
            f"{path}: the folder {folder} does not exist; create it first or choose another"
        )
    if not folder.is_dir():
        raise FileError(f"{path}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileError(
            f"{path}: no permission to write into the folder {folder}; choose another folder"
        )
    if path.exists():
        check_not_read_only(path)


def check_folder_target(folder: Path) -> None:
    """Raise FileError now if files could not be written into `folder` (made when missing)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FileError(f"{folder} is a file, not a folder; name a folder for the files")
    check_target(folder / "file", make_folder=True)


def os_error_words(error: OSError) -> str:
    """What an operating-system error means for the person running pmo."""
    words = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "the file is larger than this process may write (a file-size limit)",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENOENT: "no such file or folder",
        errno.EISDIR: "it is a folder",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
    }.get(error.errno or 0)
    return words or error.strerror or str(error)


def check_not_read_only(path: Path) -> None:
    """Refuse to replace a file its owner marked read-only (even when the folder would let us)."""
    if Path(path).stat().st_mode & 0o222 == 0 or not os.access(path, os.W_OK):
        raise FileError(
            f"{Path(path).name} is read-only; make it writable (or write a copy with --out) "
            "and run again"
        )


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _mode_for(target: Path, mode_from: Path | None) -> int:
    for candidate in (target, mode_from):
        if candidate is not None and candidate.exists():
            return candidate.stat().st_mode & 0o7777
    return _new_file_mode()


class SavedThenInterrupted(KeyboardInterrupt):
    """Ctrl-C came while a file was being committed: it was held until the file was whole,
    so `path` holds the complete new content."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


_holding = 0  # nesting depth of `interrupts_held` (main thread only)


@contextlib.contextmanager
def interrupts_held(path: Path) -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block ends, so a commit is never cut in half; then
    raise it as `SavedThenInterrupted(path)`. Only the main thread receives signals; only
    the outermost hold raises."""
    global _holding
    previous = signal.getsignal(signal.SIGINT)
    if (
        threading.current_thread() is not threading.main_thread()
        or _holding
        or previous is not signal.default_int_handler  # ignored, or someone else's
    ):
        _holding += 1
        try:
            yield
        finally:
            _holding -= 1
        return
    held: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: held.append(signum))
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
        signal.signal(signal.SIGINT, previous)
    if held:
        raise SavedThenInterrupted(path)


@contextlib.contextmanager
def replacing(
    target: str | os.PathLike[str],
    *,
    mode_from: Path | None = None,
    backup: bool = False,
    before_commit: Callable[[], None] | None = None,
) -> Iterator[Path]:
    """Yield a temporary path beside `target`; when the block ends normally, move it over
    `target` atomically (flushed to disk first, permissions per the module's rule). With
    `backup`, the file being replaced is first copied to its backup (`keep_backup`).

    When the block raises, the temporary file is removed and `target` is left as it was.
    The commit (`before_commit()`, e.g. "is the file still as we read it?", the backup and
    the rename) runs holding a lock on `target`, so two runs never both pass the check and
    then overwrite each other; Ctrl-C is held until it is done (`interrupts_held`). While
    the temporary file exists its writer holds a lock on it, so `clean_stale_temps` can tell
    a file left by a killed run from one still being written.
    """
    # through a symbolic link, the file it points to is replaced, and the link stays
    target = Path(os.path.realpath(target))
    clean_stale_temps(target.parent)
    temp = _locked_temp(target)
    try:
        yield temp
        with interrupts_held(target), _commit_lock(target):
            if before_commit is not None:
                before_commit()
            if backup and target.exists():
                keep_backup(target)
            with temp.open("rb+") as written:
                os.fsync(written.fileno())
            temp.chmod(_mode_for(target, mode_from))
            os.replace(temp, target)
            _moved(temp, target)
    finally:
        temp.unlink(missing_ok=True)
        _release(temp)


@contextlib.contextmanager
def _commit_lock(target: Path) -> Iterator[None]:
    """An exclusive lock on the file about to be replaced, for the time of the commit (not on
    a temporary file of ours: that lock is ours already)."""
    if fcntl is None or target in _held:
        yield
        return
    try:
        handle = os.open(target, os.O_RDONLY)
    except FileNotFoundError:  # a new file: nothing to race for
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


# temporary file -> the descriptor holding the lock on the file now at that path. When a
# temporary file is itself replaced (the ribbon fix of a freshly saved workbook), the lock of
# the file that took its place is handed over, so the path is never left unlocked.
_held: dict[Path, int] = {}


def _locked_temp(target: Path) -> Path:
    """A new temporary file beside `target`, locked by us where locks exist."""
    while True:
        handle, name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{target.stem}.", suffix=target.suffix, dir=target.parent
        )
        temp = Path(name)
        if fcntl is None:  # Windows: a file open here could not be renamed; age tells instead
            os.close(handle)
            return temp
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if os.stat(temp).st_ino == os.fstat(handle).st_ino:
                _held[temp] = handle
                return temp
        except FileNotFoundError:
            pass
        os.close(handle)  # a cleaner took it for stale in the instant before the lock: again


def _moved(temp: Path, target: Path) -> None:
    """`temp` now is `target`: if `target` is a temporary file of ours, our lock is its lock."""
    handle = _held.pop(temp, None)
    if handle is None:
        return
    previous = _held.get(target)
    if previous is not None:
        os.close(previous)
        _held[target] = handle
    else:
        _held[temp] = handle  # released as the block ends


def _release(temp: Path) -> None:
    handle = _held.pop(temp, None)
    if handle is not None:
        os.close(handle)


def clean_stale_temps(folder: Path) -> list[Path]:
    """Remove the temporary files of ours (`.pmo-*`) that killed runs left in `folder`; the
    paths removed. A run in progress holds a lock on its own, which is kept; without such
    locks (Windows), only files older than `STALE_AFTER_S` are taken for stale."""
    removed: list[Path] = []
    try:
        candidates = [p for p in Path(folder).iterdir() if p.name.startswith(TEMP_PREFIX)]
    except OSError:
        return removed  # an unreadable folder: the write that follows will say so
    for path in candidates:
        try:
            if path.is_file() and _remove_if_stale(path):
                removed.append(path)
        except OSError:  # gone meanwhile, or not ours to remove
            continue
    return removed


def _remove_if_stale(path: Path) -> bool:
    if fcntl is None:
        if time.time() - path.stat().st_mtime < STALE_AFTER_S:
            return False
        path.unlink()
        return True
    with path.open("rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # its writer is alive
        path.unlink()  # while holding the lock: a writer that just made it will notice
        return True


def copy_atomically(source: Path, target: Path) -> None:
    """Copy `source` over `target` (content, times and mode), all or nothing."""
    with replacing(target, mode_from=source) as temp:
        shutil.copy2(source, temp)


def backup_path(path: Path) -> Path:
    """`Book.bak.xlsm` beside `Book.xlsm`."""
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def keep_backup(path: Path) -> Path:
    """Copy `path` to its backup atomically: the old backup stays whole until the new one is."""
    path = Path(os.path.realpath(path))  # beside the real file, when `path` is a link
    kept = backup_path(path)
    copy_atomically(path, kept)
    return kept


def rewrite_package(
    source: Path,
    replaced: Mapping[str, bytes],
    target: Path,
    *,
    added_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0),
    before_commit: Callable[[], None] | None = None,
) -> None:
    """Write the zip package `source` to `target` with some parts replaced or added.

    Every other part is copied as it is (same name, date, compression and attributes), so
    what this project does not touch, such as the VBA project, stays byte-identical.
    """
    pending = dict(replaced)
    try:
        with (
            zipfile.ZipFile(source) as package,
            replacing(target, mode_from=source, before_commit=before_commit) as temp,
            zipfile.ZipFile(temp, "w") as out,
        ):
            for info in package.infolist():
                data = pending.pop(info.filename, None)
                copy = zipfile.ZipInfo(info.filename, info.date_time)
                copy.compress_type = info.compress_type
                copy.external_attr = info.external_attr
                copy.create_system = info.create_system
                out.writestr(copy, package.read(info) if data is None else data)
            for name, data in pending.items():  # parts that were not there before
                out.writestr(
                    zipfile.ZipInfo(name, added_time), data, compress_type=zipfile.ZIP_DEFLATED
                )
    except zipfile.BadZipFile as error:
        raise FileError(f"{source.name}: not a valid .xlsx/.xlsm package ({error})") from error
